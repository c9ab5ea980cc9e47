//! The SQLite store: opening and migrating the database, and every typed read query.
//!
//! Reads and writes: the database file (`govaudit.db` by default). All writes go through the single
//! [`Writer`] thread; this module only reads once the database is open. No SQL string appears outside
//! `store/`.
//!
//! Design:
//! - [`Store::open`] sets the pragmas (WAL, foreign keys, busy timeout) outside migrations, refuses a
//!   database written by a newer govaudit, and applies [`schema::migrations`] in one transaction.
//! - [`Writer`] (in `writer.rs`) owns the only write connection and commits [`WriteOp`]s in batches.
//! - Reads are plain functions returning row structs (`PageRow`, `SiteRow`, `Queued`).

pub mod schema;
mod site_audit;
mod writer;

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::model::FindingKind;
use rusqlite::{params, Connection, OptionalExtension};
use schema::{audited_sql, url_state_sql};
use serde::Serialize;

pub use site_audit::{
    day_text, Day, EarlierRun, Fetch, ServerDates, SiteAudit, SiteFiles, WebSite,
};
pub use writer::{
    compress, day_of, decompress, now_rfc3339, this_year, today, Discovery, FetchRecord, HopRecord,
    KeptPage, LinkRecord, PageText, Prepared, PreparedSite, SiteInput, WriteOp, Writer,
};

/// Why the database could not be used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// SQLite refused an operation.
    #[error("database {path}: {source}")]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// The SQLite error.
        #[source]
        source: rusqlite::Error,
    },
    /// Applying the schema migrations failed.
    #[error("database {path}: cannot update the schema: {source}")]
    Migration {
        /// The database file.
        path: PathBuf,
        /// The migration error.
        #[source]
        source: rusqlite_migration::Error,
    },
    /// The database was written by a newer govaudit.
    #[error("database {path} has schema version {found}, newer than this govaudit understands ({supported}); upgrade govaudit or use another --db")]
    NewerSchema {
        /// The database file.
        path: PathBuf,
        /// The version found.
        found: usize,
        /// The newest version this build knows.
        supported: usize,
    },
    /// The file is an SQLite database of another program.
    #[error("{path} is not a govaudit database (it holds another program's tables); pass a new file to --db")]
    NotOurs {
        /// The database file.
        path: PathBuf,
    },
    /// The file is damaged or not a database at all.
    #[error("database {path} is damaged or not a database ({source}); keep a copy, and crawl into a new file with --db")]
    Damaged {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },
    /// Another govaudit is crawling or auditing this database.
    #[error("another govaudit is crawling or auditing {path}; wait for it to finish, or use another --db")]
    Busy {
        /// The database file.
        path: PathBuf,
    },
    /// The database is older than this govaudit and cannot be upgraded read-only.
    #[error("database {path} was written by an older govaudit; run `govaudit audit --db {path}` once to upgrade it")]
    OlderSchema {
        /// The database file.
        path: PathBuf,
    },
    /// The writer thread stopped (after an error it reported, or a panic).
    #[error("database {path}: the writer stopped: {message}")]
    WriterGone {
        /// The database file.
        path: PathBuf,
        /// What is known about why.
        message: String,
    },
}

/// An open govaudit database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// A URL waiting in the frontier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    /// Row id in `urls`.
    pub id: i64,
    /// The normalised URL.
    pub url: String,
    /// Links from the start URL.
    pub depth: u32,
    /// Redirects that led here.
    pub redirect_depth: u32,
}

/// What the report's list of pages to fix reads of one finding ([`Store::each_finding_by_page`]).
#[derive(Debug, Clone)]
pub struct PageFinding {
    /// The page (or channel row) the finding is on.
    pub url: String,
    /// Its site.
    pub site: String,
    /// The kind.
    pub kind: FindingKind,
    /// The severity.
    pub severity: crate::model::Severity,
    /// The rule it breaks, when it names one.
    pub rule: Option<String>,
}

/// Findings of one kind that share a target, as `govaudit findings --format table` shows them:
/// a broken address linked from 300 pages is one fix ([`Store::each_finding_group`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingGroup {
    /// Pages with the finding (a group finding's members).
    pub pages: i64,
    /// The kind.
    pub kind: String,
    /// The first finding's severity.
    pub severity: String,
    /// What the findings share: their target, else their page; a group finding's other members.
    pub target: String,
    /// The first finding's page.
    pub example_page: String,
    /// The first finding's message.
    pub message: String,
}

/// One fetched page, as the `pages` command prints it.
#[derive(Debug, Clone, Serialize)]
pub struct PageRow {
    /// The public URL.
    pub url: String,
    /// The site's origin.
    pub site: String,
    /// HTTP status, or null when no response came.
    pub status: Option<i64>,
    /// The `Content-Type` without parameters.
    pub content_type: Option<String>,
    /// The `<title>`.
    pub title: Option<String>,
    /// Body size in bytes (as received, after decompression).
    pub size: Option<i64>,
    /// Where a redirect pointed.
    pub final_url: Option<String>,
    /// Words of main content, template removed, as textstat counts them (null before
    /// `govaudit audit`).
    pub word_count: Option<i64>,
    /// Flesch Reading Ease of the main content.
    pub flesch_reading_ease: Option<f64>,
    /// Flesch-Kincaid Grade.
    pub flesch_kincaid_grade: Option<f64>,
    /// Gunning Fog index.
    pub gunning_fog: Option<f64>,
    /// SMOG index.
    pub smog_index: Option<f64>,
    /// Coleman-Liau index.
    pub coleman_liau_index: Option<f64>,
    /// Automated Readability Index.
    pub automated_readability_index: Option<f64>,
    /// Dale-Chall score.
    pub dale_chall: Option<f64>,
    /// Sentences of main content.
    pub sentence_count: Option<i64>,
    /// Syllables of main content.
    pub syllable_count: Option<i64>,
    /// XXH3-128 of the main content's normalised words (hex; null before `govaudit audit`):
    /// pages with equal hashes are exact duplicates.
    pub content_hash: Option<String>,
    /// XXH3-128 of the whole decoded body (hex): changes with any byte of the page.
    pub body_hash: Option<String>,
    /// The last error, if the fetch failed or the body was cut.
    pub error: Option<String>,
    /// Fetch time in milliseconds.
    pub fetch_ms: i64,
    /// Why page-level audits (governance elements, readability, plain language, duplicates,
    /// answers) left this `text/html` answer out: JSON or XML served as HTML, a directory
    /// listing, a verification file, a redirect stub, an empty body, a "not found" page, or the
    /// same page under another query string. Null for pages they judged (and before `audit`).
    pub skipped: Option<String>,
}

/// A link as the links audit reads it: borrowed from the row being read, since an agency has
/// millions of links and the audit keeps only the few that make findings.
#[derive(Debug, Clone, Copy)]
pub struct AuditLink<'a> {
    /// The page the link is on.
    pub page: &'a str,
    /// That page's `urls` id.
    pub page_id: i64,
    /// That page's site origin.
    pub site: &'a str,
    /// The target's `urls` id.
    pub target_id: i64,
    /// The `#fragment`, without `#`.
    pub fragment: Option<&'a str>,
}

/// A URL and what fetching it found, as the links audit reads it: a few dozen bytes, so that every
/// URL of a million-page agency fits in memory at once. The address and title stay in the store;
/// what the audit asks of them is decided as the row is read ([`AuditTarget::TITLE_NOT_FOUND`]…),
/// and the address is read back by id ([`Store::url_of`]) when a finding names it.
#[derive(Debug, Clone)]
pub struct AuditTarget {
    /// Row id.
    pub id: i64,
    /// Its site, or None outside the inventory.
    pub site_id: Option<i64>,
    /// Status in the run, if fetched and answered.
    pub status: Option<u16>,
    /// Redirect hops stored for it.
    pub hops: u32,
    /// Where it sends the reader when [`AuditTarget::MOVES`] is set (a redirect's `Location`,
    /// or a 200 page's `<meta http-equiv="refresh">`): that URL's id, or None when the crawl
    /// did not store that URL.
    pub moved_to: Option<i64>,
    /// A hash of its `<title>` (to compare titles without holding them).
    pub title_hash: Option<u64>,
    /// Error in the run.
    pub error: Option<Box<str>>,
    /// [`AuditTarget::MOVES`] and the other flags.
    pub flags: u8,
}

impl AuditTarget {
    /// A redirect with a `Location`, or a 200 page whose meta refresh sends the reader on.
    pub const MOVES: u8 = 1;
    /// The frontier state is `blocked` (robots.txt disallows it).
    pub const BLOCKED: u8 = 2;
    /// Its media type is `text/html`.
    pub const HTML: u8 = 4;
    /// It is a site's soft-404 probe (a path that does not exist).
    pub const PROBE: u8 = 8;
    /// A sitemap of its site lists it.
    pub const IN_SITEMAP: u8 = 16;
    /// Its title says the page was not found (see `audit::links::title_says_not_found`).
    pub const TITLE_NOT_FOUND: u8 = 32;
    /// Its path names a "not found" page (`/404.html`, `/page-not-found/`, `/error`).
    pub const PATH_NOT_FOUND: u8 = 64;

    /// Whether a flag is set.
    pub fn is(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }
}

/// A hash of a page title (see [`AuditTarget::title_hash`]).
pub fn title_hash(title: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(title.as_bytes())
}

/// An HTML page of an inventory site that answered 200 in a run: what content audits read.
#[derive(Debug, Clone)]
pub struct ContentPage {
    /// The page's `urls` id.
    pub url_id: i64,
    /// The public URL (shared with what the audit keeps of the page).
    pub url: Arc<str>,
    /// Its site's origin (one string for all the site's pages: a million pages list it a
    /// million times).
    pub site: Arc<str>,
    /// XXH3-128 of the whole decoded body (hex).
    pub body_hash: Option<String>,
}

/// The text of a kb or publication entry, as read at crawl time.
#[derive(Debug, Clone)]
pub struct ChannelDoc {
    /// The entry's origin (`kb:channels/kb.csv`).
    pub site: String,
    /// `kb` or `publication`.
    pub channel: String,
    /// The path as written in the inventory.
    pub path: String,
    /// `csv`, `markdown`, `html`, `text` or `pdf`.
    pub format: String,
    /// The text (PDF pages separated by form feeds), if it could be read.
    pub text: Option<String>,
    /// Why it could not be read.
    pub error: Option<String>,
}

/// A site's names as the inventory gives them ([`Store::site_names`]).
#[derive(Debug, Clone)]
pub struct SiteName {
    /// The origin.
    pub site: String,
    /// Display name from the inventory.
    pub name: Option<String>,
    /// Agency.
    pub agency: Option<String>,
    /// Office or bureau.
    pub office: Option<String>,
    /// `web`, `kb` or `publication`.
    pub channel: String,
}

/// Crawl figures for one site, as the `sites` command prints them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SiteRow {
    /// The origin.
    pub site: String,
    /// Display name from the inventory.
    pub name: Option<String>,
    /// Agency.
    pub agency: Option<String>,
    /// Office or bureau.
    pub office: Option<String>,
    /// `web`, `kb` or `publication`.
    pub channel: String,
    /// Pages fetched (any status).
    pub pages: i64,
    /// HTML pages with status 200.
    pub html_pages: i64,
    /// Pages the page-level audits judged: `html_pages` less what is not a page (JSON or XML
    /// served as HTML, directory listings, redirect stubs, empty bodies, "not found" pages) and
    /// the same page under other query strings, each page once (null before `govaudit audit`).
    pub audited_pages: Option<i64>,
    /// Distinct broken link targets on this site's pages (from the links audit; null before
    /// `govaudit audit` has run on the newest crawl).
    pub broken_links: Option<i64>,
    /// This site's pages whose main content is also on another of the inventory's sites, exactly
    /// or nearly (from the duplicate audit; null before `govaudit audit`).
    pub duplicate_pages: Option<i64>,
    /// `duplicate_pages` as a share of `audited_pages` (0..1, 3 decimals).
    pub duplicate_share: Option<f64>,
    /// Median Flesch-Kincaid grade of the site's pages with enough words to score (null before
    /// `govaudit audit` or without such pages).
    pub median_grade: Option<f64>,
    /// Pages with enough words to score.
    pub scored_pages: Option<i64>,
    /// Share of scored pages above the target grade of `rules/readability.toml` (0..1).
    pub over_target_grade_share: Option<f64>,
    /// Inconsistent answers that involve the site's pages or channel rows (null before audit).
    pub inconsistent_answers: Option<i64>,
    /// Plain-language findings on the site's pages (one per rule per page; null before audit).
    pub plain_language_findings: Option<i64>,
    /// The plain-language rules that fire on most of the site's pages, most first (up to 5):
    /// `{rule, pages}`.
    pub top_plain_language_rules: Option<serde_json::Value>,
    /// The hardest pages to read (highest Flesch-Kincaid grade first, up to 5): `{url, grade}`.
    pub hardest_pages: Option<serde_json::Value>,
    /// URLs disallowed by robots.txt.
    pub blocked_by_robots: i64,
    /// Pages whose fetch failed without any response.
    pub fetch_errors: i64,
    /// URLs still queued (an interrupted or page-capped crawl).
    pub queued: i64,
    /// The robots.txt status code, if it was fetched.
    pub robots_status: Option<i64>,
    /// What the site answered for a page that does not exist (the soft-404 probe): 404 is right;
    /// 200 means it serves "not found" pages as normal pages.
    pub missing_page_status: Option<i64>,
    /// Governance rules passed (null until audited; web sites only).
    pub governance_passed: Option<i64>,
    /// Governance rules failed.
    pub governance_failed: Option<i64>,
    /// Governance rules that could not be observed (HSTS through `--map`).
    pub governance_skipped: Option<i64>,
    /// `keep`, `fix`, `merge` or `retire`.
    pub recommendation: Option<String>,
    /// The origin to merge into (with `merge`).
    pub merge_into: Option<String>,
    /// The reasons for the recommendation, in sentences.
    pub evidence: Option<Vec<String>>,
    /// The figures the recommendation weighed (overlap per site, traffic, staleness, …).
    pub figures: Option<serde_json::Value>,
    /// The inventory row as written: `[header, value]` pairs in file order.
    #[serde(skip_serializing)]
    pub inventory_row: Vec<(String, String)>,
    /// The inventory's start URL.
    pub start_url: Option<String>,
}

/// A page with enough words to score, as [`Store::scored_pages`] reads it.
#[derive(Debug, Clone)]
pub struct ScoredPage {
    /// The site's origin.
    pub site: String,
    /// The page.
    pub url: String,
    /// Its Flesch-Kincaid grade.
    pub grade: f64,
    /// Whether the grade is over the target grade of the rules the audit ran with.
    pub over_target: bool,
}

/// Overall crawl figures for a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunTotals {
    /// Site pages fetched.
    pub pages: i64,
    /// External URLs checked.
    pub external_checked: i64,
    /// URLs left in the frontier.
    pub queued: i64,
    /// URLs blocked by robots.txt.
    pub blocked: i64,
    /// Pages and checks that ended without a response.
    pub errors: i64,
    /// Links stored.
    pub links: i64,
}

/// Finding kinds are stored as they are spelled in outputs (`broken_link`).
impl rusqlite::types::ToSql for FindingKind {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(self.as_str().into())
    }
}

impl rusqlite::types::FromSql for FindingKind {
    fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        let text = value.as_str()?;
        FindingKind::parse(text).ok_or_else(|| {
            rusqlite::types::FromSqlError::Other(format!("unknown finding kind {text:?}").into())
        })
    }
}

impl Store {
    /// Opens (creating if needed) and migrates the database at `path`.
    pub fn open(path: &Path) -> Result<Store, Error> {
        let sqlite = |source| damaged_or(path, source);
        // Checked before anything is written: another program's file is left as it was.
        let mut conn = Connection::open(path).map_err(sqlite)?;
        check_ours(&conn, path)?;
        configure(&conn).map_err(sqlite)?;
        migrate(&mut conn, path)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Opens an existing database for reading only (the listing commands): a read-only file or
    /// folder is fine, nothing is created, migrated or switched to WAL.
    pub fn open_read_only(path: &Path) -> Result<Store, Error> {
        match Store::open_reading(path, false) {
            // A WAL database in a folder we cannot write (SQLite wants its `-shm` file there):
            // read it as the unchanging file it is.
            Err(Error::Sqlite { source, .. })
                if source.sqlite_error_code() == Some(rusqlite::ErrorCode::CannotOpen) =>
            {
                Store::open_reading(path, true)
            }
            other => other,
        }
    }

    /// Runs `f` on one snapshot of the database: every read inside sees the same committed
    /// state, even if an `audit` commits new findings meanwhile (WAL readers keep their
    /// snapshot until the transaction ends). For readers that read the same run several times,
    /// such as the report.
    pub fn snapshot<T, E: From<Error>>(&self, f: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
        self.conn
            .execute_batch("BEGIN DEFERRED")
            .map_err(|e| self.err(e))?;
        let result = f();
        // Nothing was written: ending the transaction either way releases the snapshot.
        let end = self
            .conn
            .execute_batch(if result.is_ok() { "COMMIT" } else { "ROLLBACK" });
        match (result, end) {
            (Ok(v), Ok(())) => Ok(v),
            (Ok(_), Err(e)) => Err(self.err(e).into()),
            (Err(e), _) => Err(e),
        }
    }

    fn open_reading(path: &Path, immutable: bool) -> Result<Store, Error> {
        use rusqlite::OpenFlags;
        let sqlite = |source| damaged_or(path, source);
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = if immutable {
            // A URI, so `?`, `#` and `%` in the file name are escaped.
            let name = path
                .to_string_lossy()
                .replace('%', "%25")
                .replace('?', "%3f")
                .replace('#', "%23");
            Connection::open_with_flags(
                format!("file:{name}?immutable=1"),
                flags | OpenFlags::SQLITE_OPEN_URI,
            )
        } else {
            Connection::open_with_flags(path, flags)
        }
        .map_err(sqlite)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(sqlite)?;
        let found = check_ours(&conn, path)?;
        if found < schema::current_version() {
            return Err(Error::OlderSchema {
                path: path.to_path_buf(),
            });
        }
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Takes the database for a crawl or an audit: one at a time, since two writers would
    /// re-fetch the same pages and collide on them. The lock (on `DB.lock`, beside the database)
    /// lasts as long as the returned file is open, and goes with the process however it ends.
    pub fn lock_for_writing(&self) -> Result<std::fs::File, Error> {
        let mut name = self.path.clone().into_os_string();
        name.push(".lock");
        let io = |e: std::io::Error| Error::Sqlite {
            path: self.path.clone(),
            source: rusqlite::Error::ToSqlConversionFailure(Box::new(e)),
        };
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&name)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => Ok(file),
            Err(std::fs::TryLockError::WouldBlock) => Err(Error::Busy {
                path: self.path.clone(),
            }),
            Err(std::fs::TryLockError::Error(e)) => Err(io(e)),
        }
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Starts the single writer on its own connection and thread.
    pub fn writer(&self) -> Result<Writer, Error> {
        let conn = open_connection(&self.path).map_err(|e| self.err(e))?;
        Ok(Writer::spawn(conn, self.path.clone()))
    }

    fn err(&self, source: rusqlite::Error) -> Error {
        Error::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    /// Up to `limit` queued URLs of a site (or of no site: external checks), shallowest first,
    /// skipping the ids in `skip` (already claimed and not yet committed as done).
    pub fn claim(
        &self,
        site_id: Option<i64>,
        limit: usize,
        skip: &dyn Fn(i64) -> bool,
    ) -> Result<Vec<Queued>, Error> {
        let sql = if site_id.is_some() {
            concat!(
                "SELECT id, url, depth, redirect_depth FROM urls WHERE site_id = ?1 AND state = ",
                url_state_sql!(QUEUED),
                " ORDER BY depth, id LIMIT ?2"
            )
        } else {
            concat!("SELECT id, url, depth, redirect_depth FROM urls WHERE site_id IS NULL AND state = ", url_state_sql!(QUEUED), " ORDER BY depth, id LIMIT ?2")
        };
        let mut out = Vec::new();
        let mut offset_limit = limit;
        // Claimed rows stay `queued` until the writer commits them as done, so ask for enough rows
        // to see past them; the number of claimed rows is bounded by the crawl's concurrency.
        loop {
            let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.err(e))?;
            let rows = stmt
                .query_map(params![site_id.unwrap_or(0), offset_limit as i64], |r| {
                    Ok(Queued {
                        id: r.get(0)?,
                        url: r.get(1)?,
                        depth: r.get::<_, i64>(2)? as u32,
                        redirect_depth: r.get::<_, i64>(3)? as u32,
                    })
                })
                .map_err(|e| self.err(e))?;
            let mut n = 0;
            out.clear();
            for row in rows {
                let row = row.map_err(|e| self.err(e))?;
                n += 1;
                if !skip(row.id) {
                    out.push(row);
                    if out.len() == limit {
                        break;
                    }
                }
            }
            if out.len() == limit || n < offset_limit {
                return Ok(out);
            }
            offset_limit *= 2;
        }
    }

    /// Pages already fetched for a site in a run (to respect `--max-pages-per-site` on resume).
    pub fn pages_done(&self, site_id: i64, run_id: i64) -> Result<u64, Error> {
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM pages p JOIN urls u ON u.id = p.url_id WHERE u.site_id = ?1 AND p.run_id = ?2",
                params![site_id, run_id],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .map_err(|e| self.err(e))
    }

    /// Number of URLs waiting in the frontier for these sites, plus queued external link checks.
    pub fn queued_count(&self, site_ids: &[i64]) -> Result<u64, Error> {
        let ids: Vec<String> = site_ids.iter().map(i64::to_string).collect();
        self.conn
            .query_row(
                &format!(
                    concat!(
                        "SELECT COUNT(*) FROM urls WHERE state = ",
                        url_state_sql!(QUEUED),
                        " AND (site_id IS NULL OR site_id IN ({}))"
                    ),
                    ids.join(",")
                ),
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .map_err(|e| self.err(e))
    }

    /// Whether a run's crawl finished (not killed or stopped part-way).
    pub fn run_finished(&self, run_id: i64) -> Result<bool, Error> {
        self.conn
            .query_row(
                "SELECT status = 'finished' FROM runs WHERE id = ?1",
                [run_id],
                |r| r.get(0),
            )
            .optional()
            .map(|f| f.unwrap_or(false))
            .map_err(|e| self.err(e))
    }

    /// The newest run, if any: (id, inventory, status).
    pub fn latest_run(&self) -> Result<Option<(i64, String, String)>, Error> {
        self.conn
            .query_row(
                "SELECT id, inventory, status FROM runs ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Totals for a run.
    pub fn run_totals(&self, run_id: i64) -> Result<RunTotals, Error> {
        self.conn
            .query_row(
                concat!("SELECT
                   (SELECT COUNT(*) FROM pages p JOIN urls u ON u.id = p.url_id WHERE p.run_id = ?1 AND u.site_id IS NOT NULL AND u.found_via <> 'probe'),
                   (SELECT COUNT(*) FROM pages p JOIN urls u ON u.id = p.url_id WHERE p.run_id = ?1 AND u.site_id IS NULL),
                   (SELECT COUNT(*) FROM urls WHERE state = ", url_state_sql!(QUEUED), "),
                   (SELECT COUNT(*) FROM urls WHERE state = ", url_state_sql!(BLOCKED), "),
                   (SELECT COUNT(*) FROM pages WHERE run_id = ?1 AND status IS NULL),
                   (SELECT COUNT(*) FROM links l JOIN pages p ON p.url_id = l.from_id WHERE p.run_id = ?1)"),
                params![run_id],
                |r| {
                    Ok(RunTotals {
                        pages: r.get(0)?,
                        external_checked: r.get(1)?,
                        queued: r.get(2)?,
                        blocked: r.get(3)?,
                        errors: r.get(4)?,
                        links: r.get(5)?,
                    })
                },
            )
            .map_err(|e| self.err(e))
    }

    /// Fetched pages of the inventory's sites (latest run of each page), optionally of one site
    /// (`site` is an origin or a host name), sorted by site then URL, one at a time as the rows
    /// are read.
    /// `f` returns [`ControlFlow::Break`] to stop reading (a closed output pipe).
    pub fn each_page(
        &self,
        site: Option<&str>,
        f: &mut dyn FnMut(PageRow) -> ControlFlow<()>,
    ) -> Result<(), Error> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT u.url, s.origin, p.status, p.content_type, p.title, p.size, p.final_url,
                        p.body_hash, p.error, p.fetch_ms, t.word_count, t.content_hash,
                        t.flesch_reading_ease, t.flesch_kincaid_grade, t.gunning_fog, t.smog_index,
                        t.coleman_liau_index, t.automated_readability_index, t.dale_chall,
                        t.sentence_count, t.syllable_count, t.not_a_page
                 FROM pages p JOIN urls u ON u.id = p.url_id JOIN sites s ON s.id = u.site_id
                 LEFT JOIN page_text t ON t.url_id = p.url_id AND t.run_id = p.run_id
                 WHERE u.found_via <> 'probe'
                   AND (?1 IS NULL OR s.origin = ?1 OR s.origin = 'https://' || ?1 OR s.origin = 'http://' || ?1)
                 ORDER BY s.origin, u.url",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![site], |r| {
                Ok(PageRow {
                    url: r.get(0)?,
                    site: r.get(1)?,
                    status: r.get(2)?,
                    content_type: r.get(3)?,
                    title: r.get(4)?,
                    size: r.get(5)?,
                    final_url: r.get(6)?,
                    body_hash: r.get(7)?,
                    error: r.get(8)?,
                    fetch_ms: r.get(9)?,
                    word_count: r.get(10)?,
                    content_hash: r.get(11)?,
                    flesch_reading_ease: r.get(12)?,
                    flesch_kincaid_grade: r.get(13)?,
                    gunning_fog: r.get(14)?,
                    smog_index: r.get(15)?,
                    coleman_liau_index: r.get(16)?,
                    automated_readability_index: r.get(17)?,
                    dale_chall: r.get(18)?,
                    sentence_count: r.get(19)?,
                    syllable_count: r.get(20)?,
                    skipped: r.get(21)?,
                })
            })
            .map_err(|e| self.err(e))?;
        for row in rows {
            if f(row.map_err(|e| self.err(e))?).is_break() {
                break;
            }
        }
        Ok(())
    }

    /// The inventory's sites with their crawl counts, in inventory order. The figures computed
    /// from the audit's results (medians, shares, top rules, recommendation) are left empty:
    /// [`crate::report::sites`] fills them.
    pub fn sites(&self) -> Result<Vec<SiteRow>, Error> {
        let mut stmt = self
            .conn
            .prepare(
                concat!("SELECT s.origin, s.name, s.agency, s.office, s.channel,
                   (SELECT COUNT(*) FROM pages p JOIN urls u ON u.id = p.url_id
                        WHERE u.site_id = s.id AND u.found_via <> 'probe'),
                   (SELECT COUNT(*) FROM pages p JOIN urls u ON u.id = p.url_id WHERE u.site_id = s.id
                        AND u.found_via <> 'probe' AND p.status = 200 AND p.content_type = 'text/html'),
                   CASE WHEN (SELECT audited_at FROM runs ORDER BY id DESC LIMIT 1) IS NULL THEN NULL
                        ELSE (SELECT COUNT(DISTINCT f.target) FROM findings f
                              WHERE f.site = s.origin AND f.kind = ?1
                                AND f.run_id = (SELECT MAX(id) FROM runs)) END,
                   CASE WHEN (SELECT audited_at FROM runs ORDER BY id DESC LIMIT 1) IS NULL THEN NULL
                        ELSE (SELECT COUNT(DISTINCT j.value)
                              FROM findings f, json_each(f.data, '$.urls') j
                              WHERE f.run_id = (SELECT MAX(id) FROM runs)
                                AND f.kind IN (?2, ?3)
                                AND json_array_length(f.data, '$.sites') > 1
                                AND substr(j.value, 1, length(s.origin) + 1) = s.origin || '/') END,
                   (SELECT COUNT(*) FROM urls u WHERE u.site_id = s.id AND u.state = ", url_state_sql!(BLOCKED), "),
                   (SELECT COUNT(*) FROM pages p JOIN urls u ON u.id = p.url_id WHERE u.site_id = s.id AND p.status IS NULL),
                   (SELECT COUNT(*) FROM urls u WHERE u.site_id = s.id AND u.state = ", url_state_sql!(QUEUED), "),
                   s.robots_status,
                   (SELECT p.status FROM pages p JOIN urls u ON u.id = p.url_id
                        WHERE u.site_id = s.id AND u.found_via = 'probe' ORDER BY p.fetched_at DESC LIMIT 1),
                   s.inventory_row, s.start_url,
                   CASE WHEN (SELECT audited_at FROM runs ORDER BY id DESC LIMIT 1) IS NULL THEN NULL
                        ELSE (SELECT COUNT(*) FROM page_text t JOIN urls u ON u.id = t.url_id
                              WHERE u.site_id = s.id AND t.not_a_page IS NULL
                                AND t.run_id = (SELECT MAX(id) FROM runs)) END
                 FROM sites s ORDER BY s.inventory_line, s.id"),
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(
                params![
                    FindingKind::BrokenLink,
                    FindingKind::Duplicate,
                    FindingKind::NearDuplicate
                ],
                |r| {
                    Ok(SiteRow {
                        site: r.get(0)?,
                        name: r.get(1)?,
                        agency: r.get(2)?,
                        office: r.get(3)?,
                        channel: r.get(4)?,
                        pages: r.get(5)?,
                        html_pages: r.get(6)?,
                        broken_links: r.get(7)?,
                        duplicate_pages: r.get(8)?,
                        duplicate_share: None,
                        median_grade: None,
                        scored_pages: None,
                        over_target_grade_share: None,
                        inconsistent_answers: None,
                        plain_language_findings: None,
                        top_plain_language_rules: None,
                        hardest_pages: None,
                        blocked_by_robots: r.get(9)?,
                        fetch_errors: r.get(10)?,
                        queued: r.get(11)?,
                        robots_status: r.get(12)?,
                        missing_page_status: r.get(13)?,
                        governance_passed: None,
                        governance_failed: None,
                        governance_skipped: None,
                        recommendation: None,
                        merge_into: None,
                        evidence: None,
                        figures: None,
                        inventory_row: r
                            .get::<_, Option<String>>(14)?
                            .and_then(|e| serde_json::from_str(&e).ok())
                            .unwrap_or_default(),
                        start_url: r.get(15)?,
                        audited_pages: r.get(16)?,
                    })
                },
            )
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Plain-language findings of the newest run per site and rule: (site, rule, findings),
    /// by site, then most findings first, then rule.
    pub fn plain_language_counts(&self) -> Result<Vec<(String, String, i64)>, Error> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT f.site, json_extract(f.data, '$.rule'), COUNT(*)
                 FROM findings f WHERE f.run_id = (SELECT MAX(id) FROM runs) AND f.kind = ?1
                   AND (SELECT audited_at FROM runs ORDER BY id DESC LIMIT 1) IS NOT NULL
                 GROUP BY f.site, json_extract(f.data, '$.rule')
                 ORDER BY f.site, COUNT(*) DESC, json_extract(f.data, '$.rule')",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![FindingKind::PlainLanguage], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// The pages of the newest run with enough words to score, by site, hardest first (then by
    /// address), one at a time as the rows are read.
    pub fn each_scored_page(&self, f: &mut dyn FnMut(ScoredPage)) -> Result<(), Error> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT s.origin, u.url, t.flesch_kincaid_grade, t.over_target
                 FROM page_text t JOIN pages p ON p.url_id = t.url_id AND p.run_id = t.run_id
                 JOIN urls u ON u.id = t.url_id JOIN sites s ON s.id = u.site_id
                 WHERE t.scored = 1 AND t.flesch_kincaid_grade IS NOT NULL
                   AND t.run_id = (SELECT MAX(id) FROM runs)
                 ORDER BY s.origin, t.flesch_kincaid_grade DESC, u.url",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(ScoredPage {
                    site: r.get(0)?,
                    url: r.get(1)?,
                    grade: r.get(2)?,
                    over_target: r.get(3)?,
                })
            })
            .map_err(|e| self.err(e))?;
        for row in rows {
            f(row.map_err(|e| self.err(e))?);
        }
        Ok(())
    }

    /// The members (`urls`) of each inconsistent answer of the newest run.
    pub fn inconsistent_answer_members(&self) -> Result<Vec<Vec<String>>, Error> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT f.data FROM findings f
                 WHERE f.run_id = (SELECT MAX(id) FROM runs) AND f.kind = ?1
                   AND (SELECT audited_at FROM runs ORDER BY id DESC LIMIT 1) IS NOT NULL
                 ORDER BY f.site, f.url, f.target, f.id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![FindingKind::InconsistentAnswer], |r| {
                r.get::<_, String>(0)
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for data in rows {
            let data = data.map_err(|e| self.err(e))?;
            out.push(
                serde_json::from_str::<serde_json::Value>(&data)
                    .ok()
                    .and_then(|v| v.get("urls").cloned())
                    .and_then(|u| serde_json::from_value::<Vec<String>>(u).ok())
                    .unwrap_or_default(),
            );
        }
        Ok(out)
    }

    /// The inventory's names of each site (origin, name, agency, office, channel), without the
    /// counts [`Store::sites`] works out: what the audit needs to recognise an organisation's
    /// own names, read in milliseconds where those counts take seconds at 100,000 pages.
    pub fn site_names(&self) -> Result<Vec<SiteName>, Error> {
        let mut stmt = self
            .conn
            .prepare("SELECT origin, name, agency, office, channel FROM sites ORDER BY origin")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(SiteName {
                    site: r.get(0)?,
                    name: r.get(1)?,
                    agency: r.get(2)?,
                    office: r.get(3)?,
                    channel: r.get(4)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// The newest run id, if any crawl ran.
    pub fn latest_run_id(&self) -> Result<Option<i64>, Error> {
        self.conn
            .query_row("SELECT MAX(id) FROM runs", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// Hands every link of a run's pages that people read (pages of the inventory's sites that
    /// answered 2xx; not soft-404 probes, not redirects) to `f` as the rows are read: a million
    /// links are never held at once. Sorted by page address and position, so that what the links
    /// audit learns on the way (which pages are "not found" pages) comes in the same order
    /// whatever order the crawl stored the pages in.
    pub fn each_audit_link(
        &self,
        run_id: i64,
        f: &mut dyn FnMut(AuditLink<'_>),
    ) -> Result<(), Error> {
        // The pages are sorted (a few bytes each), then each page's links read in position
        // order from the links' primary key: the same order as sorting every link by page and
        // position, without SQLite sorting millions of link rows in a temporary B-tree.
        let mut pages = self
            .conn
            .prepare(
                "SELECT f.id, f.url, s.origin
                 FROM pages p
                 JOIN urls f ON f.id = p.url_id
                 JOIN sites s ON s.id = f.site_id
                 WHERE p.run_id = ?1 AND f.found_via <> 'probe'
                   AND p.status BETWEEN 200 AND 299
                 ORDER BY f.url",
            )
            .map_err(|e| self.err(e))?;
        let mut links = self
            .conn
            .prepare(
                "SELECT to_id, fragment FROM links
                 WHERE from_id = ?1 AND kind <> 'redirect' ORDER BY position",
            )
            .map_err(|e| self.err(e))?;
        let mut rows = pages.query(params![run_id]).map_err(|e| self.err(e))?;
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            let (page_id, page, site) = (|| {
                Ok::<_, rusqlite::Error>((
                    r.get(0)?,
                    r.get_ref(1)?.as_str()?,
                    r.get_ref(2)?.as_str()?,
                ))
            })()
            .map_err(|e| self.err(e))?;
            let mut of_page = links.query(params![page_id]).map_err(|e| self.err(e))?;
            while let Some(l) = of_page.next().map_err(|e| self.err(e))? {
                let link = (|| {
                    Ok(AuditLink {
                        page,
                        page_id,
                        site,
                        target_id: l.get(0)?,
                        fragment: l.get_ref(1)?.as_str_or_null()?,
                    })
                })()
                .map_err(|e| self.err(e))?;
                f(link);
            }
        }
        Ok(())
    }

    /// HTML pages of the inventory's sites that answered 200 in a run (not soft-404 probes),
    /// sorted by site then URL.
    pub fn content_pages(&self, run_id: i64) -> Result<Vec<ContentPage>, Error> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT u.id, u.url, s.origin, p.body_hash
                 FROM pages p JOIN urls u ON u.id = p.url_id JOIN sites s ON s.id = u.site_id
                 WHERE p.run_id = ?1 AND p.status = 200 AND p.content_type = 'text/html'
                   AND u.found_via <> 'probe'
                 ORDER BY s.origin, u.url",
            )
            .map_err(|e| self.err(e))?;
        let mut rows = stmt.query(params![run_id]).map_err(|e| self.err(e))?;
        let mut out: Vec<ContentPage> = Vec::new();
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            let page = (|| {
                let origin = r.get_ref(2)?.as_str()?;
                // Rows come sorted by site: the previous page's site is this one's, or a new one.
                let site = match out.last() {
                    Some(last) if *last.site == *origin => last.site.clone(),
                    _ => Arc::from(origin),
                };
                Ok::<_, rusqlite::Error>(ContentPage {
                    url_id: r.get(0)?,
                    url: Arc::from(r.get_ref(1)?.as_str()?),
                    site,
                    body_hash: r.get(3)?,
                })
            })()
            .map_err(|e| self.err(e))?;
            out.push(page);
        }
        Ok(out)
    }

    /// The kb and publication texts read by the newest run, in inventory order.
    pub fn channel_docs(&self) -> Result<Vec<ChannelDoc>, Error> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT s.origin, s.channel, d.path, d.format, d.body, d.error
                 FROM channel_docs d JOIN sites s ON s.id = d.site_id
                 WHERE d.run_id = (SELECT MAX(id) FROM runs)
                 ORDER BY s.inventory_line, s.id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                let body: Option<Vec<u8>> = r.get(4)?;
                Ok(ChannelDoc {
                    site: r.get(0)?,
                    channel: r.get(1)?,
                    path: r.get(2)?,
                    format: r.get(3)?,
                    text: body.and_then(|b| writer::decompress("deflate", &b)),
                    error: r.get(5)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// What an earlier audit kept of a page's page pass, if anything.
    pub fn kept_page(&self, url_id: i64) -> Result<Option<KeptPage>, Error> {
        self.conn
            .prepare_cached(
                "SELECT body_hash, program, context, keys, head, result, sample FROM page_audit
                 WHERE url_id = ?1",
            )
            .and_then(|mut st| {
                st.query_row(params![url_id], |r| {
                    Ok(KeptPage {
                        url_id,
                        body_hash: r.get(0)?,
                        program: r.get(1)?,
                        context: r.get(2)?,
                        keys: r.get(3)?,
                        head: r.get(4)?,
                        result: r.get(5)?,
                        sample: r.get(6)?,
                        passages: None,
                    })
                })
                .optional()
            })
            .map_err(|e| self.err(e))
    }

    /// A compared page's passage hashes as the page pass kept them (4 bytes each,
    /// little-endian, in text order).
    pub fn page_passages(&self, url_id: i64) -> Result<Option<Vec<u8>>, Error> {
        self.conn
            .prepare_cached("SELECT passages FROM page_audit WHERE url_id = ?1")
            .and_then(|mut st| {
                st.query_row(params![url_id], |r| r.get::<_, Option<Vec<u8>>>(0))
                    .optional()
            })
            .map(Option::flatten)
            .map_err(|e| self.err(e))
    }

    /// What an earlier audit kept of a block several pages share, by the id the audit gave it.
    pub fn kept_block(&self, id: &str) -> Result<Option<String>, Error> {
        self.conn
            .prepare_cached("SELECT result FROM block_audit WHERE id = ?1")
            .and_then(|mut st| st.query_row(params![id], |r| r.get(0)).optional())
            .map_err(|e| self.err(e))
    }

    /// A page's stored body as stored (its encoding and the compressed bytes), for callers that
    /// decompress it on another thread with [`decompress`].
    pub fn raw_body(&self, url_id: i64) -> Result<Option<(String, Vec<u8>)>, Error> {
        self.conn
            .prepare_cached("SELECT encoding, body FROM bodies WHERE url_id = ?1")
            .and_then(|mut st| {
                st.query_row(params![url_id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
            })
            .map_err(|e| self.err(e))
    }

    /// The stored HTML of a page by its `urls` id, decompressed, if it has a body.
    pub fn body_of(&self, url_id: i64) -> Result<Option<String>, Error> {
        let row = self.raw_body(url_id)?;
        Ok(row.and_then(|(enc, bytes)| writer::decompress(&enc, &bytes)))
    }

    /// Every URL with what its fetch in a run found (if it was fetched in that run), sorted by
    /// id. `title_not_found` and `path_not_found` judge each title and address as it is read
    /// (see [`AuditTarget::TITLE_NOT_FOUND`]).
    pub fn audit_targets(
        &self,
        run_id: i64,
        title_not_found: &dyn Fn(&str) -> bool,
        path_not_found: &dyn Fn(&str) -> bool,
    ) -> Result<Vec<AuditTarget>, Error> {
        // Only a redirect's Location or a 200 page's meta refresh sends the reader on; the
        // address it names is looked up while the rows stream (SQLite reads both at once).
        let mut stmt = self
            .conn
            .prepare(
                "SELECT u.id, u.url, u.site_id, u.state, p.status, p.error,
                        p.content_type = 'text/html',
                        (SELECT COUNT(*) FROM redirects r WHERE r.url_id = u.id),
                        CASE WHEN p.status BETWEEN 300 AND 399 THEN p.final_url
                             WHEN p.status = 200 THEN
                               (SELECT t.url FROM links l INDEXED BY links_refresh
                                JOIN urls t ON t.id = l.to_id
                                WHERE l.from_id = u.id AND l.kind = 'refresh' LIMIT 1)
                        END,
                        p.title, u.found_via, u.in_sitemap
                 FROM urls u LEFT JOIN pages p ON p.url_id = u.id AND p.run_id = ?1
                 ORDER BY u.id",
            )
            .map_err(|e| self.err(e))?;
        let mut id_of = self
            .conn
            .prepare("SELECT id FROM urls WHERE url = ?1")
            .map_err(|e| self.err(e))?;
        let mut rows = stmt.query(params![run_id]).map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            let target = (|| {
                let url: String = r.get(1)?;
                let moved: Option<String> = r.get(8)?;
                let title: Option<String> = r.get(9)?;
                let mut flags = 0;
                let mut set = |flag: u8, on: bool| {
                    if on {
                        flags |= flag;
                    }
                };
                set(AuditTarget::MOVES, moved.is_some());
                set(
                    AuditTarget::BLOCKED,
                    r.get::<_, i64>(3)? == schema::url_state::BLOCKED,
                );
                set(
                    AuditTarget::HTML,
                    r.get::<_, Option<bool>>(6)? == Some(true),
                );
                set(
                    AuditTarget::PROBE,
                    r.get::<_, String>(10)? == schema::FoundVia::Probe.as_str(),
                );
                set(AuditTarget::IN_SITEMAP, r.get(11)?);
                set(
                    AuditTarget::TITLE_NOT_FOUND,
                    title.as_deref().is_some_and(title_not_found),
                );
                set(AuditTarget::PATH_NOT_FOUND, path_not_found(&url));
                let moved_to = match moved {
                    Some(m) => id_of
                        .query_row(params![m.split('#').next().unwrap_or(&m)], |r| r.get(0))
                        .optional()?,
                    None => None,
                };
                Ok::<_, rusqlite::Error>(AuditTarget {
                    id: r.get(0)?,
                    site_id: r.get(2)?,
                    status: r
                        .get::<_, Option<i64>>(4)?
                        .map(|s| u16::try_from(s).unwrap_or(u16::MAX)),
                    hops: u32::try_from(r.get::<_, i64>(7)?).unwrap_or(u32::MAX),
                    moved_to,
                    title_hash: title.as_deref().map(title_hash),
                    error: r.get::<_, Option<String>>(5)?.map(String::into_boxed_str),
                    flags,
                })
            })()
            .map_err(|e| self.err(e))?;
            out.push(target);
        }
        Ok(out)
    }

    /// A URL's address by its id.
    pub fn url_of(&self, url_id: i64) -> Result<Option<String>, Error> {
        self.conn
            .prepare_cached("SELECT url FROM urls WHERE id = ?1")
            .and_then(|mut st| st.query_row(params![url_id], |r| r.get(0)).optional())
            .map_err(|e| self.err(e))
    }

    /// Hands the address and title of every URL that answered 200 in a run, with a title, to
    /// `f` as the rows are read.
    pub fn each_fetched_title(
        &self,
        run_id: i64,
        f: &mut dyn FnMut(&str, &str),
    ) -> Result<(), Error> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT u.url, p.title FROM pages p JOIN urls u ON u.id = p.url_id
                 WHERE p.run_id = ?1 AND p.status = 200 AND p.title IS NOT NULL",
            )
            .map_err(|e| self.err(e))?;
        let mut rows = stmt.query(params![run_id]).map_err(|e| self.err(e))?;
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            let url = r
                .get_ref(0)
                .and_then(|v| Ok(v.as_str()?))
                .map_err(|e| self.err(e))?;
            let title = r
                .get_ref(1)
                .and_then(|v| Ok(v.as_str()?))
                .map_err(|e| self.err(e))?;
            f(url, title);
        }
        Ok(())
    }

    /// The findings of a run, optionally only some kinds and one site (origin or host), in
    /// output order (site, page, kind, target).
    pub fn findings(
        &self,
        run_id: i64,
        kinds: &[FindingKind],
        site: Option<&str>,
    ) -> Result<Vec<crate::model::Finding>, Error> {
        let mut out = Vec::new();
        self.each_finding(run_id, kinds, site, &mut |f| {
            out.push(f);
            ControlFlow::Continue(())
        })?;
        Ok(out)
    }

    /// [`Store::findings`] one at a time, as the rows are read: a listing of millions of
    /// findings never holds them all.
    pub fn each_finding(
        &self,
        run_id: i64,
        kinds: &[FindingKind],
        site: Option<&str>,
        f: &mut dyn FnMut(crate::model::Finding) -> ControlFlow<()>,
    ) -> Result<(), Error> {
        self.each_finding_with_id(run_id, kinds, site, &mut |_, finding| f(finding))
    }

    /// [`Store::each_finding`] with each finding's id, for [`Store::finding`] to read it again.
    pub fn each_finding_with_id(
        &self,
        run_id: i64,
        kinds: &[FindingKind],
        site: Option<&str>,
        f: &mut dyn FnMut(i64, crate::model::Finding) -> ControlFlow<()>,
    ) -> Result<(), Error> {
        let mut stmt = self
            .conn
            .prepare(
                concat!("SELECT kind, severity, site, url, message, data, id FROM findings
                 WHERE run_id = ?1 AND ", audited_sql!("?1"), "
                   AND (?2 IS NULL OR site = ?2 OR site = 'https://' || ?2 OR site = 'http://' || ?2)
                 ORDER BY site, url, kind, target, id"),
            )
            .map_err(|e| self.err(e))?;
        let mut rows = stmt.query(params![run_id, site]).map_err(|e| self.err(e))?;
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            let kind: FindingKind = r.get(0).map_err(|e| self.err(e))?;
            if !kinds.is_empty() && !kinds.contains(&kind) {
                continue;
            }
            let id: i64 = r.get(6).map_err(|e| self.err(e))?;
            if f(id, self.finding_of_row(kind, r)?).is_break() {
                break;
            }
        }
        Ok(())
    }

    /// A run's findings grouped by kind and target, most pages first (then by kind and target,
    /// then in listing order); a finding without a target groups by its page, and a group
    /// finding (one that lists its pages in `urls`) is a group of its own. SQLite groups and
    /// sorts on disk, so the memory stays flat at millions of findings.
    pub fn each_finding_group(
        &self,
        run_id: i64,
        kinds: &[FindingKind],
        site: Option<&str>,
        f: &mut dyn FnMut(FindingGroup) -> ControlFlow<()>,
    ) -> Result<(), Error> {
        let kinds = (!kinds.is_empty()).then(|| {
            serde_json::Value::from(kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>())
                .to_string()
        });
        let mut stmt = self
            .conn
            .prepare(concat!(
                "WITH chosen AS (
                   SELECT id, kind, severity, site, url, target, message, data,
                          COALESCE(json_type(data, '$.urls') = 'array', 0) AS listed
                   FROM findings
                   WHERE run_id = ?1 AND ", audited_sql!("?1"), "
                     AND (?2 IS NULL OR site = ?2 OR site = 'https://' || ?2 OR site = 'http://' || ?2)
                     AND (?3 IS NULL OR kind IN (SELECT value FROM json_each(?3)))
                 ),
                 keyed AS (
                   SELECT *, CASE WHEN listed THEN id END AS own,
                          CASE WHEN listed THEN '' ELSE COALESCE(target, url) END AS shared
                   FROM chosen
                 ),
                 firsts AS (
                   SELECT *, COUNT(*) OVER (PARTITION BY kind, shared, own) AS n,
                          ROW_NUMBER() OVER (PARTITION BY kind, shared, own
                                             ORDER BY site, url, target, id) AS nth
                   FROM keyed
                 ),
                 groups AS (
                   SELECT kind, severity, url, message, site, target, id,
                          CASE WHEN listed THEN json_array_length(data, '$.urls') ELSE n END AS pages,
                          CASE WHEN listed THEN COALESCE(
                            (SELECT group_concat(value, ' ' ORDER BY key) FROM json_each(data, '$.urls')
                             WHERE key > 0 AND type = 'text'), '')
                          ELSE shared END AS grouped_by
                   FROM firsts WHERE nth = 1
                 )
                 SELECT pages, kind, severity, grouped_by, url, message FROM groups
                 ORDER BY pages DESC, kind, grouped_by, site, url, target, id"
            ))
            .map_err(|e| self.err(e))?;
        let mut rows = stmt
            .query(params![run_id, site, kinds])
            .map_err(|e| self.err(e))?;
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            let group = (|| {
                Ok::<_, rusqlite::Error>(FindingGroup {
                    pages: r.get(0)?,
                    kind: r.get(1)?,
                    severity: r.get(2)?,
                    target: r.get(3)?,
                    example_page: r.get(4)?,
                    message: r.get(5)?,
                })
            })()
            .map_err(|e| self.err(e))?;
            if f(group).is_break() {
                break;
            }
        }
        Ok(())
    }

    /// One finding by its id (from [`Store::each_finding_with_id`]).
    pub fn finding(&self, id: i64) -> Result<Option<crate::model::Finding>, Error> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT kind, severity, site, url, message, data FROM findings WHERE id = ?1",
            )
            .map_err(|e| self.err(e))?;
        let mut rows = stmt.query(params![id]).map_err(|e| self.err(e))?;
        match rows.next().map_err(|e| self.err(e))? {
            Some(r) => {
                let kind: FindingKind = r.get(0).map_err(|e| self.err(e))?;
                Ok(Some(self.finding_of_row(kind, r)?))
            }
            None => Ok(None),
        }
    }

    /// A finding from a row whose columns 1..=5 are severity, site, url, message, data.
    fn finding_of_row(
        &self,
        kind: FindingKind,
        r: &rusqlite::Row<'_>,
    ) -> Result<crate::model::Finding, Error> {
        let text = |i: usize| r.get::<_, String>(i).map_err(|e| self.err(e));
        let extra = match serde_json::from_str::<serde_json::Value>(&text(5)?) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        };
        Ok(crate::model::Finding {
            kind,
            severity: crate::model::Severity::parse(&text(1)?)
                .unwrap_or(crate::model::Severity::Info),
            site: text(2)?,
            url: text(3)?,
            message: text(4)?,
            extra,
        })
    }

    /// What the report's list of pages to fix needs of each finding of a run, sorted by page
    /// so that a page's findings come together: SQLite sorts on disk, the caller holds one page.
    pub fn each_finding_by_page(
        &self,
        run_id: i64,
        f: &mut dyn FnMut(PageFinding),
    ) -> Result<(), Error> {
        let mut stmt = self
            .conn
            .prepare(
                concat!("SELECT url, site, kind, severity,
                        CASE WHEN json_type(data, '$.rule') = 'text' THEN json_extract(data, '$.rule') END
                 FROM findings WHERE run_id = ?1 AND ", audited_sql!("?1"), "
                 ORDER BY url, kind, target, id"),
            )
            .map_err(|e| self.err(e))?;
        let mut rows = stmt.query(params![run_id]).map_err(|e| self.err(e))?;
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            let row = (|| {
                Ok::<_, rusqlite::Error>(PageFinding {
                    url: r.get(0)?,
                    site: r.get(1)?,
                    kind: r.get(2)?,
                    severity: crate::model::Severity::parse(&r.get::<_, String>(3)?)
                        .unwrap_or(crate::model::Severity::Info),
                    rule: r.get(4)?,
                })
            })()
            .map_err(|e| self.err(e))?;
            f(row);
        }
        Ok(())
    }

    /// Per kind of finding of a run, the pages concerned: each finding's page, and the pages a
    /// finding names in `urls` when those are pages it concerns (a template finding's pages,
    /// a broken link's pages; not the other members of a group of copies or of an answer,
    /// unless the finding also counts `pages`). Counted by SQLite, so that millions of
    /// (kind, page) pairs are never held in memory.
    pub fn pages_per_kind(&self, run_id: i64) -> Result<Vec<(FindingKind, usize)>, Error> {
        let mut stmt = self
            .conn
            .prepare(
                concat!("SELECT kind, COUNT(*) FROM (
                     SELECT kind, url AS page FROM findings WHERE run_id = ?1 AND ", audited_sql!("?1"), "
                     UNION
                     SELECT f.kind, j.value FROM findings f, json_each(f.data, '$.urls') j
                      WHERE f.run_id = ?1 AND ", audited_sql!("?1"), " AND json_type(f.data, '$.urls') = 'array' AND j.type = 'text'
                        AND (json_type(f.data, '$.pages') IS NOT NULL
                             OR f.kind NOT IN ('duplicate', 'near_duplicate', 'inconsistent_answer')))
                 GROUP BY kind"),
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![run_id], |r| {
                Ok((r.get::<_, FindingKind>(0)?, r.get::<_, i64>(1)? as usize))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// The title of a fetched page of the inventory's sites (as [`Store::each_page`] lists it).
    pub fn page_title(&self, url: &str) -> Result<Option<String>, Error> {
        self.conn
            .prepare_cached(
                "SELECT p.title FROM pages p JOIN urls u ON u.id = p.url_id JOIN sites s ON s.id = u.site_id
                 WHERE u.url = ?1 AND u.found_via <> 'probe'",
            )
            .and_then(|mut stmt| stmt.query_row(params![url], |r| r.get(0)).optional())
            .map(Option::flatten)
            .map_err(|e| self.err(e))
    }

    /// The stored HTML of a page, decompressed, if the page has a body.
    pub fn body(&self, url: &str) -> Result<Option<String>, Error> {
        let row: Option<(String, Vec<u8>)> = self
            .conn
            .query_row(
                "SELECT b.encoding, b.body FROM bodies b JOIN urls u ON u.id = b.url_id WHERE u.url = ?1",
                params![url],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        Ok(row.and_then(|(enc, bytes)| writer::decompress(&enc, &bytes)))
    }

    /// Runs a read-only query that yields one integer (for tests and diagnostics).
    pub fn count(&self, sql: &str) -> Result<i64, Error> {
        self.conn
            .query_row(sql, [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// Runs a read-only query that yields rows of strings (for tests and diagnostics).
    pub fn strings(&self, sql: &str) -> Result<Vec<Vec<Option<String>>>, Error> {
        let mut stmt = self.conn.prepare(sql).map_err(|e| self.err(e))?;
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                (0..n)
                    .map(|i| {
                        let v: rusqlite::types::Value = r.get(i)?;
                        Ok(match v {
                            rusqlite::types::Value::Null => None,
                            rusqlite::types::Value::Integer(i) => Some(i.to_string()),
                            rusqlite::types::Value::Real(f) => Some(f.to_string()),
                            rusqlite::types::Value::Text(t) => Some(t),
                            rusqlite::types::Value::Blob(b) => Some(format!("<{} bytes>", b.len())),
                        })
                    })
                    .collect()
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }
}

/// SQLite's word for a file that is not a database or is corrupt, told as such.
fn damaged_or(path: &Path, source: rusqlite::Error) -> Error {
    use rusqlite::ErrorCode;
    match source.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => Error::Damaged {
            path: path.to_path_buf(),
            source,
        },
        _ => Error::Sqlite {
            path: path.to_path_buf(),
            source,
        },
    }
}

/// The schema version of a database, refusing another program's (tables, but not govaudit's),
/// one written by a newer govaudit, and a damaged file.
fn check_ours(conn: &Connection, path: &Path) -> Result<usize, Error> {
    let found: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| damaged_or(path, e))?;
    let count = |sql: &str| -> Result<i64, Error> {
        conn.query_row(sql, [], |r| r.get(0))
            .map_err(|e| damaged_or(path, e))
    };
    let tables = count("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'")?;
    // Ours: empty (new), or holding govaudit's own `runs` and `sites` tables. Another program's
    // file is refused whatever its user_version, before anything (WAL mode) is written.
    let ours = tables == 0
        || (found > 0
            && count(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('runs', 'sites')",
            )? == 2);
    if !ours {
        return Err(Error::NotOurs {
            path: path.to_path_buf(),
        });
    }
    let found = found.max(0) as usize;
    if found > schema::current_version() {
        return Err(Error::NewerSchema {
            path: path.to_path_buf(),
            found,
            supported: schema::current_version(),
        });
    }
    Ok(found)
}

/// Applies the migrations. Two govaudit processes opening a new database at once (a crawl and
/// a `pages` listing, say) may both try; the loser sees the schema already current and goes on.
fn migrate(conn: &mut Connection, path: &Path) -> Result<(), Error> {
    let mut attempt = 0;
    loop {
        match schema::migrations().to_latest(conn) {
            Ok(()) => return Ok(()),
            Err(source) => {
                let version: i64 = conn
                    .query_row("PRAGMA user_version", [], |r| r.get(0))
                    .unwrap_or(0);
                if version as usize == schema::current_version() {
                    return Ok(());
                }
                attempt += 1;
                if attempt >= 5 {
                    return Err(Error::Migration {
                        path: path.to_path_buf(),
                        source,
                    });
                }
                std::thread::sleep(std::time::Duration::from_millis(50 * attempt));
            }
        }
    }
}

fn open_connection(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    configure(&conn)?;
    Ok(conn)
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    // WAL lets the crawl read its frontier while the writer commits; NORMAL sync is safe in WAL
    // (a power cut can lose the last commits, never corrupt), and those pages are simply re-fetched.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unchanging_files_are_read_without_side_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("odd #name?.db");
        drop(Store::open(&path).expect("create"));
        let store = Store::open_reading(&path, true).expect("immutable open");
        assert!(store.latest_run_id().expect("query").is_none());
    }

    fn finding(url: &str) -> crate::model::Finding {
        crate::model::Finding {
            kind: FindingKind::BrokenLink,
            severity: crate::model::Severity::Error,
            site: "https://www.agency.gov".into(),
            url: url.into(),
            message: format!("{url} links to a page that is gone."),
            extra: serde_json::Map::new(),
        }
    }

    fn replace_audit(run_id: i64, findings: Vec<crate::model::Finding>) -> WriteOp {
        WriteOp::ReplaceAudit {
            run_id,
            findings,
            pages: Vec::new(),
            sites: Vec::new(),
            blocks: Vec::new(),
        }
    }

    fn urls_of(store: &Store, run_id: i64) -> Vec<String> {
        let found = store.findings(run_id, &[], None).expect("findings");
        found.into_iter().map(|f| f.url).collect()
    }

    /// A run's first audit writes its findings in place as it goes; until it ends, readers see
    /// none of them (as before it began), and a later audit of the same run keeps the earlier
    /// findings readable until its own are all in.
    #[test]
    fn findings_sent_ahead_are_read_only_once_their_audit_ends() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.db");
        let store = Store::open(&path).expect("open");
        store
            .conn
            .execute(
                "INSERT INTO runs (inventory, started_at, status, settings)
                 VALUES ('inventory.csv', '2026-12-03T00:00:00Z', 'finished', '{}')",
                [],
            )
            .expect("run");
        let run = store.latest_run_id().expect("query").expect("a run");

        // A first audit killed after sending findings ahead: nothing readable.
        let writer = store.writer().expect("writer");
        writer
            .send(WriteOp::BeginAudit { run_id: run })
            .expect("send");
        writer
            .send(WriteOp::StageFindings(vec![finding(
                "https://www.agency.gov/a",
            )]))
            .expect("send");
        writer.close().expect("close");
        assert!(urls_of(&store, run).is_empty());

        // The next first audit forgets those rows, sends some ahead (still unread), then ends.
        let writer = store.writer().expect("writer");
        writer
            .send(WriteOp::BeginAudit { run_id: run })
            .expect("send");
        writer
            .send(WriteOp::StageFindings(vec![
                finding("https://www.agency.gov/c"),
                finding("https://www.agency.gov/b"),
            ]))
            .expect("send");
        writer.flush_blocking().expect("flush");
        assert!(urls_of(&store, run).is_empty());
        writer
            .send(replace_audit(
                run,
                vec![finding("https://www.agency.gov/d")],
            ))
            .expect("send");
        writer.close().expect("close");
        let first = vec![
            "https://www.agency.gov/b".to_string(),
            "https://www.agency.gov/c".to_string(),
            "https://www.agency.gov/d".to_string(),
        ];
        assert_eq!(urls_of(&store, run), first);
        assert_eq!(
            store.count("SELECT COUNT(*) FROM findings").expect("count"),
            3,
            "the killed audit's row is gone"
        );

        // A second audit of the run: the first audit's findings stay until it ends.
        let writer = store.writer().expect("writer");
        writer
            .send(WriteOp::BeginAudit { run_id: run })
            .expect("send");
        writer
            .send(WriteOp::StageFindings(vec![finding(
                "https://www.agency.gov/e",
            )]))
            .expect("send");
        writer.flush_blocking().expect("flush");
        assert_eq!(urls_of(&store, run), first);
        writer.send(replace_audit(run, Vec::new())).expect("send");
        writer.close().expect("close");
        assert_eq!(urls_of(&store, run), vec!["https://www.agency.gov/e"]);
    }

    /// The findings table groups by kind and target (else page), most pages first; a group
    /// finding stands alone with its other members as its target; the first finding in listing
    /// order is the example; kinds and site filter before grouping; a receiver can stop early.
    #[test]
    fn findings_group_by_target_most_pages_first() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("g.db")).expect("open");
        store
            .conn
            .execute(
                "INSERT INTO runs (inventory, started_at, status, settings)
                 VALUES ('inventory.csv', '2026-12-03T00:00:00Z', 'finished', '{}')",
                [],
            )
            .expect("run");
        let run = store.latest_run_id().expect("query").expect("a run");
        let linking = |url: &str, target: &str| {
            let mut f = finding(url);
            f.extra.insert("target".into(), target.into());
            f
        };
        let mut copies = finding("https://www.agency.gov/c");
        copies.kind = FindingKind::Duplicate;
        copies.extra.insert(
            "urls".into(),
            serde_json::json!(["https://www.agency.gov/c", "https://www.agency.gov/d", 7]),
        );
        let mut elsewhere = linking("https://other.gov/z", "https://www.agency.gov/x");
        elsewhere.site = "https://other.gov".into();
        let writer = store.writer().expect("writer");
        let findings = vec![
            linking("https://www.agency.gov/c", "https://www.agency.gov/y"),
            linking("https://www.agency.gov/a", "https://www.agency.gov/x"),
            linking("https://www.agency.gov/b", "https://www.agency.gov/y"),
            finding("https://www.agency.gov/e"),
            copies,
            elsewhere,
        ];
        writer.send(replace_audit(run, findings)).expect("send");
        writer.close().expect("close");
        let groups = |kinds: &[FindingKind], site: Option<&str>, stop_after: usize| {
            let mut got = Vec::new();
            store
                .each_finding_group(run, kinds, site, &mut |g| {
                    got.push((g.pages, g.kind, g.target, g.example_page));
                    if got.len() == stop_after {
                        ControlFlow::Break(())
                    } else {
                        ControlFlow::Continue(())
                    }
                })
                .expect("groups");
            got
        };
        let g = |pages: i64, kind: &str, target: &str, example: &str| {
            (
                pages,
                kind.to_string(),
                target.to_string(),
                example.to_string(),
            )
        };
        let a = "https://www.agency.gov/";
        assert_eq!(
            groups(&[], None, usize::MAX),
            vec![
                g(3, "duplicate", &format!("{a}d"), &format!("{a}c")),
                g(2, "broken_link", &format!("{a}x"), "https://other.gov/z"),
                g(2, "broken_link", &format!("{a}y"), &format!("{a}b")),
                g(1, "broken_link", &format!("{a}e"), &format!("{a}e")),
            ]
        );
        assert_eq!(
            groups(
                &[FindingKind::BrokenLink],
                Some("www.agency.gov"),
                usize::MAX
            ),
            vec![
                g(2, "broken_link", &format!("{a}y"), &format!("{a}b")),
                g(1, "broken_link", &format!("{a}e"), &format!("{a}e")),
                g(1, "broken_link", &format!("{a}x"), &format!("{a}a")),
            ]
        );
        assert_eq!(groups(&[], None, 1).len(), 1);
    }

    /// The schema in one diff: every table and index a fresh database gets.
    #[test]
    fn schema_snapshot() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("s.db")).expect("open");
        let names: Vec<String> = store
            .strings("SELECT type || ' ' || name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
            .expect("schema")
            .into_iter()
            .filter_map(|r| r.into_iter().next().flatten())
            .collect();
        assert_eq!(
            names,
            [
                "index fetch_errors_url",
                "index findings_run_kind",
                "index links_refresh",
                "index links_to",
                "index pages_run",
                "index urls_queue",
                "table block_audit",
                "table bodies",
                "table channel_docs",
                "table fetch_errors",
                "table findings",
                "table findings_staged",
                "table links",
                "table page_audit",
                "table page_text",
                "table page_text_staged",
                "table pages",
                "table redirects",
                "table runs",
                "table site_aliases",
                "table site_audit",
                "table sites",
                "table urls",
            ]
        );
    }

    #[test]
    fn opens_migrates_and_refuses_newer_schema() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.db");
        let store = Store::open(&path).expect("open");
        assert_eq!(
            store.count("PRAGMA user_version").expect("version"),
            schema::current_version() as i64
        );
        store
            .conn
            .pragma_update(None, "user_version", 99)
            .expect("set version");
        drop(store);
        let err = Store::open(&path).err().expect("newer schema refused");
        assert!(matches!(err, Error::NewerSchema { found: 99, .. }), "{err}");
    }
}
