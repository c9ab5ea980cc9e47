//! The page pass: every stored page read once, on every core.
//!
//! Pages are read one site at a time, because template removal needs all of a site's pages: a
//! block on most of them is the site's template. Per site, in three steps:
//! 1. **read** (parallel): decompress, parse, tell pages from non-pages, governance signals and
//!    marked questions, and each block's key (its lower-case text hashed once);
//! 2. **template** (one thread, hashes only): blocks on most pages are removed, blocks several
//!    pages share are found;
//! 3. **measure** (parallel): fingerprint, readability, plain language, topic words and the
//!    page's answer source.
//!
//! Results are merged in page order, so the output does not depend on how work was scheduled.
//! What leaves the pass per page is compact (a [`PageText`] row, its findings, a fingerprint,
//! governance signals, dates, claims): the cross-page passes work from those.
//!
//! **Incremental.** What the pass found on each page is kept in the store (`page_audit`) with
//! what it depended on: the body, the program and rules, the site's names, whether the page is a
//! "not found" page and what governance reads of other pages ([`program_hash`]), and, once the
//! site's template is known, which of the page's blocks are template or shared
//! ([`context_hash`]). A re-audit takes a kept result when all of them are unchanged, and reads
//! the page again otherwise, so its output is the same as a full audit's.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::scratch;
use super::{answers, consolidation, duplicates, freshness, governance, links};
use super::{plain_language, readability};
use crate::extract::answers::AnswerUnit;
use crate::extract::document::{self, NotAPage};
use crate::extract::page::{self, Page};
use crate::model::Finding;
use crate::rules::RuleSet;
use crate::store::{self, ContentPage, PageText, Store};

use super::Error;

/// Pages whose bodies are read from the store at a time before the cores parse them: bounds
/// the compressed bodies held at once.
const READ_CHUNK: usize = 512;

/// A site with more pages than this holds them packed (compressed) between the read and
/// measure steps: its template needs all of them read first, and a site of 100,000 pages must
/// not need their parsed text in memory at once. Packing costs a little CPU per page, so small
/// sites do without it.
const PACK_ABOVE: usize = 2_000;

/// What the page pass produced.
pub(super) struct Content {
    /// Pages the duplicate audit compares.
    pub compared: Vec<duplicates::ComparedPage>,
    /// What was measured on the pages since the last were sent ahead to the writer.
    pub measured: Vec<PageText>,
    /// Pages whose measurements were sent ahead.
    measured_sent: usize,
    /// Readability, plain-language and governance findings not yet sent to the writer (they
    /// are sent ahead, a chunk of pages or a site at a time).
    ahead: Vec<Finding>,
    /// The page pass's findings per kind.
    pub counts: std::collections::BTreeMap<String, usize>,
    /// Each site's governance result, by origin (sites with pages only), without its findings:
    /// those were sent ahead.
    pub governance: HashMap<String, governance::SiteResult>,
    /// When each site last changed, from the dates that mean something on it, by origin.
    pub newest: HashMap<String, freshness::Newest>,
    /// The governance signals of the site being read: decided when its last page is in.
    site_signals: Vec<governance::PageSignals>,
    /// The dates the pages of the site being read carry (headers, sitemap, stated).
    site_dated: Vec<freshness::PageDates>,
    /// Main-text vocabulary per site.
    pub topics: consolidation::Topics,
    /// Per site: pages measured, and the grades of its scored pages.
    pub measured_pages: HashMap<std::sync::Arc<str>, (usize, Vec<f64>)>,
    /// Fetched `text/html` answers that are not pages, and why.
    pub not_pages: HashMap<String, NotAPage>,
    /// Pages (and non-pages) whose kept result was used.
    pub reused: usize,
    /// The pages' claims, in page order, for the answers collector.
    pub claims: Vec<answers::SourceClaims>,
    /// Every site's shared blocks as checked, to keep for the next audit: (id, JSON).
    pub blocks: Vec<(String, String)>,
    /// The compared pages that name a canonical page: (index in `compared`, its page key).
    canonicals: Vec<(usize, String)>,
    /// The sampled passage hashes of the compared pages, by part of the duplicate index, under
    /// each page's `urls` id: their fingerprints hold none (see [`Content::spill_sample`]).
    pub samples: scratch::Parts,
    /// How the duplicate index is split (for as many pages as are read), and so which of
    /// `samples`' files a part is in.
    pub index_parts: duplicates::IndexParts,
}

/// What the page pass needs besides the pages.
pub(super) struct Context<'a> {
    pub rules: &'a RuleSet,
    /// Addresses that are another address's page under a second query string.
    pub same_as: &'a HashMap<String, String>,
    /// Pages that are "not found" pages served with 200.
    pub soft_404: &'a HashSet<String>,
    pub governance: &'a governance::Checker<'a>,
    /// What the crawl stored about each site, for its governance.
    pub sites: &'a [governance::SiteFacts],
    /// Reads claims; only adds them in the merge, in page order.
    pub collector: &'a answers::Collector<'a>,
    /// The organisation's own names, which the claims depend on.
    pub org_names: &'a [String],
    /// Told the pages read so far (pages and non-pages, in order), after each chunk.
    pub progress: &'a (dyn Fn(usize) + Sync),
}

/// Where the time goes, summed over threads: parse, template, fingerprint, answer claims,
/// plain language; and the wall time of each step over all sites ([`Step`]).
#[derive(Default)]
struct Spent([Duration; 5], [Duration; 5]);

/// The steps of a site's page pass, as timed in [`Spent`]'s wall times.
#[derive(Clone, Copy)]
enum Step {
    Read,
    Template,
    ReadAgain,
    SharedBlocks,
    Measure,
}

impl Spent {
    /// Adds the wall time since `*from` to `step`, and restarts the clock.
    fn step(&mut self, step: Step, from: &mut Instant) {
        let now = Instant::now();
        self.1[step as usize] += now - *from;
        *from = now;
    }
}

/// One page after the read step.
enum Read {
    /// No stored body (a fetch that failed after the page was listed).
    NoBody,
    /// A fetched answer the page audits leave out, and why.
    NotAPage(NotAPage),
    /// A page, and its governance signals.
    Page(Box<ReadPage>, governance::PageSignals),
}

/// A page as read, before its site's template is known.
struct ReadPage {
    /// The page (empty while packed).
    page: Page,
    /// `page` and `marked`, deflated JSON, while the page waits for its site's template.
    packed: Option<Packed>,
    /// Each block's key ([`page::block_key`]) before template removal.
    keys: Vec<u128>,
    /// Each block as written ([`exact_key`]), parallel to `keys`.
    exact: Vec<u128>,
    /// The keys of the blocks left once the template is removed, parallel to `page.blocks`.
    post_template: Vec<u128>,
    marked: Vec<AnswerUnit>,
    spent: Duration,
}

/// A block exactly as the plain-language check reads it (text as written, kind, inline code,
/// link words): a shared block checked once is reused only for the same block.
fn exact_key(b: &page::Block) -> u128 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(format!("{:?}|{:?}|{}|", b.kind, b.code, b.link_words).as_bytes());
    h.update(b.text.as_bytes());
    h.digest128()
}

/// A packed page: its bytes, until the read step puts them in the site's scratch file.
enum Packed {
    Here(Vec<u8>),
    Spilled(scratch::Spot),
}

impl ReadPage {
    /// Packs the page until its site's template is known (see [`PACK_ABOVE`]).
    fn pack(&mut self) {
        let page = std::mem::take(&mut self.page);
        let marked = std::mem::take(&mut self.marked);
        let json = serde_json::to_string(&(&page, &marked)).unwrap_or_default();
        self.packed = Some(Packed::Here(store::compress(&json)));
    }

    /// Moves a packed page's bytes to the site's scratch file: a site of 200,000 pages waits
    /// for its template on disk, not in memory.
    fn spill(&mut self, to: &mut scratch::Records) -> Result<(), scratch::Error> {
        if let Some(Packed::Here(bytes)) = &self.packed {
            self.packed = Some(Packed::Spilled(to.put(bytes)?));
        }
        Ok(())
    }

    /// The page and its marked answers, when packed (`None` when a packed page does not decode,
    /// which a page this audit packed always does).
    fn parts(
        &self,
        from: Option<&scratch::Records>,
    ) -> Result<Option<(Page, Vec<AnswerUnit>)>, scratch::Error> {
        let spilled;
        let bytes = match (&self.packed, from) {
            (None, _) => return Ok(None),
            (Some(Packed::Here(bytes)), _) => bytes,
            (Some(Packed::Spilled(spot)), Some(from)) => {
                spilled = from.get(*spot)?;
                &spilled
            }
            (Some(Packed::Spilled(_)), None) => return Ok(None),
        };
        let json = store::decompress("deflate", bytes);
        Ok(json.and_then(|json| serde_json::from_str(&json).ok()))
    }

    /// Unpacks a packed page and removes its site's template from it, as the unpacked pages'
    /// was removed when the template became known.
    fn unpack(
        &mut self,
        template: &page::KeySet,
        from: Option<&scratch::Records>,
    ) -> Result<(), scratch::Error> {
        let Some((page, marked)) = self.parts(from)? else {
            return Ok(());
        };
        self.packed = None;
        self.page = page;
        self.marked = marked;
        remove_template(&mut self.page, &self.keys, template);
        Ok(())
    }

    /// Block `i` of the page without its template (`post_template` order).
    fn block_after_template(
        &self,
        i: usize,
        template: &page::KeySet,
        from: Option<&scratch::Records>,
    ) -> Result<Option<page::Block>, scratch::Error> {
        if self.packed.is_none() {
            return Ok(self.page.blocks.get(i).cloned());
        }
        let Some((mut page, _)) = self.parts(from)? else {
            return Ok(None);
        };
        remove_template(&mut page, &self.keys, template);
        Ok(page.blocks.get(i).cloned())
    }
}

/// A page as read, packed when its site is large (see [`PACK_ABOVE`]).
fn packed(mut read: Read, pack: bool) -> Read {
    if let (Read::Page(r, _), true) = (&mut read, pack) {
        r.pack();
    }
    read
}

/// Removes the blocks whose keys are the template's (`keys` parallel to the page's blocks).
fn remove_template(page: &mut Page, keys: &[u128], template: &page::KeySet) {
    if !template.is_empty() {
        let mut keep_block = keys.iter().map(|k| !template.contains(k));
        page.blocks.retain(|_| keep_block.next().unwrap_or(true));
    }
}

/// The read step of one page.
fn read(url: &str, body: Option<(String, Vec<u8>)>, ctx: &Context<'_>) -> Read {
    let Some(html) = body.and_then(|(enc, bytes)| store::decompress(&enc, &bytes)) else {
        return Read::NoBody;
    };
    let t = Instant::now();
    let bounded = crate::extract::html::bound_nesting(&html);
    if matches!(bounded, std::borrow::Cow::Owned(_)) {
        log::warn!(
            "{url}: markup nested deeper than {} elements; the deeper elements are read as their text",
            crate::extract::html::MAX_DEPTH
        );
    }
    // One parse for the page and its FAQ markup (JSON-LD, details, dl, accordions).
    let doc = scraper::Html::parse_document(&bounded);
    let page = page::from_document(&doc);
    let why_not = if ctx.soft_404.contains(url) {
        Some(NotAPage::NotFound)
    } else {
        document::not_a_page(&html, &doc, &page)
    };
    if let Some(why) = why_not {
        log::debug!("{url}: not audited as a page: {}", why.reason());
        return Read::NotAPage(why);
    }
    let signals = ctx.governance.page(url, &doc);
    let marked = crate::extract::answers::from_document(&doc);
    // The page's ids are the links audit's (read from the crawl's anchors), not the page pass's.
    let page = Page {
        anchors: Default::default(),
        ..page
    };
    let keys = page.blocks.iter().map(page::block_key).collect();
    let exact = page.blocks.iter().map(exact_key).collect();
    Read::Page(
        Box::new(ReadPage {
            page,
            packed: None,
            keys,
            exact,
            post_template: Vec::new(),
            marked,
            spent: t.elapsed(),
        }),
        signals,
    )
}

/// What the measure step found on one page: what the cross-page passes and the store need of
/// it, kept for the next audit as it is.
#[derive(Serialize, Deserialize)]
struct Measured {
    page_text: PageText,
    findings: Vec<Finding>,
    /// Set when the duplicate audit compares the page: it and the page its canonical link names.
    compared: Option<(duplicates::ComparedPage, Option<String>)>,
    /// Distinct topic words of the main text with their counts.
    topic_words: Vec<(u32, u32)>,
    /// The page's answer source when it makes claims (an index makes none: its lines are other
    /// pages' teasers).
    source: Option<answers::Source>,
    /// Those claims, found on the thread that measured the page (or decoded its kept result).
    #[serde(skip)]
    claims: Option<answers::SourceClaims>,
    /// The page's grade when it counts toward its site's median (a scored page).
    grade: Option<f64>,
}

/// A page measured in this audit: what was measured, the time each part took (fingerprint,
/// answer source, plain language), the encoded result to keep, and a compared page's passage
/// hashes, kept beside it (the result and the audit hold only a sample of them).
type MeasuredNow = (Measured, [Duration; 3], KeptMeasurement, Option<Vec<u8>>);

/// A chunk of a site's pages measured and waiting to be merged: its entries with their
/// contexts, what was measured on each, and its rows.
type MeasuredChunk<'a, 'p> = (Vec<(Entry, String)>, Vec<Measure>, &'a [&'p ContentPage]);

/// One page of a chunk, measured now or decoded from what was kept.
enum Measure {
    Fresh(MeasuredNow),
    Kept(Measured),
}

/// What the page pass keeps of one page for the next audit, in two parts. The head
/// (`page_audit.head`, JSON) is what the read step needs before the site's template is known:
/// whether it is a page, and its governance signals. A page's measurement (`page_audit.result`,
/// compressed JSON) is decoded only when the page is reused, a chunk at a time (a site of
/// 20,000 reused pages held decoded at once was 300 MB; and inflating the whole result for the
/// head was a tenth of a re-audit's CPU).
#[derive(Deserialize)]
enum KeptHead {
    /// Not a page, and why.
    NotAPage(NotAPage),
    /// A page, and its governance signals.
    Page(governance::PageSignals),
}

/// [`KeptHead`] borrowed, to store what is also used at once (serialises the same).
#[derive(Serialize)]
enum KeptHeadRef<'a> {
    NotAPage(&'a NotAPage),
    Page(&'a governance::PageSignals),
}

impl KeptHeadRef<'_> {
    fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// A kept head, if it decodes.
fn decode_head(bytes: &[u8]) -> Option<KeptHead> {
    serde_json::from_slice(bytes)
        .map_err(|e| log::debug!("a kept page result does not decode ({e}): read again"))
        .ok()
}

/// A page's measurement as kept: compressed JSON (`page_audit.result`) and, apart, a compared
/// page's sampled passage hashes (`page_audit.sample`: in the JSON, they were base64 that
/// neither compresses nor decodes for free, and most of its bytes).
struct KeptMeasurement {
    result: Vec<u8>,
    sample: Option<Vec<u8>>,
}

impl KeptMeasurement {
    fn encode(m: &mut Measured) -> KeptMeasurement {
        let runs = m.compared.as_mut().map(|(p, _)| {
            let mut runs = std::mem::take(&mut p.fingerprint.runs);
            // Sorted as `Content::spill_sample` files them for the duplicate index (the only
            // use of a sample it spills): done here, on every core, and kept sorted, so that
            // a reused page's sample needs no sorting in the merge, which runs on one.
            if p.url_id.is_some() && p.fingerprint.sampled {
                runs.sort_unstable();
            }
            runs
        });
        let result = store::compress(&serde_json::to_string(m).unwrap_or_default());
        let sample = runs.map(|runs| {
            let bytes = runs.iter().flat_map(|r| r.to_le_bytes()).collect();
            if let Some((p, _)) = &mut m.compared {
                p.fingerprint.runs = runs;
            }
            bytes
        });
        KeptMeasurement { result, sample }
    }

    /// The measurement, decoded when its page's chunk is measured.
    fn decode(&self, ctx: &Context<'_>) -> Result<Measured, Error> {
        let text = store::decompress("deflate", &self.result).ok_or(Error::KeptResult)?;
        // The head of the same row decoded: only a broken kept row can fail here.
        let mut m: Measured = serde_json::from_str(&text).map_err(|_| Error::KeptResult)?;
        if let (Some((p, _)), Some(sample)) = (&mut m.compared, &self.sample) {
            p.fingerprint.runs = duplicates::runs_from_bytes(sample);
        }
        m.claims = m.source.as_ref().and_then(|s| ctx.collector.claims_for(s));
        Ok(m)
    }
}

/// Runs `cores` (work spread over the thread pool) on a thread of its own while `meanwhile`
/// runs on this one: one chunk's serial work (reading the store, merging results in page order)
/// overlaps the next chunk's parallel work, where it left a core idle.
fn overlapped<A: Send, B>(
    cores: impl FnOnce() -> A + Send,
    meanwhile: impl FnOnce() -> B,
) -> (A, B) {
    std::thread::scope(|s| {
        let handle = s.spawn(cores);
        let b = meanwhile();
        match handle.join() {
            Ok(a) => (a, b),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// What the read step does with one page.
enum Work {
    /// Nothing: the page stands for another address.
    Skip,
    /// Read the body.
    Read(Option<(String, Vec<u8>)>),
    /// Decode what an earlier audit kept.
    Kept(store::KeptPage),
}

/// What the read step did with one page.
enum Done {
    Read(Read),
    /// A kept result (its head decoded, and its measurement's bytes to decode later), the page's
    /// block keys and exact keys, and the context it was computed in.
    Kept(KeptHead, KeptMeasurement, (Vec<u128>, Vec<u128>), String),
    /// A kept result this build cannot decode.
    Unreadable,
}

fn keys_to_bytes(keys: &[u128]) -> Vec<u8> {
    keys.iter().flat_map(|k| k.to_le_bytes()).collect()
}

fn keys_from_bytes(bytes: &[u8]) -> Vec<u128> {
    bytes
        .chunks_exact(16)
        .map(|c| {
            let mut b = [0u8; 16];
            b.copy_from_slice(c);
            u128::from_le_bytes(b)
        })
        .collect()
}

/// Builds a "not measured" row for a fetched answer that is not a page.
fn not_measured(url_id: i64, why: &NotAPage) -> PageText {
    PageText {
        url_id,
        word_count: 0,
        content_hash: String::new(),
        sentence_count: 0,
        syllable_count: 0,
        scores: Default::default(),
        scored: false,
        over_target: false,
        not_a_page: Some(why.reason()),
    }
}

/// One page of a site between the read and the measure steps.
enum Entry {
    /// Read in this audit.
    Fresh(Box<ReadPage>, governance::PageSignals),
    /// Kept by an earlier audit from the same body: reused if its context is unchanged.
    Kept {
        keys: Vec<u128>,
        exact: Vec<u128>,
        context: String,
        signals: governance::PageSignals,
        /// The kept measurement, still encoded.
        result: KeptMeasurement,
    },
}

impl Entry {
    fn keys(&self) -> &[u128] {
        match self {
            Entry::Fresh(r, _) => &r.keys,
            Entry::Kept { keys, .. } => keys,
        }
    }

    fn signals(&self) -> &governance::PageSignals {
        match self {
            Entry::Fresh(_, s) | Entry::Kept { signals: s, .. } => s,
        }
    }

    /// The exact key of the page's first block with `key`.
    fn exact_of(&self, key: u128) -> u128 {
        let (keys, exact) = match self {
            Entry::Fresh(r, _) => (&r.keys, &r.exact),
            Entry::Kept { keys, exact, .. } => (keys, exact),
        };
        keys.iter()
            .position(|k| *k == key)
            .and_then(|i| exact.get(i).copied())
            .unwrap_or_default()
    }
}

/// What a page's page-pass result depends on besides its body, known before its site's
/// template: the program, the rules, what the governance checker reads of other pages, the
/// site's names, and whether the page is a "not found" page.
fn program_hash(global: u64, site_names: &[&str], soft_404: bool) -> String {
    format!(
        "{:016x}",
        xxhash_rust::xxh3::xxh3_64(format!("{global}|{site_names:?}|{soft_404}").as_bytes())
    )
}

/// What a page's result depends on once its site's template is known: which of its blocks are
/// the template and which other pages share, and today's date when the page states a future
/// "last updated" date (a date not after today reads the same on any later day).
fn context_hash(
    keys: &[u128],
    template: &page::KeySet,
    shared: &page::SharedBlocks,
    signals: &governance::PageSignals,
    today: &str,
) -> String {
    let mut in_template: Vec<u128> = keys
        .iter()
        .copied()
        .filter(|k| template.contains(k))
        .collect();
    in_template.sort_unstable();
    in_template.dedup();
    let mut in_shared: Vec<u128> = keys
        .iter()
        .copied()
        .filter(|k| !template.contains(k) && shared.contains_key(k))
        .collect();
    in_shared.sort_unstable();
    in_shared.dedup();
    let future = signals
        .stated_any
        .as_deref()
        .is_some_and(|d| d > today)
        .then_some(today);
    // The keys' bytes, not their text: this runs for every page of every audit.
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for part in [&in_template, &in_shared] {
        h.update(&(part.len() as u64).to_le_bytes());
        for k in part {
            h.update(&k.to_le_bytes());
        }
    }
    h.update(future.unwrap_or("-").as_bytes());
    format!("{:016x}", h.digest())
}

/// Identifies this build of govaudit (its file's size and time): results kept by another build
/// are computed again, as its code may judge differently.
fn program_identity() -> String {
    std::env::current_exe()
        .and_then(std::fs::metadata)
        .map(|m| format!("{}|{:?}", m.len(), m.modified().ok()))
        .unwrap_or_default()
}

/// Reads every content page site by site (see the module docs). With `reuse`, a page whose body
/// and everything else its result depends on are unchanged since the last audit is not read
/// again: its kept result is used.
pub(super) fn run(
    store: &Store,
    writer: &store::Writer,
    all: &[ContentPage],
    ctx: &Context<'_>,
    reuse: bool,
) -> Result<Content, Error> {
    // What readers see besides the main text: the site's and agency's names.
    let site_names: HashMap<String, Vec<String>> = store
        .site_names()?
        .into_iter()
        .map(|s| {
            let names = [s.name, s.agency, s.office].into_iter().flatten().collect();
            (s.site, names)
        })
        .collect();
    let pass = Pass {
        store,
        writer,
        ctx,
        reuse,
        checker: plain_language::Checker::new(&ctx.rules.plain_language),
        global: xxhash_rust::xxh3::xxh3_64(
            format!(
                "{}|{:016x}|{:016x}|{:?}",
                program_identity(),
                ctx.rules.fingerprint(),
                ctx.governance.outside_page(),
                ctx.org_names
            )
            .as_bytes(),
        ),
        today: ctx.governance.today().to_string(),
        dates: store.page_dates()?,
    };
    let index_parts = duplicates::IndexParts::for_pages(all.len());
    let mut out = Content {
        compared: Vec::new(),
        measured: Vec::new(),
        measured_sent: 0,
        ahead: Vec::new(),
        counts: Default::default(),
        governance: HashMap::new(),
        newest: HashMap::new(),
        site_signals: Vec::new(),
        site_dated: Vec::new(),
        topics: consolidation::Topics::default(),
        measured_pages: HashMap::new(),
        not_pages: HashMap::new(),
        reused: 0,
        claims: Vec::new(),
        blocks: Vec::new(),
        canonicals: Vec::new(),
        samples: scratch::Parts::new(index_parts.files())?,
        index_parts,
    };
    let mut spent = Spent::default();
    for site_pages in all.chunk_by(|a, b| a.site == b.site) {
        let names: Vec<&str> = site_names
            .get(&*site_pages[0].site)
            .map(|n| n.iter().map(String::as_str).collect())
            .unwrap_or_default();
        pass.site(site_pages, &names, &mut out, &mut spent)?;
    }
    // A page that names another stored page of its site as canonical is that page's copy by the
    // site's own account (`/page?print=1`). A canonical pointing at a page we do not have, or at
    // the home page (a CMS misconfigured to name it on every page), changes nothing.
    // (Only the named pages are looked for, and the list is cut where it is: at a million
    // pages, every page's key or a second list was 300 MB more at the pass's end.)
    let named: HashSet<&str> = out.canonicals.iter().map(|(_, c)| c.as_str()).collect();
    let stored: HashSet<String> = all
        .iter()
        .filter_map(|p| duplicates::page_key(&p.url))
        .filter(|key| named.contains(key.as_str()))
        .collect();
    let copies: HashSet<usize> = out
        .canonicals
        .iter()
        .filter(|(_, c)| stored.contains(c))
        .map(|(i, _)| *i)
        .collect();
    let mut at = 0;
    out.compared.retain(|_| {
        at += 1;
        !copies.contains(&(at - 1))
    });
    out.canonicals = Vec::new();
    let [parse, template, fingerprints, sources, plain] = spent.0.map(|d| d.as_secs_f64());
    log::info!(
        "page pass (CPU time over all threads): parse {parse:.1} s, template {template:.1} s, fingerprints {fingerprints:.1} s, answer sources {sources:.1} s, plain language {plain:.1} s"
    );
    let [read, template, again, shared, measure] = spent.1.map(|d| d.as_secs_f64());
    log::debug!(
        "page pass (wall time over all sites): read {read:.1} s, template {template:.1} s, read again {again:.1} s, shared blocks {shared:.1} s, measure and merge {measure:.1} s"
    );
    Ok(out)
}

/// What reading every site's pages shares.
struct Pass<'a> {
    store: &'a Store,
    writer: &'a store::Writer,
    ctx: &'a Context<'a>,
    /// Take kept results where they still hold.
    reuse: bool,
    checker: plain_language::Checker<'a>,
    /// Hash of the program, the rules and what governance reads of other pages.
    global: u64,
    today: String,
    /// Each page's server and sitemap dates, by `urls` id.
    dates: HashMap<i64, store::ServerDates>,
}

impl Pass<'_> {
    /// The read step of a site's pages, a chunk at a time: each page read, or its kept result
    /// decoded. Non-pages go to `out` at once (and, read now, to `keep`); the pages are returned
    /// in order, with their rows.
    fn read_site<'p>(
        &self,
        site_pages: &'p [ContentPage],
        names: &[&str],
        out: &mut Content,
        spent: &mut Spent,
        keep: &mut Vec<store::KeptPage>,
        spill: &mut Option<scratch::Records>,
    ) -> Result<(Vec<&'p ContentPage>, Vec<Entry>), Error> {
        let (store, ctx, reuse) = (self.store, self.ctx, self.reuse);
        let program =
            |p: &ContentPage| program_hash(self.global, names, ctx.soft_404.contains(&*p.url));
        let pack = site_pages.len() > PACK_ABOVE;
        let mut rows: Vec<&ContentPage> = Vec::with_capacity(site_pages.len());
        let mut entries: Vec<Entry> = Vec::with_capacity(site_pages.len());
        // What the store holds of each page of a chunk (this thread: the connection is not
        // shared) ...
        let gather = |chunk: &[ContentPage]| -> Result<Vec<Work>, Error> {
            let mut work = Vec::with_capacity(chunk.len());
            for p in chunk {
                if ctx.same_as.contains_key(&*p.url) {
                    work.push(Work::Skip);
                    continue;
                }
                let kept = match (reuse, &p.body_hash) {
                    (true, Some(hash)) => store
                        .kept_page(p.url_id)?
                        .filter(|k| &k.body_hash == hash && k.program == program(p)),
                    _ => None,
                };
                work.push(match kept {
                    Some(k) => Work::Kept(k),
                    None => Work::Read(store.raw_body(p.url_id)?),
                });
            }
            Ok(work)
        };
        // ... and what the cores make of it.
        let process = |chunk: &[ContentPage], work: Vec<Work>| -> Vec<Done> {
            chunk
                .par_iter()
                .zip(work.into_par_iter())
                .map(|(p, w)| match w {
                    Work::Skip => Done::Read(Read::NoBody),
                    Work::Read(body) => Done::Read(packed(read(&p.url, body, ctx), pack)),
                    Work::Kept(k) => match decode_head(&k.head) {
                        Some(head) => {
                            let mut keys = keys_from_bytes(&k.keys);
                            let exact = keys.split_off(keys.len() / 2);
                            let kept = KeptMeasurement {
                                result: k.result,
                                sample: k.sample,
                            };
                            Done::Kept(head, kept, (keys, exact), k.context)
                        }
                        None => Done::Unreadable,
                    },
                })
                .collect()
        };
        let mut chunks = site_pages.chunks(READ_CHUNK).peekable();
        let mut work = match chunks.peek() {
            Some(first) => gather(first)?,
            None => Vec::new(),
        };
        while let Some(chunk) = chunks.next() {
            // The next chunk is read from the store while the cores read this one.
            let (this, following) = (std::mem::take(&mut work), chunks.peek().copied());
            let (done, gathered) = overlapped(
                || process(chunk, this),
                || following.map(gather).transpose(),
            );
            work = gathered?.unwrap_or_default();
            for (p, d) in chunk.iter().zip(done) {
                if let Some(first) = ctx.same_as.get(&*p.url) {
                    let why = NotAPage::SameAs(first.clone());
                    out.measured.push(not_measured(p.url_id, &why));
                    out.not_pages.insert(p.url.to_string(), why);
                    continue;
                }
                let d = match d {
                    // A kept result this build cannot read: read the page again.
                    Done::Unreadable => {
                        Done::Read(packed(read(&p.url, store.raw_body(p.url_id)?, ctx), pack))
                    }
                    d => d,
                };
                match d {
                    Done::Read(Read::NoBody) | Done::Unreadable => {}
                    Done::Read(Read::NotAPage(why)) => {
                        if let Some(hash) = &p.body_hash {
                            keep.push(store::KeptPage {
                                url_id: p.url_id,
                                body_hash: hash.clone(),
                                program: program(p),
                                context: String::new(),
                                keys: Vec::new(),
                                head: KeptHeadRef::NotAPage(&why).encode(),
                                result: Vec::new(),
                                sample: None,
                                passages: None,
                            });
                        }
                        out.measured.push(not_measured(p.url_id, &why));
                        out.not_pages.insert(p.url.to_string(), why);
                    }
                    Done::Kept(KeptHead::NotAPage(why), ..) => {
                        out.reused += 1;
                        out.measured.push(not_measured(p.url_id, &why));
                        out.not_pages.insert(p.url.to_string(), why);
                    }
                    Done::Read(Read::Page(mut r, signals)) => {
                        if let Some(spill) = spill.as_mut() {
                            r.spill(spill)?;
                        }
                        spent.0[0] += r.spent;
                        rows.push(p);
                        entries.push(Entry::Fresh(r, signals));
                    }
                    Done::Kept(KeptHead::Page(signals), result, (keys, exact), context) => {
                        rows.push(p);
                        entries.push(Entry::Kept {
                            keys,
                            exact,
                            context,
                            signals,
                            result,
                        });
                    }
                }
            }
        }
        Ok((rows, entries))
    }

    /// Reads one site's pages (`names`: the site's and agency's names) into `out`.
    fn site(
        &self,
        site_pages: &[ContentPage],
        names: &[&str],
        out: &mut Content,
        spent: &mut Spent,
    ) -> Result<(), Error> {
        let site = &*site_pages[0].site;
        let first_candidate = out.compared.len();
        let (store, ctx, reuse, checker) = (self.store, self.ctx, self.reuse, &self.checker);
        let pack = site_pages.len() > PACK_ABOVE;
        let program =
            |p: &ContentPage| program_hash(self.global, names, ctx.soft_404.contains(&*p.url));
        let mut keep: Vec<store::KeptPage> = Vec::new();
        // Packed pages wait for the template in a scratch file, deleted with the site.
        let mut spill = if pack {
            Some(scratch::Records::new()?)
        } else {
            None
        };
        // 1. Read (or take what was kept).
        let mut clock = Instant::now();
        let (rows, mut entries) =
            self.read_site(site_pages, names, out, spent, &mut keep, &mut spill)?;
        spent.step(Step::Read, &mut clock);
        // 2. The site's template and its shared blocks, from the keys alone.
        let t = Instant::now();
        let template = page::template_keys(
            entries.iter().map(Entry::keys),
            entries.len(),
            page::DEFAULT_TEMPLATE_SHARE,
        );
        let shared = page::shared_keys(
            entries.iter().map(Entry::keys),
            &template,
            page::MIN_TEMPLATE_PAGES,
        );
        let contexts: Vec<String> = entries
            .iter()
            .map(|e| context_hash(e.keys(), &template, &shared, e.signals(), &self.today))
            .collect();
        spent.0[1] += t.elapsed();
        // A kept result whose context changed, or a page whose block text the site's shared
        // blocks need, is read again.
        let block_program = program_hash(self.global, names, false);
        let mut checked: HashMap<u128, SharedBlock> = HashMap::new();
        if reuse {
            for key in shared.keys() {
                let exact = entries[shared[key][0]].exact_of(*key);
                let kept = store.kept_block(&block_id(&block_program, *key, exact))?;
                if let Some(block) = kept.and_then(|k| serde_json::from_str(&k).ok()) {
                    checked.insert(*key, block);
                }
            }
        }
        let firsts: HashSet<usize> = shared
            .iter()
            .filter(|(k, _)| !checked.contains_key(*k))
            .map(|(_, on)| on[0])
            .collect();
        let again: Vec<usize> = entries
            .iter()
            .enumerate()
            .filter(|(i, e)| match e {
                Entry::Kept { context, .. } => *context != contexts[*i] || firsts.contains(i),
                Entry::Fresh(..) => false,
            })
            .map(|(i, _)| i)
            .collect();
        log::debug!(
        "{site}: {} kept results read again ({} for a changed context)",
        again.len(),
        again
            .iter()
            .filter(|&&i| matches!(&entries[i], Entry::Kept { context, .. } if *context != contexts[i]))
            .count()
    );
        spent.step(Step::Template, &mut clock);
        let mut bodies = Vec::with_capacity(again.len());
        for &i in &again {
            bodies.push(store.raw_body(rows[i].url_id)?);
        }
        let reread: Vec<Read> = again
            .par_iter()
            .zip(bodies.into_par_iter())
            .map(|(&i, body)| packed(read(&rows[i].url, body, ctx), pack))
            .collect();
        for (&i, r) in again.iter().zip(reread) {
            // The same body read by the same program is the same page; anything else keeps the
            // kept result.
            if let Read::Page(mut r, signals) = r {
                if let Some(spill) = spill.as_mut() {
                    r.spill(spill)?;
                }
                spent.0[0] += r.spent;
                entries[i] = Entry::Fresh(r, signals);
            }
        }
        for e in &mut entries {
            if let Entry::Fresh(r, _) = e {
                // A packed page loses its template when it is unpacked to be measured.
                if r.packed.is_none() {
                    remove_template(&mut r.page, &r.keys, &template);
                }
                r.post_template = r
                    .keys
                    .iter()
                    .copied()
                    .filter(|k| !template.contains(k))
                    .collect();
            }
        }
        spent.step(Step::ReadAgain, &mut clock);
        // A block several pages share (a notice, an archive banner) is one text to fix: its
        // plain-language findings are reported once, with the pages it is on.
        check_shared_blocks(
            &entries,
            &template,
            &shared,
            &mut checked,
            checker,
            names,
            spill.as_ref(),
        )?;
        let shared_found = shared_block_findings(&rows, &shared, &checked);
        out.blocks.extend(checked.iter().filter_map(|(key, block)| {
            let exact = entries[shared.get(key)?[0]].exact_of(*key);
            let json = serde_json::to_string(block).unwrap_or_default();
            Some((block_id(&block_program, *key, exact), json))
        }));
        // 3. Measure the pages read in this audit, a chunk at a time (what a chunk's pages
        // produce is merged and sent to the writer before the next is measured). What is kept
        // for the next audit is encoded here too, on every core.
        out.ahead.extend(shared_found);
        spent.step(Step::SharedBlocks, &mut clock);
        let measure_chunk =
            |chunk: &mut [(Entry, String)], rows: &[&ContentPage]| -> Result<Vec<Measure>, Error> {
                chunk
                    .par_iter_mut()
                    .zip(rows.par_iter())
                    .map(|((e, _), row)| match e {
                        Entry::Fresh(r, _) => {
                            r.unpack(&template, spill.as_ref())?;
                            let (mut m, times) = measure(row, r, &shared, checker, names, ctx);
                            // With a kept row to hold them, a compared page's passage hashes
                            // leave memory but for the index's sample.
                            let passages = match (&mut m.compared, &row.body_hash) {
                                (Some((p, _)), Some(_)) => {
                                    Some(p.fingerprint.sample(ctx.rules.duplicates.sample))
                                }
                                _ => None,
                            };
                            let kept = KeptMeasurement::encode(&mut m);
                            Ok(Measure::Fresh((m, times, kept, passages)))
                        }
                        Entry::Kept { result, .. } => Ok(Measure::Kept(result.decode(ctx)?)),
                    })
                    .collect()
            };
        // A measured chunk merged into `out` in page order, and sent to the writer.
        let merge = |chunk: Vec<(Entry, String)>,
                     measured: Vec<Measure>,
                     rows: &[&ContentPage],
                     out: &mut Content,
                     spent: &mut Spent|
         -> Result<(), Error> {
            let mut keep = Vec::new();
            for (((e, context), fresh), row) in chunk.into_iter().zip(measured).zip(rows) {
                let (signals, m) = match (e, fresh) {
                    (Entry::Fresh(r, signals), Measure::Fresh((m, times, kept, passages))) => {
                        spent.0[2] += times[0];
                        spent.0[3] += times[1];
                        spent.0[4] += times[2];
                        if let Some(hash) = &row.body_hash {
                            keep.push(store::KeptPage {
                                url_id: row.url_id,
                                body_hash: hash.clone(),
                                program: program(row),
                                context,
                                keys: keys_to_bytes(&[&r.keys[..], &r.exact[..]].concat()),
                                head: KeptHeadRef::Page(&signals).encode(),
                                result: kept.result,
                                sample: kept.sample,
                                passages,
                            });
                        }
                        (signals, m)
                    }
                    (Entry::Kept { signals, .. }, Measure::Kept(measured)) => {
                        out.reused += 1;
                        (signals, measured)
                    }
                    // Every page was measured as it was read (or decoded as it was kept).
                    _ => continue,
                };
                out.add_page(row, &self.dates, signals, m)?;
            }
            if !keep.is_empty() {
                self.writer.send(store::WriteOp::KeepPages(keep))?;
            }
            out.send_ahead(self.writer)?;
            (ctx.progress)(out.measured_rows());
            Ok(())
        };
        if !keep.is_empty() {
            self.writer
                .send(store::WriteOp::KeepPages(std::mem::take(&mut keep)))?;
        }
        let mut entries = entries.into_iter();
        let mut contexts = contexts.into_iter();
        let mut row_chunks = rows.chunks(READ_CHUNK);
        let mut last: Option<MeasuredChunk> = None;
        loop {
            // A chunk is merged while the cores measure the next.
            let next = row_chunks.next();
            let mut chunk: Vec<(Entry, String)> = match next {
                Some(rows) => entries
                    .by_ref()
                    .zip(contexts.by_ref())
                    .take(rows.len())
                    .collect(),
                None => Vec::new(),
            };
            let (measured, merged) = overlapped(
                || next.map(|rows| measure_chunk(&mut chunk, rows)),
                || match last.take() {
                    Some((chunk, measured, rows)) => merge(chunk, measured, rows, out, spent),
                    None => Ok(()),
                },
            );
            merged?;
            match (next, measured) {
                (Some(rows), Some(measured)) => last = Some((chunk, measured?, rows)),
                _ => break,
            }
        }
        out.finish_site(site, first_candidate, ctx, &self.today);
        // The site's governance findings go ahead too: held to the end, their lists of pages
        // (a rule failed on 20,000 pages names them all) were a kilobyte a page.
        out.send_ahead(self.writer)?;
        spent.step(Step::Measure, &mut clock);
        Ok(())
    }
}

impl Content {
    /// Pages measured so far (pages and non-pages).
    pub fn measured_rows(&self) -> usize {
        self.measured_sent + self.measured.len()
    }

    /// Sends the findings and measurements gathered so far ahead to the writer (the audit's
    /// end puts them in order with the rest), counting them: an audit's memory does not grow
    /// with them.
    fn send_ahead(&mut self, writer: &store::Writer) -> Result<(), Error> {
        if !self.measured.is_empty() {
            self.measured_sent += self.measured.len();
            writer.send(store::WriteOp::StagePages(std::mem::take(
                &mut self.measured,
            )))?;
        }
        if self.ahead.is_empty() {
            return Ok(());
        }
        for f in &self.ahead {
            *self.counts.entry(f.kind.to_string()).or_default() += 1;
        }
        writer.send(store::WriteOp::StageFindings(std::mem::take(
            &mut self.ahead,
        )))?;
        Ok(())
    }

    /// Adds one page's results, in page order.
    fn add_page(
        &mut self,
        row: &ContentPage,
        dates: &HashMap<i64, store::ServerDates>,
        signals: governance::PageSignals,
        mut m: Measured,
    ) -> Result<(), scratch::Error> {
        if let Some((p, _)) = &mut m.compared {
            self.spill_sample(p)?;
        }
        self.site_dated.push(freshness::PageDates {
            url: row.url.to_string(),
            header: dates
                .get(&row.url_id)
                .and_then(|d| d.0.as_ref().and_then(store::day_text)),
            sitemap: dates
                .get(&row.url_id)
                .and_then(|d| d.1.as_ref().and_then(store::day_text)),
            stated: signals.stated_update.clone(),
        });
        self.site_signals.push(signals);
        self.topics.add_counts(&row.site, &m.topic_words);
        let entry = self.measured_pages.entry(row.site.clone()).or_default();
        entry.0 += 1;
        entry.1.extend(m.grade);
        self.claims.extend(m.claims);
        self.ahead.extend(m.findings);
        self.measured.push(m.page_text);
        if let Some((page, canonical)) = m.compared {
            if let Some(c) = canonical {
                self.canonicals.push((self.compared.len(), c));
            }
            self.compared.push(page);
        }
        Ok(())
    }

    /// Decides what needs all of a site's pages and nothing else once its last page is in: its
    /// governance and its newest update, and the date of each of its compared pages (from
    /// `first`): a site's signals and dates are then dropped, not kept for the whole inventory.
    fn finish_site(&mut self, site: &str, first: usize, ctx: &Context<'_>, today: &str) {
        let dated = std::mem::take(&mut self.site_dated);
        let dates = freshness::page_dates(&dated, today);
        for p in &mut self.compared[first..] {
            if let Some(d) = dates.get(&*p.url) {
                p.date = d.as_bytes().try_into().ok();
            }
        }
        if let Some(newest) = freshness::newest_update(&dated, today) {
            self.newest.insert(site.to_string(), newest);
        }
        let signals = std::mem::take(&mut self.site_signals);
        if let Some(facts) = ctx.sites.iter().find(|f| f.origin == site) {
            let mut result = ctx.governance.site(facts, &signals);
            self.ahead.append(&mut result.findings);
            self.governance.insert(site.to_string(), result);
        }
    }

    /// Moves a compared page's sampled passage hashes (a thousand on a long page) to the
    /// scratch files the duplicate index is built from, one part at a time: held for every page
    /// until the duplicate audit, they were most of the audit's memory. A page whose full list
    /// is not kept (no body hash) keeps its runs.
    fn spill_sample(&mut self, p: &mut duplicates::ComparedPage) -> Result<(), scratch::Error> {
        let (Some(url_id), true) = (p.url_id, p.fingerprint.sampled) else {
            return Ok(());
        };
        let mut runs = std::mem::take(&mut p.fingerprint.runs);
        // Sorted, the runs of a file are together (a part is the runs' top bits, and a file
        // holds neighbouring parts).
        runs.sort_unstable();
        let parts = self.index_parts;
        for in_file in runs.chunk_by(|a, b| parts.file_of(*a) == parts.file_of(*b)) {
            self.samples
                .put(parts.file_of(in_file[0]), url_id, in_file)?;
        }
        Ok(())
    }
}

/// A block several pages of a site share, as checked once for all of them: its lower-case text
/// and its plain-language findings before they are placed on a page. Kept between audits
/// (`block_audit`), so that a re-audit need not read the page the block was first found on.
#[derive(Serialize, Deserialize)]
struct SharedBlock {
    text: String,
    findings: Vec<Finding>,
}

impl SharedBlock {
    fn check(block: &page::Block, checker: &plain_language::Checker<'_>, names: &[&str]) -> Self {
        let prose = document::prose_share(&Page {
            blocks: vec![block.clone()],
            ..Page::default()
        }) >= document::MIN_PROSE_SHARE;
        let findings = if prose {
            checker
                .check(&[plain_language::TextBlock::from(block)], names)
                .into_iter()
                .filter(|f| !checker.judges_whole_page(super::rule_of(f)))
                .collect()
        } else {
            Vec::new()
        };
        SharedBlock {
            text: block.text.to_lowercase(),
            findings,
        }
    }

    /// Its findings placed on the first page that has the block, with the pages it is on.
    fn place(&self, on: &[usize], rows: &[&ContentPage]) -> Vec<Finding> {
        let first = rows[on[0]];
        let urls: Vec<&str> = on
            .iter()
            .take(links::TEMPLATE_SAMPLE)
            .map(|&i| &*rows[i].url)
            .collect();
        self.findings
            .iter()
            .map(|f| {
                let mut f = f.clone();
                f.site = first.site.to_string();
                f.url = first.url.to_string();
                f.message = format!(
                    "{} (in a block of text {} pages share)",
                    f.message.trim_end_matches('.'),
                    on.len()
                );
                f.extra.insert("pages".into(), serde_json::json!(on.len()));
                f.extra.insert("urls".into(), serde_json::json!(urls));
                f
            })
            .collect()
    }
}

/// Checks the blocks several pages of a site share that `checked` does not hold yet (their
/// first page was read in this audit, see `run`) and adds them.
fn check_shared_blocks(
    entries: &[Entry],
    template: &page::KeySet,
    shared: &page::SharedBlocks,
    checked: &mut HashMap<u128, SharedBlock>,
    checker: &plain_language::Checker<'_>,
    names: &[&str],
    spill: Option<&scratch::Records>,
) -> Result<(), scratch::Error> {
    for (key, on) in shared {
        if checked.contains_key(key) {
            continue;
        }
        let Entry::Fresh(first, _) = &entries[on[0]] else {
            continue;
        };
        let block = match first.post_template.iter().position(|k| k == key) {
            Some(i) => first.block_after_template(i, template, spill)?,
            None => None,
        };
        if let Some(block) = block {
            checked.insert(*key, SharedBlock::check(&block, checker, names));
        }
    }
    Ok(())
}

/// The plain-language findings of the blocks several pages of a site share, once each, on the
/// first page that has the block, with the pages it is on.
fn shared_block_findings(
    rows: &[&ContentPage],
    shared: &page::SharedBlocks,
    checked: &HashMap<u128, SharedBlock>,
) -> Vec<Finding> {
    let mut placed: Vec<(usize, &str, Vec<Finding>)> = shared
        .iter()
        .filter_map(|(key, on)| {
            let block = checked.get(key)?;
            Some((on[0], block.text.as_str(), block.place(on, rows)))
        })
        .collect();
    placed.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    placed.into_iter().flat_map(|(_, _, f)| f).collect()
}

/// Where a site's shared block is kept between audits: its key with what checking it depended on.
fn block_id(program: &str, key: u128, exact: u128) -> String {
    format!("{program}:{key:032x}:{exact:032x}")
}

/// The measure step of one page, its template removed.
fn measure(
    row: &ContentPage,
    r: &ReadPage,
    shared: &page::SharedBlocks,
    checker: &plain_language::Checker<'_>,
    site_names: &[&str],
    ctx: &Context<'_>,
) -> (Measured, [Duration; 3]) {
    let rules = ctx.rules;
    let pg = &r.page;
    let text = pg.main_text();
    let t = Instant::now();
    let fingerprint = duplicates::Fingerprint::of(&text, &rules.duplicates);
    let fingerprint_time = t.elapsed();
    let words = pg.word_count();
    let counts = crate::readability::Counts::of_page(pg);
    // Labels, figures and empty cells (a dashboard, a table a script fills) are not writing to
    // advise on.
    let prose = document::prose_share(pg) >= document::MIN_PROSE_SHARE;
    let scored = counts.words >= rules.readability.min_words && prose;
    let scores = counts.scores();
    let topic_words = consolidation::Topics::words_of(&text);
    let t = Instant::now();
    // An index's lines are other pages' titles and teasers ("March 1 — Fund reaches 9,000
    // families"): the pages they list give the answers.
    let lists_pages = pg.is_index(rules.duplicates.max_link_share);
    let index = lists_pages || duplicates::is_listing(&row.url);
    let source = (!index).then(|| {
        answers::Source::page(
            &row.url,
            &row.site,
            pg.title.as_deref(),
            r.marked.clone(),
            &pg.blocks,
        )
    });
    let claims = source.as_ref().and_then(|s| ctx.collector.claims_for(s));
    // A source without claims is not kept: it would make none next time either.
    let source = source.filter(|_| claims.is_some());
    let source_time = t.elapsed();
    let t = Instant::now();
    let mut findings = Vec::new();
    if prose {
        let blocks: Vec<plain_language::TextBlock> = pg
            .blocks
            .iter()
            .map(plain_language::TextBlock::from)
            .collect();
        let mut names = site_names.to_vec();
        names.extend(pg.title.as_deref());
        let mut found = checker.check(&blocks, &names);
        // What the blocks other pages share say is reported once (by the site); rules that judge
        // the whole page still read all of it.
        if r.post_template.iter().any(|k| shared.contains_key(k)) {
            let own: Vec<plain_language::TextBlock> = blocks
                .iter()
                .zip(&r.post_template)
                .filter(|(_, k)| !shared.contains_key(*k))
                .map(|(b, _)| *b)
                .collect();
            found.retain(|f| checker.judges_whole_page(super::rule_of(f)));
            found.extend(
                checker
                    .check(&own, &names)
                    .into_iter()
                    .filter(|f| !checker.judges_whole_page(super::rule_of(f))),
            );
        }
        if scored {
            found.extend(readability::check(&counts, &rules.readability, "this page"));
        }
        for mut f in found {
            f.site = row.site.to_string();
            f.url = row.url.to_string();
            findings.push(f);
        }
    }
    let plain_time = t.elapsed();
    let page_text = PageText {
        url_id: row.url_id,
        word_count: counts.words as i64,
        content_hash: format!("{:032x}", fingerprint.hash),
        sentence_count: counts.sentence_count() as i64,
        syllable_count: counts.syllables as i64,
        scores,
        scored,
        over_target: scored && scores.flesch_kincaid_grade > rules.readability.target_grade,
        not_a_page: None,
    };
    let compared = (words >= rules.duplicates.min_words && !lists_pages).then(|| {
        (
            duplicates::ComparedPage {
                url: row.url.clone(),
                site: row.site.clone(),
                title: pg.title.as_deref().map(Box::from),
                date: None,
                fingerprint,
                url_id: Some(row.url_id),
            },
            super::canonical_elsewhere(&row.url, pg),
        )
    });
    let m = Measured {
        page_text,
        findings,
        compared,
        topic_words,
        source,
        claims,
        grade: scored.then_some(scores.flesch_kincaid_grade),
    };
    (m, [fingerprint_time, source_time, plain_time])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_page(html: &str) -> ReadPage {
        let doc = scraper::Html::parse_document(html);
        let page = page::from_document(&doc);
        let marked = crate::extract::answers::from_document(&doc);
        ReadPage {
            keys: page.blocks.iter().map(page::block_key).collect(),
            exact: page.blocks.iter().map(exact_key).collect(),
            page,
            packed: None,
            post_template: Vec::new(),
            marked,
            spent: Duration::ZERO,
        }
    }

    #[test]
    fn a_packed_page_unpacks_to_the_same_page_without_its_template() {
        let html = "<html><head><title>Fees</title></head><body><main>\
            <p>Site notice shown on every page of the site.</p>\
            <h2>How much does the permit cost?</h2><p>The permit costs $45 and takes 10 days.</p>\
            <dl><dt>Can I pay online?</dt><dd>Yes, with a card.</dd></dl></main></body></html>";
        let open = read_page(html);
        assert!(open.page.blocks.len() >= 3);
        let template: page::KeySet = [open.keys[0]].into_iter().collect();
        let mut expected = open.page.clone();
        remove_template(&mut expected, &open.keys, &template);
        assert_eq!(expected.blocks.len(), open.page.blocks.len() - 1);

        let mut packed = read_page(html);
        packed.pack();
        assert!(packed.page.blocks.is_empty() && packed.marked.is_empty());
        // A shared block is read from the packed page as from the open one.
        assert_eq!(
            packed.block_after_template(0, &template, None).unwrap(),
            expected.blocks.first().cloned()
        );
        packed.unpack(&template, None).unwrap();
        assert!(packed.packed.is_none());
        assert_eq!(packed.page, expected);
        assert_eq!(packed.marked, open.marked);

        // Spilled to the site's scratch file, the same page comes back.
        let mut file = scratch::Records::new().unwrap();
        let mut spilled = read_page(html);
        spilled.pack();
        spilled.spill(&mut file).unwrap();
        assert!(matches!(spilled.packed, Some(Packed::Spilled(_))));
        assert_eq!(
            spilled
                .block_after_template(0, &template, Some(&file))
                .unwrap(),
            expected.blocks.first().cloned()
        );
        spilled.unpack(&template, Some(&file)).unwrap();
        assert_eq!(spilled.page, expected);
        assert_eq!(spilled.marked, open.marked);
    }
}
