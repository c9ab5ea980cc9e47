//! What the report says, gathered once from the store for every format: the answer for a CIO
//! (how many sites, which to merge or retire, the top problems), progress since the previous run,
//! per-site scorecards and the pages to fix.
//!
//! Reads: the store (sites, findings of the newest and the previous audited run, page titles).
//! Writes nothing, and computes no finding: it counts, sorts and compares what the audits stored.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::Value;

use crate::model::{origin_host as host, Finding, Severity};
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
    /// Kinds of finding on it, most frequent first.
    pub kinds: Vec<String>,
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

impl Report {
    /// Gathers the newest run's report from the store.
    pub fn load(store: &Store) -> Result<Option<Report>, store::Error> {
        let Some(run_id) = store.latest_run_id()? else {
            return Ok(None);
        };
        let (inventory, crawled_at) = store.run_info(run_id)?.unwrap_or_default();
        let findings = store.findings(run_id, &[], None)?;
        let mut ranked: Vec<usize> = (0..findings.len()).collect();
        ranked.sort_by(|&a, &b| {
            let (a, b) = (&findings[a], &findings[b]);
            (severity_rank(a.severity), &a.kind, &a.site, &a.url).cmp(&(
                severity_rank(b.severity),
                &b.kind,
                &b.site,
                &b.url,
            ))
        });
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
        Ok(Some(Report {
            generated_at: store::now_rfc3339(),
            run_id,
            inventory,
            crawled_at,
            sites: store.sites()?,
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

    /// HTML pages fetched across the web sites.
    pub fn page_count(&self) -> i64 {
        self.web_sites().map(|s| s.html_pages).sum()
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
        format!(
            "{sites} website{} ({} pages){also} audited: {}.",
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
    pub fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Finding> + 'a {
        self.ranked().filter(move |f| f.kind == kind)
    }

    /// Finding counts per kind: (kind, errors, warnings, notes), most severe first.
    pub fn counts_by_kind(&self) -> Vec<(String, [usize; 3])> {
        let mut m: BTreeMap<String, [usize; 3]> = BTreeMap::new();
        for f in &self.findings {
            m.entry(f.kind.clone()).or_default()[severity_rank(f.severity) as usize] += 1;
        }
        let mut v: Vec<(String, [usize; 3])> = m.into_iter().collect();
        v.sort_by(|a, b| (b.1[0], b.1[1], b.1[2]).cmp(&(a.1[0], a.1[1], a.1[2])));
        v
    }

    /// The top problems, as sentences a CIO reads first.
    pub fn top_problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let answers: Vec<&Finding> = self.of_kind("inconsistent_answer").collect();
        if let Some(first) = answers.first() {
            out.push(format!(
                "{} question{} get different answers depending on where citizens ask (web, call centre, publications); for example {}",
                answers.len(),
                if answers.len() == 1 { "" } else { "s" },
                first.message
            ));
        }
        let broken: Vec<&Finding> = self.of_kind("broken_link").collect();
        if !broken.is_empty() {
            let targets: HashSet<&str> = broken.iter().filter_map(|f| f.target()).collect();
            let pages: HashSet<&str> = broken.iter().map(|f| f.url.as_str()).collect();
            out.push(format!(
                "{} broken link{} ({} distinct address{}) on {} page{}.",
                broken.len(),
                if broken.len() == 1 { "" } else { "s" },
                targets.len(),
                if targets.len() == 1 { "" } else { "es" },
                pages.len(),
                if pages.len() == 1 { "" } else { "s" }
            ));
        }
        let dup_pages: i64 = self.web_sites().filter_map(|s| s.duplicate_pages).sum();
        let groups = self
            .findings
            .iter()
            .filter(|f| f.kind == "duplicate" || f.kind == "near_duplicate")
            .count();
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
                format!(
                    "{} ({} of {})",
                    host(&s.site),
                    s.governance_failed.unwrap_or(0),
                    s.governance_failed.unwrap_or(0) + s.governance_passed.unwrap_or(0)
                )
            })
            .collect();
        if !failing.is_empty() {
            out.push(format!(
                "Required links and elements are missing on {} site{}: {} checks failed.",
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
        let plain = self.of_kind("plain_language").count();
        if plain > 0 {
            out.push(format!(
                "{plain} plain-language issues (long sentences, jargon, passive voice…) on pages web teams can rewrite."
            ));
        }
        out
    }

    /// Pages with findings, the most severe first.
    pub fn pages_to_fix(&self) -> Vec<PageToFix> {
        // Per page: its first finding, counts by severity, counts by kind.
        type Tally<'a> = (&'a Finding, [usize; 3], HashMap<&'a str, usize>);
        let mut by_url: HashMap<&str, Tally> = HashMap::new();
        for f in self.ranked() {
            if !f.url.starts_with("http") {
                continue;
            }
            let e = by_url
                .entry(f.url.as_str())
                .or_insert((f, [0; 3], HashMap::new()));
            e.1[severity_rank(f.severity) as usize] += 1;
            *e.2.entry(f.kind.as_str()).or_default() += 1;
        }
        let mut out: Vec<PageToFix> = by_url
            .into_iter()
            .map(|(url, (first, counts, kinds))| {
                let mut kinds: Vec<(&str, usize)> = kinds.into_iter().collect();
                kinds.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
                PageToFix {
                    url: url.to_string(),
                    site: first.site.clone(),
                    title: self.titles.get(url).cloned(),
                    counts,
                    kinds: kinds.into_iter().map(|(k, _)| k.to_string()).collect(),
                }
            })
            .collect();
        out.sort_by(|a, b| {
            (b.counts[0], b.counts[1], b.counts[2])
                .cmp(&(a.counts[0], a.counts[1], a.counts[2]))
                .then(a.url.cmp(&b.url))
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
    match f.kind.as_str() {
        "broken_link" | "redirect_chain" | "broken_fragment" | "soft_404" | "blocked_link" => {
            s("target").unwrap_or_default()
        }
        "governance" => format!(
            "{}: expected {}",
            s("rule").unwrap_or_default(),
            s("expected").unwrap_or_default()
        ),
        "plain_language" => {
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
        "readability" => format!(
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
        "inconsistent_answer" => {
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
        "duplicate" | "near_duplicate" => {
            let n = f
                .extra
                .get("urls")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            format!(
                "{n} pages, similarity {}",
                f.extra
                    .get("similarity")
                    .map(Value::to_string)
                    .unwrap_or_default()
            )
        }
        _ => String::new(),
    }
}
