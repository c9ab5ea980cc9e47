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
use crate::model::{Finding, FindingKind, Severity};
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

/// Sentences that say the page asked for is gone, wherever they stand in a title: "The page
/// you're looking for is no longer available", "This content has been removed".
fn gone_pattern() -> &'static regex::Regex {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(
            r"(?i)\b(page|content|file|document|resource|address|url)\b[^.!?]{0,40}?\b(is no longer (available|online|here)|no longer exists?|(cannot|can't|can’t|could not|couldn't|couldn’t) be found|was not found|(does not|doesn't|doesn’t) exist|has been (removed|deleted|retired|taken down))",
        )
        .expect("a valid pattern")
    })
}

/// Whether a title says its page is a "not found" page or that what was asked for is gone.
fn title_says_not_found(title: &str) -> bool {
    let t = title.trim().to_lowercase();
    // Titles join the page's name and the site's, either way round ("Page not found - FHAA Help
    // Center", "18F: Digital service delivery | 404"): each part is judged on its own.
    let mut parts = vec![t.as_str()];
    for sep in [" - ", " | ", " – ", " — ", ": "] {
        parts = parts.into_iter().flat_map(|p| p.split(sep)).collect();
    }
    parts.into_iter().any(|part| {
        let head = part.trim().trim_end_matches(['.', '!']);
        // Short phrases must be the whole part ("404", "not found"); long ones may start it
        // ("sorry, we can't find that page"), so "Not found in translation" is not a 404.
        NOT_FOUND_TITLES
            .iter()
            .any(|p| head == *p || (p.len() >= 12 && head.starts_with(p)))
            || gone_pattern().is_match(head)
    })
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
    /// Site id -> the title of that answer.
    titles: HashMap<i64, String>,
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
            titles: landings
                .iter()
                .filter_map(|end| Some((end.site_id?, end.title.clone()?)))
                .collect(),
            verdicts: landings.iter().map(|end| (end.id, true)).collect(),
        }
    }

    /// Whether a page that has links is a "not found" page, without parsing it: its title says
    /// so, it was already judged one, or it carries the title of its site's "not found" answer.
    fn is_source(&self, t: &AuditTarget) -> bool {
        if t.status != Some(200) {
            return false;
        }
        self.verdicts.get(&t.id).copied().unwrap_or(false)
            || t.title.as_deref().is_some_and(title_says_not_found)
            || t.site_id
                .and_then(|s| self.titles.get(&s))
                .is_some_and(|nf| t.title.as_ref() == Some(nf))
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

/// What the links audit needs to know about the sites' pages besides links and targets.
#[derive(Debug, Default)]
pub struct Scope {
    /// Pages that are another page of their site under a second address (the same body under
    /// another query string): their links are that page's links, reported once.
    pub same_as: HashMap<String, String>,
    /// Each site's sitemap address, by origin.
    pub sitemaps: HashMap<String, String>,
}

/// Largest number of pages a template finding lists in `urls` (its `pages` gives the count).
pub const TEMPLATE_SAMPLE: usize = 20;

/// Runs the links audit. `page_of` parses the stored HTML of a URL (None without a body); it is
/// called at most once per URL.
/// Hands every link to the function it is given, as the store reads them.
pub type EachLink<'a, E> = dyn FnMut(&mut dyn FnMut(AuditLink)) -> Result<(), E> + 'a;

/// The links audit. `each_link` hands every link of the run to the function it is given (the
/// store streams them: a million links are never held at once); `page_of` loads a stored page
/// (for fragments and "not found" checks).
pub fn audit<E>(
    each_link: &mut EachLink<'_, E>,
    targets: &[AuditTarget],
    scope: &Scope,
    page_of: &mut dyn FnMut(&str) -> Option<Page>,
) -> Result<LinksAudit, E> {
    let mut pages = Pages {
        parsed: HashMap::new(),
        load: page_of,
    };
    let graph = Graph {
        by_id: targets.iter().map(|t| (t.id, t)).collect(),
        by_url: targets.iter().map(|t| (t.url.as_str(), t)).collect(),
    };
    let soft = SoftNotFound::new(targets, &graph, &mut pages);
    let mut auditor = Auditor {
        graph,
        soft,
        pages,
        scope,
        seen: HashSet::new(),
        out: Vec::new(),
    };
    each_link(&mut |link| auditor.link(&link))?;
    let Auditor {
        graph,
        mut soft,
        mut pages,
        mut out,
        ..
    } = auditor;
    // A sitemap asks search engines to index what it lists: a "not found" page there is one.
    for t in targets
        .iter()
        .filter(|t| t.in_sitemap && t.site_id.is_some())
    {
        if !soft.is(t, &mut pages) {
            continue;
        }
        let Some(origin) = crate::model::url_origin(&t.url) else {
            continue;
        };
        let sitemap = scope
            .sitemaps
            .get(origin)
            .cloned()
            .unwrap_or_else(|| format!("{origin}/sitemap.xml"));
        let mut extra = Map::new();
        extra.insert("target".into(), json!(t.url));
        extra.insert("in_sitemap".into(), json!(true));
        out.push(Finding {
            kind: FindingKind::Soft404,
            severity: Severity::Warning,
            site: origin.to_string(),
            url: sitemap.clone(),
            message: format!(
                "The sitemap lists {}, a \"not found\" page answered with 200 OK: search engines will index it. Remove it from {sitemap}.",
                t.url
            ),
            extra,
        });
    }
    let not_found_pages = soft
        .verdicts
        .iter()
        .filter(|(_, &v)| v)
        .filter_map(|(id, _)| graph.by_id.get(id).map(|t| t.url.clone()))
        .collect();
    Ok(LinksAudit {
        findings: out,
        not_found_pages,
    })
}

/// The links audit's state while links stream by.
struct Auditor<'a, 'f> {
    graph: Graph<'a>,
    soft: SoftNotFound,
    pages: Pages<'f>,
    scope: &'a Scope,
    /// (page, kind, target) already reported.
    seen: HashSet<(String, FindingKind, String)>,
    out: Vec<Finding>,
}

impl Auditor<'_, '_> {
    /// Judges one link.
    fn link(&mut self, link: &AuditLink) {
        // A page under a second address repeats its page's links; a "not found" page's links
        // are its template's, resolved against an address that does not exist. (Asked for each
        // link: judging a page's first links can tell that the page itself is "not found".)
        if self.scope.same_as.contains_key(&link.page)
            || self
                .graph
                .by_url
                .get(link.page.as_str())
                .is_some_and(|t| self.soft.is_source(t))
        {
            return;
        }
        let Some(target) = self.graph.by_id.get(&link.target_id).copied() else {
            return;
        };
        let resolved = self.graph.resolve(target);
        let (seen, out) = (&mut self.seen, &mut self.out);
        let mut push = |kind: FindingKind,
                        severity,
                        target_text: String,
                        message: String,
                        extra: Map<String, Value>| {
            if seen.insert((link.page.clone(), kind, target_text.clone())) {
                let mut fields = Map::new();
                fields.insert("target".into(), Value::String(target_text));
                fields.extend(extra);
                out.push(Finding {
                    kind,
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
                    FindingKind::BlockedLink,
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
                        FindingKind::RedirectChain,
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
                    return;
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
                    FindingKind::BrokenLink,
                    Severity::Error,
                    target.url.clone(),
                    format!("The link to {} is broken: {what}{after}.", target.url),
                    extra,
                );
            }
            Resolved::Works { end, hops } => {
                // A "not found" page linking to itself is not a second problem.
                if end.site_id.is_some()
                    && link.page != target.url
                    && self.soft.is(end, &mut self.pages)
                {
                    let landing = if hops > 0 && end.url != target.url {
                        format!(
                            " (it redirects to {}, which says the page is gone)",
                            end.url
                        )
                    } else {
                        String::new()
                    };
                    push(
                        FindingKind::Soft404,
                        Severity::Error,
                        target.url.clone(),
                        format!(
                            "The link to {} leads to a \"not found\" page that the server answers with 200 OK{landing}.",
                            target.url
                        ),
                        Map::new(),
                    );
                    return;
                }
                if hops >= 2 {
                    let mut extra = Map::new();
                    extra.insert("hops".into(), json!(hops));
                    extra.insert("final_url".into(), json!(end.url));
                    push(
                        FindingKind::RedirectChain,
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
                    return;
                };
                let html_page = end.site_id.is_some()
                    && end.status == Some(200)
                    && end.content_type.as_deref() == Some("text/html");
                let decoded = percent_encoding::percent_decode_str(fragment)
                    .decode_utf8_lossy()
                    .into_owned();
                if !html_page || !names_an_element(&decoded) {
                    return;
                }
                let Some(page) = self.pages.get(&end.url) else {
                    return;
                };
                if page.anchors.contains(fragment) || page.anchors.contains(&decoded) {
                    return;
                }
                let landed = if end.url == target.url {
                    String::new()
                } else {
                    format!(" (it now leads to {})", end.url)
                };
                if page.script_builds_content {
                    // A script may create the element when the page runs: say what we could
                    // not check rather than call it broken.
                    push(
                        FindingKind::UnverifiedFragment,
                        Severity::Info,
                        format!("{}#{fragment}", target.url),
                        format!(
                            "The link to {}#{fragment} names a part (id=\"{decoded}\") that the page's HTML does not have; its scripts may create it, so check it in a browser{landed}.",
                            target.url
                        ),
                        Map::new(),
                    );
                    return;
                }
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
                    FindingKind::BrokenFragment,
                    Severity::Warning,
                    format!("{}#{fragment}", target.url),
                    message,
                    Map::new(),
                );
            }
        }
    }
}

/// Whether a `#fragment` names an element: `#`, `#top` (HTML's top of the page), text
/// fragments (`#:~:text=`, which highlight words, never ids) and script routes (`#/path`,
/// `#!/path`) do not.
fn names_an_element(decoded: &str) -> bool {
    !(decoded.is_empty()
        || decoded.eq_ignore_ascii_case("top")
        || decoded.contains(":~:")
        || decoded.starts_with('/')
        || decoded.starts_with('!'))
}

/// One finding for a link that the site's template puts on most of its pages (one fix, in the
/// template), with the page count and a sample of pages; per-page findings for the rest.
/// `site_pages` counts each site's pages (pages people read, each once).
pub fn template_findings(
    findings: Vec<Finding>,
    site_pages: &HashMap<String, usize>,
) -> Vec<Finding> {
    let mut pages_of: HashMap<(&str, &str, &str), Vec<usize>> = HashMap::new();
    for (i, f) in findings.iter().enumerate() {
        pages_of
            .entry((f.site.as_str(), f.kind.as_str(), f.target().unwrap_or("")))
            .or_default()
            .push(i);
    }
    let mut template: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut folded: HashSet<usize> = HashSet::new();
    for ((site, _, _), members) in &pages_of {
        let total = site_pages.get(*site).copied().unwrap_or(0);
        if members.len() >= template_minimum(total) {
            template.insert(members[0], members.clone());
            folded.extend(members.iter().skip(1));
        }
    }
    let mut out = Vec::with_capacity(findings.len() - folded.len());
    let urls: Vec<String> = findings.iter().map(|f| f.url.clone()).collect();
    for (i, mut f) in findings.into_iter().enumerate() {
        if folded.contains(&i) {
            continue;
        }
        if let Some(members) = template.get(&i) {
            let total = site_pages.get(&f.site).copied().unwrap_or(0);
            let mut sample: Vec<&str> = members.iter().map(|&m| urls[m].as_str()).collect();
            sample.sort_unstable();
            // The finding stands on the home page when the template puts the link there.
            let home = format!("{}/", f.site);
            if sample.contains(&home.as_str()) {
                f.url = home;
            } else {
                f.url = sample[0].to_string();
            }
            f.message = format!(
                "On {} of {total} pages (the site's template): {}",
                members.len(),
                f.message
            );
            f.extra.insert("template".into(), json!(true));
            f.extra.insert("pages".into(), json!(members.len()));
            f.extra.insert(
                "urls".into(),
                json!(sample.iter().take(TEMPLATE_SAMPLE).collect::<Vec<_>>()),
            );
        }
        out.push(f);
    }
    out
}

/// Pages a link, element or sentence must be on to be the site's template: half the site's
/// pages ([`crate::extract::page::DEFAULT_TEMPLATE_SHARE`]) and at least
/// [`crate::extract::page::MIN_TEMPLATE_PAGES`].
pub fn template_minimum(site_pages: usize) -> usize {
    let share = crate::extract::page::DEFAULT_TEMPLATE_SHARE * site_pages as f64;
    (share.ceil() as usize).max(crate::extract::page::MIN_TEMPLATE_PAGES)
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
        // Titles that say what was asked for is gone, as retired-content pages put it.
        assert!(title_says_not_found(
            "The page you’re looking for is no longer available. – Digital.gov"
        ));
        assert!(title_says_not_found("This content has been removed"));
        assert!(title_says_not_found("18F: Digital service delivery | 404"));
        assert!(!title_says_not_found(
            "18F: 404 errors and how we fixed them"
        ));
        assert!(title_says_not_found("Sorry, the page can't be found"));
        assert!(!title_says_not_found(
            "Paper forms are no longer available: apply online"
        ));
        assert!(!title_says_not_found(
            "Content strategy that exists for readers"
        ));
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
