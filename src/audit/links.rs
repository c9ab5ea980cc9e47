//! The links audit: broken links, redirect chains and missing `#fragment` targets, from what the
//! crawl stored. One finding per (page, target, kind); no network.
//!
//! Reads: links and fetch outcomes (given, a few dozen bytes a URL), addresses and stored pages
//! (through callbacks: an address when a finding names it, a page when a fragment or a "not
//! found" check needs it). Writes: nothing.
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

use std::collections::{BTreeSet, HashMap, HashSet};

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
pub fn title_says_not_found(title: &str) -> bool {
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

/// Whether an address's path names a "not found" page (`/404.html`, `/page-not-found/`,
/// `/error`).
pub fn path_names_not_found(url: &str) -> bool {
    let path = url
        .split("://")
        .nth(1)
        .and_then(|r| r.find('/').map(|i| &r[i..]))
        .unwrap_or("")
        .to_ascii_lowercase();
    ["404", "not-found", "notfound", "not_found", "/error"]
        .iter()
        .any(|k| path.contains(k))
}

/// A page that names itself a "not found" page by its title or address.
fn looks_like_not_found_page(t: &AuditTarget) -> bool {
    t.is(AuditTarget::TITLE_NOT_FOUND) || t.is(AuditTarget::PATH_NOT_FOUND)
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

/// Every URL, sorted by id (ids are dense: a URL's place is nearly always `id - first id`).
struct Graph<'a> {
    targets: &'a [AuditTarget],
}

fn not_requested(t: &AuditTarget) -> bool {
    t.status.is_none()
        && t.error
            .as_deref()
            .is_none_or(|e| e.starts_with("not requested") || e.contains("robots.txt disallows"))
}

impl<'a> Graph<'a> {
    fn get(&self, id: i64) -> Option<&'a AuditTarget> {
        let first = self.targets.first()?.id;
        let guess = usize::try_from(id - first).ok();
        match guess.and_then(|i| self.targets.get(i)) {
            Some(t) if t.id == id => Some(t),
            _ => self
                .targets
                .binary_search_by_key(&id, |t| t.id)
                .ok()
                .map(|i| &self.targets[i]),
        }
    }

    fn resolve(&self, start: &'a AuditTarget) -> Resolved<'a> {
        if not_requested(start) {
            return Resolved::Unknown;
        }
        if start.site_id.is_none() {
            // External: the check followed the chain itself.
            let hops = start.hops as usize;
            return match (start.status.map(i64::from), &start.error) {
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
                        e.to_string()
                    }),
                },
                (None, e) => Resolved::Broken {
                    end: start,
                    hops,
                    status: None,
                    error: e.as_deref().map(str::to_string),
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
            match cur.status.map(i64::from) {
                _ if cur.is(AuditTarget::MOVES) => {
                    let Some(next) = cur.moved_to.and_then(|id| self.get(id)) else {
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
                        error: cur.error.as_deref().map(str::to_string),
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

/// Stored pages by `urls` id. Only what fragment links ask of a page is kept (each page parsed
/// once for them); a "not found" check parses the page and keeps its verdict instead.
struct Pages<'f> {
    anchors: HashMap<i64, Option<Anchors>>,
    load: &'f mut dyn FnMut(i64) -> Option<Page>,
}

/// The elements a `#fragment` can name on a page.
struct Anchors {
    ids: BTreeSet<String>,
    script_builds_content: bool,
}

impl Pages<'_> {
    fn anchors(&mut self, id: i64) -> Option<&Anchors> {
        if !self.anchors.contains_key(&id) {
            let page = (self.load)(id).map(|p| Anchors {
                ids: p.anchors,
                script_builds_content: p.script_builds_content,
            });
            self.anchors.insert(id, page);
        }
        self.anchors.get(&id).and_then(Option::as_ref)
    }

    fn main_text(&mut self, id: i64) -> Option<String> {
        (self.load)(id).map(|p| p.main_text())
    }
}

/// Addresses by `urls` id, read from the store when a finding names them. The first error
/// is kept, to return once the links have streamed by.
struct Urls<'f, E> {
    load: &'f mut dyn FnMut(i64) -> Result<Option<String>, E>,
    failed: Option<E>,
}

impl<E> Urls<'_, E> {
    fn get(&mut self, id: i64) -> String {
        match (self.load)(id) {
            Ok(url) => url.unwrap_or_default(),
            Err(e) => {
                self.failed.get_or_insert(e);
                String::new()
            }
        }
    }
}

/// Decides which pages are soft 404s (see the module docs), once per page.
struct SoftNotFound {
    /// Site id -> shingles of the site's 200 answer to the probe.
    sites: HashMap<i64, Vec<u64>>,
    /// Site id -> the title of that answer (its hash).
    titles: HashMap<i64, u64>,
    /// Verdicts that took parsing a page (and the probes' landings).
    verdicts: HashMap<i64, bool>,
}

impl SoftNotFound {
    fn new(targets: &[AuditTarget], graph: &Graph<'_>, pages: &mut Pages<'_>) -> SoftNotFound {
        // The probe's answer: a 200, or a redirect to a page that says it is a "not found" page
        // (`/missing` -> `/404.html`). Sites that send unknown addresses to their home page are
        // not soft-404 sites here: that would make every link home a finding.
        let landings: Vec<&AuditTarget> = targets
            .iter()
            .filter(|t| t.is(AuditTarget::PROBE))
            .filter_map(|t| match graph.resolve(t) {
                Resolved::Works { end, hops } if end.status == Some(200) => {
                    (hops == 0 || looks_like_not_found_page(end)).then_some(end)
                }
                _ => None,
            })
            .collect();
        let sites = landings
            .iter()
            .filter_map(|end| Some((end.site_id?, shingles(&pages.main_text(end.id)?))))
            .collect();
        SoftNotFound {
            sites,
            titles: landings
                .iter()
                .filter_map(|end| Some((end.site_id?, end.title_hash?)))
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
            || t.is(AuditTarget::TITLE_NOT_FOUND)
            || t.site_id
                .and_then(|s| self.titles.get(&s))
                .is_some_and(|nf| t.title_hash == Some(*nf))
    }

    fn is(&mut self, t: &AuditTarget, pages: &mut Pages<'_>) -> bool {
        if t.status != Some(200) || !t.is(AuditTarget::HTML) || t.is(AuditTarget::PROBE) {
            return false;
        }
        if let Some(&v) = self.verdicts.get(&t.id) {
            return v;
        }
        if t.is(AuditTarget::TITLE_NOT_FOUND) {
            self.verdicts.insert(t.id, true);
            return true;
        }
        let Some(not_found) = t.site_id.and_then(|s| self.sites.get(&s)) else {
            return false;
        };
        let verdict = pages.main_text(t.id).is_some_and(|text| {
            similarity::jaccard(&shingles(&text), not_found) >= SOFT_404_SIMILARITY
        });
        self.verdicts.insert(t.id, verdict);
        verdict
    }

    /// The pages judged "not found" pages (only a false verdict from the title alone is not
    /// kept: it costs nothing to reach again).
    fn found(&self) -> impl Iterator<Item = i64> + '_ {
        self.verdicts.iter().filter(|(_, &v)| v).map(|(&id, _)| id)
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

/// Hands every link to the function it is given, as the store reads them.
pub type EachLink<'a, E> = dyn FnMut(&mut dyn FnMut(AuditLink<'_>)) -> Result<(), E> + 'a;

/// The links audit. `each_link` hands every link of the run to the function it is given (the
/// store streams them: a million links are never held at once); `targets` are every URL sorted
/// by id; `url_of` reads an address by id (for the findings that name it); `page_of` loads a
/// stored page by id (for fragments and "not found" checks).
pub fn audit<E>(
    each_link: &mut EachLink<'_, E>,
    targets: &[AuditTarget],
    scope: &Scope,
    url_of: &mut dyn FnMut(i64) -> Result<Option<String>, E>,
    page_of: &mut dyn FnMut(i64) -> Option<Page>,
) -> Result<LinksAudit, E> {
    let mut pages = Pages {
        anchors: HashMap::new(),
        load: page_of,
    };
    let graph = Graph { targets };
    let soft = SoftNotFound::new(targets, &graph, &mut pages);
    let mut auditor = Auditor {
        graph,
        soft,
        pages,
        urls: Urls {
            load: url_of,
            failed: None,
        },
        scope,
        seen: HashSet::new(),
        out: Vec::new(),
        page_same_as: None,
    };
    each_link(&mut |link| auditor.link(&link))?;
    let Auditor {
        mut soft,
        mut pages,
        mut urls,
        mut out,
        ..
    } = auditor;
    // A sitemap asks search engines to index what it lists: a "not found" page there is one.
    for t in targets
        .iter()
        .filter(|t| t.is(AuditTarget::IN_SITEMAP) && t.site_id.is_some())
    {
        if !soft.is(t, &mut pages) {
            continue;
        }
        let url = urls.get(t.id);
        let Some(origin) = crate::model::url_origin(&url) else {
            continue;
        };
        let sitemap = scope
            .sitemaps
            .get(origin)
            .cloned()
            .unwrap_or_else(|| format!("{origin}/sitemap.xml"));
        let mut extra = Map::new();
        extra.insert("target".into(), json!(url));
        extra.insert("in_sitemap".into(), json!(true));
        out.push(Finding {
            kind: FindingKind::Soft404,
            severity: Severity::Warning,
            site: origin.to_string(),
            url: sitemap.clone(),
            message: format!(
                "The sitemap lists {url}, a \"not found\" page answered with 200 OK: search engines will index it. Remove it from {sitemap}."
            ),
            extra,
        });
    }
    let not_found_pages = soft.found().map(|id| urls.get(id)).collect();
    if let Some(e) = urls.failed {
        return Err(e);
    }
    Ok(LinksAudit {
        findings: out,
        not_found_pages,
    })
}

/// The links audit's state while links stream by.
struct Auditor<'a, 'f, E> {
    graph: Graph<'a>,
    soft: SoftNotFound,
    pages: Pages<'f>,
    urls: Urls<'f, E>,
    scope: &'a Scope,
    /// (page, kind, target) already reported.
    seen: HashSet<(String, FindingKind, String)>,
    out: Vec<Finding>,
    /// The page whose links are streaming by, and whether it is another page's second address
    /// (asked once per page, not once per link).
    page_same_as: Option<(i64, bool)>,
}

impl<E> Auditor<'_, '_, E> {
    /// Judges one link.
    fn link(&mut self, link: &AuditLink<'_>) {
        // A page under a second address repeats its page's links; a "not found" page's links
        // are its template's, resolved against an address that does not exist. (Asked for each
        // link: judging a page's first links can tell that the page itself is "not found".)
        let same_as = match self.page_same_as {
            Some((page, same_as)) if page == link.page_id => same_as,
            _ => {
                let same_as = self.scope.same_as.contains_key(link.page);
                self.page_same_as = Some((link.page_id, same_as));
                same_as
            }
        };
        if same_as
            || self
                .graph
                .get(link.page_id)
                .is_some_and(|t| self.soft.is_source(t))
        {
            return;
        }
        let Some(target) = self.graph.get(link.target_id) else {
            return;
        };
        let resolved = self.graph.resolve(target);
        if matches!(resolved, Resolved::Unknown) && !target.is(AuditTarget::BLOCKED) {
            return;
        }
        let (seen, out, urls) = (&mut self.seen, &mut self.out, &mut self.urls);
        let mut push = |kind: FindingKind,
                        severity,
                        target_text: String,
                        message: String,
                        extra: Map<String, Value>| {
            if seen.insert((link.page.to_string(), kind, target_text.clone())) {
                let mut fields = Map::new();
                fields.insert("target".into(), Value::String(target_text));
                fields.extend(extra);
                out.push(Finding {
                    kind,
                    severity,
                    site: link.site.to_string(),
                    url: link.page.to_string(),
                    message,
                    extra: fields,
                });
            }
        };
        match resolved {
            // Not requested because the site's robots.txt disallows it: say so, so nobody takes
            // the silence for a working link (it is not a broken one either).
            Resolved::Unknown if target.is(AuditTarget::BLOCKED) => {
                let target_url = urls.get(target.id);
                push(
                    FindingKind::BlockedLink,
                    Severity::Info,
                    target_url.clone(),
                    format!(
                        "The link to {} was not checked: the site's robots.txt asks crawlers not to fetch it.",
                        target_url
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
                let target_url = urls.get(target.id);
                let end_url = urls.get(end.id);
                if error.as_deref() == Some("redirect loop") {
                    // A loop is a redirect chain that never ends: one finding, as an error.
                    let mut extra = Map::new();
                    extra.insert("hops".into(), json!(hops));
                    extra.insert("final_url".into(), json!(end_url));
                    extra.insert("loop".into(), json!(true));
                    push(
                        FindingKind::RedirectChain,
                        Severity::Error,
                        target_url.clone(),
                        format!(
                            "The link to {} never arrives: its redirects loop back to {} after {hops} hop{}.",
                            target_url,
                            end_url,
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
                let after = if hops > 0 && end.id != target.id {
                    format!(" after {hops} redirect{} to {end_url}", plural(hops))
                } else {
                    String::new()
                };
                let mut extra = Map::new();
                extra.insert("status".into(), json!(status));
                extra.insert("error".into(), json!(error));
                push(
                    FindingKind::BrokenLink,
                    Severity::Error,
                    target_url.clone(),
                    format!("The link to {target_url} is broken: {what}{after}."),
                    extra,
                );
            }
            Resolved::Works { end, hops } => {
                // A "not found" page linking to itself is not a second problem.
                if end.site_id.is_some()
                    && link.page_id != target.id
                    && self.soft.is(end, &mut self.pages)
                {
                    let target_url = urls.get(target.id);
                    let landing = if hops > 0 && end.id != target.id {
                        format!(
                            " (it redirects to {}, which says the page is gone)",
                            urls.get(end.id)
                        )
                    } else {
                        String::new()
                    };
                    push(
                        FindingKind::Soft404,
                        Severity::Error,
                        target_url.clone(),
                        format!(
                            "The link to {} leads to a \"not found\" page that the server answers with 200 OK{landing}.",
                            target_url
                        ),
                        Map::new(),
                    );
                    return;
                }
                if hops >= 2 {
                    let (target_url, end_url) = (urls.get(target.id), urls.get(end.id));
                    let mut extra = Map::new();
                    extra.insert("hops".into(), json!(hops));
                    extra.insert("final_url".into(), json!(end_url));
                    push(
                        FindingKind::RedirectChain,
                        Severity::Warning,
                        target_url.clone(),
                        format!(
                            "The link to {} goes through {hops} redirects; link to {} directly.",
                            target_url, end_url
                        ),
                        extra,
                    );
                }
                let Some(fragment) = link.fragment else {
                    return;
                };
                let html_page =
                    end.site_id.is_some() && end.status == Some(200) && end.is(AuditTarget::HTML);
                let decoded = percent_encoding::percent_decode_str(fragment)
                    .decode_utf8_lossy()
                    .into_owned();
                if !html_page || !names_an_element(&decoded) {
                    return;
                }
                let Some(page) = self.pages.anchors(end.id) else {
                    return;
                };
                if page.ids.contains(fragment) || page.ids.contains(&decoded) {
                    return;
                }
                let target_url = urls.get(target.id);
                let end_url = if end.id == target.id {
                    None
                } else {
                    Some(urls.get(end.id))
                };
                let landed = match &end_url {
                    None => String::new(),
                    Some(end_url) => format!(" (it now leads to {end_url})"),
                };
                if page.script_builds_content {
                    // A script may create the element when the page runs: say what we could
                    // not check rather than call it broken.
                    push(
                        FindingKind::UnverifiedFragment,
                        Severity::Info,
                        format!("{target_url}#{fragment}"),
                        format!(
                            "The link to {}#{fragment} names a part (id=\"{decoded}\") that the page's HTML does not have; its scripts may create it, so check it in a browser{landed}.",
                            target_url
                        ),
                        Map::new(),
                    );
                    return;
                }
                // After a redirect the section is looked for where the reader lands.
                let message = match end_url {
                    None => format!(
                        "The link to {}#{fragment} points to a part of the page that does not exist (no id=\"{decoded}\").",
                        target_url
                    ),
                    Some(end_url) => format!(
                        "The link to {}#{fragment} now leads to {}, which has no part with id=\"{decoded}\".",
                        target_url, end_url
                    ),
                };
                push(
                    FindingKind::BrokenFragment,
                    Severity::Warning,
                    format!("{target_url}#{fragment}"),
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
