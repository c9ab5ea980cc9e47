//! What the report says, gathered once from the store for every format: the answer for a CIO
//! (how many sites, which to merge or retire, the top problems), progress since the previous run,
//! per-site scorecards and the pages to fix.
//!
//! Reads: the store (sites; the newest run's findings one at a time, in the store's order and
//! again sorted by page; the previous run's for progress; the titles of the pages listed).
//! Holds counts, one row per fix, the answers that differ, the first pages to fix and a hash per
//! finding, never the findings themselves: a report of millions of findings takes the memory of
//! its fixes. Writes nothing, and computes no finding: it counts, sorts and compares what the
//! audits stored.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::ops::ControlFlow;

use serde_json::Value;

use crate::model::{origin_host as host, Finding, FindingKind, Severity};
use crate::store::{self, EarlierRun, PageFinding, SiteRow, Store};

/// About how many fixes the HTML report's findings table lists, shared among the kinds (see
/// [`Report::fixes_shown`]; all are in `findings.csv`).
pub const FIX_ROWS: usize = 1500;
/// Fixes every kind of finding gets in that table at least (when it has that many).
pub const FIX_ROWS_PER_KIND: usize = 25;
/// Fixes of each kind `report.md` lists.
pub const FIXES_LISTED_PER_KIND: usize = 5;
/// Pages to fix kept for the report (the HTML lists this many, `report.md` fewer).
pub const PAGES_LISTED: usize = super::html::MAX_PAGE_ROWS;
/// Fixed findings kept for the progress section.
pub const FIXED_LISTED: usize = 5000;

/// Everything a report shows. Gathered from the store one finding at a time: it holds counts,
/// one row per fix, the answers that differ and the first pages to fix, never every finding
/// or page, so a report of millions of findings takes the memory of its fixes.
pub struct Report {
    /// When the report was written (RFC 3339).
    pub generated_at: String,
    /// The run reported.
    pub run_id: i64,
    /// Its inventory, as given to `crawl`.
    pub inventory: String,
    /// When its crawl started.
    pub crawled_at: String,
    /// Every inventory entry (web sites and other channels), in inventory order.
    pub sites: Vec<SiteRow>,
    /// What the run's findings add up to.
    findings: Tally,
    /// The pages with findings: how many, and the first [`PAGES_LISTED`] to fix.
    pages: (usize, Vec<PageToFix>),
    /// Comparison with the previous audited run of the same inventory.
    pub progress: Option<Progress>,
    /// The crawl did not finish: the addresses still queued. Every count covers only what was
    /// fetched, and says so.
    pub partial: Option<i64>,
}

/// What changed since the previous run.
pub struct Progress {
    /// The run compared with.
    pub previous: EarlierRun,
    /// How many findings of the previous run are gone.
    pub fixed_count: usize,
    /// The first [`FIXED_LISTED`] of them, in the store's order.
    pub fixed: Vec<Finding>,
    /// How many findings are new in this run.
    pub new: usize,
    /// Findings found in both runs.
    pub still_open: usize,
    /// Identities ([`finding_key`], hashed) of the previous run's findings, sorted.
    before: Vec<u64>,
}

/// One page with findings, for the web team's list.
#[derive(Debug, Clone)]
pub struct PageToFix {
    /// The page.
    pub url: String,
    /// Its site.
    pub site: String,
    /// Its title.
    pub title: Option<String>,
    /// Findings by severity: errors, warnings, notes.
    pub counts: [usize; 3],
    /// Distinct problems by severity (the same kind of problem counts once: 40 broken links
    /// on one page are one problem, "broken links", with 40 findings).
    pub problems: [usize; 3],
    /// Kinds of finding on it, most frequent first.
    pub kinds: Vec<String>,
}

/// Findings that one fix resolves: the same kind on one site, about the same target (a link),
/// rule (governance, plain language, readability) or group (copies, answers).
#[derive(Debug, Clone)]
pub struct FixGroup {
    /// The kind.
    pub kind: FindingKind,
    /// The site.
    pub site: String,
    /// What they are about: the target, rule or group.
    pub key: String,
    /// The most severe of them.
    pub severity: Severity,
    /// How many findings.
    pub findings: usize,
    /// Pages concerned (a template finding counts every page it names).
    pub pages: usize,
    /// Some of those pages (the first five, most severe first).
    pub sample: Vec<String>,
    /// The first finding (most severe first, then by page), whose message explains the fix:
    /// read again from the store for the fixes a report lists.
    first: Option<Lead>,
    /// Where the first finding is: (severity rank, page, position in the store's order, id).
    first_at: (u8, String, usize, i64),
    /// The sample with each page's severity rank, kept sorted.
    sample_at: Vec<(u8, String)>,
}

impl FixGroup {
    /// The first finding, most severe first: present for the fixes a report lists
    /// ([`Report::fixes_shown`], [`Report::fixes_listed`]).
    pub fn first(&self) -> Option<&Lead> {
        self.first.as_ref()
    }

    fn add(&mut self, f: &Finding, seq: usize, id: i64) {
        let rank = severity_rank(f.severity);
        self.findings += 1;
        self.pages += pages_of(f);
        if (rank, f.url.as_str(), seq)
            < (self.first_at.0, self.first_at.1.as_str(), self.first_at.2)
        {
            self.first_at = (rank, f.url.clone(), seq, id);
            self.severity = f.severity;
        }
        // The five pages that come first, most severe first then by address, each once.
        match self.sample_at.iter().position(|(_, u)| *u == f.url) {
            Some(i) if self.sample_at[i].0 <= rank => {}
            Some(i) => {
                self.sample_at[i].0 = rank;
                self.sample_at.sort();
            }
            None => {
                let at = self
                    .sample_at
                    .partition_point(|(r, u)| (*r, u.as_str()) < (rank, f.url.as_str()));
                if at < 5 {
                    self.sample_at.insert(at, (rank, f.url.clone()));
                    self.sample_at.truncate(5);
                }
            }
        }
    }
}

/// A fix a report lists, with its first finding.
pub type FixRow<'a> = (&'a FixGroup, &'a Lead);

/// What a report shows of a fix's first finding. Only this is kept: the finding itself can
/// be large (a group of copies names every page it is on).
#[derive(Debug, Clone)]
pub struct Lead {
    /// Its page.
    pub url: String,
    /// Its message, which explains the fix.
    pub message: String,
    /// Its details line ([`details`]).
    pub details: String,
    /// Its identity across runs ([`finding_key`], hashed).
    key: u64,
}

impl Lead {
    fn of(f: &Finding) -> Lead {
        Lead {
            url: f.url.clone(),
            message: f.message.clone(),
            details: details(f),
            key: digest(&finding_key(f)),
        }
    }
}

/// Broken links counted the three ways people mean, with the words for each.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BrokenCounts {
    /// Distinct addresses that do not work (`sites.broken_links`).
    pub addresses: usize,
    /// Links to them: one per page and address (a template link counts once per page).
    pub links: usize,
    /// Pages that have at least one.
    pub pages: usize,
}

impl BrokenCounts {
    /// "1,195 broken addresses, linked 5,731 times from 1,346 pages".
    pub fn sentence(&self) -> String {
        format!(
            "{} broken address{}, linked {} time{} from {} page{}",
            self.addresses,
            if self.addresses == 1 { "" } else { "es" },
            self.links,
            if self.links == 1 { "" } else { "s" },
            self.pages,
            if self.pages == 1 { "" } else { "s" }
        )
    }
}

/// Pages a finding concerns: a template finding names its page count, others one page.
pub fn pages_of(f: &Finding) -> usize {
    f.extra
        .get("pages")
        .and_then(Value::as_u64)
        .map_or(1, |n| n.max(1) as usize)
}

/// What one fix of a finding is about (see [`FixGroup`]).
pub fn fix_key(f: &Finding) -> String {
    let s = |k: &str| f.extra.get(k).and_then(Value::as_str).unwrap_or("");
    match f.kind {
        FindingKind::Governance | FindingKind::PlainLanguage | FindingKind::Readability => {
            s("rule").to_string()
        }
        FindingKind::Duplicate | FindingKind::NearDuplicate | FindingKind::InconsistentAnswer => {
            s("group").to_string()
        }
        _ => f.target().unwrap_or(&f.url).to_string(),
    }
}

/// The identity of a finding across runs: kind, page, and what it is about.
pub fn finding_key(f: &Finding) -> String {
    let field = |k: &str| match f.extra.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(v) => v.to_string(),
    };
    [
        f.kind.as_str(),
        f.url.as_str(),
        &field("target"),
        &field("rule"),
        &field("group"),
        &field("metric"),
        &field("fact_type"),
    ]
    .join("\u{1f}")
}

/// A 64-bit digest of a text: sets of millions of findings' identities and pages are held as
/// these (a collision among a million is about one chance in 10^7).
fn digest(text: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

fn severity_rank(s: Severity) -> u8 {
    match s {
        Severity::Error => 0,
        Severity::Warning => 1,
        Severity::Info => 2,
    }
}

/// Broken links of one site or all, as they are gathered: digests of addresses and pages.
#[derive(Default)]
struct BrokenTally {
    addresses: HashSet<u64>,
    pages: HashSet<u64>,
    links: usize,
}

impl BrokenTally {
    fn add(&mut self, f: &Finding) {
        self.addresses.insert(digest(f.target().unwrap_or("")));
        self.links += pages_of(f);
        self.pages.insert(digest(&f.url));
        for u in f.urls() {
            self.pages.insert(digest(u));
        }
    }

    fn counts(&self) -> BrokenCounts {
        BrokenCounts {
            addresses: self.addresses.len(),
            links: self.links,
            pages: self.pages.len(),
        }
    }
}

/// What a run's findings add up to, gathered one finding at a time in the store's order
/// (site, page, kind, target).
#[derive(Default)]
struct Tally {
    /// Findings seen.
    count: usize,
    /// Per kind (by spelling): findings by severity.
    by_kind: BTreeMap<&'static str, (FindingKind, [usize; 3])>,
    broken_all: BrokenTally,
    broken_by_site: HashMap<String, BrokenTally>,
    groups: HashMap<(FindingKind, String, String), FixGroup>,
    /// The inconsistent answers with their position, every one (there is one per question).
    answers: Vec<(usize, Finding)>,
    /// Identities of the findings, hashed; sorted and deduplicated by [`Tally::finish`].
    keys: Vec<u64>,
    /// Pages concerned per kind, when the store counted them.
    kind_pages: HashMap<FindingKind, usize>,
    /// Fixes, most severe first then most pages (after [`Tally::finish`]).
    fixes: Vec<FixGroup>,
}

impl Tally {
    fn add(&mut self, id: i64, f: Finding) {
        let seq = self.count;
        self.count += 1;
        self.by_kind
            .entry(f.kind.as_str())
            .or_insert((f.kind, [0; 3]))
            .1[severity_rank(f.severity) as usize] += 1;
        if f.kind == FindingKind::BrokenLink {
            self.broken_all.add(&f);
            match self.broken_by_site.get_mut(&f.site) {
                Some(t) => t.add(&f),
                None => {
                    let mut t = BrokenTally::default();
                    t.add(&f);
                    self.broken_by_site.insert(f.site.clone(), t);
                }
            }
        }
        self.keys.push(digest(&finding_key(&f)));
        let key = fix_key(&f);
        let rank = severity_rank(f.severity);
        self.groups
            .entry((f.kind, f.site.clone(), key))
            .or_insert_with_key(|(kind, site, key)| FixGroup {
                kind: *kind,
                site: site.clone(),
                key: key.clone(),
                severity: f.severity,
                findings: 0,
                pages: 0,
                sample: Vec::new(),
                first: None,
                first_at: (rank, f.url.clone(), seq, id),
                sample_at: Vec::new(),
            })
            .add(&f, seq, id);
        if f.kind == FindingKind::InconsistentAnswer {
            self.answers.push((seq, f));
        }
    }

    /// Sorts what was gathered; the fixes a report lists get their first finding from `load`.
    fn finish(
        &mut self,
        load: &mut dyn FnMut(i64) -> Result<Option<Finding>, store::Error>,
    ) -> Result<(), store::Error> {
        self.keys.sort_unstable();
        self.keys.dedup();
        self.answers.sort_by(|(a_seq, a), (b_seq, b)| {
            (severity_rank(a.severity), &a.site, &a.url, a_seq).cmp(&(
                severity_rank(b.severity),
                &b.site,
                &b.url,
                b_seq,
            ))
        });
        let mut fixes: Vec<FixGroup> = std::mem::take(&mut self.groups).into_values().collect();
        for g in &mut fixes {
            g.sample = std::mem::take(&mut g.sample_at)
                .into_iter()
                .map(|(_, u)| u)
                .collect();
        }
        fixes.sort_by(|a, b| {
            (
                severity_rank(a.severity),
                std::cmp::Reverse(a.pages),
                a.kind.as_str(),
                &a.site,
                &a.key,
            )
                .cmp(&(
                    severity_rank(b.severity),
                    std::cmp::Reverse(b.pages),
                    b.kind.as_str(),
                    &b.site,
                    &b.key,
                ))
        });
        let (shown, _) = choose_fixes(&fixes, FIX_ROWS, FIX_ROWS_PER_KIND);
        let mut wanted: HashSet<usize> = shown.into_iter().collect();
        let mut listed: HashMap<FindingKind, usize> = HashMap::new();
        for (i, g) in fixes.iter().enumerate() {
            let n = listed.entry(g.kind).or_default();
            if *n < FIXES_LISTED_PER_KIND {
                *n += 1;
                wanted.insert(i);
            }
        }
        for i in wanted {
            let g = &mut fixes[i];
            g.first = load(g.first_at.3)?.as_ref().map(Lead::of);
        }
        self.fixes = fixes;
        Ok(())
    }
}

/// The fixes to show among `all` (sorted), at most about `budget`: every kind gets rows in
/// proportion to its number of fixes, and at least `floor` (or all it has), so that no kind
/// hides the others; (their indexes in order, how many of each kind were left out).
fn choose_fixes(
    all: &[FixGroup],
    budget: usize,
    floor: usize,
) -> (Vec<usize>, Vec<(String, usize)>) {
    let mut per_kind: HashMap<FindingKind, usize> = HashMap::new();
    for g in all {
        *per_kind.entry(g.kind).or_default() += 1;
    }
    let total = all.len().max(1);
    let cap = |kind: FindingKind| {
        let n = per_kind.get(&kind).copied().unwrap_or(0);
        let share = (budget as f64 * n as f64 / total as f64).round() as usize;
        share.max(floor).min(n)
    };
    let mut shown: HashMap<FindingKind, usize> = HashMap::new();
    let mut left: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = Vec::new();
    for (i, g) in all.iter().enumerate() {
        let n = shown.entry(g.kind).or_default();
        if *n < cap(g.kind) {
            *n += 1;
            out.push(i);
        } else {
            *left.entry(g.kind.to_string()).or_default() += 1;
        }
    }
    (out, left.into_iter().collect())
}

/// The pages to fix, gathered from findings sorted by page ([`Store::each_finding_by_page`]):
/// one page's tally at a time, and the first [`PAGES_LISTED`] pages kept.
#[derive(Default)]
struct PagesTally {
    /// Pages with findings seen.
    count: usize,
    /// The best pages so far (trimmed to [`PAGES_LISTED`] now and then).
    kept: Vec<PageToFix>,
    /// The page being read.
    current: Option<PageTally>,
}

/// One page's findings: its site (of its most severe finding), counts and problems by
/// severity, counts by kind.
struct PageTally {
    url: String,
    site: (u8, &'static str, String),
    counts: [usize; 3],
    problems: [HashSet<String>; 3],
    kinds: HashMap<&'static str, usize>,
}

fn page_order(a: &PageToFix, b: &PageToFix) -> std::cmp::Ordering {
    let key = |p: &PageToFix| {
        (
            p.problems[0],
            p.problems[1],
            p.problems[2],
            p.counts[0] + p.counts[1] + p.counts[2],
        )
    };
    key(b).cmp(&key(a)).then(a.url.cmp(&b.url))
}

impl PagesTally {
    fn add(&mut self, f: PageFinding) {
        // Channel rows (a knowledge base's, a brochure's) are not pages a web team fixes.
        if !f.url.starts_with("http") {
            return;
        }
        let rank = severity_rank(f.severity);
        if self.current.as_ref().is_none_or(|c| c.url != f.url) {
            self.close();
            self.current = Some(PageTally {
                url: f.url.clone(),
                site: (rank, f.kind.as_str(), f.site.clone()),
                counts: [0; 3],
                problems: Default::default(),
                kinds: HashMap::new(),
            });
        }
        let Some(t) = self.current.as_mut() else {
            return;
        };
        if (rank, f.kind.as_str(), f.site.as_str()) < (t.site.0, t.site.1, t.site.2.as_str()) {
            t.site = (rank, f.kind.as_str(), f.site);
        }
        t.counts[rank as usize] += 1;
        // A kind of problem with its rule: every broken link of a page is one problem.
        let problem = match f.rule {
            Some(rule) => format!("{}/{rule}", f.kind),
            None => f.kind.to_string(),
        };
        t.problems[rank as usize].insert(problem);
        *t.kinds.entry(f.kind.as_str()).or_default() += 1;
    }

    fn close(&mut self) {
        let Some(t) = self.current.take() else {
            return;
        };
        self.count += 1;
        let mut kinds: Vec<(&str, usize)> = t.kinds.into_iter().collect();
        kinds.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        self.kept.push(PageToFix {
            url: t.url,
            site: t.site.2,
            title: None,
            counts: t.counts,
            problems: [
                t.problems[0].len(),
                t.problems[1].len(),
                t.problems[2].len(),
            ],
            kinds: kinds.into_iter().map(|(k, _)| k.to_string()).collect(),
        });
        if self.kept.len() >= 2 * PAGES_LISTED {
            self.trim();
        }
    }

    fn trim(&mut self) {
        self.kept.sort_by(page_order);
        self.kept.truncate(PAGES_LISTED);
    }

    fn finish(mut self) -> (usize, Vec<PageToFix>) {
        self.close();
        self.trim();
        (self.count, self.kept)
    }
}

impl Report {
    /// Gathers the newest run's report from the store.
    pub fn load(store: &Store) -> Result<Option<Report>, store::Error> {
        let Some(run_id) = store.latest_run_id()? else {
            return Ok(None);
        };
        let (inventory, crawled_at) = store.run_info(run_id)?.unwrap_or_default();
        let memory = |stage: &str| {
            log::debug!(
                "report memory after {stage}: {}",
                crate::audit::peak_memory()
            )
        };
        memory("opening the store");
        let mut findings = Tally::default();
        store.each_finding_with_id(run_id, &[], None, &mut |id, f| {
            findings.add(id, f);
            ControlFlow::Continue(())
        })?;
        findings.finish(&mut |id| store.finding(id))?;
        memory("the findings");
        findings.kind_pages = store.pages_per_kind(run_id)?.into_iter().collect();
        memory("the pages per kind");
        let mut pages = PagesTally::default();
        store.each_finding_by_page(run_id, &mut |f| pages.add(f))?;
        let (page_count, mut to_fix) = pages.finish();
        for p in &mut to_fix {
            p.title = store.page_title(&p.url)?;
        }
        memory("the pages to fix");
        let progress = match store.previous_run(run_id)? {
            Some(previous) => {
                let mut before = Vec::new();
                let mut fixed = Vec::new();
                let mut fixed_count = 0;
                store.each_finding(previous.id, &[], None, &mut |f| {
                    let key = digest(&finding_key(&f));
                    before.push(key);
                    if findings.keys.binary_search(&key).is_err() {
                        fixed_count += 1;
                        if fixed.len() < FIXED_LISTED {
                            fixed.push(f);
                        }
                    }
                    ControlFlow::Continue(())
                })?;
                before.sort_unstable();
                before.dedup();
                let new = findings
                    .keys
                    .iter()
                    .filter(|k| before.binary_search(k).is_err())
                    .count();
                Some(Progress {
                    previous,
                    fixed_count,
                    fixed,
                    new,
                    still_open: findings.keys.len() - new,
                    before,
                })
            }
            None => None,
        };
        memory("the previous run");
        let partial = if store.run_finished(run_id)? {
            None
        } else {
            Some(store.run_totals(run_id)?.queued)
        };
        Ok(Some(Report {
            partial,
            generated_at: store::now_rfc3339(),
            run_id,
            inventory,
            crawled_at,
            sites: super::sites::sites(store)?,
            findings,
            pages: (page_count, to_fix),
            progress,
        }))
    }

    /// The web sites.
    pub fn web_sites(&self) -> impl Iterator<Item = &SiteRow> {
        self.sites.iter().filter(|s| s.channel == "web")
    }

    /// The other channels (call-centre knowledge base, publications).
    pub fn channels(&self) -> impl Iterator<Item = &SiteRow> {
        self.sites.iter().filter(|s| s.channel != "web")
    }

    /// The agencies named by the inventory.
    pub fn agencies(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for a in self.sites.iter().filter_map(|s| s.agency.clone()) {
            if !out.contains(&a) {
                out.push(a);
            }
        }
        out
    }

    /// Web sites with a given recommendation.
    pub fn recommended(&self, what: &str) -> Vec<&SiteRow> {
        self.web_sites()
            .filter(|s| s.recommendation.as_deref() == Some(what))
            .collect()
    }

    /// Pages audited across the web sites: each page a person reads once (not JSON, listings,
    /// redirect stubs or the same page under another query string).
    pub fn page_count(&self) -> i64 {
        self.web_sites()
            .map(|s| s.audited_pages.unwrap_or(s.html_pages))
            .sum()
    }

    /// How many findings the run has.
    pub fn finding_count(&self) -> usize {
        self.findings.count
    }

    /// The one-sentence answer.
    pub fn headline(&self) -> String {
        let sites = self.web_sites().count();
        let mut parts = Vec::new();
        for (what, verb) in [
            ("merge", "merge"),
            ("retire", "retire"),
            ("fix", "fix"),
            ("keep", "keep"),
        ] {
            let n = self.recommended(what).len();
            if n > 0 {
                parts.push(format!("{verb} {n}"));
            }
        }
        let channels = self.channels().count();
        let also = if channels > 0 {
            format!(
                " and {channels} other channel{}",
                if channels == 1 { "" } else { "s" }
            )
        } else {
            String::new()
        };
        let partial = match self.partial {
            Some(queued) => format!(
                "PARTIAL CRAWL: the crawl did not finish ({queued} addresses still queued; run `govaudit crawl` again to finish it), so every count below covers only the pages fetched so far. "
            ),
            None => String::new(),
        };
        format!(
            "{partial}{sites} website{} ({} pages){also} audited: {}.",
            if sites == 1 { "" } else { "s" },
            self.page_count(),
            if parts.is_empty() {
                "no recommendation yet (run `govaudit audit`)".to_string()
            } else {
                parts.join(", ")
            }
        )
    }

    /// The inconsistent answers (one per question), most severe first, then by site and page.
    pub fn answers(&self) -> impl Iterator<Item = &Finding> {
        self.findings.answers.iter().map(|(_, f)| f)
    }

    /// Finding counts per kind: (kind, errors, warnings, notes), most severe first.
    pub fn counts_by_kind(&self) -> Vec<(FindingKind, [usize; 3])> {
        // Keyed by spelling, so that kinds with equal counts keep alphabetical order.
        let mut v: Vec<(FindingKind, [usize; 3])> =
            self.findings.by_kind.values().copied().collect();
        v.sort_by(|a, b| (b.1[0], b.1[1], b.1[2]).cmp(&(a.1[0], a.1[1], a.1[2])));
        v
    }

    /// Broken links of one site (`Some(origin)`) or of all sites, counted three ways.
    pub fn broken(&self, site: Option<&str>) -> BrokenCounts {
        match site {
            None => self.findings.broken_all.counts(),
            Some(s) => self
                .findings
                .broken_by_site
                .get(s)
                .map(BrokenTally::counts)
                .unwrap_or_default(),
        }
    }

    /// Every fix: findings grouped by fix, most severe first, then the most pages.
    pub fn fixes(&self) -> &[FixGroup] {
        &self.findings.fixes
    }

    /// The fixes the HTML report lists, at most about [`FIX_ROWS`]: every kind gets rows in
    /// proportion to its number of fixes, and at least [`FIX_ROWS_PER_KIND`] (or all it has), so
    /// that no kind hides the others; (the fixes with their first finding, how many of each
    /// kind were left out).
    pub fn fixes_shown(&self) -> (Vec<FixRow<'_>>, Vec<(String, usize)>) {
        let (shown, left) = choose_fixes(&self.findings.fixes, FIX_ROWS, FIX_ROWS_PER_KIND);
        let shown = shown
            .into_iter()
            .filter_map(|i| {
                let g = &self.findings.fixes[i];
                g.first().map(|f| (g, f))
            })
            .collect();
        (shown, left)
    }

    /// The first [`FIXES_LISTED_PER_KIND`] fixes of a kind, with their first finding.
    pub fn fixes_listed(&self, kind: FindingKind) -> Vec<FixRow<'_>> {
        self.findings
            .fixes
            .iter()
            .filter(|g| g.kind == kind)
            .take(FIXES_LISTED_PER_KIND)
            .filter_map(|g| g.first().map(|f| (g, f)))
            .collect()
    }

    /// Per kind of finding: (kind, findings by severity, fixes, pages concerned), most severe
    /// first.
    pub fn kinds_summary(&self) -> Vec<(FindingKind, [usize; 3], usize, usize)> {
        let mut fixes: HashMap<FindingKind, usize> = HashMap::new();
        for g in &self.findings.fixes {
            *fixes.entry(g.kind).or_default() += 1;
        }
        self.counts_by_kind()
            .into_iter()
            .map(|(k, c)| {
                let n = fixes.get(&k).copied().unwrap_or(0);
                let p = self.findings.kind_pages.get(&k).copied().unwrap_or(0);
                (k, c, n, p)
            })
            .collect()
    }

    /// The top problems, as sentences a CIO reads first.
    pub fn top_problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let answers = self.findings.answers.len();
        if let Some(first) = self.answers().next() {
            out.push(format!(
                "{} {} different answers depending on where citizens ask (web, call centre, publications); for example {}",
                answers,
                if answers == 1 { "question gets" } else { "questions get" },
                first.message
            ));
        }
        let broken = self.broken(None);
        if broken.addresses > 0 {
            out.push(format!("{}.", capitalise(&broken.sentence())));
        }
        let dup_pages: i64 = self.web_sites().filter_map(|s| s.duplicate_pages).sum();
        let groups: usize = self
            .findings
            .by_kind
            .values()
            .filter(|(k, _)| k.is_copy())
            .map(|(_, c)| c.iter().sum::<usize>())
            .sum();
        if dup_pages > 0 {
            out.push(format!(
                "{dup_pages} pages repeat content published on another of the agency's sites ({groups} group{} of copies): one of each group should go.",
                if groups == 1 { "" } else { "s" }
            ));
        }
        let failing: Vec<String> = self
            .web_sites()
            .filter(|s| s.governance_failed.unwrap_or(0) > 0)
            .map(|s| {
                let failed = s.governance_failed.unwrap_or(0);
                let unknown = s.governance_skipped.unwrap_or(0);
                let mut t = format!(
                    "{} ({failed} of {} checks failed",
                    host(&s.site),
                    failed + s.governance_passed.unwrap_or(0)
                );
                if unknown > 0 {
                    t.push_str(&format!(", {unknown} unknown"));
                }
                t.push(')');
                t
            })
            .collect();
        if !failing.is_empty() {
            out.push(format!(
                "Required links and elements are missing on {} site{}: {}.",
                failing.len(),
                if failing.len() == 1 { "" } else { "s" },
                failing.join(", ")
            ));
        }
        let hard: Vec<String> = self
            .web_sites()
            .filter_map(|s| {
                let share = s.over_target_grade_share?;
                (share >= 0.25)
                    .then(|| format!("{} ({:.0}% of pages)", host(&s.site), share * 100.0))
            })
            .collect();
        if !hard.is_empty() {
            out.push(format!(
                "Pages are hard to read on {}: above the target reading grade.",
                hard.join(", ")
            ));
        }
        let plain: usize = self
            .findings
            .by_kind
            .get(FindingKind::PlainLanguage.as_str())
            .map_or(0, |(_, c)| c.iter().sum());
        if plain > 0 {
            out.push(format!(
                "{plain} plain-language issues (long sentences, jargon, passive voice…) on pages web teams can rewrite."
            ));
        }
        out
    }

    /// How many pages have findings.
    pub fn pages_with_findings(&self) -> usize {
        self.pages.0
    }

    /// The first [`PAGES_LISTED`] pages with findings, those with the most distinct problems
    /// first (errors, then warnings, then notes), then the most findings.
    pub fn pages_to_fix(&self) -> &[PageToFix] {
        &self.pages.1
    }

    /// Whether a fix's first finding is new since the previous run (false when there is none).
    pub fn is_new(&self, lead: &Lead) -> bool {
        self.progress
            .as_ref()
            .is_some_and(|p| p.before.binary_search(&lead.key).is_err())
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// The figures' overlap of `site` with `other`: (page share, topic similarity, merge score).
pub fn overlap(site: &SiteRow, other: &str) -> Option<(f64, f64, f64)> {
    site.figures
        .as_ref()?
        .get("overlap")?
        .as_array()?
        .iter()
        .find(|o| o.get("site").and_then(Value::as_str) == Some(other))
        .map(|o| {
            // max(0.0) also turns -0.0 into 0.0, which would print as "-0.00".
            let n = |k: &str| o.get(k).and_then(Value::as_f64).unwrap_or(0.0).max(0.0) + 0.0;
            (n("page_share"), n("topic_similarity"), n("merge_score"))
        })
}

/// A short line of a finding's details (target, rule, values…).
pub fn details(f: &Finding) -> String {
    let s = |k: &str| f.extra.get(k).and_then(Value::as_str).map(str::to_string);
    match f.kind {
        FindingKind::BrokenLink
        | FindingKind::RedirectChain
        | FindingKind::BrokenFragment
        | FindingKind::Soft404
        | FindingKind::BlockedLink => s("target").unwrap_or_default(),
        FindingKind::Governance => format!(
            "{}: expected {}",
            s("rule").unwrap_or_default(),
            s("expected").unwrap_or_default()
        ),
        FindingKind::PlainLanguage => {
            let mut t = format!(
                "{}: “{}”",
                s("rule").unwrap_or_default(),
                s("excerpt").unwrap_or_default()
            );
            if let Some(sug) = s("suggestion") {
                t.push_str(&format!(" → {sug}"));
            }
            t
        }
        FindingKind::Readability => format!(
            "{} {} (limit {})",
            s("metric").unwrap_or_default(),
            f.extra
                .get("value")
                .map(Value::to_string)
                .unwrap_or_default(),
            f.extra
                .get("threshold")
                .map(Value::to_string)
                .unwrap_or_default()
        ),
        FindingKind::InconsistentAnswer => {
            let values: Vec<String> = f
                .extra
                .get("values")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|v| {
                    let n = v.get("urls").and_then(Value::as_array).map_or(0, Vec::len);
                    format!(
                        "{} ({} source{})",
                        v.get("value").and_then(Value::as_str).unwrap_or(""),
                        n,
                        if n == 1 { "" } else { "s" }
                    )
                })
                .collect();
            format!(
                "{}: {}",
                s("fact_type").unwrap_or_default(),
                values.join(" vs ")
            )
        }
        FindingKind::Duplicate | FindingKind::NearDuplicate => {
            let n = f
                .extra
                .get("urls")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            let num = |k: &str| f.extra.get(k).map(Value::to_string).unwrap_or_default();
            let mut t = match s("copy_kind") {
                Some(kind) => format!("{kind} copy, "),
                None => String::new(),
            };
            t.push_str(&format!("{n} pages, similarity {}", num("similarity")));
            if f.extra.contains_key("containment") {
                t.push_str(&format!(", containment {}", num("containment")));
            }
            let changed: Vec<&str> = f
                .extra
                .get("differences")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            if !changed.is_empty() {
                t.push_str(&format!(" ({})", changed.join(", ")));
            }
            if let Some(older) = f.extra.get("older").and_then(Value::as_array) {
                let older: Vec<&str> = older.iter().filter_map(Value::as_str).collect();
                t.push_str(&format!("; older: {}", older.join(", ")));
            }
            t
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn finding(kind: FindingKind, severity: Severity, url: &str, extra: Value) -> Finding {
        let site = crate::model::url_origin(url).unwrap_or(url).to_string();
        Finding {
            kind,
            severity,
            site,
            url: url.into(),
            message: format!("{kind} on {url}"),
            extra: extra.as_object().cloned().unwrap_or_default(),
        }
    }

    fn site(origin: &str, recommendation: &str, pages: i64) -> SiteRow {
        SiteRow {
            site: origin.into(),
            channel: "web".into(),
            html_pages: pages,
            audited_pages: Some(pages),
            recommendation: Some(recommendation.into()),
            ..SiteRow::default()
        }
    }

    /// A report of `findings` gathered as [`Report::load`] gathers them from a store: one at
    /// a time for the tally, sorted by page for the pages to fix.
    fn report(sites: Vec<SiteRow>, findings: Vec<Finding>, partial: Option<i64>) -> Report {
        let mut tally = Tally::default();
        for (id, f) in findings.iter().enumerate() {
            tally.add(id as i64, f.clone());
        }
        tally
            .finish(&mut |id| Ok(findings.get(id as usize).cloned()))
            .expect("finish");
        let mut by_page: Vec<PageFinding> = findings
            .iter()
            .map(|f| PageFinding {
                url: f.url.clone(),
                site: f.site.clone(),
                kind: f.kind,
                severity: f.severity,
                rule: f
                    .extra
                    .get("rule")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            })
            .collect();
        by_page.sort_by(|a, b| a.url.cmp(&b.url));
        let mut pages = PagesTally::default();
        for f in by_page {
            pages.add(f);
        }
        Report {
            generated_at: "2026-12-02T00:00:00Z".into(),
            run_id: 1,
            inventory: "agency.csv".into(),
            crawled_at: "2026-12-01T00:00:00Z".into(),
            sites,
            findings: tally,
            pages: pages.finish(),
            progress: None,
            partial,
        }
    }

    fn broken(url: &str, target: &str) -> Finding {
        finding(
            FindingKind::BrokenLink,
            Severity::Error,
            url,
            json!({"target": target, "status": 404}),
        )
    }

    #[test]
    fn the_headline_gives_the_answer_and_says_when_the_crawl_is_partial() {
        let sites = vec![
            site("https://a.gov", "keep", 40),
            site("https://b.gov", "merge", 10),
            site("https://c.gov", "merge", 5),
        ];
        let r = report(sites.clone(), Vec::new(), None);
        assert_eq!(
            r.headline(),
            "3 websites (55 pages) audited: merge 2, keep 1."
        );
        let r = report(sites, Vec::new(), Some(12));
        let h = r.headline();
        assert!(h.starts_with("PARTIAL CRAWL"), "{h}");
        assert!(h.contains("12 addresses still queued"), "{h}");
    }

    #[test]
    fn one_fix_per_target_worst_first() {
        let findings = vec![
            broken("https://a.gov/1", "https://a.gov/gone"),
            broken("https://a.gov/2", "https://a.gov/gone"),
            broken("https://a.gov/3", "https://a.gov/other"),
            finding(
                FindingKind::PlainLanguage,
                Severity::Info,
                "https://a.gov/1",
                json!({"rule": "jargon"}),
            ),
            finding(
                FindingKind::PlainLanguage,
                Severity::Info,
                "https://a.gov/2",
                json!({"rule": "jargon"}),
            ),
        ];
        let r = report(vec![site("https://a.gov", "fix", 3)], findings, None);
        let fixes = r.fixes();
        let summary: Vec<(FindingKind, &str, usize, usize)> = fixes
            .iter()
            .map(|g| (g.kind, g.key.as_str(), g.findings, g.pages))
            .collect();
        // Errors before notes; among errors, the fix that mends the most pages first.
        assert_eq!(
            summary,
            vec![
                (FindingKind::BrokenLink, "https://a.gov/gone", 2, 2),
                (FindingKind::BrokenLink, "https://a.gov/other", 1, 1),
                (FindingKind::PlainLanguage, "jargon", 2, 2),
            ]
        );
        assert_eq!(fixes[0].sample, vec!["https://a.gov/1", "https://a.gov/2"]);
        let counts = r.broken(None);
        assert_eq!((counts.addresses, counts.links, counts.pages), (2, 3, 3));
        assert_eq!(
            counts.sentence(),
            "2 broken addresses, linked 3 times from 3 pages"
        );
    }

    #[test]
    fn no_kind_of_fix_hides_the_others() {
        // 50 broken-link fixes and 2 plain-language ones, 10 rows to show, 2 at least per kind.
        let mut findings: Vec<Finding> = (0..50)
            .map(|i| broken("https://a.gov/p", &format!("https://a.gov/gone/{i}")))
            .collect();
        for rule in ["jargon", "passive"] {
            findings.push(finding(
                FindingKind::PlainLanguage,
                Severity::Info,
                "https://a.gov/p",
                json!({ "rule": rule }),
            ));
        }
        let r = report(vec![site("https://a.gov", "fix", 1)], findings, None);
        let (shown, left) = choose_fixes(r.fixes(), 10, 2);
        let plain = shown
            .iter()
            .filter(|&&i| r.fixes()[i].kind == FindingKind::PlainLanguage)
            .count();
        assert_eq!(plain, 2);
        assert_eq!(shown.len() - plain, 10);
        assert_eq!(left, vec![("broken_link".to_string(), 40)]);
    }

    #[test]
    fn pages_with_the_most_distinct_problems_come_first() {
        let findings = vec![
            // Many broken links on one page are one problem.
            broken("https://a.gov/links", "https://x.gov/1"),
            broken("https://a.gov/links", "https://x.gov/2"),
            broken("https://a.gov/links", "https://x.gov/3"),
            broken("https://a.gov/mixed", "https://x.gov/1"),
            finding(
                FindingKind::Governance,
                Severity::Error,
                "https://a.gov/mixed",
                json!({"rule": "privacy-link"}),
            ),
            // Channel rows are not pages a web team fixes.
            finding(
                FindingKind::InconsistentAnswer,
                Severity::Warning,
                "kb:kb.csv#row=2",
                json!({}),
            ),
        ];
        let r = report(vec![site("https://a.gov", "fix", 2)], findings, None);
        let pages = r.pages_to_fix();
        let urls: Vec<&str> = pages.iter().map(|p| p.url.as_str()).collect();
        assert_eq!(urls, vec!["https://a.gov/mixed", "https://a.gov/links"]);
        assert_eq!(pages[0].problems, [2, 0, 0]);
        assert_eq!(pages[1].problems, [1, 0, 0]);
        assert_eq!(pages[1].counts, [3, 0, 0]);
    }

    #[test]
    fn top_problems_lead_with_answers_then_broken_links() {
        let findings = vec![
            finding(
                FindingKind::InconsistentAnswer,
                Severity::Warning,
                "https://a.gov/fees",
                json!({"group": "g1"}),
            ),
            broken("https://a.gov/1", "https://a.gov/gone"),
        ];
        let r = report(vec![site("https://a.gov", "fix", 2)], findings, None);
        let top = r.top_problems();
        assert_eq!(top.len(), 2, "{top:?}");
        assert!(
            top[0].starts_with("1 question gets different answers"),
            "{}",
            top[0]
        );
        assert!(top[0].ends_with("inconsistent_answer on https://a.gov/fees"));
        assert_eq!(top[1], "1 broken address, linked 1 time from 1 page.");
    }

    /// A fix as the slow way sees it: kind, site, key, severity, findings, pages, sample,
    /// first message.
    type SlowFix = (
        FindingKind,
        String,
        String,
        Severity,
        usize,
        usize,
        Vec<String>,
        String,
    );

    /// The fixes as the report computed them when it held every finding: ranked (most severe,
    /// kind, site, page, then the store's order), grouped in that order.
    fn fixes_the_slow_way(findings: &[Finding]) -> Vec<SlowFix> {
        let mut ranked: Vec<&Finding> = findings.iter().collect();
        ranked.sort_by(|a, b| {
            (severity_rank(a.severity), a.kind.as_str(), &a.site, &a.url).cmp(&(
                severity_rank(b.severity),
                b.kind.as_str(),
                &b.site,
                &b.url,
            ))
        });
        let mut groups: Vec<SlowFix> = Vec::new();
        for f in ranked {
            let key = fix_key(f);
            let i = match groups
                .iter()
                .position(|g| g.0 == f.kind && g.1 == f.site && g.2 == key)
            {
                Some(i) => i,
                None => {
                    groups.push((
                        f.kind,
                        f.site.clone(),
                        key,
                        f.severity,
                        0,
                        0,
                        Vec::new(),
                        f.message.clone(),
                    ));
                    groups.len() - 1
                }
            };
            let g = &mut groups[i];
            g.4 += 1;
            g.5 += pages_of(f);
            if g.6.len() < 5 && !g.6.contains(&f.url) {
                g.6.push(f.url.clone());
            }
        }
        groups.sort_by(|a, b| {
            (
                severity_rank(a.3),
                std::cmp::Reverse(a.5),
                a.0.as_str(),
                &a.1,
                &a.2,
            )
                .cmp(&(
                    severity_rank(b.3),
                    std::cmp::Reverse(b.5),
                    b.0.as_str(),
                    &b.1,
                    &b.2,
                ))
        });
        groups
    }

    #[test]
    fn fixes_gathered_one_finding_at_a_time_equal_fixes_from_every_finding() {
        // Broken links of mixed severity to a few targets from many pages, with a template
        // finding's page count, in the store's order (site, page, kind, target).
        let severities = [Severity::Info, Severity::Error, Severity::Warning];
        let mut findings = Vec::new();
        let mut x: u64 = 7;
        for _ in 0..400 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let page = (x >> 33) % 23;
            let target = (x >> 40) % 4;
            let site = if (x >> 50).is_multiple_of(3) {
                "https://b.gov"
            } else {
                "https://a.gov"
            };
            let mut f = finding(
                FindingKind::BrokenLink,
                severities[((x >> 45) % 3) as usize],
                &format!("{site}/p/{page}"),
                json!({"target": format!("https://x.gov/{target}"), "pages": (x >> 55) % 3}),
            );
            f.message = format!("broken link {} from page {page}", (x >> 20) % 1000);
            findings.push(f);
        }
        findings.sort_by(Finding::output_order);
        let slow = fixes_the_slow_way(&findings);
        let r = report(vec![site("https://a.gov", "fix", 23)], findings, None);
        let fast: Vec<_> = r
            .fixes()
            .iter()
            .map(|g| {
                (
                    g.kind,
                    g.site.clone(),
                    g.key.clone(),
                    g.severity,
                    g.findings,
                    g.pages,
                    g.sample.clone(),
                    g.first().map(|f| f.message.clone()).unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(fast.len(), 8);
        assert_eq!(fast, slow);
    }
}
