//! Which URL the crawl fetches next, and when: politeness and fairness as bookkeeping, with no
//! I/O, so it can be tested with a clock in hand.
//!
//! One *slot* per inventory site holds a buffer of URLs claimed from the frontier (the `urls`
//! table), the site's [`Gate`] (requests in flight, spacing, pauses a server asked for) and its
//! page cap; one more slot holds external link checks, with a gate per host. [`super::crawl`]
//! claims rows from the store into slots when [`Scheduler::claim_want`] says so, spawns the
//! fetches [`Scheduler::dispatch`] hands out, and reports each outcome back
//! ([`Scheduler::finished`], [`Scheduler::retry`]). Slots are visited round-robin so that one
//! large site does not starve the others.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use url::Url;

use super::{CLAIM_BATCH, CLAIM_BATCH_EXTERNAL, HOST_GIVE_UP, MAX_ATTEMPTS};
use crate::store::{FetchRecord, Queued};

/// One host's politeness: concurrent requests, spacing, and pauses asked for by the server.
#[derive(Debug, Clone)]
pub struct Gate {
    in_flight: usize,
    max: usize,
    interval: Duration,
    next_at: Instant,
}

impl Gate {
    /// At most `max` requests at once, each started `interval` after the one before; the
    /// first may start at `start`.
    pub fn new(max: usize, interval: Duration, start: Instant) -> Gate {
        Gate {
            in_flight: 0,
            max: max.max(1),
            interval,
            next_at: start,
        }
    }

    fn ready(&self, now: Instant) -> bool {
        self.in_flight < self.max && now >= self.next_at
    }

    fn take(&mut self, now: Instant) {
        self.in_flight += 1;
        self.next_at = now + self.interval;
    }

    fn release(&mut self) {
        self.in_flight = self.in_flight.saturating_sub(1);
    }

    fn pause_until(&mut self, t: Instant) {
        self.next_at = self.next_at.max(t);
    }

    /// When a request may start, if one of its request slots is free. With every slot busy,
    /// the next finished request wakes the loop; a timer would only spin.
    fn wake_at(&self, due: Instant) -> Option<Instant> {
        (self.in_flight < self.max).then(|| self.next_at.max(due))
    }
}

/// A URL claimed from the frontier, waiting for its fetch (or its next attempt).
#[derive(Debug)]
pub struct Item {
    /// The frontier row.
    pub q: Queued,
    /// Not before this moment (a retry's backoff).
    pub not_before: Option<Instant>,
    /// Which attempt the next fetch is (1 for the first).
    pub attempt: u32,
}

/// A fetch to start now.
#[derive(Debug)]
pub struct Dispatch {
    /// The slot it came from (give it back with the outcome).
    pub slot: usize,
    /// The inventory site, or `None` for an external link check.
    pub site_id: Option<i64>,
    /// For external checks: the host whose gate it took.
    pub host: Option<String>,
    /// The URL.
    pub item: Item,
}

struct Slot {
    site_id: Option<i64>,
    buffer: VecDeque<Item>,
    /// The last claim found nothing more.
    exhausted: bool,
    /// Sequence number of the newest write that queued URLs here; claim again once committed.
    pending_new: Option<u64>,
    gate: Gate,
    /// First attempts started (pages fetched or begun), towards `cap`.
    started: u64,
    cap: u64,
    /// 429/503 answers in a row from this site, with no other answer between.
    throttled: u32,
}

impl Slot {
    fn capped(&self) -> bool {
        self.started >= self.cap
    }

    fn batch(&self) -> usize {
        if self.site_id.is_some() {
            CLAIM_BATCH
        } else {
            CLAIM_BATCH_EXTERNAL
        }
    }
}

/// The crawl's slots and what is claimed or in flight.
pub struct Scheduler {
    slots: Vec<Slot>,
    slot_of: HashMap<i64, usize>,
    external: usize,
    external_gates: HashMap<String, Gate>,
    /// Per-host limits of external checks.
    per_host: usize,
    delay: Duration,
    /// Claimed ids: `None` while buffered or in flight, `Some(seq)` once the outcome went to
    /// the writer (claimable again when that write is committed and the row is still queued).
    claimed: HashMap<i64, Option<u64>>,
    /// Failed attempts of URLs that will be tried again: (attempt, kind, message).
    attempt_errors: HashMap<i64, Vec<(u32, &'static str, String)>>,
    round_robin: usize,
}

impl Scheduler {
    /// Slots for `sites` (id, gate, pages already started in this run), each capped at `cap`
    /// pages, and one for external checks (`per_host` at once per host, `delay` apart).
    pub fn new(sites: Vec<(i64, Gate, u64)>, cap: u64, per_host: usize, delay: Duration) -> Self {
        let mut slots: Vec<Slot> = sites
            .into_iter()
            .map(|(id, gate, started)| Slot {
                site_id: Some(id),
                buffer: VecDeque::new(),
                exhausted: false,
                pending_new: None,
                gate,
                started,
                cap,
                throttled: 0,
            })
            .collect();
        let slot_of = slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.site_id.map(|id| (id, i)))
            .collect();
        let external = slots.len();
        slots.push(Slot {
            site_id: None,
            buffer: VecDeque::new(),
            exhausted: false,
            pending_new: None,
            gate: Gate::new(usize::MAX, Duration::ZERO, Instant::now()),
            started: 0,
            cap: u64::MAX,
            throttled: 0,
        });
        Scheduler {
            slots,
            slot_of,
            external,
            external_gates: HashMap::new(),
            per_host,
            delay,
            claimed: HashMap::new(),
            attempt_errors: HashMap::new(),
            round_robin: 0,
        }
    }

    /// The slots in this round's order (round-robin from a different slot each round).
    pub fn round(&mut self) -> Vec<usize> {
        let n = self.slots.len();
        let order = (0..n).map(|k| (self.round_robin + k) % n).collect();
        self.round_robin = (self.round_robin + 1) % n;
        order
    }

    /// The writer committed everything up to `committed`: rows whose outcome it holds may be
    /// claimed again (a retry left queued, a resumed crawl).
    pub fn committed(&mut self, committed: u64) {
        self.claimed
            .retain(|_, s| s.is_none_or(|seq| seq > committed));
    }

    /// Whether `id` is claimed (buffered, in flight, or its outcome not yet committed).
    pub fn is_claimed(&self, id: i64) -> bool {
        self.claimed.contains_key(&id)
    }

    /// Whether slot `i` should claim from the frontier now: `Some((site, rows wanted))` when
    /// its buffer runs low and the frontier may hold more (it did last time, or a committed
    /// write queued URLs for it since).
    pub fn claim_want(&mut self, i: usize, committed: u64) -> Option<(Option<i64>, usize)> {
        let slot = &mut self.slots[i];
        let fresh = slot.pending_new.is_some_and(|s| s <= committed);
        if slot.capped() || slot.buffer.len() >= slot.batch() / 4 || (slot.exhausted && !fresh) {
            return None;
        }
        if fresh {
            slot.pending_new = None;
        }
        Some((slot.site_id, slot.batch()))
    }

    /// The rows a claim for slot `i` returned (`want` asked for).
    pub fn fill(&mut self, i: usize, rows: Vec<Queued>, want: usize) {
        let slot = &mut self.slots[i];
        slot.exhausted = rows.len() < want;
        for q in rows {
            self.claimed.insert(q.id, None);
            slot.buffer.push_back(Item {
                q,
                not_before: None,
                attempt: 1,
            });
        }
    }

    /// The fetches of slot `i` that may start at `now`, at most `free` of them, and when the
    /// slot can start another if it has to wait.
    pub fn dispatch(
        &mut self,
        i: usize,
        now: Instant,
        mut free: usize,
    ) -> (Vec<Dispatch>, Option<Instant>) {
        let mut out = Vec::new();
        let mut wake: Option<Instant> = None;
        let mut wake_at = |w: Instant| wake = Some(wake.map_or(w, |x: Instant| x.min(w)));
        let slot = &mut self.slots[i];
        if slot.site_id.is_some() {
            while free > 0 {
                let Some(front) = slot.buffer.front() else {
                    break;
                };
                if front.attempt == 1 && slot.capped() {
                    break;
                }
                let due = front.not_before.unwrap_or(now);
                if !slot.gate.ready(now) || due > now {
                    if let Some(w) = slot.gate.wake_at(due) {
                        wake_at(w);
                    }
                    break;
                }
                let Some(mut item) = slot.buffer.pop_front() else {
                    break;
                };
                if item.attempt == 1 {
                    slot.started += 1;
                }
                // A site that only ever answers "try later" is not waited for without end:
                // after HOST_GIVE_UP such answers in a row, each remaining page is asked once
                // and its answer (429, 503) recorded.
                if slot.throttled >= HOST_GIVE_UP {
                    item.attempt = item.attempt.max(MAX_ATTEMPTS);
                }
                slot.gate.take(now);
                free -= 1;
                out.push(Dispatch {
                    slot: i,
                    site_id: slot.site_id,
                    host: None,
                    item,
                });
            }
            if slot.capped() {
                // The page cap is reached: first attempts go back to the frontier untouched,
                // for a later run with a higher cap; retries of started pages still run.
                let claimed = &mut self.claimed;
                slot.buffer.retain(|it| {
                    let keep = it.attempt > 1;
                    if !keep {
                        claimed.remove(&it.q.id);
                    }
                    keep
                });
            }
        } else {
            // External checks: many hosts share the slot; skip over items whose host is busy.
            let mut kept = VecDeque::with_capacity(slot.buffer.len());
            while let Some(item) = slot.buffer.pop_front() {
                if free == 0 {
                    kept.push_back(item);
                    continue;
                }
                let host = Url::parse(&item.q.url)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_string))
                    .unwrap_or_default();
                let (per_host, delay) = (self.per_host, self.delay);
                let gate = self
                    .external_gates
                    .entry(host.clone())
                    .or_insert_with(|| Gate::new(per_host, delay, now));
                let due = item.not_before.unwrap_or(now);
                if !gate.ready(now) || due > now {
                    if let Some(w) = gate.wake_at(due) {
                        wake_at(w);
                    }
                    kept.push_back(item);
                    continue;
                }
                gate.take(now);
                free -= 1;
                out.push(Dispatch {
                    slot: i,
                    site_id: None,
                    host: Some(host),
                    item,
                });
            }
            slot.buffer = kept;
        }
        (out, wake)
    }

    fn gate(&mut self, slot: usize, host: &Option<String>) -> Option<&mut Gate> {
        match host {
            Some(h) => self.external_gates.get_mut(h),
            None => Some(&mut self.slots[slot].gate),
        }
    }

    /// A fetch ended for good: frees its gate, and gives `rec` its attempt count and the
    /// errors of the attempts before.
    pub fn finished(
        &mut self,
        slot: usize,
        host: &Option<String>,
        item: &Item,
        rec: &mut FetchRecord,
    ) {
        if let Some(g) = self.gate(slot, host) {
            g.release();
        }
        if host.is_none() && rec.status.is_some_and(|s| !matches!(s, 429 | 503)) {
            self.slots[slot].throttled = 0;
        }
        if let Some(mut errs) = self.attempt_errors.remove(&item.q.id) {
            errs.append(&mut rec.attempt_errors);
            rec.attempt_errors = errs;
        }
        rec.attempts = item.attempt;
    }

    /// The outcome of URL `id` went to the writer as write `seq`, and queued URLs for the
    /// sites `new_for` (`None`: external): their slots claim again once `seq` is committed.
    pub fn sent(&mut self, id: i64, seq: u64, new_for: impl IntoIterator<Item = Option<i64>>) {
        self.claimed.insert(id, Some(seq));
        for site in new_for {
            let s = site
                .and_then(|s| self.slot_of.get(&s).copied())
                .unwrap_or(self.external);
            self.slots[s].pending_new = Some(seq);
        }
    }

    /// A fetch will be tried again after `wait` (at the back of its slot, so that the URLs
    /// behind it need not wait for its backoff). `pause_host`: the server asked everyone to
    /// wait (429, 503), so its gate waits too.
    #[allow(clippy::too_many_arguments)]
    pub fn retry(
        &mut self,
        slot: usize,
        host: &Option<String>,
        mut item: Item,
        now: Instant,
        wait: Duration,
        pause_host: bool,
        error: (&'static str, String),
    ) {
        if let Some(g) = self.gate(slot, host) {
            g.release();
            if pause_host {
                g.pause_until(now + wait);
            }
        }
        if pause_host && host.is_none() {
            let s = &mut self.slots[slot];
            s.throttled += 1;
            if s.throttled == HOST_GIVE_UP {
                log::warn!(
                    "{}: {HOST_GIVE_UP} answers in a row said to try later; its remaining pages are asked once each",
                    item.q.url
                );
            }
        }
        self.attempt_errors
            .entry(item.q.id)
            .or_default()
            .push((item.attempt, error.0, error.1));
        item.attempt += 1;
        item.not_before = Some(now + wait);
        self.slots[slot].buffer.push_back(item);
    }

    /// Nothing buffered anywhere, and no slot expects more from the frontier.
    pub fn idle(&self) -> bool {
        self.slots
            .iter()
            .all(|s| s.buffer.is_empty() && (s.exhausted || s.capped()))
    }

    /// A slot waits for a write that queued URLs for it (a capped site never claims again,
    /// so URLs queued for it do not keep the crawl waiting).
    pub fn awaiting_commit(&self) -> bool {
        self.slots
            .iter()
            .any(|s| s.pending_new.is_some() && !s.capped())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, url: &str) -> Queued {
        Queued {
            id,
            url: url.into(),
            depth: 0,
            redirect_depth: 0,
        }
    }

    fn record() -> FetchRecord {
        FetchRecord {
            status: Some(200),
            ..FetchRecord::default()
        }
    }

    /// One site (id 7), `per_host` at once, `delay` apart, capped at `cap` pages.
    fn one_site(per_host: usize, delay: Duration, cap: u64) -> Scheduler {
        Scheduler::new(
            vec![(7, Gate::new(per_host, delay, Instant::now()), 0)],
            cap,
            2,
            Duration::ZERO,
        )
    }

    fn urls(d: &[Dispatch]) -> Vec<&str> {
        d.iter().map(|d| d.item.q.url.as_str()).collect()
    }

    #[test]
    fn a_site_gets_per_host_requests_spaced_by_its_delay() {
        let mut s = one_site(2, Duration::from_secs(1), 100);
        assert_eq!(s.claim_want(0, 0), Some((Some(7), CLAIM_BATCH)));
        s.fill(
            0,
            (1..=4)
                .map(|i| row(i, &format!("https://a.gov/{i}")))
                .collect(),
            64,
        );
        let t0 = Instant::now();
        let (first, wake) = s.dispatch(0, t0, 10);
        // One request, then the delay: the next may start one second later.
        assert_eq!(urls(&first), vec!["https://a.gov/1"]);
        assert_eq!(wake, Some(t0 + Duration::from_secs(1)));
        let (second, _) = s.dispatch(0, t0 + Duration::from_secs(1), 10);
        assert_eq!(urls(&second), vec!["https://a.gov/2"]);
        // Two in flight: no timer (the next finished request wakes the loop).
        let (none, wake) = s.dispatch(0, t0 + Duration::from_secs(5), 10);
        assert!(none.is_empty());
        assert_eq!(wake, None);
        let mut rec = record();
        s.finished(0, &None, &first[0].item, &mut rec);
        let (third, _) = s.dispatch(0, t0 + Duration::from_secs(5), 10);
        assert_eq!(urls(&third), vec!["https://a.gov/3"]);
        // The whole crawl's concurrency bounds it too.
        let mut s = one_site(8, Duration::ZERO, 100);
        s.fill(
            0,
            (1..=4)
                .map(|i| row(i, &format!("https://a.gov/{i}")))
                .collect(),
            64,
        );
        assert_eq!(s.dispatch(0, Instant::now(), 3).0.len(), 3);
    }

    #[test]
    fn the_page_cap_returns_unstarted_urls_and_keeps_retries() {
        let mut s = one_site(4, Duration::ZERO, 2);
        s.fill(
            0,
            (1..=4)
                .map(|i| row(i, &format!("https://a.gov/{i}")))
                .collect(),
            64,
        );
        let now = Instant::now();
        let (started, _) = s.dispatch(0, now, 10);
        assert_eq!(urls(&started), vec!["https://a.gov/1", "https://a.gov/2"]);
        // Pages 3 and 4 go back to the frontier, unclaimed, for a run with a higher cap.
        assert!(!s.is_claimed(3) && !s.is_claimed(4));
        assert!(s.is_claimed(1));
        // A started page that failed is still retried after its backoff.
        let item = started.into_iter().next().expect("one").item;
        s.retry(
            0,
            &None,
            item,
            now,
            Duration::from_secs(2),
            false,
            ("timeout", "t".into()),
        );
        assert!(s.dispatch(0, now + Duration::from_secs(1), 10).0.is_empty());
        let (again, _) = s.dispatch(0, now + Duration::from_secs(2), 10);
        assert_eq!(urls(&again), vec!["https://a.gov/1"]);
        assert_eq!(again[0].item.attempt, 2);
        // The capped site claims nothing more and does not keep the crawl waiting.
        assert_eq!(s.claim_want(0, 0), None);
        s.sent(9, 5, [Some(7)]);
        assert!(!s.awaiting_commit());
    }

    #[test]
    fn a_retry_waits_at_the_back_and_carries_its_errors() {
        let mut s = one_site(1, Duration::ZERO, 100);
        s.fill(
            0,
            vec![row(1, "https://a.gov/1"), row(2, "https://a.gov/2")],
            64,
        );
        let now = Instant::now();
        let (d, _) = s.dispatch(0, now, 10);
        let first = d.into_iter().next().expect("one").item;
        s.retry(
            0,
            &None,
            first,
            now,
            Duration::from_secs(3),
            false,
            ("connect", "refused".into()),
        );
        // The URL behind it does not wait for its backoff.
        let (d, _) = s.dispatch(0, now, 10);
        assert_eq!(urls(&d), vec!["https://a.gov/2"]);
        let mut rec = record();
        s.finished(0, &None, &d[0].item, &mut rec);
        let (d, wake) = s.dispatch(0, now, 10);
        assert!(d.is_empty());
        assert_eq!(wake, Some(now + Duration::from_secs(3)));
        let (d, _) = s.dispatch(0, now + Duration::from_secs(3), 10);
        let mut rec = record();
        s.finished(0, &None, &d[0].item, &mut rec);
        assert_eq!(rec.attempts, 2);
        assert_eq!(
            rec.attempt_errors,
            vec![(1, "connect", "refused".to_string())]
        );
    }

    #[test]
    fn a_site_that_keeps_saying_try_later_is_asked_once_per_page() {
        let mut s = one_site(1, Duration::ZERO, 1000);
        s.fill(
            0,
            (1..=20)
                .map(|i| row(i, &format!("https://a.gov/{i}")))
                .collect(),
            64,
        );
        let mut now = Instant::now();
        for _ in 0..HOST_GIVE_UP {
            let (d, _) = s.dispatch(0, now, 10);
            let item = d.into_iter().next().expect("one").item;
            assert!(item.attempt < MAX_ATTEMPTS);
            let wait = Duration::from_secs(1);
            s.retry(0, &None, item, now, wait, true, ("status", "503".into()));
            // The pause holds the whole host.
            assert!(s.dispatch(0, now, 10).0.is_empty());
            now += wait;
        }
        let (d, _) = s.dispatch(0, now, 10);
        assert_eq!(d[0].item.attempt, MAX_ATTEMPTS, "no more retries");
    }

    #[test]
    fn external_checks_are_gated_per_host() {
        let mut s = Scheduler::new(Vec::new(), 100, 1, Duration::from_secs(1));
        let ext = 0;
        assert_eq!(s.claim_want(ext, 0), Some((None, CLAIM_BATCH_EXTERNAL)));
        s.fill(
            ext,
            vec![
                row(1, "https://x.gov/a"),
                row(2, "https://x.gov/b"),
                row(3, "https://y.gov/a"),
            ],
            CLAIM_BATCH_EXTERNAL,
        );
        let now = Instant::now();
        let (d, wake) = s.dispatch(ext, now, 10);
        // x.gov/b waits for x.gov's gate; y.gov does not wait for it.
        assert_eq!(urls(&d), vec!["https://x.gov/a", "https://y.gov/a"]);
        assert_eq!(d[0].host.as_deref(), Some("x.gov"));
        assert_eq!(wake, None, "x.gov's one request slot is busy");
        let mut rec = record();
        s.finished(ext, &d[0].host, &d[0].item, &mut rec);
        let (later, _) = s.dispatch(ext, now + Duration::from_secs(1), 10);
        assert_eq!(urls(&later), vec!["https://x.gov/b"]);
    }

    #[test]
    fn an_exhausted_frontier_is_claimed_again_after_a_commit_that_queued_urls() {
        let mut s = one_site(4, Duration::ZERO, 100);
        s.fill(0, vec![row(1, "https://a.gov/")], 64);
        assert_eq!(
            s.claim_want(0, 0),
            None,
            "the last claim found nothing more"
        );
        let (d, _) = s.dispatch(0, Instant::now(), 10);
        let mut rec = record();
        s.finished(0, &None, &d[0].item, &mut rec);
        // Its outcome queued new URLs for the site in write 3.
        s.sent(1, 3, [Some(7), None]);
        assert!(s.awaiting_commit());
        assert!(!s.idle());
        assert_eq!(s.claim_want(0, 2), None, "write 3 is not committed yet");
        s.committed(2);
        assert!(s.is_claimed(1));
        assert_eq!(s.claim_want(0, 3), Some((Some(7), CLAIM_BATCH)));
        s.committed(3);
        assert!(!s.is_claimed(1));
        s.fill(0, Vec::new(), 64);
        assert_eq!(s.claim_want(0, 3), None);
        // The external slot was told too, and claims once.
        assert!(s.awaiting_commit());
        assert_eq!(s.claim_want(1, 3), Some((None, CLAIM_BATCH_EXTERNAL)));
        s.fill(1, Vec::new(), CLAIM_BATCH_EXTERNAL);
        assert!(!s.awaiting_commit());
        assert!(s.idle());
    }

    #[test]
    fn rounds_start_from_a_different_slot() {
        let mut s = Scheduler::new(
            vec![
                (1, Gate::new(1, Duration::ZERO, Instant::now()), 0),
                (2, Gate::new(1, Duration::ZERO, Instant::now()), 0),
            ],
            10,
            1,
            Duration::ZERO,
        );
        assert_eq!(s.round(), vec![0, 1, 2]);
        assert_eq!(s.round(), vec![1, 2, 0]);
        assert_eq!(s.round(), vec![2, 0, 1]);
    }
}
