//! The audits: stored pages in, findings out, recomputed from the database without the network
//! and the same on every run. Only this module reads the store and hands findings to the writer.
//!
//! Audits so far: [`links`] (broken links, redirect chains, soft 404s, missing fragments).

pub mod links;

use serde::Serialize;

use crate::model::Finding;
use crate::store::{self, Store, WriteOp};

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

/// Recomputes every finding of the newest run and stores them (replacing the previous ones).
pub fn run(store: &Store) -> Result<AuditSummary, Error> {
    let run_id = store.latest_run_id()?.ok_or(Error::NoCrawl)?;
    let links = store.audit_links(run_id)?;
    let targets = store.audit_targets(run_id)?;
    let mut page_of = |url: &str| -> Option<crate::extract::page::Page> {
        let html = store.body(url).ok().flatten()?;
        Some(crate::extract::page::parse(&html))
    };
    let mut findings: Vec<Finding> = links::audit(&links, &targets, &mut page_of);
    findings.sort_by(|a, b| {
        (&a.site, &a.url, &a.kind, a.target()).cmp(&(&b.site, &b.url, &b.kind, b.target()))
    });
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for f in &findings {
        *counts.entry(f.kind.clone()).or_default() += 1;
    }
    let total = findings.len();
    let writer = store.writer()?;
    writer.send(WriteOp::ReplaceFindings { run_id, findings })?;
    writer.close()?;
    Ok(AuditSummary {
        run_id,
        counts: counts.into_iter().collect(),
        total,
    })
}
