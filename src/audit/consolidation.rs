//! Consolidation: which sites overlap, and for each site one recommendation — keep, fix, merge
//! into a named site, or retire — with the evidence behind it in plain words.
//!
//! Reads: the other audits' results (duplicate groups, broken links, readability, governance,
//! inconsistent answers), what the crawl stored per site (traffic, updates, redirects) and each
//! page's main text for topic similarity. Writes: one [`SiteAudit`] per web site. The decision
//! and its weights are in `rules/consolidation.toml`, documented there.
//!
//! # Design
//! - [`Topics`] keeps, per site, how often each word (hashed) appears in its pages' main text and,
//!   for the whole inventory, in how many pages each word appears. Two sites' topic similarity is
//!   the cosine of their TF-IDF vectors: words every page uses weigh nothing, words only a few
//!   pages use weigh most.
//! - Page overlap comes from the duplicate groups: the share of site A's compared pages that
//!   have an exact or near copy on site B.

use std::collections::{HashMap, HashSet};

use serde_json::{json, Value};
use xxhash_rust::xxh3::xxh3_64;

use super::site_facts::SiteCrawlFacts;
use crate::model::{origin_host as host, url_origin, Finding, FindingKind};
use crate::rules::ConsolidationRules;
use crate::store::SiteAudit;

use super::governance::SiteResult;

/// Word counts per site, and page frequencies over the inventory.
#[derive(Debug, Default)]
pub struct Topics {
    pages: u32,
    df: HashMap<u32, u32>,
    sites: HashMap<String, HashMap<u32, u32>>,
}

impl Topics {
    /// The distinct topic words of a page's main text (hashed) with their counts: what
    /// [`Topics::add_counts`] adds. Separate so pages can be read on several threads.
    pub fn words_of(text: &str) -> Vec<(u32, u32)> {
        // Hashed into a list, sorted and counted: no map, and no string made for a word in
        // ASCII (most of them), which is lower-cased in a buffer kept for the page.
        let mut hashes: Vec<u32> = Vec::new();
        let mut lower: Vec<u8> = Vec::new();
        for word in text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.len() >= 3)
        {
            let hash = if word.is_ascii() {
                if word.bytes().all(|b| b.is_ascii_digit()) {
                    continue;
                }
                lower.clear();
                lower.extend(word.bytes().map(|b| b.to_ascii_lowercase()));
                xxh3_64(&lower)
            } else {
                if word.chars().count() < 3 || word.chars().all(|c| c.is_ascii_digit()) {
                    continue;
                }
                xxh3_64(word.to_lowercase().as_bytes())
            };
            hashes.push(hash as u32);
        }
        hashes.sort_unstable();
        hashes
            .chunk_by(|a, b| a == b)
            .map(|same| (same[0], same.len() as u32))
            .collect()
    }

    /// Adds one page's topic words, as [`Topics::words_of`] counts them.
    pub fn add_counts(&mut self, site: &str, words: &[(u32, u32)]) {
        let counts = self.sites.entry(site.to_string()).or_default();
        for &(h, n) in words {
            *counts.entry(h).or_default() += n;
            *self.df.entry(h).or_default() += 1;
        }
        self.pages += 1;
    }

    /// Adds one page's main text.
    pub fn add_page(&mut self, site: &str, text: &str) {
        self.add_counts(site, &Self::words_of(text));
    }

    /// A site's TF-IDF vector, length 1.
    fn vector(&self, site: &str) -> HashMap<u32, f64> {
        let n = f64::from(self.pages.max(1));
        let Some(counts) = self.sites.get(site) else {
            return HashMap::new();
        };
        unit(counts.iter().map(|(h, &tf)| {
            let idf = self.df.get(h).map_or(0.0, |&df| (n / f64::from(df)).ln());
            (*h, (1.0 + f64::from(tf).ln()) * idf)
        }))
        .into_iter()
        .collect()
    }

    /// Topic similarity (0..1, three decimals) of every ordered pair of sites.
    pub fn similarities(&self, sites: &[String]) -> HashMap<(String, String), f64> {
        let vectors: Vec<HashMap<u32, f64>> = sites.iter().map(|s| self.vector(s)).collect();
        let mut out = HashMap::new();
        for i in 0..sites.len() {
            for j in i + 1..sites.len() {
                let dot: f64 = vectors[i]
                    .iter()
                    .filter_map(|(h, x)| vectors[j].get(h).map(|y| x * y))
                    .sum();
                let sim = ((dot.clamp(0.0, 1.0) * 1000.0).round() / 1000.0).max(0.0) + 0.0;
                out.insert((sites[i].clone(), sites[j].clone()), sim);
                out.insert((sites[j].clone(), sites[i].clone()), sim);
            }
        }
        out
    }
}

/// Scales weights to length 1, dropping zeros.
fn unit(weights: impl Iterator<Item = (u32, f64)>) -> Vec<(u32, f64)> {
    let v: Vec<(u32, f64)> = weights.filter(|(_, w)| *w > 0.0).collect();
    let norm = v.iter().map(|(_, w)| w * w).sum::<f64>().sqrt();
    if norm > 0.0 {
        v.into_iter().map(|(h, w)| (h, w / norm)).collect()
    } else {
        v
    }
}

/// Everything known about one web site when its recommendation is made.
pub struct SiteFigures<'a> {
    /// What the crawl stored.
    pub facts: &'a SiteCrawlFacts,
    /// The governance result.
    pub governance: &'a SiteResult,
    /// Pages whose main text was measured (fetched HTML pages, not "not found" pages).
    pub pages: usize,
    /// Median Flesch-Kincaid grade of its scored pages.
    pub median_grade: Option<f64>,
}

/// Pages of each site (by origin) that have a copy on each other site: `a -> b -> [(page of a,
/// its copy on b)]`, sorted by page.
pub fn page_overlap(
    findings: &[Finding],
    origins: &[String],
) -> HashMap<String, HashMap<String, Vec<(String, String)>>> {
    let known: std::collections::HashSet<&str> = origins.iter().map(String::as_str).collect();
    let site_of = |url: &str| {
        url_origin(url)
            .filter(|o| known.contains(o))
            .map(str::to_string)
    };
    let mut pages: HashMap<String, HashMap<String, std::collections::BTreeMap<String, String>>> =
        HashMap::new();
    for f in findings.iter().filter(|f| f.kind.is_copy()) {
        let urls: Vec<(String, String)> = f
            .urls()
            .filter_map(|u| site_of(u).map(|s| (u.to_string(), s)))
            .collect();
        for (url, a) in &urls {
            for (copy, b) in urls.iter().filter(|(_, b)| b != a) {
                pages
                    .entry(a.clone())
                    .or_default()
                    .entry(b.clone())
                    .or_default()
                    .entry(url.clone())
                    .or_insert_with(|| copy.clone());
            }
        }
    }
    pages
        .into_iter()
        .map(|(a, bs)| {
            (
                a,
                bs.into_iter()
                    .map(|(b, m)| (b, m.into_iter().collect()))
                    .collect(),
            )
        })
        .collect()
}

/// The copied pages as evidence: which page is a copy of which, a few of them.
fn copied_pages(copies: &[(String, String)]) -> Option<String> {
    const SHOWN: usize = 5;
    if copies.is_empty() {
        return None;
    }
    let list: Vec<String> = copies
        .iter()
        .take(SHOWN)
        .map(|(page, copy)| format!("{page} (copy of {copy})"))
        .collect();
    let more = copies.len().saturating_sub(SHOWN);
    Some(format!(
        "Copied pages: {}{}.",
        list.join("; "),
        if more > 0 {
            format!("; and {more} more (figures.overlap lists them all)")
        } else {
            String::new()
        }
    ))
}

/// Days from `earlier` to `later` (dates written `YYYY-MM-DD…`; anything after the day is
/// ignored); `None` when either is not a date.
fn days_between(earlier: &str, later: &str) -> Option<i64> {
    let date = |s: &str| s.get(..10)?.parse::<jiff::civil::Date>().ok();
    let span = date(later)?.since(date(earlier)?).ok()?;
    Some(i64::from(span.get_days()))
}

fn pct(x: f64) -> String {
    if x > 0.0 && x < 0.01 {
        format!("{:.1}%", x * 100.0)
    } else {
        format!("{:.0}%", x * 100.0)
    }
}

/// 1200000 -> "1,200,000".
fn thousands(x: f64) -> String {
    let digits = format!("{:.0}", x.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if x < 0.0 {
        out.insert(0, '-');
    }
    out
}

/// Makes the recommendation of every web site. `today` is `YYYY-MM-DD`.
///
/// In steps: what the findings add up to per site ([`Estate`]); which sites retire (first, so
/// that nothing merges into a site that goes away); then per site its standing ([`Standing`]:
/// staleness, traffic, overlap with each other site), the decision ([`decide`]), what needs
/// fixing whatever the decision ([`problems`]) and the figures behind it; last, merges into a
/// site that itself merges go straight to the last one ([`follow_merges`]).
pub fn recommend(
    sites: &[SiteFigures<'_>],
    findings: &[Finding],
    topics: &Topics,
    rules: &ConsolidationRules,
    today: &str,
) -> Vec<SiteAudit> {
    let estate = Estate::new(sites, findings, topics, rules);
    let retiring = estate.retiring();
    let mut out: Vec<SiteAudit> = Vec::with_capacity(sites.len());
    for i in 0..sites.len() {
        let standing = estate.standing(i, today);
        let (recommendation, merge_into, evidence) = decide(&estate, &retiring, i, &standing);
        out.push(estate.site_audit(i, &standing, recommendation, merge_into, evidence));
    }
    follow_merges(&mut out);
    out
}

/// What the findings and crawl add up to across the estate, for every site's decision.
struct Estate<'a> {
    sites: &'a [SiteFigures<'a>],
    rules: &'a ConsolidationRules,
    /// `a -> b -> [(page of a, its copy on b)]`.
    overlap: HashMap<String, HashMap<String, Vec<(String, String)>>>,
    /// Topic similarity of two sites' main text.
    similarity: HashMap<(String, String), f64>,
    /// Inconsistent answers that concern each site.
    answers: HashMap<&'a str, usize>,
    /// Per site: links to broken addresses (a template link once per page it is on), and the
    /// distinct addresses.
    broken: HashMap<&'a str, (usize, HashSet<&'a str>)>,
    total_traffic: f64,
    all_have_traffic: bool,
}

/// One site's situation when it is decided.
struct Standing {
    /// Links to broken addresses, and the distinct addresses.
    broken: usize,
    broken_addresses: usize,
    broken_rate: f64,
    answers: usize,
    /// Governance checks made, and the share passed (1 when none could be made).
    checked: usize,
    gov_score: f64,
    traffic_share: Option<f64>,
    age_days: Option<i64>,
    stale: bool,
    low_traffic: bool,
    /// Each other site: (index, pages copied there, share of this site's pages, topic
    /// similarity, merge score), most alike first.
    others: Vec<(usize, usize, f64, f64, f64)>,
}

impl<'a> Estate<'a> {
    fn new(
        sites: &'a [SiteFigures<'a>],
        findings: &'a [Finding],
        topics: &Topics,
        rules: &'a ConsolidationRules,
    ) -> Self {
        let origins: Vec<String> = sites.iter().map(|s| s.facts.origin.clone()).collect();
        // Inconsistent answers per site, in one pass: a finding counts for its own site and
        // for every site among its `urls` (an answer dispute concerns each of them).
        let mut answers: HashMap<&str, usize> = HashMap::new();
        for f in findings
            .iter()
            .filter(|f| f.kind == FindingKind::InconsistentAnswer)
        {
            let mut concerned: Vec<&str> = vec![f.site.as_str()];
            concerned.extend(f.urls().filter_map(url_origin));
            concerned.sort_unstable();
            concerned.dedup();
            for site in concerned {
                *answers.entry(site).or_default() += 1;
            }
        }
        let mut broken: HashMap<&str, (usize, HashSet<&str>)> = HashMap::new();
        for f in findings
            .iter()
            .filter(|f| f.kind == FindingKind::BrokenLink)
        {
            let e = broken.entry(f.site.as_str()).or_default();
            e.0 += f
                .extra
                .get("pages")
                .and_then(Value::as_u64)
                .map_or(1, |n| n as usize);
            e.1.insert(f.target().unwrap_or(""));
        }
        Estate {
            sites,
            rules,
            overlap: page_overlap(findings, &origins),
            similarity: topics.similarities(&origins),
            answers,
            broken,
            total_traffic: sites.iter().filter_map(|s| s.facts.traffic).sum(),
            all_have_traffic: sites.iter().all(|s| s.facts.traffic.is_some()),
        }
    }

    fn topic(&self, a: &str, b: &str) -> f64 {
        self.similarity
            .get(&(a.to_string(), b.to_string()))
            .copied()
            .unwrap_or_default()
    }

    /// Whether site `j` is bigger than site `i`: a strict order (traffic when every site has
    /// it, then pages, then the origin), so merges can never go round in a circle.
    fn bigger(&self, i: usize, j: usize) -> bool {
        let (a, b) = (&self.sites[i], &self.sites[j]);
        let traffic = if self.all_have_traffic {
            let t = |s: &SiteFigures| s.facts.traffic.unwrap_or(0.0);
            t(b).total_cmp(&t(a))
        } else {
            std::cmp::Ordering::Equal
        };
        traffic
            .then(b.pages.cmp(&a.pages))
            .then(b.facts.origin.cmp(&a.facts.origin))
            == std::cmp::Ordering::Greater
    }

    /// Pages of site `i` with a copy on site `j`: (page, copy).
    fn copies_on(&self, i: usize, j: usize) -> &[(String, String)] {
        self.overlap
            .get(&self.sites[i].facts.origin)
            .and_then(|m| m.get(&self.sites[j].facts.origin))
            .map_or(&[], Vec::as_slice)
    }

    /// Pages of site `i` copied on site `j`, and their share of `i`'s pages.
    fn copied_on(&self, i: usize, j: usize) -> (usize, f64) {
        let copied = self.copies_on(i, j).len();
        let pages = self.sites[i].pages;
        let share = if pages > 0 {
            (copied as f64 / pages as f64).min(1.0)
        } else {
            0.0
        };
        (copied, share)
    }

    /// Sites to retire: `Some(Some(j))` retires into site `j` (its copies are there),
    /// `Some(None)` just retires (moved away, or nothing could be fetched).
    fn retiring(&self) -> Vec<Option<Option<usize>>> {
        (0..self.sites.len())
            .map(|i| {
                let f = self.sites[i].facts;
                if moved(f) || (f.ok_pages == 0 && !f.home_blocked) {
                    return Some(None);
                }
                (0..self.sites.len())
                    .filter(|&j| j != i && self.bigger(i, j))
                    .map(|j| (j, self.copied_on(i, j).1))
                    .filter(|&(_, share)| {
                        share >= self.rules.retire.retire_page_overlap && share > 0.0
                    })
                    .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
                    .map(|(j, _)| Some(Some(j)))
                    .unwrap_or(None)
            })
            .collect()
    }

    fn standing(&self, i: usize, today: &str) -> Standing {
        let (s, rules) = (&self.sites[i], self.rules);
        let (f, g) = (s.facts, s.governance);
        let (broken, broken_addresses) = self
            .broken
            .get(f.origin.as_str())
            .map_or((0, 0), |(n, a)| (*n, a.len()));
        let checked = g.passed + g.failed;
        let traffic_share = f
            .traffic
            .filter(|_| self.total_traffic > 0.0)
            .map(|t| t / self.total_traffic);
        let age_days = f
            .newest_update
            .as_deref()
            .and_then(|d| days_between(d, today));
        let stale = age_days.is_some_and(|d| d > i64::from(rules.stale.stale_days));
        let low_traffic = traffic_share.is_some_and(|t| t < rules.stale.low_traffic_share);
        let mut others: Vec<(usize, usize, f64, f64, f64)> = self
            .sites
            .iter()
            .enumerate()
            .filter(|(_, o)| o.facts.origin != f.origin)
            .map(|(j, o)| {
                let (copied, share) = self.copied_on(i, j);
                let topic = self.topic(&f.origin, &o.facts.origin);
                let mut score =
                    rules.merge.page_overlap_weight * share + rules.merge.topic_weight * topic;
                if share > 0.0 || topic > 0.0 {
                    if stale {
                        score += rules.merge.stale_weight;
                    }
                    if low_traffic {
                        score += rules.merge.low_traffic_weight;
                    }
                }
                (j, copied, share, topic, (score * 1000.0).round() / 1000.0)
            })
            .collect();
        others.sort_by(|a, b| b.4.total_cmp(&a.4).then(a.0.cmp(&b.0)));
        Standing {
            broken,
            broken_addresses,
            broken_rate: if f.links > 0 {
                broken as f64 / f.links as f64
            } else {
                0.0
            },
            answers: self.answers.get(f.origin.as_str()).copied().unwrap_or(0),
            checked,
            gov_score: if checked > 0 {
                g.passed as f64 / checked as f64
            } else {
                1.0
            },
            traffic_share,
            age_days,
            stale,
            low_traffic,
            others,
        }
    }

    /// The stored row: the decision completed with what needs fixing, the standing in words,
    /// and the figures behind it.
    fn site_audit(
        &self,
        i: usize,
        st: &Standing,
        mut recommendation: &'static str,
        merge_into: Option<String>,
        mut evidence: Vec<String>,
    ) -> SiteAudit {
        let s = &self.sites[i];
        let (f, g) = (s.facts, s.governance);
        // What needs fixing, whatever the recommendation: a merged site's pages still move.
        let problems = problems(s, st, self.rules);
        if recommendation == "keep" && !problems.is_empty() {
            recommendation = "fix";
        }
        if !problems.is_empty() {
            let lead = if recommendation == "fix" {
                "Fix"
            } else {
                "Also"
            };
            evidence.push(format!("{lead}: {}.", problems.join("; ")));
        }
        if recommendation == "keep" {
            evidence.push(format!(
                "Distinct content (no site above the merge score), governance {} of {} checks, {} broken address{}.",
                g.passed,
                st.checked,
                st.broken_addresses,
                if st.broken_addresses == 1 { "" } else { "es" }
            ));
        }
        if st.stale {
            evidence.push(format!(
                "Stale: newest update {} ({} days ago).",
                f.newest_update.as_deref().unwrap_or("?"),
                st.age_days.unwrap_or(0)
            ));
        }
        if let (Some(t), Some(share)) = (f.traffic, st.traffic_share) {
            evidence.push(format!(
                "Traffic: {} ({} of the inventory's).",
                thousands(t),
                pct(share)
            ));
        }
        let figures = json!({
            "domain_status": domain_status(f),
            "final_url": f.final_url,
            "pages": s.pages,
            "traffic": f.traffic,
            "traffic_share": st.traffic_share.map(|t| (t * 10000.0).round() / 10000.0),
            "newest_update": f.newest_update,
            "days_since_update": st.age_days,
            "stale": st.stale,
            "links": f.links,
            "broken_links": st.broken_addresses,
            "links_to_broken_addresses": st.broken,
            "broken_link_rate": (st.broken_rate * 10000.0).round() / 10000.0,
            "median_grade": s.median_grade,
            "governance_score": (st.gov_score * 1000.0).round() / 1000.0,
            "governance_failed_rules": g.failed_rules,
            "governance_failing": g.failing,
            "governance_unknown": g.skipped,
            "newest_update_source": f.newest_update_source,
            "inconsistent_answers": st.answers,
            "overlap": st.others.iter().map(|&(j, copied, share, topic, score)| json!({
                "site": self.sites[j].facts.origin,
                "duplicated_pages": copied,
                "copies": self.copies_on(i, j).iter().map(|(page, copy)| json!({"page": page, "copy": copy})).collect::<Vec<_>>(),
                "page_share": (share * 1000.0).round() / 1000.0,
                "topic_similarity": topic,
                "merge_score": score,
            })).collect::<Vec<_>>(),
        });
        SiteAudit {
            site: f.origin.clone(),
            governance_passed: g.passed as i64,
            governance_failed: g.failed as i64,
            governance_skipped: g.skipped as i64,
            recommendation: recommendation.to_string(),
            merge_into,
            evidence,
            figures,
        }
    }
}

/// The site's home page redirects off the site.
fn moved(f: &SiteCrawlFacts) -> bool {
    f.final_url
        .as_deref()
        .is_some_and(|u| url_origin(u) != Some(f.origin.as_str()))
}

/// As the .gov reform survey asks: does the domain serve pages, redirect, or neither?
fn domain_status(f: &SiteCrawlFacts) -> &'static str {
    if moved(f) {
        "redirect"
    } else if f.home_status.is_some_and(|s| (200..300).contains(&s)) || f.ok_pages > 0 {
        "active"
    } else if f.home_blocked
        && f.files
            .robots_status
            .is_some_and(|s| (200..300).contains(&s))
    {
        // robots.txt answered, so the site is up; it asked us not to look.
        "active, closed to crawlers"
    } else if f.home_status.is_none() {
        "unreachable"
    } else {
        "inactive"
    }
}

/// Keep, retire, merge (into which site) or fix, and why, before what needs fixing is added:
/// a site that moved away or could not be crawled first, then retirement into a site holding
/// its copies, then the most alike bigger site above the merge score.
fn decide(
    estate: &Estate<'_>,
    retiring: &[Option<Option<usize>>],
    i: usize,
    st: &Standing,
) -> (&'static str, Option<String>, Vec<String>) {
    let (sites, rules) = (estate.sites, estate.rules);
    let s = &sites[i];
    let f = s.facts;
    let mut evidence: Vec<String> = Vec::new();
    if moved(f) {
        let to = f
            .home_moved_to
            .clone()
            .or_else(|| f.final_url.clone())
            .unwrap_or_default();
        evidence.push(format!(
            "Its home page already redirects to {}: keep the redirect and retire the site.",
            host(&to)
        ));
        return ("retire", None, evidence);
    }
    if f.ok_pages == 0
        && f.home_blocked
        && !f
            .files
            .robots_status
            .is_some_and(|s| (200..300).contains(&s))
    {
        evidence.push(format!(
            "Its robots.txt could not be fetched ({}), so, as the robots.txt standard asks, nothing was crawled: check that the site is up, then audit it again.",
            f.files.robots_error
                .as_deref()
                .or(f.files.robots_status.map(|_| "an error status"))
                .unwrap_or("no answer")
        ));
        return ("fix", None, evidence);
    }
    if f.ok_pages == 0 && f.home_blocked {
        evidence.push(
            "robots.txt forbids crawlers the site's pages, so nothing could be audited; if it blocks search engines too, citizens cannot find the site. Allow the audit, or run with --ignore-robots with the owner's agreement."
                .into(),
        );
        return ("fix", None, evidence);
    }
    if f.ok_pages == 0 {
        evidence.push(
            "No page of the site could be fetched: if it still serves people, fix it; otherwise retire the domain."
                .into(),
        );
        return ("retire", None, evidence);
    }
    if let Some(Some(j)) = retiring[i] {
        let (copied, share) = estate.copied_on(i, j);
        evidence.push(format!(
            "{} of its {} pages ({}) are copies of pages on {}: nothing of its own would be lost; redirect it there.",
            copied,
            s.pages,
            pct(share),
            host(&sites[j].facts.origin)
        ));
        evidence.extend(copied_pages(estate.copies_on(i, j)));
        return ("retire", Some(sites[j].facts.origin.clone()), evidence);
    }
    // Topic alone never merges a live, maintained site: it needs copies there.
    let maintained = !st.stale && !st.low_traffic;
    let Some(&(j, copied, share, topic, score)) = st.others.iter().find(|o| {
        o.4 >= rules.merge.merge_score
            && estate.bigger(i, o.0)
            && retiring[o.0] != Some(None)
            && (!maintained || o.2 >= rules.merge.min_copied_share)
    }) else {
        return ("keep", None, evidence);
    };
    let target = &sites[j].facts.origin;
    let mut why = format!(
        "Overlaps {}: {} of its {} pages ({}) repeat pages there and the two sites' topic similarity is {:.2} (merge score {:.2}, threshold {:.2})",
        host(target),
        copied,
        s.pages,
        pct(share),
        topic,
        score,
        rules.merge.merge_score
    );
    let target_size = match (f.traffic, sites[j].facts.traffic) {
        (Some(a), Some(b)) if estate.all_have_traffic => format!(
            "; {} has more traffic ({} against {})",
            host(target),
            thousands(b),
            thousands(a)
        ),
        _ => format!(
            "; {} is bigger ({} pages against {})",
            host(target),
            sites[j].pages,
            s.pages
        ),
    };
    why.push_str(&target_size);
    why.push('.');
    evidence.push(why);
    evidence.extend(copied_pages(estate.copies_on(i, j)));
    ("merge", Some(target.clone()), evidence)
}

/// What needs fixing on a site, in words: governance, broken links, reading grade, answers.
fn problems(s: &SiteFigures<'_>, st: &Standing, rules: &ConsolidationRules) -> Vec<String> {
    let (f, g) = (s.facts, s.governance);
    let mut problems: Vec<String> = Vec::new();
    if g.failed_required > 0 || (st.checked > 0 && st.gov_score < rules.fix.fix_governance_score) {
        problems.push(format!(
            "governance: {} of {} checks pass; failing: {}",
            g.passed,
            st.checked,
            g.failing.join("; ")
        ));
    }
    let (broken, broken_addresses) = (st.broken, st.broken_addresses);
    if st.broken_rate >= rules.fix.fix_broken_link_rate && broken > 0 {
        problems.push(format!(
            "{broken} of its {} links ({}) lead to one of {broken_addresses} broken address{}",
            f.links,
            pct(st.broken_rate),
            if broken_addresses == 1 { "" } else { "es" }
        ));
    }
    if let Some(grade) = s.median_grade.filter(|g| *g > rules.fix.fix_median_grade) {
        problems.push(format!(
            "median reading grade {grade:.1} (above {:.0})",
            rules.fix.fix_median_grade
        ));
    }
    let answers = st.answers;
    if answers as u32 >= rules.fix.fix_inconsistent_answers && answers > 0 {
        problems.push(format!(
            "{answers} {} answered differently than on other sites or channels",
            if answers == 1 {
                "question"
            } else {
                "questions"
            }
        ));
    }
    problems
}

/// A site merging into one that itself merges goes straight to the last one.
fn follow_merges(out: &mut [SiteAudit]) {
    let targets: HashMap<String, Option<String>> = out
        .iter()
        .map(|a| (a.site.clone(), a.merge_into.clone()))
        .collect();
    for a in out.iter_mut() {
        let first = a.merge_into.clone();
        let mut hops = 0;
        while let Some(next) = a
            .merge_into
            .as_ref()
            .and_then(|t| targets.get(t).cloned().flatten())
        {
            if hops > targets.len() || Some(&next) == Some(&a.site) {
                break;
            }
            a.merge_into = Some(next);
            hops += 1;
        }
        if let (Some(first), Some(last)) = (&first, &a.merge_into) {
            if first != last {
                a.evidence.insert(
                    a.evidence.len().min(1),
                    format!(
                        "{} itself goes into {}: move this site's pages straight there.",
                        host(first),
                        host(last)
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleSet;

    fn facts(origin: &str, traffic: Option<f64>, updated: &str) -> SiteCrawlFacts {
        SiteCrawlFacts {
            origin: origin.into(),
            ok_pages: 10,
            traffic,
            newest_update: Some(updated.into()),
            links: 100,
            ..SiteCrawlFacts::default()
        }
    }

    fn dup(urls: &[&str]) -> Finding {
        let mut extra = serde_json::Map::new();
        extra.insert("urls".into(), json!(urls));
        Finding {
            kind: crate::model::FindingKind::NearDuplicate,
            severity: crate::model::Severity::Warning,
            site: String::new(),
            url: urls[0].into(),
            message: String::new(),
            extra,
        }
    }

    #[test]
    fn an_old_copy_merges_into_the_main_site() {
        let rules = RuleSet::builtin().consolidation;
        let main = facts("https://www.a.gov", Some(100_000.0), "2026-10-01");
        let old = facts("https://old.a.gov", Some(500.0), "2012-01-01");
        let other = facts("https://grants.a.gov", Some(9_000.0), "2026-09-01");
        let gov = SiteResult {
            passed: 20,
            ..SiteResult::default()
        };
        let mut topics = Topics::default();
        for i in 0..5 {
            topics.add_page(
                "https://www.a.gov",
                &format!("rental assistance vouchers eligibility income limits, page {i}"),
            );
            topics.add_page(
                "https://old.a.gov",
                &format!("rental assistance vouchers eligibility income limits, old page {i}"),
            );
            topics.add_page(
                "https://grants.a.gov",
                &format!("grant applications nonprofits tribes funding notice, page {i}"),
            );
        }
        let sites = [
            SiteFigures {
                facts: &main,
                governance: &gov,
                pages: 10,
                median_grade: Some(8.0),
            },
            SiteFigures {
                facts: &old,
                governance: &gov,
                pages: 5,
                median_grade: Some(9.0),
            },
            SiteFigures {
                facts: &other,
                governance: &gov,
                pages: 10,
                median_grade: Some(9.0),
            },
        ];
        let findings = [dup(&["https://old.a.gov/faq", "https://www.a.gov/faq"])];
        let out = recommend(&sites, &findings, &topics, &rules, "2026-11-23");
        let got: Vec<(&str, Option<&str>)> = out
            .iter()
            .map(|a| (a.recommendation.as_str(), a.merge_into.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("keep", None),
                ("merge", Some("https://www.a.gov")),
                ("keep", None)
            ]
        );
        assert!(
            out[1].evidence[0].contains("1 of its 5 pages (20%)"),
            "{:?}",
            out[1].evidence
        );
        assert!(out[1].evidence.iter().any(|e| e.starts_with("Stale")));
        assert_eq!(out[1].figures["overlap"][0]["site"], "https://www.a.gov");
    }

    #[test]
    fn merges_never_go_round_in_a_circle() {
        let rules = RuleSet::builtin().consolidation;
        // Traffic for two sites only: size decides, so A (most pages) is the one kept. B and C
        // are stale, so their topic overlap may merge them.
        let a = facts("https://a.gov", Some(10.0), "2026-10-01");
        let b = facts("https://b.gov", None, "2019-10-01");
        let c = facts("https://c.gov", Some(20.0), "2019-10-01");
        let gov = SiteResult::default();
        let mut topics = Topics::default();
        for site in ["https://a.gov", "https://b.gov", "https://c.gov"] {
            for i in 0..3 {
                topics.add_page(
                    site,
                    &format!("rental vouchers income limits apply page {i}"),
                );
            }
        }
        topics.add_page("https://d.gov", "grants tribes nonprofits funding");
        let sites = [
            SiteFigures {
                facts: &a,
                governance: &gov,
                pages: 100,
                median_grade: None,
            },
            SiteFigures {
                facts: &b,
                governance: &gov,
                pages: 50,
                median_grade: None,
            },
            SiteFigures {
                facts: &c,
                governance: &gov,
                pages: 10,
                median_grade: None,
            },
        ];
        let out = recommend(&sites, &[], &topics, &rules, "2026-11-23");
        let got: Vec<(&str, Option<&str>)> = out
            .iter()
            .map(|s| (s.recommendation.as_str(), s.merge_into.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("keep", None),
                ("merge", Some("https://a.gov")),
                ("merge", Some("https://a.gov"))
            ]
        );
    }

    #[test]
    fn topic_alone_never_merges_live_sites() {
        let rules = RuleSet::builtin().consolidation;
        // Two maintained sites on one subject, no copies: both keep.
        let a = facts("https://a.gov", Some(900.0), "2026-10-01");
        let b = facts("https://b.gov", Some(800.0), "2026-10-02");
        let gov = SiteResult::default();
        let mut topics = Topics::default();
        for site in ["https://a.gov", "https://b.gov"] {
            for i in 0..4 {
                topics.add_page(
                    site,
                    &format!("rental vouchers income limits apply page {i}"),
                );
            }
        }
        for i in 0..8 {
            topics.add_page(
                "https://c.gov",
                &format!("grant applications nonprofits tribes funding notice {i}"),
            );
        }
        let sites = [
            SiteFigures {
                facts: &a,
                governance: &gov,
                pages: 40,
                median_grade: None,
            },
            SiteFigures {
                facts: &b,
                governance: &gov,
                pages: 20,
                median_grade: None,
            },
        ];
        let out = recommend(&sites, &[], &topics, &rules, "2026-11-23");
        assert_eq!(out[1].recommendation, "keep");
        assert!(out[1].figures["overlap"][0]["topic_similarity"].as_f64() > Some(0.4));
        // With 5 of its 20 pages copied there, it merges, and the evidence names the copies.
        let copies: Vec<Finding> = (0..5)
            .map(|i| {
                dup(&[
                    &format!("https://a.gov/p{i}"),
                    &format!("https://b.gov/p{i}"),
                ])
            })
            .collect();
        let out = recommend(&sites, &copies, &topics, &rules, "2026-11-23");
        assert_eq!(out[1].recommendation, "merge");
        assert!(
            out[1].evidence.iter().any(|e| e.starts_with("Copied pages: https://b.gov/p0 (copy of https://a.gov/p0)")),
            "{:?}",
            out[1].evidence
        );
    }

    #[test]
    fn copies_retire_and_problems_fix() {
        let rules = RuleSet::builtin().consolidation;
        let main = facts("https://www.a.gov", None, "2026-10-01");
        let copy = facts("https://copy.a.gov", None, "2026-10-01");
        let gov = SiteResult::default();
        let bad = SiteResult {
            passed: 10,
            failed: 8,
            failed_rules: vec!["dap".into()],
            ..SiteResult::default()
        };
        let topics = Topics::default();
        let sites = [
            SiteFigures {
                facts: &main,
                governance: &bad,
                pages: 10,
                median_grade: None,
            },
            SiteFigures {
                facts: &copy,
                governance: &gov,
                pages: 2,
                median_grade: None,
            },
        ];
        let findings = [
            dup(&["https://copy.a.gov/a", "https://www.a.gov/a"]),
            dup(&["https://copy.a.gov/b", "https://www.a.gov/b"]),
        ];
        let out = recommend(&sites, &findings, &topics, &rules, "2026-11-23");
        assert_eq!(out[0].recommendation, "fix");
        assert!(
            out[0].evidence[0].contains("10 of 18 checks pass"),
            "{:?}",
            out[0].evidence
        );
        assert_eq!(out[1].recommendation, "retire");
        assert_eq!(out[1].merge_into.as_deref(), Some("https://www.a.gov"));
        assert_eq!(days_between("2025-11-23", "2026-11-23"), Some(365));
        assert_eq!(days_between("2024-02-28", "2024-03-01T10:00:00Z"), Some(2));
        assert_eq!(days_between("2024-02-30", "2024-03-01"), None);
        assert_eq!(days_between("soon", "2024-03-01"), None);
    }
}
