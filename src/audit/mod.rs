//! The audits: stored pages in, findings out, recomputed from the database without the network
//! and the same on every run. Only this module reads the store and hands findings to the writer.
//!
//! Audits so far: [`links`] (broken links, redirect chains, soft 404s, missing fragments),
//! [`duplicates`] (exact and near-duplicate main content across all sites), [`readability`] and
//! [`plain_language`] (the plain-writing audits, also run by `govaudit lint` on drafts),
//! [`answers`] (inconsistent answers across sites and channels), [`governance`] (required links
//! and elements) and, last, [`consolidation`] (overlap between sites and a recommendation per
//! site, from all the others).
//!
//! Pages are read one site at a time: parsed, template removed (markup, then blocks that repeat
//! across the site's pages), measured, and dropped. What stays for the whole inventory is small:
//! each compared page's shingle hashes (about 8 bytes a word).

pub mod answers;
pub mod consolidation;
pub mod duplicates;
pub mod freshness;
pub mod governance;
pub mod links;
mod page_pass;
pub mod plain_language;
pub mod readability;
mod scratch;
pub mod similarity;
pub mod site_facts;

use std::collections::HashMap;

use serde::Serialize;

use crate::extract::page::Page;
use crate::model::Finding;
use crate::rules::RuleSet;
use crate::store::{self, ContentPage, Store, WriteOp};

/// Why an audit could not run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Nothing was crawled into this database yet.
    #[error("the database has no crawl yet; run `govaudit crawl INVENTORY` first")]
    NoCrawl,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] store::Error),
    /// A scratch file (what a large audit keeps on disk meanwhile) failed.
    #[error(transparent)]
    Scratch(#[from] scratch::Error),
    /// A kept page result decoded in part and then not whole: a damaged database row.
    #[error(
        "a page result kept by the last audit could not be read back; run `govaudit audit --full` to measure every page again"
    )]
    KeptResult,
}

/// What an audit run produced.
#[derive(Debug, Clone, Serialize)]
pub struct AuditSummary {
    /// The crawl run audited.
    pub run_id: i64,
    /// Findings per kind, sorted by kind.
    pub counts: Vec<(String, usize)>,
    /// All findings.
    pub total: usize,
    /// Pages whose page-pass result was kept from the last audit (body, rules and site template
    /// unchanged); the rest were read again.
    pub reused: usize,
    /// Pages the page pass saw (pages and fetched answers that are not pages).
    pub pages: usize,
}

/// Recomputes every finding of the newest run with `rules` and stores them (replacing the
/// previous ones), with what was measured on each page's main content. Pages whose body, rules
/// and site template did not change since the last audit reuse what it measured on them; the
/// findings are the same as [`run_full`]'s.
pub fn run(store: &Store, rules: &RuleSet) -> Result<AuditSummary, Error> {
    run_with(store, rules, true, &|_| {})
}

/// [`run`], reading every page again whatever earlier audits kept.
pub fn run_full(store: &Store, rules: &RuleSet) -> Result<AuditSummary, Error> {
    run_with(store, rules, false, &|_| {})
}

/// Where an audit is: its stage, and for the page pass the pages done of all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditProgress {
    /// `links`, `pages`, `duplicates` or `storing findings`.
    pub stage: &'static str,
    /// Pages read (the `pages` stage).
    pub done: usize,
    /// Pages to read.
    pub total: usize,
}

/// [`run`] (or, with `reuse` false, [`run_full`]) telling `progress` where it is, for a
/// progress bar.
pub fn run_with(
    store: &Store,
    rules: &RuleSet,
    reuse: bool,
    progress: &(dyn Fn(&AuditProgress) + Sync),
) -> Result<AuditSummary, Error> {
    let stage = |stage: &'static str| {
        progress(&AuditProgress {
            stage,
            done: 0,
            total: 0,
        })
    };
    stage("links");
    let run_id = store.latest_run_id()?.ok_or(Error::NoCrawl)?;
    let writer = store.writer()?;
    let started = std::time::Instant::now();
    let listed = store.content_pages(run_id)?;
    let same_as = same_page_addresses(&listed);
    let mut site_facts = site_facts::site_crawl_facts(store, run_id)?;
    let mut scope = links::Scope {
        sitemaps: site_facts
            .iter()
            .filter_map(|f| Some((f.origin.clone(), f.files.sitemap_url.clone()?)))
            .collect(),
        ..links::Scope::default()
    };
    scope.same_as = same_as;
    let targets = store.audit_targets(
        run_id,
        &links::title_says_not_found,
        &links::path_names_not_found,
    )?;
    // Governance judges a link by where it leads, too: the titles of the pages fetched.
    let mut governance =
        governance::Checker::new(&rules.governance, std::iter::empty::<(&str, &str)>());
    store.each_fetched_title(run_id, &mut |url, title| governance.learn_title(url, title))?;
    let mut url_of = |id: i64| store.url_of(id);
    let mut page_of = |id: i64| -> Option<crate::extract::page::Page> {
        let html = store.body_of(id).ok().flatten()?;
        Some(crate::extract::page::parse(&html))
    };
    // Links per site, and per page (by `urls` id, sorted), to take out the links of the pages
    // people do not read once those are known. The links themselves stream from the store
    // through the audit; a page's links come together.
    let mut site_links: HashMap<String, i64> = HashMap::new();
    let mut links_on: Vec<(i64, u32)> = Vec::new();
    // Pages come sorted by address, so a site's links mostly come together: counted here and
    // added to `site_links` when the site changes, rather than looked up once per link.
    let mut site_run: (String, i64) = (String::new(), 0);
    let links = links::audit(
        &mut |visit| {
            store.each_audit_link(run_id, &mut |l| {
                match links_on.last_mut() {
                    Some((page, n)) if *page == l.page_id => *n += 1,
                    _ => links_on.push((l.page_id, 1)),
                }
                if site_run.0 != l.site {
                    let (site, n) = std::mem::replace(&mut site_run, (l.site.to_string(), 0));
                    if n > 0 {
                        *site_links.entry(site).or_insert(0) += n;
                    }
                }
                site_run.1 += 1;
                visit(l);
            })
        },
        &targets,
        &scope,
        &mut url_of,
        &mut page_of,
    )?;
    let (site, n) = site_run;
    if n > 0 {
        *site_links.entry(site).or_insert(0) += n;
    }
    links_on.sort_unstable();
    drop(targets);
    // "Not found" pages are alike on every site by design: not duplicated content.
    let soft_404 = links.not_found_pages;
    let t_links = started.elapsed();
    log::info!("audit memory after links: {}", peak_memory());
    // The organisation's own names (agency and website names from the inventory) say nothing
    // about which program a fact belongs to. Channel names are left out: "Family Caregiver
    // Guide" names its subject.
    let org_names: Vec<String> = store
        .site_names()?
        .into_iter()
        .flat_map(|s| {
            let site_name = if s.channel == "web" { s.name } else { None };
            [site_name, s.agency]
        })
        .flatten()
        .collect::<std::collections::BTreeSet<String>>()
        .into_iter()
        .collect();
    let mut collector = answers::Collector::new(&rules.answers, &org_names);
    // From here on the page pass sends findings and measurements ahead to the writer.
    writer.send(store::WriteOp::BeginAudit { run_id })?;
    let mut content = page_pass::run(
        store,
        &writer,
        &listed,
        &page_pass::Context {
            rules,
            same_as: &scope.same_as,
            soft_404: &soft_404,
            governance: &governance,
            sites: &site_facts,
            collector: &collector,
            org_names: &org_names,
            progress: &|done| {
                progress(&AuditProgress {
                    stage: "pages",
                    done,
                    total: listed.len(),
                })
            },
        },
        reuse,
    )?;
    if log::log_enabled!(log::Level::Debug) {
        let runs: usize = content
            .compared
            .iter()
            .map(|p| p.fingerprint.runs.len())
            .sum();
        let numbers: usize = content
            .compared
            .iter()
            .map(|p| p.fingerprint.numbers.len())
            .sum();
        let figures: usize = content
            .compared
            .iter()
            .map(|p| p.fingerprint.figures.len())
            .sum();
        let claims: usize = content.claims.iter().map(|c| c.len()).sum();
        log::debug!(
            "page pass kept: {} compared pages ({:.0} MB of passage hashes, {:.0} MB of numbers), {} claims, {} measured rows",
            content.compared.len(),
            (runs * 4) as f64 / 1e6,
            (numbers * 16 + figures * 8) as f64 / 1e6,
            claims,
            content.measured_rows()
        );
    }
    log::info!(
        "audit memory before claims are collected: {}",
        peak_memory()
    );
    for claims in std::mem::take(&mut content.claims) {
        collector.add_claims(claims);
    }
    log::info!(
        "page pass: {} of {} pages reused from the last audit",
        content.reused,
        listed.len() - scope.same_as.len()
    );
    let t_content = started.elapsed();
    log::info!("audit memory after the page pass: {}", peak_memory());
    // Links count from pages people read: what a JSON feed, a directory listing or an empty
    // file "links to" is no reader's problem, and a redirect stub's target is judged as a hop of
    // the links that reach the stub. A link in the template of most pages is one finding.
    let site_pages: HashMap<String, usize> = content
        .measured_pages
        .iter()
        .map(|(site, m)| (site.to_string(), m.0))
        .collect();
    let from_pages: Vec<Finding> = links
        .findings
        .into_iter()
        .filter(|f| !content.not_pages.contains_key(&f.url))
        .collect();
    let mut findings = links::template_findings(from_pages, &site_pages);
    // The page pass's own findings (readability, plain language) went to the writer as pages
    // were read: only their counts are here.
    for doc in store.channel_docs()? {
        for source in answers::channel_sources(&doc) {
            collector.add(&source);
        }
    }
    findings.extend(collector.findings());
    let t_answers = started.elapsed();
    // Each compared page carries its own date (the page pass set it from its site's dates),
    // to tell which of two copies is older.
    let today = governance.today().to_string();
    // The pages' full passage hashes are in the store (the page pass sent them with its kept
    // results): read there, pair by pair.
    stage("duplicates");
    // Pages measured by this audit have their passages on the way to the store: the writer is
    // waited for when the first pair is measured, not before, so that it stores the findings
    // sent ahead while the index is built.
    let flushed = std::cell::Cell::new(false);
    let flush_failed: std::cell::RefCell<Option<crate::store::Error>> = Default::default();
    let load = |p: &duplicates::ComparedPage| {
        let id = p.url_id?;
        if !flushed.replace(true) {
            let waited = std::time::Instant::now();
            if let Err(e) = writer.flush_blocking() {
                flush_failed.borrow_mut().get_or_insert(e);
            }
            log::debug!(
                "waited {:.1} s for the writer when duplicates measured a first pair",
                waited.elapsed().as_secs_f64()
            );
        }
        if flush_failed.borrow().is_some() {
            return None;
        }
        match store.page_passages(id) {
            Ok(bytes) => bytes.map(|b| duplicates::runs_from_bytes(&b)),
            Err(e) => {
                log::warn!("{}: {e}", p.url);
                None
            }
        }
    };
    // And the sampled ones in scratch files, read one part of the index at a time.
    let samples = std::cell::RefCell::new(std::mem::replace(
        &mut content.samples,
        scratch::Parts::new(0)?,
    ));
    let failed: std::cell::RefCell<Option<scratch::Error>> = Default::default();
    let parts = content.index_parts;
    let sampled = |part: u32, each: &mut dyn FnMut(i64, &[u32])| {
        if let Err(e) = samples.borrow_mut().read(parts.file_of_part(part), each) {
            failed.borrow_mut().get_or_insert(e);
        }
    };
    findings.extend(duplicates::audit_spilled(
        &content.compared,
        &rules.duplicates,
        parts,
        &load,
        &sampled,
    )?);
    if let Some(e) = failed.into_inner() {
        return Err(e.into());
    }
    if let Some(e) = flush_failed.into_inner() {
        return Err(e.into());
    }
    drop(samples);
    let t_duplicates = started.elapsed();
    log::info!("audit memory after duplicates: {}", peak_memory());
    // Governance per site, then the recommendation, which weighs every other audit's results.
    // The links of the pages people read: the population broken links are a share of.
    for p in &listed {
        if content.not_pages.contains_key(&*p.url) || scope.same_as.contains_key(&*p.url) {
            let on = links_on.binary_search_by_key(&p.url_id, |l| l.0);
            if let (Ok(i), Some(n)) = (on, site_links.get_mut(&*p.site)) {
                *n -= links_on[i].1 as i64;
            }
        }
    }
    for f in &mut site_facts {
        f.links = site_links.get(f.origin.as_str()).copied().unwrap_or(0);
    }
    // When each site last changed, from the dates that mean something on it.
    for f in &mut site_facts {
        let newest = content.newest.remove(&f.origin);
        f.newest_update = newest.as_ref().map(|n| n.date.clone());
        f.newest_update_source = newest.map(|n| n.describe());
    }
    // Sites with pages were decided as their last page was read.
    let mut results: Vec<governance::SiteResult> = site_facts
        .iter()
        .map(|f| {
            content
                .governance
                .remove(&f.origin)
                .unwrap_or_else(|| governance.site(f, &[]))
        })
        .collect();
    // (Those of sites with pages went ahead with the page pass: these are the rest.)
    for r in &mut results {
        findings.append(&mut r.findings);
    }
    let figures: Vec<consolidation::SiteFigures> = site_facts
        .iter()
        .zip(&results)
        .map(|(facts, governance)| {
            let measured = content.measured_pages.get(facts.origin.as_str());
            consolidation::SiteFigures {
                facts,
                governance,
                pages: measured.map_or(0, |m| m.0),
                median_grade: measured.and_then(|m| median_grade(&m.1)),
            }
        })
        .collect();
    let site_audits = consolidation::recommend(
        &figures,
        &findings,
        &content.topics,
        &rules.consolidation,
        &today,
    );
    log::info!(
        "audit times: links {:.1} s; pages read, readability and plain language {:.1} s; answers {:.1} s; duplicates {:.1} s; governance and consolidation {:.1} s",
        t_links.as_secs_f64(),
        (t_content - t_links).as_secs_f64(),
        (t_answers - t_content).as_secs_f64(),
        (t_duplicates - t_answers).as_secs_f64(),
        (started.elapsed() - t_duplicates).as_secs_f64()
    );
    let page_text = content.measured;
    let blocks = content.blocks;
    findings.sort_by(Finding::output_order);
    stage("storing findings");
    let mut counts = std::mem::take(&mut content.counts);
    for f in &findings {
        *counts.entry(f.kind.to_string()).or_default() += 1;
    }
    let total = counts.values().sum();
    // Pages that stand for another address are never read: not counted.
    let (reused, pages) = (content.reused, listed.len() - scope.same_as.len());
    writer.send(WriteOp::ReplaceAudit {
        run_id,
        findings,
        pages: page_text,
        sites: site_audits,
        blocks,
    })?;
    let storing = std::time::Instant::now();
    writer.close()?;
    log::debug!(
        "findings and measurements stored in {:.1} s",
        storing.elapsed().as_secs_f64()
    );
    log::info!("audit memory at the end: {}", peak_memory());
    Ok(AuditSummary {
        run_id,
        counts: counts.into_iter().collect(),
        total,
        reused,
        pages,
    })
}

/// The process's resident and peak memory, as Linux reports it (empty elsewhere), for the
/// debug log: where an audit's memory goes.
pub(crate) fn peak_memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .filter(|l| l.starts_with("VmRSS") || l.starts_with("VmHWM"))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Pages of one site that are the same page under another query string (`/report/?id=DOE`,
/// `/report/?id=DOJ`: the same body, filled in by a script): each maps to the address that
/// stands for them all, the one without a query when it was fetched, else the first.
fn same_page_addresses(pages: &[ContentPage]) -> HashMap<String, String> {
    let mut groups: HashMap<(&str, &str, &str), Vec<&str>> = HashMap::new();
    for p in pages {
        let (Some(hash), Some((path, _))) = (p.body_hash.as_deref(), p.url.split_once('?')) else {
            continue;
        };
        groups
            .entry((&*p.site, path, hash))
            .or_default()
            .push(&*p.url);
    }
    // The address without a query joins its variants' group when its body is the same.
    for p in pages.iter().filter(|p| !p.url.contains('?')) {
        if let Some(g) = p
            .body_hash
            .as_deref()
            .and_then(|h| groups.get_mut(&(&*p.site, &*p.url, h)))
        {
            g.push(&*p.url);
        }
    }
    let mut out = HashMap::new();
    for members in groups.into_values().filter(|m| m.len() > 1) {
        let first = members
            .iter()
            .copied()
            .min_by_key(|u| (u.contains('?'), u.len(), *u))
            .unwrap_or_default();
        for m in members.iter().filter(|m| **m != first) {
            out.insert(m.to_string(), first.to_string());
        }
    }
    out
}

/// The median of some values, to two decimals as `govaudit sites` shows it.
fn median_grade(values: &[f64]) -> Option<f64> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    median(&v).map(|m| (m * 100.0).round() / 100.0)
}

/// The median of ascending values.
pub fn median(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// A finding's `rule` field.
fn rule_of(f: &Finding) -> &str {
    f.extra
        .get("rule")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("")
}

/// The key of a page's canonical URL when it names another address on the page's own site.
fn canonical_elsewhere(url: &str, page: &Page) -> Option<String> {
    let base = url::Url::parse(url).ok()?;
    let canonical = base.join(page.canonical.as_deref()?.trim()).ok()?;
    let (own, other) = (
        duplicates::page_key(url)?,
        duplicates::page_key(canonical.as_str())?,
    );
    let same_host = own.split('/').next() == other.split('/').next();
    let home = !other.contains('/');
    (same_host && own != other && !home).then_some(other)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_canonical(href: &str) -> Page {
        Page {
            canonical: Some(href.to_string()),
            ..Page::default()
        }
    }

    #[test]
    fn canonical_names_another_page_of_the_site() {
        let print = with_canonical("/apply/");
        assert_eq!(
            canonical_elsewhere("https://www.a.gov/apply/?print=1", &print).as_deref(),
            Some("a.gov/apply")
        );
        // The same page spelled differently, another site, or the home page: not a copy.
        assert_eq!(
            canonical_elsewhere("https://a.gov/apply/index.html", &print),
            None
        );
        assert_eq!(
            canonical_elsewhere("https://a.gov/x", &with_canonical("https://b.gov/x")),
            None
        );
        assert_eq!(
            canonical_elsewhere("https://a.gov/x", &with_canonical("https://a.gov/")),
            None
        );
        assert_eq!(
            canonical_elsewhere("https://a.gov/x", &Page::default()),
            None
        );
    }
}
