//! The single writer: one thread owns the write connection and commits [`WriteOp`]s in batches.
//!
//! Reads: ops from a bounded channel. Writes: every row govaudit stores. Must never be bypassed:
//! a second writing connection would fight this one for the lock.
//!
//! Design:
//! - [`WriteOp`] lists every write the program can make.
//! - A batch commits after [`BATCH_OPS`] ops or [`BATCH_MS`] ms, and at once for ops that wait for
//!   an answer ([`WriteOp::Prepare`], [`WriteOp::Flush`]). Each page's rows (page, body, links, new
//!   URLs, state `done`) land in the same transaction, so a crash loses whole pages, never half one.
//! - Every op gets a sequence number when sent; [`Writer::committed`] tells the crawl which ops are
//!   durable, so it can tell a finished page from one still in flight.
//! - The channel is bounded: a slow disk slows the crawl instead of growing memory.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rusqlite::{params, Connection, OptionalExtension};
use tokio::sync::oneshot;

use super::schema::{url_state, url_state_sql, FoundVia};
use super::Error;

/// Indexes a crawl drops while it bulk-loads, recreated when the writer closes. The definitions are
/// the ones of the schema's migrations.
const FINISH_INDEXES: &str = "CREATE INDEX IF NOT EXISTS links_to ON links (to_id);";

/// Ops per transaction at most.
pub const BATCH_OPS: usize = 2_000;
/// Milliseconds a transaction stays open at most.
pub const BATCH_MS: u64 = 100;
/// Ops waiting for the writer at most. A page's op carries its compressed body and links (tens of
/// KB), so this bounds the memory a slow disk can make the crawl hold.
const CHANNEL_CAPACITY: usize = 256;

/// An inventory site as the store keeps it.
#[derive(Debug, Clone)]
pub struct SiteInput {
    /// The origin (or `<channel>:<path>`).
    pub origin: String,
    /// Start URL for web sites.
    pub start_url: Option<String>,
    /// `web`, `kb` or `publication`.
    pub channel: String,
    /// Local file for other channels.
    pub path: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Agency.
    pub agency: Option<String>,
    /// Office.
    pub office: Option<String>,
    /// Owner.
    pub owner: Option<String>,
    /// `;`-joined topics.
    pub topics: String,
    /// `;`-joined audiences.
    pub audiences: String,
    /// Extra columns as a JSON object.
    pub extra: String,
    /// The inventory row as written, a JSON array of [header, value] pairs.
    pub row: String,
    /// Inventory line.
    pub line: u64,
    /// Other origins that are the same site.
    pub aliases: Vec<String>,
}

/// A site as stored, after [`WriteOp::Prepare`].
#[derive(Debug, Clone)]
pub struct PreparedSite {
    /// Row id.
    pub id: i64,
    /// Origin.
    pub origin: String,
    /// Status of the stored robots.txt, if fetched in this run.
    pub robots_status: Option<i64>,
    /// The stored robots.txt text.
    pub robots_txt: Option<String>,
    /// Whether start URL and sitemaps were already queued in this run.
    pub seeded: bool,
}

/// The run a crawl writes into.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Run id.
    pub run_id: i64,
    /// True when an interrupted run is being continued.
    pub resumed: bool,
    /// Sites in inventory order.
    pub sites: Vec<PreparedSite>,
}

/// A URL met during the crawl, to add to `urls` (or to upgrade from "seen" to queued).
#[derive(Debug, Clone)]
pub struct Discovery {
    /// Normalised URL.
    pub url: String,
    /// The inventory site it belongs to, if any.
    pub site_id: Option<i64>,
    /// Links from the start URL.
    pub depth: u32,
    /// One of [`url_state`].
    pub state: i64,
    /// Why it is not queued (for states 0 and 3).
    pub reason: Option<&'static str>,
    /// How the crawl found it.
    pub via: FoundVia,
    /// Redirects that led here.
    pub redirect_depth: u32,
    /// `<lastmod>` from a sitemap.
    pub lastmod: Option<String>,
}

/// One link on a fetched page.
#[derive(Debug, Clone)]
pub struct LinkRecord {
    /// The target.
    pub target: Discovery,
    /// `a`, `area`, `frame`, `refresh` or `redirect`.
    pub kind: &'static str,
    /// Anchor text.
    pub anchor: Option<String>,
    /// The `rel` attribute.
    pub rel: Option<String>,
    /// The `#fragment`, without `#`.
    pub fragment: Option<String>,
}

/// One redirect hop.
#[derive(Debug, Clone)]
pub struct HopRecord {
    /// The URL that answered with a redirect.
    pub from: String,
    /// Its `Location`, resolved.
    pub to: String,
    /// The status (301, 302, …).
    pub status: u16,
}

/// Everything learnt from fetching one URL.
#[derive(Debug, Clone, Default)]
pub struct FetchRecord {
    /// The `urls` row.
    pub url_id: i64,
    /// The run.
    pub run_id: i64,
    /// `GET` or `HEAD`.
    pub method: &'static str,
    /// Status, if a response came.
    pub status: Option<u16>,
    /// Where the chain ended (or the redirect pointed).
    pub final_url: Option<String>,
    /// Media type without parameters.
    pub content_type: Option<String>,
    /// Bytes.
    pub size: Option<u64>,
    /// RFC 3339 time.
    pub fetched_at: String,
    /// Milliseconds.
    pub fetch_ms: u64,
    /// Attempts made.
    pub attempts: u32,
    /// `ETag`.
    pub etag: Option<String>,
    /// `Last-Modified`.
    pub last_modified: Option<String>,
    /// The `Strict-Transport-Security` header.
    pub hsts: Option<String>,
    /// XXH3-128 (hex) of the decoded body.
    pub body_hash: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// Charset used to decode.
    pub charset: Option<String>,
    /// The body was cut at the size cap.
    pub truncated: bool,
    /// The final error.
    pub error: Option<String>,
    /// Deflate-compressed UTF-8 HTML.
    pub body: Option<Vec<u8>>,
    /// Links in document order.
    pub links: Vec<LinkRecord>,
    /// Redirect hops.
    pub hops: Vec<HopRecord>,
    /// Failed attempts: (attempt, kind, message).
    pub attempt_errors: Vec<(u32, &'static str, String)>,
    /// Not requested after all: robots.txt disallows it (the URL is stored as blocked).
    pub blocked: bool,
}

/// Every write govaudit makes.
#[derive(Debug)]
pub enum WriteOp {
    /// Start or continue a run of an inventory and store its sites.
    Prepare {
        /// Inventory path as given.
        inventory: String,
        /// Crawl settings as JSON.
        settings: String,
        /// Sites in inventory order.
        sites: Vec<SiteInput>,
        /// Where to send the result.
        reply: oneshot::Sender<Result<Prepared, String>>,
    },
    /// The site's sitemap as fetched when the site was seeded.
    Sitemap {
        /// Site id.
        site_id: i64,
        /// The first sitemap asked for (a `Sitemap:` line, else `/sitemap.xml`).
        url: Option<String>,
        /// Its HTTP status, if any.
        status: Option<u16>,
        /// URLs listed, sitemap indexes followed.
        urls: i64,
        /// Why it could not be read.
        error: Option<String>,
    },
    /// Keep a site's robots.txt.
    Robots {
        /// Site id.
        site_id: i64,
        /// HTTP status, if any.
        status: Option<u16>,
        /// The text.
        txt: Option<String>,
        /// Why it could not be fetched.
        error: Option<String>,
    },
    /// Mark a site's seeds (start URL, sitemaps) as queued for a run.
    Seeded {
        /// Site id.
        site_id: i64,
        /// Run id.
        run_id: i64,
    },
    /// Add a URL to the frontier (or note it as seen).
    Discover(Discovery),
    /// Store a fetch outcome and mark the URL done.
    Fetched(Box<FetchRecord>),
    /// Replace a run's findings and what the audits measured on each page's main content with a
    /// freshly computed set, in one transaction (the two always agree).
    ReplaceAudit {
        /// Run id.
        run_id: i64,
        /// The findings not sent ahead with [`WriteOp::StageFindings`]. With those, they are
        /// stored in the order they were sent (listings sort them by site, page, kind and
        /// target, then by that order).
        findings: Vec<crate::model::Finding>,
        /// The pages' measurements not sent ahead with [`WriteOp::StagePages`]; with those,
        /// they replace the stored ones.
        pages: Vec<PageText>,
        /// Each web site's governance counts and recommendation.
        sites: Vec<super::SiteAudit>,
        /// The shared blocks the audit checked, (id, result) as the audit keeps them: they
        /// replace the kept ones.
        blocks: Vec<(String, String)>,
    },
    /// Keep what the audit's page pass found on some pages, for the next audit.
    KeepPages(Vec<KeptPage>),
    /// Start an audit of a run: forget findings a killed audit sent ahead.
    BeginAudit {
        /// Run id.
        run_id: i64,
    },
    /// Findings an audit sends ahead of the rest: into `findings` when the run was never
    /// audited (readers wait for the audit's end to read them), else into `findings_staged`,
    /// which [`WriteOp::ReplaceAudit`] moves into place.
    StageFindings(Vec<crate::model::Finding>),
    /// Pages' measurements an audit sends ahead of the rest ([`WriteOp::ReplaceAudit`] moves
    /// them into place with its own).
    StagePages(Vec<PageText>),
    /// Store the text of a kb or publication entry (or why it could not be read).
    ChannelDoc {
        /// The entry's site id.
        site_id: i64,
        /// Run id.
        run_id: i64,
        /// Path as written in the inventory.
        path: String,
        /// `csv`, `markdown`, `html`, `text`, `pdf`.
        format: String,
        /// The text.
        text: Option<String>,
        /// Why it could not be read.
        error: Option<String>,
    },
    /// Mark a run finished.
    Finish {
        /// Run id.
        run_id: i64,
    },
    /// Commit now and answer when durable.
    Flush(oneshot::Sender<()>),
}

/// What the audit's page pass found on one page, with what it depended on (a `page_audit` row;
/// the audit decides what the fields hold).
#[derive(Debug, Clone)]
pub struct KeptPage {
    /// The page's `urls` id.
    pub url_id: i64,
    /// The body it was read from.
    pub body_hash: String,
    /// What shaped the result before the site's template was known.
    pub program: String,
    /// What shaped it after.
    pub context: String,
    /// The page's block keys before template removal.
    pub keys: Vec<u8>,
    /// What a re-audit reads of the result before the site's template is known (JSON).
    pub head: Vec<u8>,
    /// The rest of the result, compressed (empty when the head says it all).
    pub result: Vec<u8>,
    /// A compared page's sampled passage hashes (4 bytes each, little-endian), which `result`
    /// leaves out.
    pub sample: Option<Vec<u8>>,
    /// A compared page's passage hashes (4 bytes each, little-endian), which the result holds
    /// only a sample of.
    pub passages: Option<Vec<u8>>,
}

/// What the audits measured on one page's main content (a `page_text` row).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PageText {
    /// The page's `urls` id.
    pub url_id: i64,
    /// Words of main content.
    pub word_count: i64,
    /// XXH3-128 of the normalised words, hex.
    pub content_hash: String,
    /// Sentences (textstat's rule, block-aware).
    pub sentence_count: i64,
    /// Syllables.
    pub syllable_count: i64,
    /// The seven readability scores.
    pub scores: crate::readability::Scores,
    /// Enough words for readability findings.
    pub scored: bool,
    /// Scored and above the target grade.
    pub over_target: bool,
    /// Why the page-level audits left it out (see `extract::document::NotAPage`), or None.
    pub not_a_page: Option<String>,
}

/// Handle to the writer thread. Cloning is cheap; the thread ends when the last handle drops.
#[derive(Clone)]
pub struct Writer {
    tx: Arc<Mutex<SyncSender<(u64, WriteOp)>>>,
    sent: Arc<AtomicU64>,
    committed: Arc<AtomicU64>,
    failure: Arc<Mutex<Option<String>>>,
    path: PathBuf,
    thread: Arc<Mutex<Option<std::thread::JoinHandle<()>>>>,
}

impl Writer {
    pub(super) fn spawn(conn: Connection, path: PathBuf) -> Writer {
        let (tx, rx) = sync_channel(CHANNEL_CAPACITY);
        let committed = Arc::new(AtomicU64::new(0));
        let failure = Arc::new(Mutex::new(None));
        let thread = {
            let committed = committed.clone();
            let failure = failure.clone();
            std::thread::Builder::new()
                .name("govaudit-writer".into())
                .spawn(move || {
                    let mut state = WriterState::new(conn);
                    if let Err(e) = state.run(rx, &committed) {
                        log::error!("database writer stopped: {e}");
                        if let Ok(mut f) = failure.lock() {
                            *f = Some(e.to_string());
                        }
                    }
                })
                .expect("spawning a thread only fails when the OS is out of resources")
        };
        Writer {
            tx: Arc::new(Mutex::new(tx)),
            sent: Arc::new(AtomicU64::new(0)),
            committed,
            failure,
            path,
            thread: Arc::new(Mutex::new(Some(thread))),
        }
    }

    fn gone(&self) -> Error {
        let message = self
            .failure
            .lock()
            .ok()
            .and_then(|f| f.clone())
            .unwrap_or_else(|| "it exited".to_string());
        Error::WriterGone {
            path: self.path.clone(),
            message,
        }
    }

    /// Queues an op; returns its sequence number. Blocks while the channel is full (backpressure).
    pub fn send(&self, op: WriteOp) -> Result<u64, Error> {
        let tx = self.tx.lock().map_err(|_| self.gone())?;
        let seq = self.sent.fetch_add(1, Ordering::SeqCst) + 1;
        tx.send((seq, op)).map_err(|_| self.gone())?;
        Ok(seq)
    }

    /// The sequence number of the newest op that is committed.
    pub fn committed(&self) -> u64 {
        self.committed.load(Ordering::SeqCst)
    }

    /// The sequence number of the newest op sent.
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::SeqCst)
    }

    /// The error that stopped the writer, if it stopped.
    pub fn failure(&self) -> Option<Error> {
        self.failure
            .lock()
            .ok()
            .and_then(|f| f.clone())
            .map(|message| Error::WriterGone {
                path: self.path.clone(),
                message,
            })
    }

    /// [`Writer::flush`] for code outside the async runtime (the audit): blocks the thread.
    pub fn flush_blocking(&self) -> Result<(), Error> {
        let (tx, rx) = oneshot::channel();
        self.send(WriteOp::Flush(tx))?;
        rx.blocking_recv().map_err(|_| self.gone())
    }

    /// Commits everything sent so far and waits until it is durable.
    pub async fn flush(&self) -> Result<(), Error> {
        let (tx, rx) = oneshot::channel();
        self.send(WriteOp::Flush(tx))?;
        rx.await.map_err(|_| self.gone())
    }

    /// Starts or continues a run; waits for the answer.
    pub async fn prepare(
        &self,
        inventory: String,
        settings: String,
        sites: Vec<SiteInput>,
    ) -> Result<Prepared, Error> {
        let (reply, rx) = oneshot::channel();
        self.send(WriteOp::Prepare {
            inventory,
            settings,
            sites,
            reply,
        })?;
        match rx.await {
            Ok(Ok(p)) => Ok(p),
            Ok(Err(message)) => Err(Error::WriterGone {
                path: self.path.clone(),
                message,
            }),
            Err(_) => Err(self.gone()),
        }
    }

    /// Closes the channel and waits for the thread to commit the rest and exit.
    pub fn close(self) -> Result<(), Error> {
        let handle = self.thread.lock().ok().and_then(|mut t| t.take());
        drop(self.tx);
        if let Some(h) = handle {
            let _ = h.join();
        }
        match self.failure.lock().ok().and_then(|f| f.clone()) {
            Some(message) => Err(Error::WriterGone {
                path: self.path,
                message,
            }),
            None => Ok(()),
        }
    }
}

/// Compresses HTML for the `bodies` table.
pub fn compress(text: &str) -> Vec<u8> {
    let mut enc = flate2::write::DeflateEncoder::new(
        Vec::with_capacity(text.len() / 4),
        flate2::Compression::fast(),
    );
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(text.as_bytes());
    enc.finish().unwrap_or_default()
}

/// Reverses [`compress`]; `None` for an unknown encoding or corrupt data.
pub fn decompress(encoding: &str, bytes: &[u8]) -> Option<String> {
    match encoding {
        "deflate" => {
            let mut s = String::new();
            flate2::read::DeflateDecoder::new(bytes)
                .read_to_string(&mut s)
                .ok()?;
            Some(s)
        }
        "identity" => String::from_utf8(bytes.to_vec()).ok(),
        _ => None,
    }
}

struct WriterState {
    conn: Connection,
    /// Pages from runs other than the current one exist, so re-fetched pages have old rows.
    earlier_pages: bool,
    /// URL hash -> (row id, state), so a link to a known URL costs no query. A 64-bit hash of a few
    /// hundred thousand URLs collides with odds around 1e-9; the map holds no strings, to keep a
    /// 100,000-page crawl small.
    urls: HashMap<u64, (i64, i64)>,
    hasher: foldhash::fast::RandomState,
    /// The run whose first audit is running: its findings go straight into `findings`, since
    /// there are no earlier ones to keep until it ends. Written twice (staged, then copied),
    /// 588,000 findings cost a 100,000-page re-audit seconds of writing and checkpointing.
    first_audit: Option<i64>,
}

type SqlResult<T> = rusqlite::Result<T>;

impl WriterState {
    fn new(conn: Connection) -> Self {
        // The writer touches index pages all over a growing file: a larger page cache (32 MiB)
        // keeps them in memory instead of re-reading them from the OS for every link. Fewer, larger
        // WAL checkpoints (every ~40 MB instead of 4 MB) mean fewer fsync stalls; each commit
        // still survives a crash (WAL + synchronous=NORMAL).
        let _ = conn.pragma_update(None, "cache_size", -32_768);
        let _ = conn.pragma_update(None, "wal_autocheckpoint", 10_000);
        WriterState {
            conn,
            earlier_pages: true,
            urls: HashMap::new(),
            hasher: foldhash::fast::RandomState::default(),
            first_audit: None,
        }
    }

    fn run(&mut self, rx: Receiver<(u64, WriteOp)>, committed: &AtomicU64) -> SqlResult<()> {
        let mut pending_replies: Vec<oneshot::Sender<()>> = Vec::new();
        while let Ok(first) = rx.recv() {
            self.conn.execute_batch("BEGIN IMMEDIATE")?;
            let deadline = Instant::now() + Duration::from_millis(BATCH_MS);
            let mut last_seq = first.0;
            let mut commit_now = self.apply(first.1, &mut pending_replies)?;
            let mut n = 1;
            let mut closed = false;
            while !commit_now && n < BATCH_OPS {
                let wait = deadline.saturating_duration_since(Instant::now());
                match rx.recv_timeout(wait) {
                    Ok((seq, op)) => {
                        last_seq = seq;
                        commit_now = self.apply(op, &mut pending_replies)?;
                        n += 1;
                    }
                    Err(RecvTimeoutError::Timeout) => break,
                    Err(RecvTimeoutError::Disconnected) => {
                        closed = true;
                        break;
                    }
                }
            }
            let committing = Instant::now();
            self.conn.execute_batch("COMMIT")?;
            if committing.elapsed() > Duration::from_secs(1) {
                log::debug!("committed in {:.1} s", committing.elapsed().as_secs_f64());
            }
            committed.store(last_seq, Ordering::SeqCst);
            for r in pending_replies.drain(..) {
                let _ = r.send(());
            }
            if closed {
                break;
            }
        }
        // Rebuild what the crawl dropped, then leave a small WAL behind for the next reader.
        let closing = Instant::now();
        self.conn.execute_batch(FINISH_INDEXES)?;
        let _ = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        log::debug!(
            "store closed (indexes, checkpoint) in {:.1} s",
            closing.elapsed().as_secs_f64()
        );
        Ok(())
    }

    /// Applies one op inside the open transaction; true when the batch must commit now.
    fn apply(&mut self, op: WriteOp, replies: &mut Vec<oneshot::Sender<()>>) -> SqlResult<bool> {
        match op {
            WriteOp::Prepare {
                inventory,
                settings,
                sites,
                reply,
            } => {
                let result = self.prepare(&inventory, &settings, &sites);
                match result {
                    Ok(p) => {
                        let _ = reply.send(Ok(p));
                    }
                    Err(e) => {
                        let _ = reply.send(Err(e.to_string()));
                        return Err(e);
                    }
                }
                Ok(true)
            }
            WriteOp::Sitemap {
                site_id,
                url,
                status,
                urls,
                error,
            } => {
                self.conn.execute(
                    "UPDATE sites SET sitemap_url = ?2, sitemap_status = ?3, sitemap_urls = ?4, sitemap_error = ?5 WHERE id = ?1",
                    params![site_id, url, status, urls, error],
                )?;
                Ok(false)
            }
            WriteOp::Robots {
                site_id,
                status,
                txt,
                error,
            } => {
                self.conn.execute(
                    "UPDATE sites SET robots_status = ?2, robots_txt = ?3, robots_error = ?4 WHERE id = ?1",
                    params![site_id, status, txt, error],
                )?;
                Ok(false)
            }
            WriteOp::Seeded { site_id, run_id } => {
                self.conn.execute(
                    "UPDATE sites SET seeded_run = ?2 WHERE id = ?1",
                    params![site_id, run_id],
                )?;
                Ok(false)
            }
            WriteOp::Discover(d) => {
                self.upsert_url(&d)?;
                Ok(false)
            }
            WriteOp::Fetched(rec) => {
                self.fetched(&rec)?;
                Ok(false)
            }
            WriteOp::ReplaceAudit {
                run_id,
                findings,
                pages,
                sites,
                blocks,
            } => {
                let started = Instant::now();
                let first_audit = self.first_audit.take() == Some(run_id);
                if !first_audit {
                    self.conn
                        .execute("DELETE FROM findings WHERE run_id = ?1", params![run_id])?;
                }
                self.conn
                    .execute("DELETE FROM site_audit WHERE run_id = ?1", params![run_id])?;
                let mut stmt = self.conn.prepare_cached(
                    "INSERT INTO site_audit (site_id, run_id, governance_passed, governance_failed,
                        governance_skipped, recommendation, merge_into, evidence, figures)
                     SELECT id, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9 FROM sites WHERE origin = ?1",
                )?;
                for a in &sites {
                    stmt.execute(params![
                        a.site,
                        run_id,
                        a.governance_passed,
                        a.governance_failed,
                        a.governance_skipped,
                        a.recommendation,
                        a.merge_into,
                        serde_json::to_string(&a.evidence).unwrap_or_else(|_| "[]".into()),
                        a.figures.to_string()
                    ])?;
                }
                self.conn.execute(
                    "UPDATE runs SET audited_at = ?2 WHERE id = ?1",
                    params![run_id, now_rfc3339()],
                )?;
                if first_audit {
                    self.add_findings(Some(run_id), &findings)?;
                } else {
                    self.add_findings(None, &findings)?;
                    // Copied in the order they were sent, not sorted: listings sort them by
                    // site, page, kind and target, then by id, and ids given in sending order
                    // break those ties as a sorted copy did. Sorting here cost SQLite a
                    // temporary B-tree of every finding (0.5 s of 1 s at 117,651 findings).
                    self.conn.execute(
                        "INSERT INTO findings (run_id, kind, severity, site, url, target, message, data)
                         SELECT ?1, kind, severity, site, url, target, message, data
                         FROM findings_staged ORDER BY id",
                        params![run_id],
                    )?;
                    self.conn.execute("DELETE FROM findings_staged", [])?;
                }
                let findings_stored = started.elapsed();
                self.stage_pages(&pages)?;
                self.conn.execute("DELETE FROM page_text", [])?;
                self.conn.execute(
                    "INSERT INTO page_text (url_id, run_id, word_count, content_hash,
                        sentence_count, syllable_count, flesch_reading_ease, flesch_kincaid_grade,
                        gunning_fog, smog_index, coleman_liau_index, automated_readability_index,
                        dale_chall, scored, over_target, not_a_page)
                     SELECT url_id, ?1, word_count, content_hash,
                        sentence_count, syllable_count, flesch_reading_ease, flesch_kincaid_grade,
                        gunning_fog, smog_index, coleman_liau_index, automated_readability_index,
                        dale_chall, scored, over_target, not_a_page
                     FROM page_text_staged",
                    params![run_id],
                )?;
                self.conn.execute("DELETE FROM page_text_staged", [])?;
                self.conn.execute("DELETE FROM block_audit", [])?;
                let mut stmt = self.conn.prepare_cached(
                    "INSERT OR REPLACE INTO block_audit (id, result) VALUES (?1, ?2)",
                )?;
                for (id, result) in &blocks {
                    stmt.execute(params![id, result])?;
                }
                // What was kept of pages this audit no longer reads is of no use to the next.
                self.conn.execute(
                    "DELETE FROM page_audit WHERE url_id NOT IN (SELECT url_id FROM page_text)",
                    [],
                )?;
                log::debug!(
                    "audit's end stored: findings in {:.1} s, the rest in {:.1} s",
                    findings_stored.as_secs_f64(),
                    (started.elapsed() - findings_stored).as_secs_f64()
                );
                Ok(true)
            }
            WriteOp::BeginAudit { run_id } => {
                self.conn.execute("DELETE FROM findings_staged", [])?;
                self.conn.execute("DELETE FROM page_text_staged", [])?;
                let audited: Option<String> = self
                    .conn
                    .query_row(
                        "SELECT audited_at FROM runs WHERE id = ?1",
                        params![run_id],
                        |r| r.get(0),
                    )
                    .optional()?
                    .flatten();
                self.first_audit = None;
                if audited.is_none() {
                    // What a killed first audit of this run wrote is of no use.
                    self.conn
                        .execute("DELETE FROM findings WHERE run_id = ?1", params![run_id])?;
                    self.first_audit = Some(run_id);
                }
                Ok(false)
            }
            WriteOp::StageFindings(findings) => {
                self.add_findings(self.first_audit, &findings)?;
                Ok(false)
            }
            WriteOp::StagePages(pages) => {
                self.stage_pages(&pages)?;
                Ok(false)
            }
            WriteOp::KeepPages(kept) => {
                let mut stmt = self.conn.prepare_cached(
                    "INSERT OR REPLACE INTO page_audit (url_id, body_hash, program, context, keys, head, result, sample, passages)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )?;
                for k in &kept {
                    stmt.execute(params![
                        k.url_id,
                        k.body_hash,
                        k.program,
                        k.context,
                        k.keys,
                        k.head,
                        k.result,
                        k.sample,
                        k.passages
                    ])?;
                }
                Ok(false)
            }
            WriteOp::ChannelDoc {
                site_id,
                run_id,
                path,
                format,
                text,
                error,
            } => {
                let body = text.as_deref().map(compress);
                self.conn.execute(
                    "INSERT INTO channel_docs (site_id, run_id, path, format, body, error)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (site_id) DO UPDATE SET run_id = ?2, path = ?3, format = ?4,
                        body = ?5, error = ?6",
                    params![site_id, run_id, path, format, body, error],
                )?;
                Ok(true)
            }
            WriteOp::Finish { run_id } => {
                self.conn.execute(
                    "UPDATE runs SET status = 'finished', finished_at = ?2 WHERE id = ?1",
                    params![run_id, now_rfc3339()],
                )?;
                Ok(true)
            }
            WriteOp::Flush(reply) => {
                replies.push(reply);
                Ok(true)
            }
        }
    }

    fn prepare(
        &mut self,
        inventory: &str,
        settings: &str,
        sites: &[SiteInput],
    ) -> SqlResult<Prepared> {
        let running: Option<i64> = self
            .conn
            .query_row(
                "SELECT id FROM runs WHERE inventory = ?1 AND status = 'running' ORDER BY id DESC LIMIT 1",
                params![inventory],
                |r| r.get(0),
            )
            .optional()?;
        let (run_id, resumed) = match running {
            Some(id) => (id, true),
            None => {
                self.conn.execute(
                    "INSERT INTO runs (inventory, started_at, status, settings) VALUES (?1, ?2, 'running', ?3)",
                    params![inventory, now_rfc3339(), settings],
                )?;
                (self.conn.last_insert_rowid(), false)
            }
        };
        // Bulk load: maintaining the link-target index row by row is the writer's largest cost, so a
        // crawl drops it and rebuilds it in one sorted pass when the writer closes.
        self.conn.execute_batch("DROP INDEX IF EXISTS links_to")?;
        let mut out = Vec::with_capacity(sites.len());
        for s in sites {
            let id: i64 = self.conn.query_row(
                "INSERT INTO sites (origin, start_url, channel, path, name, agency, office, owner, topics,
                                    audiences, extra, inventory_line, run_id, inventory_row)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
                 ON CONFLICT(origin) DO UPDATE SET start_url = excluded.start_url,
                    channel = excluded.channel, path = excluded.path, name = excluded.name,
                    agency = excluded.agency, office = excluded.office, owner = excluded.owner,
                    topics = excluded.topics, audiences = excluded.audiences, extra = excluded.extra,
                    inventory_line = excluded.inventory_line, run_id = excluded.run_id,
                    inventory_row = excluded.inventory_row
                 RETURNING id",
                params![
                    s.origin, s.start_url, s.channel, s.path, s.name, s.agency, s.office, s.owner,
                    s.topics, s.audiences, s.extra, s.line as i64, run_id, s.row
                ],
                |r| r.get(0),
            )?;
            for alias in &s.aliases {
                self.conn.execute(
                    "INSERT INTO site_aliases (origin, site_id) VALUES (?1, ?2)
                     ON CONFLICT(origin) DO UPDATE SET site_id = excluded.site_id",
                    params![alias, id],
                )?;
            }
            let (robots_status, robots_txt, seeded_run): (
                Option<i64>,
                Option<String>,
                Option<i64>,
            ) = self.conn.query_row(
                "SELECT robots_status, robots_txt, seeded_run FROM sites WHERE id = ?1",
                params![id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            let seeded = seeded_run == Some(run_id);
            out.push(PreparedSite {
                id,
                origin: s.origin.clone(),
                // robots.txt is re-read at the start of every new run, kept for a resumed one.
                robots_status: if seeded { robots_status } else { None },
                robots_txt: if seeded { robots_txt } else { None },
                seeded,
            });
        }
        self.earlier_pages = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM pages WHERE run_id <> ?1)",
            params![run_id],
            |r| r.get(0),
        )?;
        if !resumed {
            // A new run re-crawls: this inventory's URLs go back to "seen" and are queued again
            // when the new run finds them, and external URLs checked before are checked again.
            // Another inventory's interrupted run keeps its frontier.
            let ids: Vec<String> = out.iter().map(|p| p.id.to_string()).collect();
            self.conn.execute(
                &format!(
                    concat!(
                        "UPDATE urls SET state = ",
                        url_state_sql!(SEEN),
                        ", reason = 'previous run'
                     WHERE (site_id IN ({}) AND state <> ",
                        url_state_sql!(SEEN),
                        ") OR (site_id IS NULL AND state IN (",
                        url_state_sql!(DONE),
                        ", ",
                        url_state_sql!(BLOCKED),
                        ")",
                        ")"
                    ),
                    ids.join(",")
                ),
                [],
            )?;
        }
        Ok(Prepared {
            run_id,
            resumed,
            sites: out,
        })
    }

    fn upsert_url(&mut self, d: &Discovery) -> SqlResult<i64> {
        let key = self.hasher.hash_one(&d.url);
        if let Some(&(id, state)) = self.urls.get(&key) {
            let upgrade = state == url_state::SEEN && d.state != url_state::SEEN;
            if !upgrade && d.lastmod.is_none() && d.via != FoundVia::Sitemap {
                return Ok(id);
            }
        }
        let mut stmt = self.conn.prepare_cached(
            concat!("INSERT INTO urls (url, site_id, depth, state, reason, found_via, redirect_depth, sitemap_lastmod, in_sitemap)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?6 = 'sitemap')
             ON CONFLICT(url) DO UPDATE SET
                depth = CASE WHEN urls.state = ", url_state_sql!(SEEN), " AND excluded.state <> ", url_state_sql!(SEEN), " THEN excluded.depth ELSE urls.depth END,
                reason = CASE WHEN urls.state = ", url_state_sql!(SEEN), " AND excluded.state <> ", url_state_sql!(SEEN), " THEN excluded.reason ELSE urls.reason END,
                found_via = CASE WHEN urls.state = ", url_state_sql!(SEEN), " AND excluded.state <> ", url_state_sql!(SEEN), " THEN excluded.found_via ELSE urls.found_via END,
                redirect_depth = CASE WHEN urls.state = ", url_state_sql!(SEEN), " AND excluded.state <> ", url_state_sql!(SEEN), " THEN excluded.redirect_depth ELSE urls.redirect_depth END,
                state = CASE WHEN urls.state = ", url_state_sql!(SEEN), " AND excluded.state <> ", url_state_sql!(SEEN), " THEN excluded.state ELSE urls.state END,
                sitemap_lastmod = COALESCE(excluded.sitemap_lastmod, urls.sitemap_lastmod),
                in_sitemap = MAX(urls.in_sitemap, excluded.in_sitemap)
             RETURNING id, state"),
        )?;
        let (id, state): (i64, i64) = stmt.query_row(
            params![
                d.url,
                d.site_id,
                d.depth,
                d.state,
                d.reason,
                d.via,
                d.redirect_depth,
                d.lastmod
            ],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        self.urls.insert(key, (id, state));
        Ok(id)
    }

    /// Adds pages' measurements to those the running audit sent ahead.
    fn stage_pages(&self, pages: &[PageText]) -> rusqlite::Result<()> {
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO page_text_staged (url_id, word_count, content_hash,
                sentence_count, syllable_count, flesch_reading_ease, flesch_kincaid_grade,
                gunning_fog, smog_index, coleman_liau_index, automated_readability_index,
                dale_chall, scored, over_target, not_a_page)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        )?;
        for p in pages {
            let s = &p.scores;
            stmt.execute(params![
                p.url_id,
                p.word_count,
                p.content_hash,
                p.sentence_count,
                p.syllable_count,
                s.flesch_reading_ease,
                s.flesch_kincaid_grade,
                s.gunning_fog,
                s.smog_index,
                s.coleman_liau_index,
                s.automated_readability_index,
                s.dale_chall,
                p.scored,
                p.over_target,
                p.not_a_page
            ])?;
        }
        Ok(())
    }

    /// Adds findings the running audit sends: to run `run_id`'s findings (its first audit), or
    /// with none, to `findings_staged`.
    fn add_findings(
        &self,
        run_id: Option<i64>,
        findings: &[crate::model::Finding],
    ) -> rusqlite::Result<()> {
        let mut stmt = self.conn.prepare_cached(match run_id {
            Some(_) => {
                "INSERT INTO findings (kind, severity, site, url, target, message, data, run_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
            }
            None => {
                "INSERT INTO findings_staged (kind, severity, site, url, target, message, data)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
            }
        })?;
        for f in findings {
            let data = serde_json::to_string(&f.extra).unwrap_or_else(|_| "{}".into());
            let row = params![
                f.kind,
                f.severity.as_str(),
                f.site,
                f.url,
                f.target(),
                f.message,
                data
            ];
            match &run_id {
                Some(run) => stmt.execute(rusqlite::params_from_iter(
                    row.iter().chain([&(run as &dyn rusqlite::ToSql)]),
                ))?,
                None => stmt.execute(row)?,
            };
        }
        Ok(())
    }

    fn fetched(&mut self, rec: &FetchRecord) -> SqlResult<()> {
        let id = rec.url_id;
        if rec.blocked {
            self.conn
                .prepare_cached(concat!(
                    "UPDATE urls SET state = ",
                    url_state_sql!(BLOCKED),
                    ", reason = 'robots.txt' WHERE id = ?1"
                ))?
                .execute(params![id])?;
            return Ok(());
        }
        self.conn
            .prepare_cached(concat!(
                "UPDATE urls SET state = ",
                url_state_sql!(DONE),
                " WHERE id = ?1"
            ))?
            .execute(params![id])?;
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO pages (url_id, run_id, method, status, final_url, content_type,
                    size, fetched_at, fetch_ms, attempts, etag, last_modified, body_hash, title,
                    charset, truncated, error, hsts)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
            )?
            .execute(params![
                id,
                rec.run_id,
                rec.method,
                rec.status,
                rec.final_url,
                rec.content_type,
                rec.size.map(|s| s as i64),
                rec.fetched_at,
                rec.fetch_ms as i64,
                rec.attempts,
                rec.etag,
                rec.last_modified,
                rec.body_hash,
                rec.title,
                rec.charset,
                rec.truncated,
                rec.error,
                rec.hsts
            ])?;
        // A re-crawl replaces what the page said last time. Only an earlier run can have left rows
        // behind (a resumed run never fetches a committed page again), so a first crawl skips this.
        if self.earlier_pages {
            self.conn
                .prepare_cached("DELETE FROM links WHERE from_id = ?1")?
                .execute(params![id])?;
            self.conn
                .prepare_cached("DELETE FROM redirects WHERE url_id = ?1")?
                .execute(params![id])?;
        }
        match &rec.body {
            Some(body) => {
                self.conn
                    .prepare_cached(
                        "INSERT OR REPLACE INTO bodies (url_id, encoding, body) VALUES (?1, 'deflate', ?2)",
                    )?
                    .execute(params![id, body])?;
            }
            None if self.earlier_pages => {
                self.conn
                    .prepare_cached("DELETE FROM bodies WHERE url_id = ?1")?
                    .execute(params![id])?;
            }
            None => {}
        }
        let targets: Vec<i64> = rec
            .links
            .iter()
            .map(|l| self.upsert_url(&l.target))
            .collect::<SqlResult<_>>()?;
        let mut insert_link = self.conn.prepare_cached(
            "INSERT INTO links (from_id, position, to_id, kind, anchor, rel, fragment)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for (position, (link, to)) in rec.links.iter().zip(targets).enumerate() {
            insert_link.execute(params![
                id,
                position as i64,
                to,
                link.kind,
                link.anchor,
                link.rel,
                link.fragment
            ])?;
        }
        for (i, hop) in rec.hops.iter().enumerate() {
            self.conn
                .prepare_cached(
                    "INSERT INTO redirects (url_id, hop, from_url, to_url, status) VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![id, i as i64 + 1, hop.from, hop.to, hop.status])?;
        }
        for (attempt, kind, message) in &rec.attempt_errors {
            self.conn
                .prepare_cached(
                    "INSERT INTO fetch_errors (url_id, run_id, attempt, at, kind, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(params![id, rec.run_id, attempt, rec.fetched_at, kind, message])?;
        }
        Ok(())
    }
}

/// The current time as RFC 3339 (UTC, seconds).
pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

/// Today's date (UTC) as `YYYY-MM-DD`: the form dates are stored and compared in (ISO dates
/// sort as the days they name).
pub fn today() -> String {
    day_of(std::time::SystemTime::now())
}

/// The date (UTC) of a moment as `YYYY-MM-DD`.
pub fn day_of(t: std::time::SystemTime) -> String {
    match jiff::Timestamp::try_from(t) {
        Ok(ts) => ts.to_zoned(jiff::tz::TimeZone::UTC).date().to_string(),
        // Outside jiff's years -9999..=9999: no date a page or server gives is that far off.
        Err(_) => String::new(),
    }
}

/// The current year (UTC).
pub fn this_year() -> i32 {
    i32::from(
        jiff::Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .year(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compress_round_trips() {
        let s = "<html><body>é — ok</body></html>".repeat(50);
        assert_eq!(
            decompress("deflate", &compress(&s)).as_deref(),
            Some(s.as_str())
        );
        assert_eq!(decompress("zstd", b"x"), None);
    }
}
