//! What the report says, gathered once from the store for every format: the answer for a CIO
//! (how many sites, which to merge or retire, the top problems), progress since the previous run,
//! per-site scorecards and the pages to fix.
//!
//! Reads: the store (sites, findings of the newest and the previous audited run, page titles).
//! Writes nothing, and computes no finding: it counts, sorts and compares what the audits stored.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::Value;

use crate::model::{origin_host as host, Finding, FindingKind, Severity};
use crate::store::{self, EarlierRun, SiteRow, Store};

/// Everything a report shows.
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
    /// The run's findings, in the store's order (site, page, kind).
    pub findings: Vec<Finding>,
    /// Indexes into `findings`, most severe first, then by kind, site and page.
    ranked: Vec<usize>,
    /// The fetched pages.
    pub pages: Vec<store::PageRow>,
    /// Page titles by URL.
    pub titles: HashMap<String, String>,
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
    /// Findings of the previous run that are gone.
    pub fixed: Vec<Finding>,
    /// Keys of findings that are new in this run.
    pub new: HashSet<String>,
    /// Findings found in both runs.
    pub still_open: usize,
}

/// One page with findings, for the web team's list.
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
pub struct FixGroup<'a> {
    /// The kind.
    pub kind: FindingKind,
    /// The site.
    pub site: &'a str,
    /// What they are about: the target, rule or group.
    pub key: String,
    /// The most severe of them.
    pub severity: Severity,
    /// The first finding (most severe first), whose message explains the fix.
    pub first: &'a Finding,
    /// How many findings.
    pub findings: usize,
    /// Pages concerned (a template finding counts every page it names).
    pub pages: usize,
    /// Some of those pages.
    pub sample: Vec<&'a str>,
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

fn severity_rank(s: Severity) -> u8 {
    match s {
        Severity::Error => 0,
        Severity::Warning => 1,
        Severity::Info => 2,
    }
}

/// Indexes of `findings`, most severe first, then by kind, site and page.
fn rank(findings: &[Finding]) -> Vec<usize> {
    let mut ranked: Vec<usize> = (0..findings.len()).collect();
    ranked.sort_by(|&a, &b| {
        let (a, b) = (&findings[a], &findings[b]);
        (severity_rank(a.severity), a.kind.as_str(), &a.site, &a.url).cmp(&(
            severity_rank(b.severity),
            b.kind.as_str(),
            &b.site,
            &b.url,
        ))
    });
    ranked
}

impl Report {
    /// Gathers the newest run's report from the store.
    pub fn load(store: &Store) -> Result<Option<Report>, store::Error> {
        let Some(run_id) = store.latest_run_id()? else {
            return Ok(None);
        };
        let (inventory, crawled_at) = store.run_info(run_id)?.unwrap_or_default();
        let findings = store.findings(run_id, &[], None)?;
        let ranked = rank(&findings);
        let pages = store.pages(None)?;
        let titles: HashMap<String, String> = pages
            .iter()
            .filter_map(|p| p.title.clone().map(|t| (p.url.clone(), t)))
            .collect();
        let progress = match store.previous_run(run_id)? {
            Some(previous) => {
                let before = store.findings(previous.id, &[], None)?;
                let now: HashSet<String> = findings.iter().map(finding_key).collect();
                let then: HashSet<String> = before.iter().map(finding_key).collect();
                let fixed: Vec<Finding> = before
                    .into_iter()
                    .filter(|f| !now.contains(&finding_key(f)))
                    .collect();
                let new: HashSet<String> = now.difference(&then).cloned().collect();
                let still_open = now.len() - new.len();
                Some(Progress {
                    previous,
                    fixed,
                    new,
                    still_open,
                })
            }
            None => None,
        };
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
            ranked,
            pages,
            titles,
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

    /// The findings, most severe first, then by kind, site and page.
    pub fn ranked(&self) -> impl Iterator<Item = &Finding> {
        self.ranked.iter().map(|&i| &self.findings[i])
    }

    /// Findings of one kind, most severe first.
    pub fn of_kind(&self, kind: FindingKind) -> impl Iterator<Item = &Finding> + '_ {
        self.ranked().filter(move |f| f.kind == kind)
    }

    /// Finding counts per kind: (kind, errors, warnings, notes), most severe first.
    pub fn counts_by_kind(&self) -> Vec<(FindingKind, [usize; 3])> {
        // Keyed by spelling, so that kinds with equal counts keep alphabetical order.
        let mut m: BTreeMap<&str, (FindingKind, [usize; 3])> = BTreeMap::new();
        for f in &self.findings {
            m.entry(f.kind.as_str()).or_insert((f.kind, [0; 3])).1
                [severity_rank(f.severity) as usize] += 1;
        }
        let mut v: Vec<(FindingKind, [usize; 3])> = m.into_values().collect();
        v.sort_by(|a, b| (b.1[0], b.1[1], b.1[2]).cmp(&(a.1[0], a.1[1], a.1[2])));
        v
    }

    /// Broken links of one site (`Some(origin)`) or of all sites, counted three ways.
    pub fn broken(&self, site: Option<&str>) -> BrokenCounts {
        let mut addresses: HashSet<&str> = HashSet::new();
        let mut pages: HashSet<&str> = HashSet::new();
        let mut links = 0;
        for f in self
            .findings
            .iter()
            .filter(|f| f.kind == FindingKind::BrokenLink && site.is_none_or(|s| f.site == s))
        {
            addresses.insert(f.target().unwrap_or(""));
            links += pages_of(f);
            pages.insert(f.url.as_str());
            for u in f
                .extra
                .get("urls")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                pages.insert(u);
            }
        }
        BrokenCounts {
            addresses: addresses.len(),
            links,
            pages: pages.len(),
        }
    }

    /// Findings grouped by fix, most severe first, then the most pages.
    pub fn fixes(&self) -> Vec<FixGroup<'_>> {
        let mut groups: HashMap<(FindingKind, &str, String), FixGroup> = HashMap::new();
        for f in self.ranked() {
            let key = fix_key(f);
            let g = groups
                .entry((f.kind, f.site.as_str(), key.clone()))
                .or_insert_with(|| FixGroup {
                    kind: f.kind,
                    site: &f.site,
                    key,
                    severity: f.severity,
                    first: f,
                    findings: 0,
                    pages: 0,
                    sample: Vec::new(),
                });
            g.findings += 1;
            g.pages += pages_of(f);
            if g.sample.len() < 5 && !g.sample.contains(&f.url.as_str()) {
                g.sample.push(&f.url);
            }
        }
        let mut out: Vec<FixGroup> = groups.into_values().collect();
        out.sort_by(|a, b| {
            (
                severity_rank(a.severity),
                std::cmp::Reverse(a.pages),
                a.kind.as_str(),
                a.site,
                &a.key,
            )
                .cmp(&(
                    severity_rank(b.severity),
                    std::cmp::Reverse(b.pages),
                    b.kind.as_str(),
                    b.site,
                    &b.key,
                ))
        });
        out
    }

    /// The fixes to show, at most about `budget` rows: every kind gets rows in proportion to
    /// its number of fixes, and at least `floor` (or all it has), so that no kind hides the
    /// others; (the fixes, how many of each kind were left out).
    pub fn fixes_shown(
        &self,
        budget: usize,
        floor: usize,
    ) -> (Vec<FixGroup<'_>>, Vec<(String, usize)>) {
        let all = self.fixes();
        let mut per_kind: HashMap<FindingKind, usize> = HashMap::new();
        for g in &all {
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
        for g in all {
            let n = shown.entry(g.kind).or_default();
            if *n < cap(g.kind) {
                *n += 1;
                out.push(g);
            } else {
                *left.entry(g.kind.to_string()).or_default() += 1;
            }
        }
        (out, left.into_iter().collect())
    }

    /// Per kind of finding: (kind, findings by severity, fixes, pages concerned), most severe
    /// first.
    pub fn kinds_summary(&self) -> Vec<(FindingKind, [usize; 3], usize, usize)> {
        let fixes = self.fixes();
        let mut pages: HashMap<&str, HashSet<&str>> = HashMap::new();
        for f in &self.findings {
            let e = pages.entry(f.kind.as_str()).or_default();
            e.insert(&f.url);
            for u in f
                .extra
                .get("urls")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if f.extra.contains_key("pages")
                    || !(f.kind.is_copy() || f.kind == FindingKind::InconsistentAnswer)
                {
                    e.insert(u);
                }
            }
        }
        self.counts_by_kind()
            .into_iter()
            .map(|(k, c)| {
                let n = fixes.iter().filter(|g| g.kind == k).count();
                let p = pages.get(k.as_str()).map_or(0, HashSet::len);
                (k, c, n, p)
            })
            .collect()
    }

    /// The top problems, as sentences a CIO reads first.
    pub fn top_problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let answers: Vec<&Finding> = self.of_kind(FindingKind::InconsistentAnswer).collect();
        if let Some(first) = answers.first() {
            out.push(format!(
                "{} {} different answers depending on where citizens ask (web, call centre, publications); for example {}",
                answers.len(),
                if answers.len() == 1 { "question gets" } else { "questions get" },
                first.message
            ));
        }
        let broken = self.broken(None);
        if broken.addresses > 0 {
            out.push(format!("{}.", capitalise(&broken.sentence())));
        }
        let dup_pages: i64 = self.web_sites().filter_map(|s| s.duplicate_pages).sum();
        let groups = self.findings.iter().filter(|f| f.kind.is_copy()).count();
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
        let plain = self.of_kind(FindingKind::PlainLanguage).count();
        if plain > 0 {
            out.push(format!(
                "{plain} plain-language issues (long sentences, jargon, passive voice…) on pages web teams can rewrite."
            ));
        }
        out
    }

    /// Pages with findings, those with the most distinct problems first (errors, then
    /// warnings, then notes), then the most findings.
    pub fn pages_to_fix(&self) -> Vec<PageToFix> {
        // Per page: its first finding, counts by severity, distinct problems, counts by kind.
        struct Tally<'a> {
            first: &'a Finding,
            counts: [usize; 3],
            problems: [HashSet<String>; 3],
            kinds: HashMap<&'a str, usize>,
        }
        let mut by_url: HashMap<&str, Tally> = HashMap::new();
        for f in self.ranked() {
            if !f.url.starts_with("http") {
                continue;
            }
            let e = by_url.entry(f.url.as_str()).or_insert_with(|| Tally {
                first: f,
                counts: [0; 3],
                problems: Default::default(),
                kinds: HashMap::new(),
            });
            let rank = severity_rank(f.severity) as usize;
            e.counts[rank] += 1;
            // A kind of problem with its rule: every broken link of a page is one problem.
            let problem = match f.extra.get("rule").and_then(Value::as_str) {
                Some(rule) => format!("{}/{rule}", f.kind),
                None => f.kind.to_string(),
            };
            e.problems[rank].insert(problem);
            *e.kinds.entry(f.kind.as_str()).or_default() += 1;
        }
        let mut out: Vec<PageToFix> = by_url
            .into_iter()
            .map(|(url, t)| {
                let mut kinds: Vec<(&str, usize)> = t.kinds.into_iter().collect();
                kinds.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
                PageToFix {
                    url: url.to_string(),
                    site: t.first.site.clone(),
                    title: self.titles.get(url).cloned(),
                    counts: t.counts,
                    problems: [
                        t.problems[0].len(),
                        t.problems[1].len(),
                        t.problems[2].len(),
                    ],
                    kinds: kinds.into_iter().map(|(k, _)| k.to_string()).collect(),
                }
            })
            .collect();
        out.sort_by(|a, b| {
            let key = |p: &PageToFix| {
                (
                    p.problems[0],
                    p.problems[1],
                    p.problems[2],
                    p.counts[0] + p.counts[1] + p.counts[2],
                )
            };
            key(b).cmp(&key(a)).then(a.url.cmp(&b.url))
        });
        out
    }

    /// Whether a finding is new since the previous run (false when there is none).
    pub fn is_new(&self, f: &Finding) -> bool {
        self.progress
            .as_ref()
            .is_some_and(|p| p.new.contains(&finding_key(f)))
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

    fn report(sites: Vec<SiteRow>, findings: Vec<Finding>, partial: Option<i64>) -> Report {
        Report {
            generated_at: "2026-12-02T00:00:00Z".into(),
            run_id: 1,
            inventory: "agency.csv".into(),
            crawled_at: "2026-12-01T00:00:00Z".into(),
            sites,
            ranked: rank(&findings),
            findings,
            pages: Vec::new(),
            titles: HashMap::new(),
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
        let (shown, left) = r.fixes_shown(10, 2);
        let plain = shown
            .iter()
            .filter(|g| g.kind == FindingKind::PlainLanguage)
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
}
