//! The database schema, in prose, and the ordered list of migrations that builds it.
//!
//! Reads: nothing. Writes: nothing (the SQL lives in `migrations/NNNN_name.sql`, applied by
//! [`super::open`]). Never edit or reorder a shipped migration; add the next numbered file.
//!
//! # Tables
//! - `runs`: one row per crawl of an inventory. `status` is `running` until the frontier is empty;
//!   a re-run over a database whose latest run of that inventory is `running` continues it.
//!   `settings` is the crawl configuration as JSON.
//! - `sites`: one row per inventory entry, keyed by `origin` (`https://www.example.gov`, or
//!   `kb:channels/kb.csv` for other channels). Inventory columns are copied here (`topics` and
//!   `audiences` `;`-joined, unknown columns as a JSON object in `extra`) so reports need no file.
//!   `robots_*` keep the robots.txt as fetched (so a resumed crawl obeys the same rules without
//!   asking again); `seeded_run` marks the run whose start URL and sitemaps were already queued.
//! - `site_aliases`: other spellings of a site's origin (`http://` for `https://`, `www.` added or
//!   removed) that are the same site, as they are on the live web where one redirects to the other.
//! - `urls`: every URL govaudit has met, normalised (see `crawl::normalize`), and the crawl
//!   frontier. `site_id` is null for URLs outside the inventory. `state`: 0 seen, not to be fetched
//!   (`reason` says why: max-depth, no-external, not-http, trap…); 1 queued; 2 done (fetched, or
//!   given up with an error); 3 blocked by robots.txt (never requested). `depth` counts links from
//!   the start URL; `redirect_depth` counts redirects that led here, to stop over-long chains.
//!   `found_via`: `seed`, `sitemap`, `link`, `redirect`, or `probe` — the soft-404 probe, a random
//!   path each site is asked for once per run so audits can recognise its "not found" page; probe
//!   pages are left out of page listings and counts.
//! - `pages`: the outcome of fetching a URL in a run (site pages and external link checks alike):
//!   `status` (null when no response), `final_url` (the `Location` of a redirect), type, size,
//!   timing, validators, `body_hash` (XXH3-128 of the decoded body, hex), `title`, `error`.
//! - `bodies`: the HTML of fetched pages, decoded to UTF-8 and deflate-compressed, so audits can be
//!   recomputed without the network.
//! - `links`: every link on a fetched page in document order (`position`), to a `urls` row, with
//!   `kind` (a, area, frame, refresh, redirect), anchor text, `rel` and `#fragment`.
//! - `redirects`: each hop of a redirect answer, numbered from 1 (an external link check follows a
//!   chain inside one request; a site page's redirect is one hop whose target is queued as a URL).
//! - `findings` (0002): what the audits found in a run, recomputed by `govaudit audit`: `kind`
//!   (`broken_link`, `redirect_chain`, `broken_fragment`, …), `severity`, the `site` origin, the
//!   page `url` it is on, the link `target`, a `message` for people and the kind's other fields
//!   as a JSON object in `data`.
//! - `page_text` (0003): per fetched HTML page of the inventory's sites, what `govaudit audit`
//!   measured on its main content (template removed): `word_count` and `content_hash` (XXH3-128
//!   of the normalised words, hex: equal for pages the duplicate audit calls exact duplicates).
//!   Replaced as a whole by each audit. From 0004 also the readability counts and scores of the
//!   main content (block-aware: headings, list items and cells end sentences), `scored` (enough
//!   words for readability findings) and `over_target` (grade above the rules' target).
//! - `channel_docs` (0005): the text of each kb or publication entry, read from its file at crawl
//!   time (`format`: `csv`, `markdown`, `html`, `text`, or `pdf` with pages separated by form
//!   feeds; `body` deflate-compressed UTF-8), or the `error` that kept it from being read.
//! - (0006) `pages.hsts`: the Strict-Transport-Security header a page was served with;
//!   `sites.sitemap_*`: the site's sitemap as fetched when it was seeded (URL, status, URLs listed,
//!   error); `site_audit`: per site and audited run, the governance rule counts and the
//!   consolidation recommendation (`keep`, `fix`, `merge` with `merge_into`, `retire`), its
//!   `evidence` (sentences, JSON) and the `figures` it weighed (JSON).
//! - (0007) `page_text.not_a_page`: why a fetched `text/html` answer is not a page the
//!   page-level audits judge (JSON or XML served as HTML, a directory listing, a verification
//!   file, a redirect stub, an empty body, a "not found" page, the same page under another query
//!   string), null for a page; `urls.in_sitemap`: 1 when a sitemap of the site lists the URL.
//! - `page_audit` (0008): what the audit's page pass found on each page (`result`, compressed
//!   JSON), with what it depended on (`body_hash`, `program`, `context`) and the page's block
//!   `keys` before template removal: a re-audit reuses it when all of them are unchanged.
//!   Rows of pages no longer audited are deleted by the audit that drops them. `block_audit`
//!   (0008): each block of text several pages of a site share, as the audit checked it once for
//!   all of them; replaced as a whole by each audit.
//! - `page_text_staged` (0010): the `page_text` rows a running audit sent ahead (as
//!   `findings_staged` holds its findings), moved into `page_text` when the audit ends; emptied
//!   when an audit starts, so a killed audit leaves nothing behind that counts.
//! - (0011) `page_audit` made anew (its rows dropped: an earlier build's are never reused), its
//!   columns in the order a re-audit reads them, the passage hashes last: `head` is what a
//!   re-audit reads before the site's template is known (whether the answer is a page, its
//!   governance signals; JSON), `result` the rest (the measurement, compressed JSON), `sample` a
//!   compared page's sampled passage hashes (raw, as `passages`, out of `result`).
//! - (0012) `links_refresh`: the meta refreshes among the links (a partial index), so that the
//!   links audit finds a page's refresh without walking all of its links.
//! - `fetch_errors`: every failed attempt (timeouts, resets, 429s, cut bodies), kept even when a
//!   retry later succeeded.

use rusqlite_migration::{Migrations, M};

/// The SQL of each migration, oldest first: the schema version is their count.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_findings.sql"),
    include_str!("migrations/0003_page_text.sql"),
    include_str!("migrations/0004_readability.sql"),
    include_str!("migrations/0005_channel_docs.sql"),
    include_str!("migrations/0006_governance.sql"),
    include_str!("migrations/0007_pages_and_sitemaps.sql"),
    include_str!("migrations/0008_page_audit.sql"),
    include_str!("migrations/0009_page_passages.sql"),
    include_str!("migrations/0010_page_text_staged.sql"),
    include_str!("migrations/0011_page_audit_head.sql"),
    include_str!("migrations/0012_links_refresh.sql"),
];

/// The migrations, oldest first. Their count is the schema version (`PRAGMA user_version`).
pub fn migrations() -> Migrations<'static> {
    Migrations::new(MIGRATIONS.iter().map(|sql| M::up(sql)).collect())
}

/// The schema version this build writes.
pub fn current_version() -> usize {
    MIGRATIONS.len()
}

/// URL states in the `urls` table.
pub mod url_state {
    /// Seen, not to be fetched (the row's `reason` says why).
    pub const SEEN: i64 = 0;
    /// Waiting in the frontier.
    pub const QUEUED: i64 = 1;
    /// Fetched (or given up) in the current run.
    pub const DONE: i64 = 2;
    /// Disallowed by robots.txt: never requested.
    pub const BLOCKED: i64 = 3;
}

/// How the crawl found a URL: the `urls.found_via` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FoundVia {
    /// The inventory's start URL.
    Seed,
    /// Listed in the site's sitemap.
    Sitemap,
    /// A link on a fetched page.
    Link,
    /// The target of a redirect.
    Redirect,
    /// The made-up address that shows how the site answers a missing page.
    Probe,
}

impl FoundVia {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            FoundVia::Seed => "seed",
            FoundVia::Sitemap => "sitemap",
            FoundVia::Link => "link",
            FoundVia::Redirect => "redirect",
            FoundVia::Probe => "probe",
        }
    }
}

impl rusqlite::types::ToSql for FoundVia {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(self.as_str().into())
    }
}

/// A [`url_state`] as an SQL literal, for statements written with `concat!` (so the numbers are
/// written in one place and the statements stay `&'static str` for the statement cache).
macro_rules! url_state_sql {
    (SEEN) => {
        "0"
    };
    (QUEUED) => {
        "1"
    };
    (DONE) => {
        "2"
    };
    (BLOCKED) => {
        "3"
    };
}
pub(crate) use url_state_sql;

/// SQL true when the audit of run `?1` has finished: the first audit of a run writes its
/// findings into `findings` as it goes (not through `findings_staged`), so until it ends the
/// rows there are a part of them, which readers must not take for the whole.
macro_rules! audited_sql {
    ("?1") => {
        "EXISTS (SELECT 1 FROM runs WHERE id = ?1 AND audited_at IS NOT NULL)"
    };
}
pub(crate) use audited_sql;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_state_literals_are_the_states() {
        assert_eq!(url_state_sql!(SEEN), url_state::SEEN.to_string());
        assert_eq!(url_state_sql!(QUEUED), url_state::QUEUED.to_string());
        assert_eq!(url_state_sql!(DONE), url_state::DONE.to_string());
        assert_eq!(url_state_sql!(BLOCKED), url_state::BLOCKED.to_string());
    }

    #[test]
    fn migrations_are_valid() {
        migrations().validate().expect("migrations validate");
        // Every file in migrations/ is applied, in the order of its number.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/store/migrations");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .expect("migrations folder")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        files.sort();
        assert_eq!(files.len(), current_version());
        for (i, f) in files.iter().enumerate() {
            assert!(f.starts_with(&format!("{:04}_", i + 1)), "{f}");
            assert_eq!(
                MIGRATIONS[i],
                std::fs::read_to_string(
                    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                        .join("src/store/migrations")
                        .join(f)
                )
                .expect("migration file")
            );
        }
    }
}
