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
//!   the HTML is dropped at once.
//! - [`Checker::site`] decides each rule for a site. Links and `site_element` rules pass when the
//!   home page has them or at least `template_share` of the pages do (the shared header or
//!   footer). `element` rules must hold on every page: when no page passes, one finding names the
//!   template; otherwise each failing page gets its own finding.
//! - A rule that cannot be observed (HSTS of a site fetched through `--map` over plain http, a 404
//!   probe robots.txt kept us from asking) is skipped, never failed.

use regex::{Regex, RegexBuilder};
use scraper::{ElementRef, Html, Selector};
use serde_json::{json, Map, Value};

use crate::model::{Finding, Severity};
use crate::rules::{Check, GovernanceRule, GovernanceRules};

/// A rule, compiled.
struct Compiled<'r> {
    rule: &'r GovernanceRule,
    text: Vec<Regex>,
    target: Vec<Regex>,
    selector: Option<Selector>,
    phrases: Vec<String>,
}

/// Checks pages and sites against the governance rules.
pub struct Checker<'r> {
    rules: &'r GovernanceRules,
    compiled: Vec<Compiled<'r>>,
    links: Selector,
    images: Selector,
    refresh: Selector,
    /// Every link rule's text patterns, to skip links no rule could want.
    link_words: regex::RegexSet,
    /// Today (`YYYY-MM-DD`): stated update dates after it are ignored.
    today: String,
}

/// What one page showed for each page-level rule (in rule order; site-level rules are `false`).
#[derive(Debug, Clone)]
pub struct PageSignals {
    /// The page's public URL.
    pub url: String,
    /// Per rule: the page has it.
    pub has: Vec<bool>,
    /// The "last updated" date the page states (`YYYY-MM-DD`).
    pub stated_update: Option<String>,
    /// A client-side redirect (`<meta http-equiv="refresh" content="0; url=…">`): a stub that
    /// sends readers elsewhere, not a page to hold to page rules.
    pub redirect_stub: bool,
}

/// What the crawl stored about a site, for the site-level rules.
pub use crate::store::SiteCrawlFacts as SiteFacts;

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
    /// Ids of the failed rules.
    pub failed_rules: Vec<String>,
    /// The findings.
    pub findings: Vec<Finding>,
}

enum Outcome {
    Pass,
    Skip,
    /// Failed: (page the finding is on, the pages concerned, what is wrong).
    Fail(Vec<(String, Vec<String>, String)>),
}

impl<'r> Checker<'r> {
    /// Compiles the rules (validated when the rule file was loaded).
    pub fn new(rules: &'r GovernanceRules) -> Checker<'r> {
        let regex = |p: &String| RegexBuilder::new(p).case_insensitive(true).build().ok();
        let compiled: Vec<Compiled> = rules
            .rules
            .iter()
            .filter(|r| r.enabled)
            .map(|rule| Compiled {
                rule,
                text: rule.text.iter().filter_map(regex).collect(),
                target: rule.target.iter().filter_map(regex).collect(),
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
            })
            .collect();
        Checker {
            rules,
            compiled,
            links: Selector::parse("a[href], area[href]").expect("a valid selector"),
            images: Selector::parse("img[alt]").expect("a valid selector"),
            refresh: Selector::parse("meta[http-equiv]").expect("a valid selector"),
            link_words: regex::RegexSetBuilder::new(
                rules
                    .rules
                    .iter()
                    .filter(|r| r.enabled && r.check == Check::Link)
                    .flat_map(|r| r.text.iter()),
            )
            .case_insensitive(true)
            .build()
            .unwrap_or_else(|_| regex::RegexSet::empty()),
            today: crate::store::today(),
        }
    }

    /// Reduces a page to its page-level results.
    pub fn page(&self, url: &str, doc: &Html) -> PageSignals {
        let base = url::Url::parse(url).ok();
        // Only links whose words could satisfy a link rule (or image links with no words) need
        // their address resolved: most of a page's links are neither.
        let links: Vec<(String, String)> = doc
            .select(&self.links)
            .filter_map(|a| {
                let href = a.value().attr("href")?.trim();
                let text = self.link_text(a);
                if !text.is_empty() && !self.link_words.is_match(&text) {
                    return None;
                }
                let target = match &base {
                    Some(b) => b.join(href).map(|u| u.to_string()).unwrap_or_default(),
                    None => href.to_string(),
                };
                Some((text, target))
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
        let stated_update = ["updated", "modified", "reviewed", "revised"]
            .iter()
            .any(|k| text.contains(k))
            .then(|| crate::extract::updated::stated_update(&text, &self.today))
            .flatten();
        let has = self
            .compiled
            .iter()
            .map(|c| match c.rule.check {
                Check::Link => links
                    .iter()
                    .any(|(text, target)| link_matches(c, text, target)),
                Check::Element | Check::SiteElement => {
                    let by_selector = c.selector.as_ref().is_some_and(|s| {
                        doc.select(s).any(|e| {
                            !c.rule.require_text || !e.text().collect::<String>().trim().is_empty()
                        })
                    });
                    by_selector || c.phrases.iter().any(|p| text.contains(p.as_str()))
                }
                _ => false,
            })
            .collect();
        let redirect_stub = doc.select(&self.refresh).any(|m| {
            m.value()
                .attr("http-equiv")
                .is_some_and(|v| v.eq_ignore_ascii_case("refresh"))
                && m.value()
                    .attr("content")
                    .is_some_and(|c| c.to_ascii_lowercase().contains("url="))
        });
        PageSignals {
            url: url.to_string(),
            has,
            stated_update,
            redirect_stub,
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
        let pages: Vec<PageSignals> = pages.iter().filter(|p| !p.redirect_stub).cloned().collect();
        let pages = pages.as_slice();
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
                Check::Element => {
                    every_page_rule(c, i, pages, &home_url, self.rules.template_share)
                }
                Check::Https => https(facts, &home_url),
                Check::Hsts => hsts(c, facts, &home_url),
                Check::RobotsTxt => robots_txt(facts),
                Check::Sitemap => sitemap(facts),
                Check::NotFound => not_found(facts, &home_url),
            };
            match outcome {
                Outcome::Pass => out.passed += 1,
                Outcome::Skip => out.skipped += 1,
                Outcome::Fail(found) => {
                    out.failed += 1;
                    if c.rule.severity == Severity::Error {
                        out.failed_errors += 1;
                    }
                    out.failed_rules.push(c.rule.id.clone());
                    for (url, urls, message) in found {
                        out.findings
                            .push(finding(c.rule, &facts.origin, url, urls, message));
                    }
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
        let message = format!(
            "{} missing: not on the home page or in the site's template ({with} of {} pages have it). Expected: {}.",
            c.rule.name,
            pages.len(),
            c.rule.expected
        );
        let missing: Vec<String> = pages
            .iter()
            .filter(|p| !p.has[i])
            .map(|p| p.url.clone())
            .collect();
        Outcome::Fail(vec![(home_url.to_string(), missing, message)])
    }
}

fn link_matches(c: &Compiled, text: &str, target: &str) -> bool {
    let target_ok = c.target.iter().any(|r| r.is_match(target));
    if !target_ok {
        return false;
    }
    // An image link with no words is judged by its address alone.
    text.trim().is_empty() || c.text.iter().any(|r| r.is_match(text))
}

/// An element every page must have.
fn every_page_rule(
    c: &Compiled,
    i: usize,
    pages: &[PageSignals],
    home_url: &str,
    template_share: f64,
) -> Outcome {
    if pages.is_empty() {
        return Outcome::Skip;
    }
    let mut failing: Vec<&PageSignals> = pages.iter().filter(|p| !p.has[i]).collect();
    if failing.is_empty() {
        return Outcome::Pass;
    }
    failing.sort_by(|a, b| a.url.cmp(&b.url));
    // Missing on most pages: one fix in the template, one finding listing the pages.
    if failing.len() == pages.len()
        || (pages.len() > 1 && failing.len() as f64 >= template_share * pages.len() as f64)
    {
        let urls: Vec<String> = failing.iter().map(|p| p.url.clone()).collect();
        let message = if failing.len() == pages.len() {
            format!(
                "{} missing on every page (0 of {}): the site's template lacks it. Expected: {}.",
                c.rule.name,
                pages.len(),
                c.rule.expected
            )
        } else {
            format!(
                "{} missing on {} of {} pages: the template of most pages lacks it. Expected: {}.",
                c.rule.name,
                failing.len(),
                pages.len(),
                c.rule.expected
            )
        };
        let at = if urls.iter().any(|u| u == home_url) {
            home_url.to_string()
        } else {
            urls[0].clone()
        };
        return Outcome::Fail(vec![(at, urls, message)]);
    }
    Outcome::Fail(
        failing
            .into_iter()
            .map(|p| {
                let message = format!(
                    "{} missing on this page (other pages of the site have it). Expected: {}.",
                    c.rule.name, c.rule.expected
                );
                (p.url.clone(), vec![p.url.clone()], message)
            })
            .collect(),
    )
}

fn fail(url: &str, message: String) -> Outcome {
    Outcome::Fail(vec![(url.to_string(), vec![url.to_string()], message)])
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
        return Outcome::Fail(vec![(
            first.clone(),
            facts.downgrades.clone(),
            format!(
                "{} page(s) redirect to plain http (first: {first}); every page must stay on https.",
                facts.downgrades.len()
            ),
        )]);
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

fn robots_txt(facts: &SiteFacts) -> Outcome {
    let url = format!("{}/robots.txt", facts.origin);
    match facts.robots_status {
        Some(200) => {
            let head = facts.robots_head.as_deref().unwrap_or("").trim_start();
            let lower = head.to_ascii_lowercase();
            if lower.starts_with("<!doctype") || lower.starts_with("<html") {
                fail(
                    &url,
                    format!("{url} answers with an HTML page, not a robots.txt file."),
                )
            } else {
                Outcome::Pass
            }
        }
        Some(status) => fail(
            &url,
            format!("{url} answers {status}: the site has no robots.txt."),
        ),
        None => match &facts.robots_error {
            Some(e) => fail(&url, format!("{url} could not be fetched: {e}.")),
            None => Outcome::Skip,
        },
    }
}

fn sitemap(facts: &SiteFacts) -> Outcome {
    let url = facts
        .sitemap_url
        .clone()
        .unwrap_or_else(|| format!("{}/sitemap.xml", facts.origin));
    match (facts.sitemap_status, &facts.sitemap_error) {
        (Some(200), None) if facts.sitemap_urls.unwrap_or(0) > 0 => Outcome::Pass,
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

fn finding(
    rule: &GovernanceRule,
    site: &str,
    url: String,
    urls: Vec<String>,
    message: String,
) -> Finding {
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
        kind: "governance".into(),
        severity: rule.severity,
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
            robots_status: Some(200),
            robots_head: Some("User-agent: *\nAllow: /".into()),
            sitemap_url: Some("https://www.example.gov/sitemap.xml".into()),
            sitemap_status: Some(200),
            sitemap_urls: Some(12),
            probe: Some(("https://www.example.gov/x/".into(), Some(404), None)),
            ..SiteFacts::default()
        }
    }

    #[test]
    fn a_complete_site_passes_everything() {
        let rules = RuleSet::builtin();
        let checker = Checker::new(&rules.governance);
        let pages = [page(&checker, "https://www.example.gov/", GOOD)];
        let result = checker.site(&facts(), &pages);
        assert_eq!(failed(&result), Vec::<&str>::new());
        assert_eq!(result.passed, rules.governance.rules.len());
    }

    #[test]
    fn other_wordings_count_and_text_alone_does_not() {
        let rules = RuleSet::builtin();
        let checker = Checker::new(&rules.governance);
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
        assert_eq!(f.kind, "governance");
        assert_eq!(f.extra["rule"], "link-no-fear");
        assert!(f.extra["expected"]
            .as_str()
            .unwrap_or("")
            .contains("No FEAR"));
    }

    #[test]
    fn template_links_count_and_page_elements_are_per_page() {
        let rules = RuleSet::builtin();
        let checker = Checker::new(&rules.governance);
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

        // Missing on most pages (2 of 3): still one finding for the template. A client-side
        // redirect stub is not a page to hold to page rules.
        let stub = r#"<html><head><meta http-equiv="refresh" content="0; url=https://x.gov/"></head></html>"#;
        let pages = [
            page(&checker, "https://www.example.gov/", GOOD),
            page(&checker, "https://www.example.gov/a", &no_viewport),
            page(&checker, "https://www.example.gov/b", &no_viewport),
            page(&checker, "https://www.example.gov/old", stub),
        ];
        let result = checker.site(&facts(), &pages);
        assert_eq!(failed(&result), vec!["viewport"]);
        assert_eq!(result.findings.len(), 1);
        assert!(
            result.findings[0].message.contains("2 of 3 pages"),
            "{}",
            result.findings[0].message
        );
    }

    #[test]
    fn site_level_checks() {
        let rules = RuleSet::builtin();
        let checker = Checker::new(&rules.governance);
        let pages = [page(&checker, "https://www.example.gov/", GOOD)];
        let bad = SiteFacts {
            hsts: Some("max-age=300".into()),
            robots_status: Some(404),
            sitemap_status: Some(404),
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
        assert_eq!(max_age("max-age=\"600\"; preload"), Some(600));
    }
}
