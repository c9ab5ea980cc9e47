//! The audits: stored pages in, findings out, recomputed from the database without the network
//! and the same on every run. Only this module reads the store and hands findings to the writer.
//!
//! Audits so far: [`links`] (broken links, redirect chains, soft 404s, missing fragments) and
//! [`duplicates`] (exact and near-duplicate main content across all sites).
//!
//! Pages are read one site at a time: parsed, template removed (markup, then blocks that repeat
//! across the site's pages), measured, and dropped, so memory grows with the largest site, not
//! with the inventory.

pub mod duplicates;
pub mod links;
pub mod similarity;

use std::collections::HashSet;

use serde::Serialize;

use crate::extract::page::{self, Page};
use crate::model::Finding;
use crate::rules::RuleSet;
use crate::store::{self, ContentPage, PageText, Store, WriteOp};

/// Why an audit could not run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Nothing was crawled into this database yet.
    #[error("the database has no crawl yet; run `govaudit crawl INVENTORY` first")]
    NoCrawl,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] store::Error),
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
}

/// Recomputes every finding of the newest run with `rules` and stores them (replacing the
/// previous ones), with what was measured on each page's main content.
pub fn run(store: &Store, rules: &RuleSet) -> Result<AuditSummary, Error> {
    let run_id = store.latest_run_id()?.ok_or(Error::NoCrawl)?;
    let links = store.audit_links(run_id)?;
    let targets = store.audit_targets(run_id)?;
    let mut page_of = |url: &str| -> Option<crate::extract::page::Page> {
        let html = store.body(url).ok().flatten()?;
        Some(crate::extract::page::parse(&html))
    };
    let mut findings: Vec<Finding> = links::audit(&links, &targets, &mut page_of);
    // A soft 404 is a "not found" page: alike on every site by design, not duplicated content.
    let soft_404: HashSet<String> = findings
        .iter()
        .filter(|f| f.kind == "soft_404")
        .filter_map(|f| f.target().map(str::to_string))
        .collect();
    let (compared, page_text) = content(store, run_id, rules, &soft_404)?;
    findings.extend(duplicates::audit(&compared, &rules.duplicates));
    findings.sort_by(|a, b| {
        (&a.site, &a.url, &a.kind, a.target()).cmp(&(&b.site, &b.url, &b.kind, b.target()))
    });
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for f in &findings {
        *counts.entry(f.kind.clone()).or_default() += 1;
    }
    let total = findings.len();
    let writer = store.writer()?;
    writer.send(WriteOp::ReplacePageText {
        run_id,
        pages: page_text,
    })?;
    writer.send(WriteOp::ReplaceFindings { run_id, findings })?;
    writer.close()?;
    Ok(AuditSummary {
        run_id,
        counts: counts.into_iter().collect(),
        total,
    })
}

/// Reads every content page site by site: removes the template, measures the main text, and
/// keeps the fingerprints of pages the duplicate audit compares.
fn content(
    store: &Store,
    run_id: i64,
    rules: &RuleSet,
    soft_404: &HashSet<String>,
) -> Result<(Vec<duplicates::ComparedPage>, Vec<PageText>), Error> {
    let all = store.content_pages(run_id)?;
    let mut compared = Vec::new();
    let mut measured = Vec::with_capacity(all.len());
    for site_pages in all.chunk_by(|a, b| a.site == b.site) {
        let mut rows: Vec<&ContentPage> = Vec::with_capacity(site_pages.len());
        let mut pages: Vec<Page> = Vec::with_capacity(site_pages.len());
        for p in site_pages {
            if let Some(html) = store.body_of(p.url_id)? {
                rows.push(p);
                pages.push(page::parse(&html));
            }
        }
        // Removing repeated blocks changes only `blocks`; the canonical link stays.
        page::strip_site_boilerplate(&mut pages, page::DEFAULT_TEMPLATE_SHARE);
        for (row, pg) in rows.into_iter().zip(pages) {
            let text = pg.main_text();
            let fingerprint = duplicates::Fingerprint::of(&text, &rules.duplicates);
            let words = pg.word_count();
            measured.push(PageText {
                url_id: row.url_id,
                word_count: words as i64,
                content_hash: fingerprint.hash.clone(),
            });
            if words >= rules.duplicates.min_words
                && !soft_404.contains(&row.url)
                && !canonical_elsewhere(&row.url, &pg)
            {
                compared.push(duplicates::ComparedPage {
                    url: row.url.clone(),
                    site: row.site.clone(),
                    fingerprint,
                });
            }
        }
    }
    Ok((compared, measured))
}

/// True when a page names another address on its own site as its canonical one: the site
/// already says this URL is a copy (`/page?print=1`, `/page/index.html`), so it is not reported.
fn canonical_elsewhere(url: &str, page: &Page) -> bool {
    let (Some(canonical), Ok(base)) = (page.canonical.as_deref(), url::Url::parse(url)) else {
        return false;
    };
    let Ok(c) = base.join(canonical.trim()) else {
        return false;
    };
    let same_host = c.host_str().map(|h| h.trim_start_matches("www."))
        == base.host_str().map(|h| h.trim_start_matches("www."));
    same_host && (c.path(), c.query()) != (base.path(), base.query())
}
