//! Governance: the links and elements every federal public website must have (required links,
//! DAP, the official banner, viewport, `lang`, titles, search, HTTPS and HSTS, robots.txt,
//! sitemap, a real 404), as listed in `rules/governance.toml`.
//!
//! Reads: each page's parsed HTML (while the content audit has it) and what the crawl stored
//! about the site (robots.txt, sitemap, the made-up-address probe, headers). Writes: findings of
//! kind `governance` (`rule`, `expected`) and per-site pass/fail counts. Never fetches anything.
//!
//! # Design
//! - [`Checker::page`] reduces a page to one pass/fail per page-level rule ([`PageSignals`]), so
//!   the HTML is dropped at once. Only pages people read are given to it (see
//!   `extract::document`): a JSON feed or a directory listing has no banner to miss.
//! - A required link is what a reader takes for it: two of its words (text, aria-label, image
//!   alt, or the heading above it), its address, and the title of the page it leads to must say
//!   what it is; an image link with no words is judged by its address.
//! - [`Checker::site`] decides each rule for a site. Links and `site_element` rules pass when the
//!   home page has them or at least `template_share` of the pages do (the shared header or
//!   footer). `element` rules fail the site when at least `site_fail_share` of its pages lack
//!   them (one finding, with the share); a few stray pages without them are info findings and
//!   the site passes.
//! - A rule that cannot be observed (no page could be read, HSTS of a site fetched through
//!   `--map` over plain http, a 404 probe robots.txt kept us from asking) is unknown (counted as
//!   skipped), never passed or failed.

use std::collections::HashMap;

use scraper::{ElementRef, Html, Selector};
use serde_json::{json, Map, Value};

use crate::model::{Finding, Severity};
use crate::rules::{Check, GovernanceRule, GovernanceRules};

/// A rule, compiled.
struct Compiled<'r> {
    rule: &'r GovernanceRule,
    selector: Option<Selector>,
    phrases: Vec<String>,
    /// Where the rule's `text` and `link_text` patterns stand among [`Checker`]'s
    /// `link_words`, and its `target` and `link_target` among its `link_addresses`: a link is
    /// matched against every pattern at once, then each rule reads its own.
    ids: PatternIds,
}

/// Indexes of a rule's patterns in the checker's pattern sets.
#[derive(Default)]
struct PatternIds {
    text: Vec<usize>,
    target: Vec<usize>,
    link_text: Vec<usize>,
    link_target: Vec<usize>,
}

/// Which of the checker's patterns a link's texts and address match.
struct LinkMatches {
    words: regex::SetMatches,
    heading: Option<regex::SetMatches>,
    destination: Option<regex::SetMatches>,
    target: regex::SetMatches,
}

/// A link as a reader meets it: its words and the heading above it, and which rule patterns
/// those, its address and the title of the page it leads to (when that page was fetched) match.
struct SeenLink {
    words: String,
    heading: Option<String>,
    matches: LinkMatches,
}

/// Checks pages and sites against the governance rules.
pub struct Checker<'r> {
    rules: &'r GovernanceRules,
    compiled: Vec<Compiled<'r>>,
    links: Selector,
    images: Selector,
    /// Every link rule's text patterns, to skip links no rule could want.
    link_words: regex::RegexSet,
    /// Every link rule's address patterns, likewise.
    link_addresses: regex::RegexSet,
    /// Titles of fetched pages by URL, those a link rule's words match: where a link leads
    /// (a title no rule's words match says nothing about a link, so no other is kept).
    titles: HashMap<String, String>,
    /// Today (`YYYY-MM-DD`): stated update dates after it are ignored.
    today: String,
}

/// What one page showed for each page-level rule (in rule order; site-level rules are `false`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PageSignals {
    /// The page's public URL.
    pub url: String,
    /// Per rule: the page has it.
    pub has: Vec<bool>,
    /// The "last updated" date the page states (`YYYY-MM-DD`), today or before.
    pub stated_update: Option<String>,
    /// The newest such date, future ones included: when it is not after today, it is
    /// `stated_update` on any later day too.
    pub stated_any: Option<String>,
}

/// What the crawl stored about a site, for the site-level rules.
pub use super::site_facts::SiteCrawlFacts as SiteFacts;

/// A site's governance result.
#[derive(Debug, Clone, Default)]
pub struct SiteResult {
    /// Rules that passed.
    pub passed: usize,
    /// Rules that failed.
    pub failed: usize,
    /// Rules that could not be observed.
    pub skipped: usize,
    /// Failed rules of severity error.
    pub failed_errors: usize,
    /// Failed rules that are requirements (severity error or warning, not info).
    pub failed_required: usize,
    /// Ids of the failed rules.
    pub failed_rules: Vec<String>,
    /// Each failed rule in words, with the share of pages it concerns ("Digital Analytics
    /// Program script: missing on 306 of 306 pages"), in rule order.
    pub failing: Vec<String>,
    /// The findings.
    pub findings: Vec<Finding>,
}

/// One page the finding is on, the pages it concerns, what is wrong, and its severity when it
/// is not the rule's (stray pages are info).
struct Failure {
    url: String,
    urls: Vec<String>,
    message: String,
    severity: Option<Severity>,
}

enum Outcome {
    Pass,
    /// Passed, with stray pages that lack it (info findings).
    PassExcept(Vec<Failure>),
    Skip,
    /// Failed: the findings and the failure in words, with its share of pages.
    Fail(Vec<Failure>, String),
}

impl<'r> Checker<'r> {
    /// Compiles the rules (validated when the rule file was loaded). `titles` are the titles of
    /// fetched pages by URL, to see where a link leads.
    pub fn new<S: AsRef<str>>(
        rules: &'r GovernanceRules,
        titles: impl IntoIterator<Item = (S, S)>,
    ) -> Checker<'r> {
        let set = |patterns: Vec<&String>| {
            regex::RegexSetBuilder::new(patterns)
                .case_insensitive(true)
                .build()
                .unwrap_or_else(|_| regex::RegexSet::empty())
        };
        let link_rules = || {
            rules
                .rules
                .iter()
                .filter(|r| r.enabled && r.check == Check::Link)
        };
        // Every link rule's words, then every rule's link words (an element a link can stand
        // for); the same for addresses. A link is matched against all of them at once.
        let link_words = set(link_rules()
            .flat_map(|r| r.text.iter())
            .chain(rules.rules.iter().flat_map(|r| r.link_text.iter()))
            .collect());
        let link_addresses = set(link_rules()
            .flat_map(|r| r.target.iter())
            .chain(rules.rules.iter().flat_map(|r| r.link_target.iter()))
            .collect());
        // Each rule's place in the sets, laid out as they were built, by its place in the file.
        let mut ids: Vec<PatternIds> = rules.rules.iter().map(|_| PatternIds::default()).collect();
        let (mut w, mut a) = (0, 0);
        for (i, r) in rules.rules.iter().enumerate() {
            if r.enabled && r.check == Check::Link {
                ids[i].text = (w..w + r.text.len()).collect();
                ids[i].target = (a..a + r.target.len()).collect();
                w += r.text.len();
                a += r.target.len();
            }
        }
        for (i, r) in rules.rules.iter().enumerate() {
            ids[i].link_text = (w..w + r.link_text.len()).collect();
            ids[i].link_target = (a..a + r.link_target.len()).collect();
            w += r.link_text.len();
            a += r.link_target.len();
        }
        let compiled: Vec<Compiled> = rules
            .rules
            .iter()
            .zip(ids)
            .filter(|(r, _)| r.enabled)
            .map(|(rule, ids)| Compiled {
                rule,
                selector: rule
                    .selector
                    .as_deref()
                    .and_then(|s| Selector::parse(s).ok()),
                phrases: match rule.check {
                    Check::Element | Check::SiteElement => {
                        rule.text.iter().map(|t| t.to_lowercase()).collect()
                    }
                    _ => Vec::new(),
                },
                ids,
            })
            .collect();
        let mut checker = Checker {
            rules,
            compiled,
            links: Selector::parse("a[href], area[href]").expect("a valid selector"),
            images: Selector::parse("img[alt]").expect("a valid selector"),
            link_words,
            link_addresses,
            titles: HashMap::new(),
            today: crate::store::today(),
        };
        for (url, title) in titles {
            checker.learn_title(url.as_ref(), title.as_ref());
        }
        checker
    }

    /// Learns the title of a fetched page (kept only if a link rule's words can match it).
    pub fn learn_title(&mut self, url: &str, title: &str) {
        if self.link_words.is_match(title) {
            self.titles.insert(url.to_string(), title.to_string());
        }
    }

    /// The title of the fetched page a link leads to (the address as resolved, with or
    /// without its trailing slash).
    fn destination(&self, target: &str) -> Option<&str> {
        let bare = target.split('#').next().unwrap_or(target);
        let titles = &self.titles;
        titles
            .get(bare)
            .or_else(|| match bare.strip_suffix('/') {
                Some(without) => titles.get(without),
                None => titles.get(&format!("{bare}/")),
            })
            .map(String::as_str)
    }

    /// A hash of what [`Checker::page`] reads besides the page and today's date: the titles of
    /// pages a link rule's words could match (a link is judged by where it leads, too).
    pub fn outside_page(&self) -> u64 {
        let mut relevant: Vec<(&String, &String)> = self
            .titles
            .iter()
            .filter(|(_, t)| self.link_words.is_match(t))
            .collect();
        relevant.sort();
        xxhash_rust::xxh3::xxh3_64(format!("{relevant:?}").as_bytes())
    }

    /// Today, as the stated-update rule reads it.
    pub fn today(&self) -> &str {
        &self.today
    }

    /// Reduces a page to its page-level results.
    pub fn page(&self, url: &str, doc: &Html) -> PageSignals {
        let base = url::Url::parse(url).ok();
        // Only links whose words, address or destination could satisfy a link rule (or image
        // links with no words) are kept: most of a page's links are none of these.
        let links: Vec<SeenLink> = doc
            .select(&self.links)
            .filter_map(|a| {
                let href = a.value().attr("href")?.trim();
                let words = self.link_text(a);
                let target = match &base {
                    Some(b) => b.join(href).map(|u| u.to_string()).unwrap_or_default(),
                    None => href.to_string(),
                };
                let named = !words.is_empty() && self.link_words.is_match(&words);
                let addressed = self.link_addresses.is_match(&target);
                let destination = self.destination(&target);
                let leads = destination.is_some_and(|t| self.link_words.is_match(t));
                if !(named || addressed || leads || words.is_empty()) {
                    return None;
                }
                // The heading of the list or column the link stands in ("Contact us" above an
                // "Email us" link), looked up only when the link's own words do not say it.
                let heading = (!named && (addressed || leads))
                    .then(|| nearby_heading(a))
                    .flatten();
                // Every pattern at once, for the rules to read below: a kept link (a footer's
                // "Privacy policy" on every page) is judged by each link rule.
                let matches = LinkMatches {
                    words: self.link_words.matches(&words),
                    heading: heading.as_deref().map(|h| self.link_words.matches(h)),
                    destination: destination.map(|d| self.link_words.matches(d)),
                    target: self.link_addresses.matches(&target),
                };
                Some(SeenLink {
                    words,
                    heading,
                    matches,
                })
            })
            .collect();
        // The whole visible text, footer included: banners and "last updated" lines live there.
        let mut text = String::with_capacity(8192);
        for node in doc.root_element().descendants() {
            let Some(t) = node.value().as_text() else {
                continue;
            };
            let hidden = node
                .parent()
                .and_then(|p| p.value().as_element().map(|e| e.name()))
                .is_some_and(|n| matches!(n, "script" | "style" | "noscript" | "template"));
            if hidden {
                continue;
            }
            for word in t.split_whitespace() {
                if !text.is_empty() {
                    text.push(' ');
                }
                text.push_str(word);
            }
        }
        let text = text.to_lowercase();
        let states = ["updated", "modified", "reviewed", "revised"]
            .iter()
            .any(|k| text.contains(k));
        let stated_any = states
            .then(|| crate::extract::updated::stated_update(&text, "9999-12-31"))
            .flatten();
        let stated_update = match &stated_any {
            Some(d) if d.as_str() > self.today.as_str() => {
                crate::extract::updated::stated_update(&text, &self.today)
            }
            other => other.clone(),
        };
        let has = self
            .compiled
            .iter()
            .map(|c| match c.rule.check {
                Check::Link => links.iter().any(|l| link_matches(c, l)),
                Check::Element | Check::SiteElement => {
                    let by_selector = c.selector.as_ref().is_some_and(|s| {
                        doc.select(s).any(|e| {
                            !c.rule.require_text || !e.text().collect::<String>().trim().is_empty()
                        })
                    });
                    let by_link = !c.ids.link_text.is_empty()
                        && links.iter().any(|l| {
                            any_of(&l.matches.words, &c.ids.link_text)
                                && any_of(&l.matches.target, &c.ids.link_target)
                        });
                    by_selector || by_link || c.phrases.iter().any(|p| text.contains(p.as_str()))
                }
                _ => false,
            })
            .collect();
        PageSignals {
            url: url.to_string(),
            has,
            stated_update,
            stated_any,
        }
    }

    /// What a reader or a screen reader takes a link to say.
    fn link_text(&self, a: ElementRef<'_>) -> String {
        let mut t: String = a.text().collect::<Vec<_>>().join(" ");
        for attr in ["aria-label", "title"] {
            if let Some(v) = a.value().attr(attr) {
                t.push(' ');
                t.push_str(v);
            }
        }
        for img in a.select(&self.images) {
            if let Some(alt) = img.value().attr("alt") {
                t.push(' ');
                t.push_str(alt);
            }
        }
        t.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// Decides every rule for one site from its pages' signals and what the crawl stored.
    pub fn site(&self, facts: &SiteFacts, pages: &[PageSignals]) -> SiteResult {
        let mut out = SiteResult::default();
        let home = facts
            .home
            .as_deref()
            .and_then(|h| pages.iter().find(|p| p.url == h))
            .or_else(|| pages.iter().min_by_key(|p| (p.url.len(), p.url.clone())));
        let home_url = home
            .map(|p| p.url.clone())
            .or_else(|| facts.home.clone())
            .unwrap_or_else(|| format!("{}/", facts.origin));
        for (i, c) in self.compiled.iter().enumerate() {
            let outcome = match c.rule.check {
                Check::Link | Check::SiteElement => {
                    self.template_rule(c, i, home, pages, &home_url)
                }
                Check::Element => every_page_rule(c, i, pages, &home_url, self.rules),
                Check::Https => https(facts, &home_url),
                Check::Hsts => hsts(c, facts, &home_url),
                Check::RobotsTxt => robots_txt(facts),
                Check::Sitemap => sitemap(facts),
                Check::NotFound => not_found(facts, &home_url),
            };
            let mut record = |found: Vec<Failure>| {
                for f in found {
                    out.findings.push(finding(c.rule, &facts.origin, f));
                }
            };
            match outcome {
                Outcome::Pass => out.passed += 1,
                Outcome::PassExcept(strays) => {
                    out.passed += 1;
                    record(strays);
                }
                Outcome::Skip => out.skipped += 1,
                Outcome::Fail(found, summary) => {
                    out.failed += 1;
                    if c.rule.severity == Severity::Error {
                        out.failed_errors += 1;
                    }
                    if c.rule.severity != Severity::Info {
                        out.failed_required += 1;
                    }
                    out.failed_rules.push(c.rule.id.clone());
                    out.failing.push(format!("{}: {summary}", c.rule.name));
                    record(found);
                }
            }
        }
        out
    }

    /// A link or element that belongs on the home page or in the template.
    fn template_rule(
        &self,
        c: &Compiled,
        i: usize,
        home: Option<&PageSignals>,
        pages: &[PageSignals],
        home_url: &str,
    ) -> Outcome {
        if pages.is_empty() {
            return Outcome::Skip;
        }
        let with = pages.iter().filter(|p| p.has[i]).count();
        let on_home = home.is_some_and(|h| h.has[i]);
        if on_home || with as f64 >= self.rules.template_share * pages.len() as f64 {
            return Outcome::Pass;
        }
        let summary = format!(
            "not on the home page or in the template ({with} of {} pages have it)",
            pages.len()
        );
        let message = format!(
            "{} missing: {summary}. Expected: {}.",
            c.rule.name, c.rule.expected
        );
        let missing: Vec<String> = pages
            .iter()
            .filter(|p| !p.has[i])
            .map(|p| p.url.clone())
            .collect();
        Outcome::Fail(
            vec![Failure {
                url: home_url.to_string(),
                urls: missing,
                message,
                severity: None,
            }],
            summary,
        )
    }
}

/// The heading a link stands under: the nearest heading before it among the siblings of the
/// link or of its parents, a few levels up (a footer column "Contact us" over its list).
fn nearby_heading(a: ElementRef<'_>) -> Option<String> {
    let mut node = *a;
    for _ in 0..4 {
        for sibling in node.prev_siblings() {
            let Some(el) = ElementRef::wrap(sibling) else {
                continue;
            };
            let name = el.value().name();
            let is_heading = matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "dt")
                || el.value().attr("role") == Some("heading");
            if is_heading {
                let t = el.text().collect::<Vec<_>>().join(" ");
                let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
                return (!t.is_empty()).then_some(t);
            }
            // Another block of links or text stands between: its heading is not this link's.
            if el.select(&HEADINGS).next().is_some() {
                return None;
            }
        }
        node = node.parent()?;
        if ElementRef::wrap(node)
            .is_some_and(|e| matches!(e.value().name(), "body" | "footer" | "nav" | "main"))
        {
            return None;
        }
    }
    None
}

static HEADINGS: std::sync::LazyLock<Selector> = std::sync::LazyLock::new(|| {
    Selector::parse("h1, h2, h3, h4, h5, h6").expect("a valid selector")
});

/// Whether a link is the one a link rule wants: two of its words, its address and its
/// destination's title say so (an image link with no words: its address alone).
fn link_matches(c: &Compiled, link: &SeenLink) -> bool {
    let m = &link.matches;
    let address = any_of(&m.target, &c.ids.target);
    if link.words.is_empty() && link.heading.is_none() {
        return address;
    }
    let says = |set: &regex::SetMatches| any_of(set, &c.ids.text);
    let words = says(&m.words) || m.heading.as_ref().is_some_and(says);
    let leads = m.destination.as_ref().is_some_and(says);
    usize::from(words) + usize::from(address) + usize::from(leads) >= 2
}

/// Whether any of the patterns `ids` matched (none when the set could not be built).
fn any_of(matches: &regex::SetMatches, ids: &[usize]) -> bool {
    ids.iter().any(|&i| i < matches.len() && matches.matched(i))
}

/// An element every page must have.
fn every_page_rule(
    c: &Compiled,
    i: usize,
    pages: &[PageSignals],
    home_url: &str,
    rules: &GovernanceRules,
) -> Outcome {
    if pages.is_empty() {
        return Outcome::Skip;
    }
    let mut failing: Vec<&PageSignals> = pages.iter().filter(|p| !p.has[i]).collect();
    if failing.is_empty() {
        return Outcome::Pass;
    }
    failing.sort_by(|a, b| a.url.cmp(&b.url));
    let (n, total) = (failing.len(), pages.len());
    let share = n as f64 / total as f64;
    if share < rules.site_fail_share {
        // A few pages outside the template: each one is a page to fix, the site passes.
        return Outcome::PassExcept(
            failing
                .into_iter()
                .map(|p| Failure {
                    url: p.url.clone(),
                    urls: vec![p.url.clone()],
                    message: format!(
                        "{} missing on this page ({} of {total} pages of the site have it). Expected: {}.",
                        c.rule.name,
                        total - n,
                        c.rule.expected
                    ),
                    severity: Some(Severity::Info),
                })
                .collect(),
        );
    }
    let summary = format!("missing on {n} of {total} pages");
    if share < rules.template_share {
        // A part of the site lacks it: the site fails, and each page is its own fix.
        return Outcome::Fail(
            failing
                .into_iter()
                .map(|p| Failure {
                    url: p.url.clone(),
                    urls: vec![p.url.clone()],
                    message: format!(
                        "{} missing on this page ({summary} of the site). Expected: {}.",
                        c.rule.name, c.rule.expected
                    ),
                    severity: None,
                })
                .collect(),
            summary,
        );
    }
    // Missing on most pages: one fix in the template, one finding listing the pages.
    let urls: Vec<String> = failing.iter().map(|p| p.url.clone()).collect();
    let cause = if n == total {
        "the site's template lacks it"
    } else {
        "the template of most pages lacks it"
    };
    let message = format!(
        "{} {summary}: {cause}. Expected: {}.",
        c.rule.name, c.rule.expected
    );
    let at = if urls.iter().any(|u| u == home_url) {
        home_url.to_string()
    } else {
        urls[0].clone()
    };
    Outcome::Fail(
        vec![Failure {
            url: at,
            urls,
            message,
            severity: None,
        }],
        summary,
    )
}

fn fail(url: &str, message: String) -> Outcome {
    let summary = message.trim_end_matches('.').to_string();
    Outcome::Fail(
        vec![Failure {
            url: url.to_string(),
            urls: vec![url.to_string()],
            message,
            severity: None,
        }],
        summary,
    )
}

/// Nothing was fetched from the home page (no answer, or robots.txt forbids it).
fn unobserved(facts: &SiteFacts) -> bool {
    facts.home_blocked || facts.home_status.is_none()
}

fn https(facts: &SiteFacts, home_url: &str) -> Outcome {
    if unobserved(facts) {
        return Outcome::Skip;
    }
    if !facts.origin.starts_with("https://") {
        return fail(
            home_url,
            format!(
                "The site's address {} is plain http; federal sites must be served over https only.",
                facts.origin
            ),
        );
    }
    if let Some(first) = facts.downgrades.first() {
        return Outcome::Fail(
            vec![Failure {
                url: first.clone(),
                urls: facts.downgrades.clone(),
                message: format!(
                    "{} page(s) redirect to plain http (first: {first}); every page must stay on https.",
                    facts.downgrades.len()
                ),
                severity: None,
            }],
            format!("{} page(s) redirect to plain http", facts.downgrades.len()),
        );
    }
    Outcome::Pass
}

/// `max-age` of a Strict-Transport-Security header.
fn max_age(header: &str) -> Option<u64> {
    header.split(';').find_map(|part| {
        let (k, v) = part.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("max-age")
            .then(|| v.trim().trim_matches('"').parse().ok())
            .flatten()
    })
}

fn hsts(c: &Compiled, facts: &SiteFacts, home_url: &str) -> Outcome {
    if unobserved(facts) {
        return Outcome::Skip;
    }
    if !facts.origin.starts_with("https://") {
        return fail(
            home_url,
            "The site is not on https, so it cannot send HSTS.".to_string(),
        );
    }
    let min = c.rule.min_max_age.unwrap_or(31_536_000);
    match facts.hsts.as_deref() {
        // Fetched through --map over plain http: the real header was never seen.
        None if facts.mapped => Outcome::Skip,
        None => fail(
            home_url,
            format!(
                "The home page sends no Strict-Transport-Security header; expected {}.",
                c.rule.expected
            ),
        ),
        Some(h) => match max_age(h) {
            Some(age) if age >= min => Outcome::Pass,
            Some(age) => fail(
                home_url,
                format!(
                    "HSTS max-age is {age} seconds (\"{h}\"), under the {min} required; expected {}.",
                    c.rule.expected
                ),
            ),
            None => fail(
                home_url,
                format!("The Strict-Transport-Security header \"{h}\" has no max-age."),
            ),
        },
    }
}

/// User agents of the search engines a site must let in to be findable.
const SEARCH_ENGINES: &[&str] = &["Googlebot", "Bingbot", "usasearch"];

fn robots_txt(facts: &SiteFacts) -> Outcome {
    let url = format!("{}/robots.txt", facts.origin);
    match facts.files.robots_status {
        Some(200) => {
            let body = facts.files.robots_txt.as_deref().unwrap_or("");
            let lower = body
                .trim_start()
                .get(..300)
                .unwrap_or(body.trim_start())
                .to_ascii_lowercase();
            if lower.starts_with("<!doctype") || lower.starts_with("<html") {
                return fail(
                    &url,
                    format!("{url} answers with an HTML page, not a robots.txt file."),
                );
            }
            // A robots.txt that shuts every search engine out of the home page hides the site.
            let closed = SEARCH_ENGINES.iter().all(|agent| {
                texting_robots::Robot::new(agent, body.as_bytes())
                    .map(|r| !r.allowed("/"))
                    .unwrap_or(false)
            });
            if closed {
                return fail(
                    &url,
                    format!(
                        "{url} forbids search engines the whole site (for example \"User-agent: * / Disallow: /\"): people cannot find it through search."
                    ),
                );
            }
            Outcome::Pass
        }
        Some(status) => fail(
            &url,
            format!("{url} answers {status}: the site has no robots.txt."),
        ),
        None => match &facts.files.robots_error {
            Some(e) => fail(&url, format!("{url} could not be fetched: {e}.")),
            None => Outcome::Skip,
        },
    }
}

fn sitemap(facts: &SiteFacts) -> Outcome {
    let url = facts
        .files
        .sitemap_url
        .clone()
        .unwrap_or_else(|| format!("{}/sitemap.xml", facts.origin));
    match (facts.files.sitemap_status, &facts.files.sitemap_error) {
        (Some(200), None) if facts.files.sitemap_urls.unwrap_or(0) > 0 => Outcome::Pass,
        (Some(200), Some(e)) => fail(&url, format!("{url} is not a valid sitemap: {e}.")),
        (Some(200), None) => fail(&url, format!("{url} lists no pages.")),
        (Some(status), _) => fail(
            &url,
            format!("{url} answers {status}: the site has no XML sitemap."),
        ),
        // Offline, a sitemap on a host that is not mapped was never asked for: not observed.
        (None, Some(e)) if e.starts_with("not requested") => Outcome::Skip,
        (None, Some(e)) => fail(&url, format!("{url} could not be fetched: {e}.")),
        // robots.txt disallowed it, or the site was never seeded.
        (None, None) => Outcome::Skip,
    }
}

fn not_found(facts: &SiteFacts, home_url: &str) -> Outcome {
    let Some((url, status, final_url)) = &facts.probe else {
        return Outcome::Skip;
    };
    match status {
        Some(404) | Some(410) => Outcome::Pass,
        Some(200) => fail(
            home_url,
            format!(
                "A made-up address ({url}) answers 200 instead of 404: search engines index the error page and broken links look fine to link checkers."
            ),
        ),
        // `/x/` -> `/x` -> 404: the slash was normalised and the answer is still "not found".
        Some(s) if (300..400).contains(s) && matches!(facts.probe_end_status, Some(404 | 410)) => {
            Outcome::Pass
        }
        Some(s) if (300..400).contains(s) => fail(
            home_url,
            format!(
                "A made-up address ({url}) answers {s} and redirects to {}, instead of 404.",
                final_url.as_deref().unwrap_or("another page")
            ),
        ),
        Some(s) => fail(
            home_url,
            format!("A made-up address ({url}) answers {s} instead of 404."),
        ),
        None => Outcome::Skip,
    }
}

fn finding(rule: &GovernanceRule, site: &str, failure: Failure) -> Finding {
    let Failure {
        url,
        urls,
        message,
        severity,
    } = failure;
    let mut extra = Map::new();
    extra.insert("rule".into(), Value::String(rule.id.clone()));
    extra.insert("expected".into(), Value::String(rule.expected.clone()));
    extra.insert("name".into(), Value::String(rule.name.clone()));
    extra.insert("source".into(), Value::String(rule.source.clone()));
    if urls.len() > 1 || urls.first().is_some_and(|u| *u != url) {
        extra.insert("urls".into(), json!(urls));
        extra.insert("pages".into(), json!(urls.len()));
    }
    Finding {
        kind: crate::model::FindingKind::Governance,
        severity: severity.unwrap_or(rule.severity),
        site: site.to_string(),
        url,
        message,
        extra,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleSet;

    fn page(checker: &Checker, url: &str, html: &str) -> PageSignals {
        checker.page(url, &Html::parse_document(html))
    }

    fn failed(result: &SiteResult) -> Vec<&str> {
        result.failed_rules.iter().map(String::as_str).collect()
    }

    const GOOD: &str = r#"<!doctype html><html lang="en"><head><title>Home</title>
        <meta name="viewport" content="width=device-width"><meta name="description" content="x">
        <script src="https://dap.digitalgov.gov/Universal-Federated-Analytics-Min.js?agency=X"></script></head>
        <body><section class="usa-banner">An official website of the United States government</section>
        <form role="search" action="https://search.usa.gov/search"><input type="search"></form>
        <footer><a href="/about/">About us</a><a href="/accessibility">Accessibility</a>
        <a href="/foia/">FOIA</a><a href="/no-fear-act/">No FEAR Act</a><a href="/privacy/">Privacy</a>
        <a href="https://www.usa.gov/">USA.gov</a><a href="https://oig.example.gov/">Office of Inspector General</a>
        <a href="/contact/">Contact</a><a href="/plain-writing/">Plain language</a>
        <a href="/vulnerability-disclosure-policy/">Vulnerability disclosure policy</a></footer></body></html>"#;

    fn facts() -> SiteFacts {
        SiteFacts {
            origin: "https://www.example.gov".into(),
            home: Some("https://www.example.gov/".into()),
            home_status: Some(200),
            hsts: Some("max-age=31536000; includeSubDomains; preload".into()),
            files: crate::store::SiteFiles {
                robots_status: Some(200),
                robots_txt: Some("User-agent: *\nAllow: /".into()),
                sitemap_url: Some("https://www.example.gov/sitemap.xml".into()),
                sitemap_status: Some(200),
                sitemap_urls: Some(12),
                ..Default::default()
            },
            probe: Some(("https://www.example.gov/x/".into(), Some(404), None)),
            ..SiteFacts::default()
        }
    }

    #[test]
    fn a_complete_site_passes_everything() {
        let rules = RuleSet::builtin();
        let titles: HashMap<String, String> = HashMap::new();
        let checker = Checker::new(&rules.governance, &titles);
        let pages = [page(&checker, "https://www.example.gov/", GOOD)];
        let result = checker.site(&facts(), &pages);
        assert_eq!(failed(&result), Vec::<&str>::new());
        assert_eq!(result.passed, rules.governance.rules.len());
    }

    #[test]
    fn each_rule_reads_its_own_patterns_from_the_pattern_sets() {
        // The sets hold every rule's patterns side by side; a rule's ids must pick exactly its
        // own: the answer from the sets equals the rule's patterns matched one by one.
        let rules = RuleSet::builtin();
        let titles: HashMap<String, String> = HashMap::new();
        let checker = Checker::new(&rules.governance, &titles);
        let one_by_one = |patterns: &[String], text: &str| {
            patterns.iter().any(|p| {
                regex::RegexBuilder::new(p)
                    .case_insensitive(true)
                    .build()
                    .is_ok_and(|r| r.is_match(text))
            })
        };
        let texts = [
            "Privacy policy",
            "FOIA",
            "Freedom of Information Act",
            "No FEAR Act data",
            "Accessibility statement",
            "Plain language",
            "Vulnerability disclosure policy",
            "USA.gov",
            "Inspector General",
            "Contact us",
            "Reports",
            "https://www.example.gov/privacy/",
            "https://www.example.gov/foia/",
            "https://www.example.gov/no-fear-act/",
            "https://www.usa.gov/",
            "https://www.oig.example.gov/",
            "https://www.example.gov/accessibility/",
            "https://www.example.gov/",
        ];
        let mut hits = 0;
        for c in &checker.compiled {
            for t in texts {
                let (words, addresses) = (
                    checker.link_words.matches(t),
                    checker.link_addresses.matches(t),
                );
                let pairs = [
                    (&c.ids.text, &words, &c.rule.text),
                    (&c.ids.target, &addresses, &c.rule.target),
                    (&c.ids.link_text, &words, &c.rule.link_text),
                    (&c.ids.link_target, &addresses, &c.rule.link_target),
                ];
                for (ids, set, patterns) in pairs {
                    if c.rule.check != Check::Link && std::ptr::eq(ids, &c.ids.text) {
                        continue; // an element rule's `text` is phrases, not in the sets
                    }
                    if c.rule.check != Check::Link && std::ptr::eq(ids, &c.ids.target) {
                        continue;
                    }
                    let expected = one_by_one(patterns, t);
                    assert_eq!(any_of(set, ids), expected, "{} on {t:?}", c.rule.id);
                    hits += usize::from(expected);
                }
            }
        }
        assert!(hits >= 10, "{hits}");
    }

    #[test]
    fn other_wordings_count_and_text_alone_does_not() {
        let rules = RuleSet::builtin();
        let titles: HashMap<String, String> = HashMap::new();
        let checker = Checker::new(&rules.governance, &titles);
        let reworded = GOOD
            .replace(">Plain language<", ">Plain writing at the agency<")
            .replace(">FOIA<", ">Freedom of Information Act requests<")
            .replace(
                r#"<a href="/vulnerability-disclosure-policy/">Vulnerability disclosure policy</a>"#,
                r#"<a href="/security/">Report a security vulnerability</a>"#,
            )
            // Right words, wrong place: a "Privacy" link to the home page is not a privacy policy.
            .replace(r#"<a href="/privacy/">Privacy</a>"#, r#"<a href="/">Privacy</a>"#)
            // Right place, wrong words: a link to /no-fear-act/ that says "Reports".
            .replace(">No FEAR Act<", ">Reports<");
        let pages = [page(&checker, "https://www.example.gov/", &reworded)];
        let result = checker.site(&facts(), &pages);
        assert_eq!(failed(&result), vec!["link-no-fear", "link-privacy"]);
        let f = &result.findings[0];
        assert_eq!(f.kind, crate::model::FindingKind::Governance);
        assert_eq!(f.extra["rule"], "link-no-fear");
        assert!(f.extra["expected"]
            .as_str()
            .unwrap_or("")
            .contains("No FEAR"));
    }

    #[test]
    fn template_links_count_and_page_elements_are_per_page() {
        let rules = RuleSet::builtin();
        let titles: HashMap<String, String> = HashMap::new();
        let checker = Checker::new(&rules.governance, &titles);
        // The home page lacks the FOIA link, but 2 of 3 pages (the template) have it.
        let home = GOOD.replace(r#"<a href="/foia/">FOIA</a>"#, "");
        let no_lang = GOOD.replace(r#"<html lang="en">"#, "<html>");
        let pages = [
            page(&checker, "https://www.example.gov/", &home),
            page(&checker, "https://www.example.gov/a", GOOD),
            page(&checker, "https://www.example.gov/b", &no_lang),
        ];
        let result = checker.site(&facts(), &pages);
        assert_eq!(failed(&result), vec!["lang"]);
        assert_eq!(result.findings.len(), 1);
        assert_eq!(result.findings[0].url, "https://www.example.gov/b");

        // No page has the viewport: one finding for the template, listing every page.
        let no_viewport =
            GOOD.replace(r#"<meta name="viewport" content="width=device-width">"#, "");
        let pages = [
            page(&checker, "https://www.example.gov/", &no_viewport),
            page(&checker, "https://www.example.gov/a", &no_viewport),
        ];
        let result = checker.site(&facts(), &pages);
        assert_eq!(failed(&result), vec!["viewport"]);
        assert_eq!(result.findings.len(), 1);
        assert_eq!(result.findings[0].url, "https://www.example.gov/");
        assert_eq!(result.findings[0].extra["pages"], 2);

        // Missing on most pages (2 of 3): still one finding for the template.
        let pages = [
            page(&checker, "https://www.example.gov/", GOOD),
            page(&checker, "https://www.example.gov/a", &no_viewport),
            page(&checker, "https://www.example.gov/b", &no_viewport),
        ];
        let result = checker.site(&facts(), &pages);
        assert_eq!(failed(&result), vec!["viewport"]);
        assert_eq!(result.findings.len(), 1);
        assert!(
            result.findings[0].message.contains("2 of 3 pages"),
            "{}",
            result.findings[0].message
        );
        assert_eq!(result.failing, ["Mobile viewport: missing on 2 of 3 pages"]);
    }

    #[test]
    fn stray_pages_do_not_fail_the_site() {
        let rules = RuleSet::builtin();
        let titles: HashMap<String, String> = HashMap::new();
        let checker = Checker::new(&rules.governance, &titles);
        // 1 page of 20 without DAP (a page outside the template): an info finding on that
        // page, and the site passes the rule.
        let no_dap = GOOD.replace(
            "dap.digitalgov.gov/Universal-Federated-Analytics-Min.js",
            "x.js",
        );
        let mut pages: Vec<PageSignals> = (0..19)
            .map(|i| page(&checker, &format!("https://www.example.gov/p{i}"), GOOD))
            .collect();
        pages.push(page(&checker, "https://www.example.gov/stray", &no_dap));
        let result = checker.site(&facts(), &pages);
        assert_eq!(failed(&result), Vec::<&str>::new());
        assert_eq!(result.findings.len(), 1);
        let f = &result.findings[0];
        assert_eq!(
            (f.url.as_str(), f.severity),
            ("https://www.example.gov/stray", Severity::Info)
        );
        assert!(f.message.contains("19 of 20 pages"), "{}", f.message);
        // 4 of 20 (a section with its own template): the site fails, each page a finding.
        for p in pages.iter_mut().take(3) {
            *p = page(&checker, &p.url.clone(), &no_dap);
        }
        let result = checker.site(&facts(), &pages);
        assert_eq!(failed(&result), vec!["dap"]);
        assert_eq!(result.findings.len(), 4);
        assert!(result
            .findings
            .iter()
            .all(|f| f.severity == Severity::Warning));
        assert_eq!(
            result.failing,
            ["Digital Analytics Program script: missing on 4 of 20 pages"]
        );
    }

    #[test]
    fn links_as_a_reader_sees_them() {
        let rules = RuleSet::builtin();
        // The pages these links lead to, as the crawl fetched them.
        let titles: HashMap<String, String> = [
            (
                "https://www.example.gov/about/",
                "About the Help Center - Agency",
            ),
            (
                "https://www.example.gov/privacy/",
                "Website Privacy Policy | Agency",
            ),
            ("https://www.example.gov/", "Agency home"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let checker = Checker::new(&rules.governance, &titles);
        let passes = |html: &str, rule: &str| {
            let p = page(&checker, "https://www.example.gov/x", html);
            let i = checker
                .compiled
                .iter()
                .position(|c| c.rule.id == rule)
                .expect("rule");
            p.has[i]
        };
        // A footer column headed "Contact us" with an "Email us" mail link.
        assert!(passes(
            r#"<footer><div><h4>Contact us</h4><ul><li><a href="mailto:info@example.gov"><i></i>Email us</a></li><li><a href="https://www.facebook.com/x">Facebook</a></li></ul></div></footer>"#,
            "link-contact"
        ));
        // Words unlike the rule's, but the address and the page it leads to say what it is.
        assert!(passes(
            r#"<a href="/about/">Who is behind this help desk</a>"#,
            "link-about"
        ));
        assert!(passes(
            r#"<a href="https://www.example.gov/privacy/">What we do with what you tell us</a>"#,
            "link-privacy"
        ));
        // The right words to the wrong place: "Privacy" to the home page is no privacy policy.
        assert!(!passes(r#"<a href="/">Privacy</a>"#, "link-privacy"));
        // The right address with other words and no fetched page to confirm: not enough.
        assert!(!passes(
            r#"<a href="/no-fear-act/">Reports</a>"#,
            "link-no-fear"
        ));
        // A heading above a list of other links does not make them the contact link.
        assert!(!passes(
            r#"<div><h4>Contact us</h4><ul><li><a href="https://www.facebook.com/x">Facebook</a></li></ul></div>"#,
            "link-contact"
        ));
        // A "Search" button that is a link to search.gov's results page is the site's search.
        assert!(passes(
            r#"<header><a href="https://search.usa.gov/search?affiliate=18F-site&query=" class="usa-button"><img src="/s.svg" alt="Search"></a></header>"#,
            "site-search"
        ));
        assert!(!passes(
            r#"<a href="https://www.google.com/">Search the web</a>"#,
            "site-search"
        ));
    }

    #[test]
    fn site_level_checks() {
        let rules = RuleSet::builtin();
        let titles: HashMap<String, String> = HashMap::new();
        let checker = Checker::new(&rules.governance, &titles);
        let pages = [page(&checker, "https://www.example.gov/", GOOD)];
        let bad = SiteFacts {
            hsts: Some("max-age=300".into()),
            files: crate::store::SiteFiles {
                robots_status: Some(404),
                sitemap_status: Some(404),
                ..facts().files
            },
            probe: Some(("https://www.example.gov/x/".into(), Some(200), None)),
            downgrades: vec!["https://www.example.gov/old".into()],
            ..facts()
        };
        let result = checker.site(&bad, &pages);
        assert_eq!(
            failed(&result),
            vec!["https", "hsts", "robots-txt", "sitemap", "not-found"]
        );
        assert_eq!(result.failed_errors, 2);
        // Through --map, a missing header is not observed: skipped, not failed.
        let mapped = SiteFacts {
            hsts: None,
            mapped: true,
            ..facts()
        };
        let result = checker.site(&mapped, &pages);
        assert_eq!((result.failed, result.skipped), (0, 1));
        // A robots.txt that shuts search engines out of the whole site hides it.
        let closed = SiteFacts {
            files: crate::store::SiteFiles {
                robots_txt: Some(
                    "User-agent: *\nDisallow: /\nSitemap: https://www.example.gov/sitemap.xml"
                        .into(),
                ),
                ..facts().files
            },
            ..facts()
        };
        assert_eq!(failed(&checker.site(&closed, &pages)), vec!["robots-txt"]);
        let partly = SiteFacts {
            files: crate::store::SiteFiles {
                robots_txt: Some(
                    "User-agent: *\nDisallow: /staff/\n\nUser-agent: GPTBot\nDisallow: /".into(),
                ),
                ..facts().files
            },
            ..facts()
        };
        assert_eq!(failed(&checker.site(&partly, &pages)), Vec::<&str>::new());
        // Nothing could be read: page checks are unknown, never passed.
        let unread = checker.site(&facts(), &[]);
        assert_eq!(
            unread.passed + unread.failed + unread.skipped,
            rules.governance.rules.len()
        );
        assert!(unread.skipped >= 16, "{} unknown", unread.skipped);
        assert_eq!(max_age("max-age=\"600\"; preload"), Some(600));
    }
}
