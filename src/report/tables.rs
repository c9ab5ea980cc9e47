//! The rows and columns of the listings (`findings`, `pages`, `sites`) and the report's CSV and
//! NDJSON files: one definition, so the commands and the report files cannot disagree.
//!
//! Reads: the store (typed rows). Writes nothing.

use std::ops::ControlFlow;

use serde_json::{Map, Value};

use crate::model::FindingKind;
use crate::store::{self, Store};

/// Columns of the findings listing.
pub const FINDING_COLUMNS: &[&str] = &[
    "kind",
    "severity",
    "site",
    "url",
    "target",
    "status",
    "error",
    "hops",
    "final_url",
    "group",
    "similarity",
    "urls",
    "message",
    "rule",
    "expected",
    "excerpt",
    "suggestion",
    "count",
    "metric",
    "value",
    "threshold",
    "question",
    "fact_type",
    "values",
];

/// [`Store::findings`] of the newest run (of the given kinds, on one site when given) as rows,
/// one at a time as the store reads them.
pub fn each_finding_row(
    store: &Store,
    kinds: &[FindingKind],
    site: Option<&str>,
    f: &mut dyn FnMut(Map<String, Value>) -> ControlFlow<()>,
) -> Result<(), store::Error> {
    let Some(run_id) = store.latest_run_id()? else {
        return Ok(());
    };
    store.each_finding(run_id, kinds, site, &mut |finding| f(to_row(&finding)))
}

/// The newest run's findings grouped by target ([`Store::each_finding_group`]) as rows of
/// [`crate::report::BY_TARGET_COLUMNS`], one at a time.
pub fn each_finding_group_row(
    store: &Store,
    kinds: &[FindingKind],
    site: Option<&str>,
    f: &mut dyn FnMut(Map<String, Value>) -> ControlFlow<()>,
) -> Result<(), store::Error> {
    let Some(run_id) = store.latest_run_id()? else {
        return Ok(());
    };
    store.each_finding_group(run_id, kinds, site, &mut |g| f(finding_group_row(g)))
}

/// A group of findings as a row of [`crate::report::BY_TARGET_COLUMNS`].
pub fn finding_group_row(g: store::FindingGroup) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("pages".into(), Value::from(g.pages));
    m.insert("kind".into(), Value::String(g.kind));
    m.insert("severity".into(), Value::String(g.severity));
    m.insert("target".into(), Value::String(g.target));
    m.insert("example page".into(), Value::String(g.example_page));
    m.insert("message".into(), Value::String(g.message));
    m
}

/// Columns of the pages listing.
pub const PAGE_COLUMNS: &[&str] = &[
    "url",
    "site",
    "status",
    "content_type",
    "title",
    "word_count",
    "flesch_reading_ease",
    "flesch_kincaid_grade",
    "gunning_fog",
    "smog_index",
    "coleman_liau_index",
    "automated_readability_index",
    "dale_chall",
    "content_hash",
    "sentence_count",
    "syllable_count",
    "body_hash",
    "size",
    "final_url",
    "error",
    "skipped",
];

/// Columns of the pages (table) listing.
pub const PAGE_TABLE_COLUMNS: &[&str] = &["url", "status", "content_type", "title", "error"];

/// A finding, page or site as a row: its serialised fields.
pub fn to_row<T: serde::Serialize>(x: &T) -> Map<String, Value> {
    to_map(serde_json::to_value(x).unwrap_or(Value::Null))
}

/// A JSON object's fields (empty for anything else).
pub fn to_map(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Columns of the sites listing.
pub const SITE_COLUMNS: &[&str] = &[
    "site",
    "name",
    "agency",
    "office",
    "pages",
    "broken_links",
    "duplicate_pages",
    "inconsistent_answers",
    "plain_language_findings",
    "median_grade",
    "governance_passed",
    "governance_failed",
    "recommendation",
    "merge_into",
    "governance_skipped",
    "evidence",
    "figures",
    "channel",
    "html_pages",
    "audited_pages",
    "duplicate_share",
    "scored_pages",
    "over_target_grade_share",
    "top_plain_language_rules",
    "hardest_pages",
    "blocked_by_robots",
    "fetch_errors",
    "queued",
    "robots_status",
    "missing_page_status",
];

/// Columns of the sites (table) listing.
pub const SITE_TABLE_COLUMNS: &[&str] = &[
    "site",
    "name",
    "pages",
    "html_pages",
    "broken_links",
    "duplicate_pages",
    "median_grade",
    "governance_failed",
    "recommendation",
    "merge_into",
    "blocked_by_robots",
    "fetch_errors",
    "queued",
];

/// Every inventory entry as a row.
pub fn site_rows(store: &Store) -> Result<Vec<Map<String, Value>>, store::Error> {
    let sites = super::sites::sites(store)?;
    Ok(sites.into_iter().map(|s| to_row(&s)).collect())
}
