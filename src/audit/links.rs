//! The links audit: broken links, redirect chains and missing `#fragment` targets, from what the
//! crawl stored. One finding per (page, target, kind); no network.
//!
//! Reads: links and fetch outcomes (given), stored pages (through a callback, each parsed once).
//! Writes: nothing.
//!
//! How a target is judged:
//! - A URL the crawl never requested (robots.txt, `--no-external`, offline, limits) is unknown:
//!   no broken-link finding, because nobody knows whether it works. Links to pages robots.txt
//!   disallows are listed as `blocked_link` (info), so the silence is not read as "works".
//! - A site page that redirects (HTTP 3xx, or a page whose `<meta http-equiv="refresh">` sends
//!   the reader on) is followed through the stored hops to where the chain ends; an external
//!   URL's chain was followed when it was checked.
//! - Broken: the end of the chain answered 4xx/5xx, or no answer came (DNS, timeout, reset).
//!   Redirect chain: two or more redirects before a working page; a chain that loops is a
//!   `redirect_chain` with `loop: true` and severity error (one finding, not two).
//! - Soft 404: a page that answers 200 but is a "not found" page. Two signs: the site answered
//!   the crawl's probe for a path that cannot exist with 200, and the page's main text is that
//!   answer's (word 3-shingle Jaccard similarity at least [`SOFT_404_SIMILARITY`]); or the page's
//!   title starts by saying it was not found ("Page not found", "404", "Sorry, we can't find…").
//! - A `#fragment` is missing when the working HTML page it ends on has no element with that
//!   `id` (or `<a name>`); `#` and `#top` always work (HTML standard).

use std::collections::{HashMap, HashSet};

use serde_json::{json, Map, Value};

use super::similarity;
use crate::extract::page::Page;
use crate::model::{Finding, Severity};
use crate::store::{AuditLink, AuditTarget};

/// Most redirects followed through stored hops.
const MAX_HOPS: usize = 20;

/// How alike a page's main text must be to the site's "not found" answer to be a soft 404.
pub const SOFT_404_SIMILARITY: f64 = 0.9;

/// Title openings that say a page was not found (compared lower-case, before any " - site" part).
const NOT_FOUND_TITLES: &[&str] = &[
    "page not found",
    "404",
    "error 404",
    "not found",
    "file not found",
    "page cannot be found",
    "the page cannot be found",
    "page no longer available",
    "sorry, we can't find",
    "sorry, we can’t find",
    "sorry, we couldn't find",
    "sorry, that page",
    "we can't find that page",
    "we can’t find that page",
];

fn title_says_not_found(title: &str) -> bool {
    let t = title.trim().to_lowercase();
    // The part before the site's name: "Page not found - FHAA Help Center" -> "page not found".
    let cut = [" - ", " | ", " – ", " — ", ": "]
        .iter()
        .filter_map(|sep| t.find(sep))
        .min()
        .unwrap_or(t.len());
    let head = t[..cut].trim().trim_end_matches(['.', '!']);
    // Short phrases must be the whole head ("404", "not found"); long ones may start it
    // ("sorry, we can't find that page"), so "Not found in translation" is not a 404.
    NOT_FOUND_TITLES
        .iter()
        .any(|p| head == *p || (p.len() >= 12 && head.starts_with(p)))
}

/// A page that names itself a "not found" page by its title or address (`/404.html`,
/// `/page-not-found/`, `/error`).
fn looks_like_not_found_page(t: &AuditTarget) -> bool {
    let path = t
        .url
        .split("://")
        .nth(1)
        .and_then(|r| r.find('/').map(|i| &r[i..]))
        .unwrap_or("")
        .to_ascii_lowercase();
    t.title.as_deref().is_some_and(title_says_not_found)
        || ["404", "not-found", "notfound", "not_found", "/error"]
            .iter()
            .any(|k| path.contains(k))
}

/// Word 3-shingles of a text (see [`super::similarity`]).
fn shingles(text: &str) -> Vec<u64> {
    similarity::shingles(&similarity::words(text), 3)
}

enum Resolved<'a> {
    Unknown,
    Works {
        end: &'a AuditTarget,
        hops: usize,
    },
    Broken {
        end: &'a AuditTarget,
        hops: usize,
        status: Option<i64>,
        error: Option<String>,
    },
}

struct Graph<'a> {
    by_id: HashMap<i64, &'a AuditTarget>,
    by_url: HashMap<&'a str, &'a AuditTarget>,
}

fn not_requested(t: &AuditTarget) -> bool {
    t.status.is_none()
        && t.error
            .as_deref()
            .is_none_or(|e| e.starts_with("not requested") || e.contains("robots.txt disallows"))
}

impl<'a> Graph<'a> {
    fn resolve(&self, start: &'a AuditTarget) -> Resolved<'a> {
        if not_requested(start) {
            return Resolved::Unknown;
        }
        if start.site_id.is_none() {
            // External: the check followed the chain itself.
            let hops = start.hops as usize;
            return match (start.status, &start.error) {
                (Some(s), _) if s >= 400 => Resolved::Broken {
                    end: start,
                    hops,
                    status: Some(s),
                    error: None,
                },
                (Some(s), Some(e)) if (300..400).contains(&s) => Resolved::Broken {
                    end: start,
                    hops,
                    status: if e.starts_with("redirect loop") {
                        None
                    } else {
                        Some(s)
                    },
                    error: Some(if e.starts_with("redirect loop") {
                        "redirect loop".to_string()
                    } else {
                        e.clone()
                    }),
                },
                (None, e) => Resolved::Broken {
                    end: start,
                    hops,
                    status: None,
                    error: e.clone(),
                },
                _ => Resolved::Works { end: start, hops },
            };
        }
        let mut cur = start;
        let mut hops = 0;
        let mut seen: HashSet<i64> = HashSet::new();
        loop {
            seen.insert(cur.id);
            // A page whose meta refresh sends the reader on is a redirect too (static sites
            // publish moved pages that way).
            let moved_to = match cur.status {
                Some(s) if (300..400).contains(&s) => cur.final_url.as_deref(),
                Some(200) if cur.refresh_to.is_some() => cur.refresh_to.as_deref(),
                _ => None,
            };
            match cur.status {
                _ if moved_to.is_some() => {
                    let Some(next) = moved_to
                        .map(|u| u.split('#').next().unwrap_or(u))
                        .and_then(|u| self.by_url.get(u).copied())
                    else {
                        // The hop leads somewhere the crawl did not store: judge what we know.
                        return if hops >= 1 {
                            Resolved::Works {
                                end: cur,
                                hops: hops + 1,
                            }
                        } else {
                            Resolved::Unknown
                        };
                    };
                    hops += 1;
                    if seen.contains(&next.id) || hops > MAX_HOPS {
                        return Resolved::Broken {
                            end: next,
                            hops,
                            status: None,
                            error: Some("redirect loop".to_string()),
                        };
                    }
                    if not_requested(next) {
                        return Resolved::Works { end: next, hops };
                    }
                    cur = next;
                }
                Some(s) if s >= 400 => {
                    return Resolved::Broken {
                        end: cur,
                        hops,
                        status: Some(s),
                        error: None,
                    }
                }
                Some(_) => return Resolved::Works { end: cur, hops },
                None => {
                    return Resolved::Broken {
                        end: cur,
                        hops,
                        status: None,
                        error: cur.error.clone(),
                    }
                }
            }
        }
    }
}

fn status_words(status: i64) -> String {
    let reason = match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        410 => "Gone",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    };
    if reason.is_empty() {
        status.to_string()
    } else {
        format!("{status} {reason}")
    }
}

/// Stored pages, each parsed once.
struct Pages<'f> {
    parsed: HashMap<String, Option<Page>>,
    load: &'f mut dyn FnMut(&str) -> Option<Page>,
}

impl Pages<'_> {
    fn get(&mut self, url: &str) -> Option<&Page> {
        if !self.parsed.contains_key(url) {
            let page = (self.load)(url);
            self.parsed.insert(url.to_string(), page);
        }
        self.parsed.get(url).and_then(Option::as_ref)
    }
}

/// Decides which pages are soft 404s (see the module docs), once per page.
struct SoftNotFound {
    /// Site id -> shingles of the site's 200 answer to the probe.
    sites: HashMap<i64, Vec<u64>>,
    verdicts: HashMap<i64, bool>,
}

impl SoftNotFound {
    fn new(targets: &[AuditTarget], graph: &Graph<'_>, pages: &mut Pages<'_>) -> SoftNotFound {
        // The probe's answer: a 200, or a redirect to a page that says it is a "not found" page
        // (`/missing` -> `/404.html`). Sites that send unknown addresses to their home page are
        // not soft-404 sites here: that would make every link home a finding.
        let landings: Vec<&AuditTarget> = targets
            .iter()
            .filter(|t| t.probe)
            .filter_map(|t| match graph.resolve(t) {
                Resolved::Works { end, hops } if end.status == Some(200) => {
                    (hops == 0 || looks_like_not_found_page(end)).then_some(end)
                }
                _ => None,
            })
            .collect();
        let sites = landings
            .iter()
            .filter_map(|end| Some((end.site_id?, shingles(&pages.get(&end.url)?.main_text()))))
            .collect();
        SoftNotFound {
            sites,
            verdicts: landings.iter().map(|end| (end.id, true)).collect(),
        }
    }

    fn is(&mut self, t: &AuditTarget, pages: &mut Pages<'_>) -> bool {
        if t.status != Some(200) || t.content_type.as_deref() != Some("text/html") || t.probe {
            return false;
        }
        if let Some(&v) = self.verdicts.get(&t.id) {
            return v;
        }
        let verdict = t.title.as_deref().is_some_and(title_says_not_found)
            || match t.site_id.and_then(|s| self.sites.get(&s)) {
                Some(not_found) => pages.get(&t.url).is_some_and(|p| {
                    similarity::jaccard(&shingles(&p.main_text()), not_found) >= SOFT_404_SIMILARITY
                }),
                None => false,
            };
        self.verdicts.insert(t.id, verdict);
        verdict
    }
}

/// What the links audit found.
#[derive(Debug, Default)]
pub struct LinksAudit {
    /// The findings.
    pub findings: Vec<Finding>,
    /// Pages recognised as "not found" pages answered with 200 (where soft-404 links land), for
    /// audits that must not treat them as content.
    pub not_found_pages: HashSet<String>,
}

/// Runs the links audit. `page_of` parses the stored HTML of a URL (None without a body); it is
/// called at most once per URL.
pub fn audit(
    links: &[AuditLink],
    targets: &[AuditTarget],
    page_of: &mut dyn FnMut(&str) -> Option<Page>,
) -> LinksAudit {
    let mut pages = Pages {
        parsed: HashMap::new(),
        load: page_of,
    };
    let graph = Graph {
        by_id: targets.iter().map(|t| (t.id, t)).collect(),
        by_url: targets.iter().map(|t| (t.url.as_str(), t)).collect(),
    };
    let mut soft = SoftNotFound::new(targets, &graph, &mut pages);
    let mut seen: HashSet<(String, &'static str, String)> = HashSet::new();
    let mut out = Vec::new();
    for link in links {
        let Some(target) = graph.by_id.get(&link.target_id).copied() else {
            continue;
        };
        let resolved = graph.resolve(target);
        let mut push = |kind: &'static str,
                        severity,
                        target_text: String,
                        message: String,
                        extra: Map<String, Value>| {
            if seen.insert((link.page.clone(), kind, target_text.clone())) {
                let mut fields = Map::new();
                fields.insert("target".into(), Value::String(target_text));
                fields.extend(extra);
                out.push(Finding {
                    kind: kind.to_string(),
                    severity,
                    site: link.site.clone(),
                    url: link.page.clone(),
                    message,
                    extra: fields,
                });
            }
        };
        match resolved {
            // Not requested because the site's robots.txt disallows it: say so, so nobody takes
            // the silence for a working link (it is not a broken one either).
            Resolved::Unknown if target.state == crate::store::schema::url_state::BLOCKED => {
                push(
                    "blocked_link",
                    Severity::Info,
                    target.url.clone(),
                    format!(
                        "The link to {} was not checked: the site's robots.txt asks crawlers not to fetch it.",
                        target.url
                    ),
                    Map::new(),
                );
            }
            Resolved::Unknown => {}
            Resolved::Broken {
                end,
                hops,
                status,
                error,
            } => {
                if error.as_deref() == Some("redirect loop") {
                    // A loop is a redirect chain that never ends: one finding, as an error.
                    let mut extra = Map::new();
                    extra.insert("hops".into(), json!(hops));
                    extra.insert("final_url".into(), json!(end.url));
                    extra.insert("loop".into(), json!(true));
                    push(
                        "redirect_chain",
                        Severity::Error,
                        target.url.clone(),
                        format!(
                            "The link to {} never arrives: its redirects loop back to {} after {hops} hop{}.",
                            target.url,
                            end.url,
                            plural(hops)
                        ),
                        extra,
                    );
                    continue;
                }
                let what = match (status, &error) {
                    (Some(s), _) => status_words(s),
                    (None, Some(e)) => format!("no answer ({})", first_clause(e)),
                    (None, None) => "no answer".to_string(),
                };
                let after = if hops > 0 && end.url != target.url {
                    format!(" after {hops} redirect{} to {}", plural(hops), end.url)
                } else {
                    String::new()
                };
                let mut extra = Map::new();
                extra.insert("status".into(), json!(status));
                extra.insert("error".into(), json!(error));
                push(
                    "broken_link",
                    Severity::Error,
                    target.url.clone(),
                    format!("The link to {} is broken: {what}{after}.", target.url),
                    extra,
                );
            }
            Resolved::Works { end, hops } => {
                // A "not found" page linking to itself is not a second problem.
                if end.site_id.is_some() && link.page != target.url && soft.is(end, &mut pages) {
                    push(
                        "soft_404",
                        Severity::Error,
                        target.url.clone(),
                        format!(
                            "The link to {} leads to a \"not found\" page that the server answers with 200 OK.",
                            target.url
                        ),
                        Map::new(),
                    );
                    continue;
                }
                if hops >= 2 {
                    let mut extra = Map::new();
                    extra.insert("hops".into(), json!(hops));
                    extra.insert("final_url".into(), json!(end.url));
                    push(
                        "redirect_chain",
                        Severity::Warning,
                        target.url.clone(),
                        format!(
                            "The link to {} goes through {hops} redirects; link to {} directly.",
                            target.url, end.url
                        ),
                        extra,
                    );
                }
                let Some(fragment) = link.fragment.as_deref() else {
                    continue;
                };
                let html_page = end.site_id.is_some()
                    && end.status == Some(200)
                    && end.content_type.as_deref() == Some("text/html");
                let decoded = percent_encoding::percent_decode_str(fragment)
                    .decode_utf8_lossy()
                    .into_owned();
                if !html_page || decoded.is_empty() || decoded.eq_ignore_ascii_case("top") {
                    continue;
                }
                let Some(ids) = pages.get(&end.url).map(|p| &p.anchors) else {
                    continue;
                };
                if !ids.contains(fragment) && !ids.contains(&decoded) {
                    // After a redirect the section is looked for where the reader lands.
                    let message = if end.url == target.url {
                        format!(
                            "The link to {}#{fragment} points to a part of the page that does not exist (no id=\"{decoded}\").",
                            target.url
                        )
                    } else {
                        format!(
                            "The link to {}#{fragment} now leads to {}, which has no part with id=\"{decoded}\".",
                            target.url, end.url
                        )
                    };
                    push(
                        "broken_fragment",
                        Severity::Warning,
                        format!("{}#{fragment}", target.url),
                        message,
                        Map::new(),
                    );
                }
            }
        }
    }
    let not_found_pages = soft
        .verdicts
        .iter()
        .filter(|(_, &v)| v)
        .filter_map(|(id, _)| graph.by_id.get(id).map(|t| t.url.clone()))
        .collect();
    LinksAudit {
        findings: out,
        not_found_pages,
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The readable head of an error chain ("dns error: …: …" -> "dns error").
fn first_clause(e: &str) -> String {
    let lower = e.to_ascii_lowercase();
    if lower.contains("reserved top-level domain") {
        return "the host name can never resolve".to_string();
    }
    if lower.contains("dns") || lower.contains("lookup") {
        return "the host name does not resolve".to_string();
    }
    if lower.contains("timed out") || lower.contains("timeout") {
        return "timed out".to_string();
    }
    e.split(": ")
        .next()
        .unwrap_or(e)
        .chars()
        .take(120)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_titles() {
        assert!(title_says_not_found("Page not found - FHAA Help Center"));
        assert!(title_says_not_found("404 | Agency"));
        assert!(title_says_not_found("Sorry, we can’t find that page"));
        assert!(!title_says_not_found("How to design a helpful 404 page"));
        assert!(!title_says_not_found(
            "Not Found in Translation: plain language abroad"
        ));
        assert!(!title_says_not_found("Found property program"));
    }

    #[test]
    fn not_found_text_similarity() {
        use similarity::jaccard;
        let a = shingles("We could not find the page you were looking for. Try the search box.");
        let b = shingles("We could not find the page you were looking for. Try the search box!");
        let c = shingles("Apply for rental assistance online or by phone.");
        assert!(jaccard(&a, &b) >= SOFT_404_SIMILARITY);
        assert!(jaccard(&a, &c) < 0.1);
    }
}
