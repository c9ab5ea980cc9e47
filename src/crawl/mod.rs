//! The crawl: fetches every site of an inventory into the store, politely and resumably.
//!
//! Reads: the inventory's sites, the network (through [`fetch`]), the frontier in the store.
//! Writes: through the store's single [`Writer`] only. Never names `audit` or `report`.
//!
//! # How a crawl runs ([`crawl`])
//! 1. Start or continue the run: a run of the same inventory that was interrupted is continued.
//! 2. Seed every site not yet seeded in this run: fetch robots.txt (kept in the store, so a resumed
//!    crawl obeys the same rules), queue the start URL and every URL of the site's sitemaps
//!    (`Sitemap:` lines and `/sitemap.xml`, sitemap indexes followed).
//! 3. Loop: claim queued URLs per site from the frontier table, dispatch them under the global
//!    `concurrency` limit and each host's [`Gate`] (concurrent requests, delay between requests,
//!    robots.txt Crawl-delay, Retry-After), hand every outcome to the writer, repeat. A URL stays
//!    `queued` in the database until its outcome is committed, so a crawl killed at any moment
//!    loses only what was in flight, and never fetches a finished page again.
//! 4. Done when no URL is queued, none is in flight and the writer has committed everything.
//!
//! # Politeness and guards
//! - robots.txt is obeyed for our user agent token (`govaudit`) unless `--ignore-robots`; a URL it
//!   disallows is stored as blocked and never requested. Link checks of URLs outside the inventory
//!   make one HEAD (GET when HEAD fails) per URL and do not read robots.txt, as link checkers do.
//! - Redirects of site pages are stored hop by hop: each target is queued like a link, so a loop
//!   ends at a URL already done and a chain longer than [`MAX_REDIRECTS`] is not followed.
//! - Retries: up to [`MAX_ATTEMPTS`] attempts for 429, 503, timeouts and dropped connections,
//!   waiting for `Retry-After` (up to [`MAX_RETRY_WAIT`]) or 1 s, 2 s, 4 s…; every failed attempt is
//!   stored in `fetch_errors`.
//! - Spider traps: see [`normalize::trap_reason`]; at most [`MAX_QUERY_VARIANTS`] query strings per
//!   path; `--max-depth` and `--max-pages-per-site`.

pub mod channels;
pub mod fetch;
pub mod network;
pub mod normalize;
pub mod robots;
pub mod scheduler;
pub mod sitemap;

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde::Serialize;
use tokio::task::JoinSet;
use url::Url;
use xxhash_rust::xxh3::xxh3_128;

use crate::extract;
use crate::model::{Channel, Site};
use crate::store::schema::{url_state, FoundVia};
use crate::store::{
    self, Discovery, FetchRecord, HopRecord, LinkRecord, SiteInput, Store, WriteOp,
};
use fetch::{Body, Failure, FetchSettings, Fetcher, OriginMap, Response};
use normalize::Scope;
use robots::Robots;
use scheduler::{Dispatch, Gate, Item, Scheduler};

/// Default for `--concurrency`: requests in flight over the whole crawl.
pub const DEFAULT_CONCURRENCY: usize = 32;
/// Default for `--per-host`: requests in flight to one host.
pub const DEFAULT_PER_HOST: usize = 4;
/// Default for `--delay-ms`: pause between requests to one host.
pub const DEFAULT_DELAY_MS: u64 = 50;
/// Default for `--timeout-s`.
pub const DEFAULT_TIMEOUT_S: u64 = 30;
/// Default for `--max-pages-per-site`.
pub const DEFAULT_MAX_PAGES_PER_SITE: u64 = 50_000;
/// Default for `--max-depth`.
pub const DEFAULT_MAX_DEPTH: u32 = 50;
/// Default for `--max-body-mb`.
pub const DEFAULT_MAX_BODY_MB: u64 = 10;
/// Default `User-Agent`; its first word is the robots.txt token.
pub const DEFAULT_USER_AGENT: &str = concat!(
    "govaudit/",
    env!("CARGO_PKG_VERSION"),
    " (+https://github.com/govaudit/govaudit)"
);
/// Longest redirect chain followed.
pub const MAX_REDIRECTS: u32 = 10;
/// Attempts per URL for retryable failures.
pub const MAX_ATTEMPTS: u32 = 3;
/// Longest `Retry-After` waited for; a longer one ends the URL with an error.
pub const MAX_RETRY_WAIT: Duration = Duration::from_secs(120);

/// 429/503 answers in a row after which a site's remaining pages are asked once, without waiting.
pub const HOST_GIVE_UP: u32 = 10;
/// Most distinct query strings fetched for one path of a site.
pub const MAX_QUERY_VARIANTS: usize = 100;
/// Most sitemap files read per site.
pub const MAX_SITEMAP_FILES: usize = 50;
/// URLs claimed from the frontier at a time, per site.
const CLAIM_BATCH: usize = 64;
/// URLs claimed at a time for external link checks.
const CLAIM_BATCH_EXTERNAL: usize = 256;

/// Why a crawl could not start or go on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The inventory has no web site.
    #[error("the inventory {0} lists no web site to crawl; add a row with a url or domain")]
    NoWebSites(String),
    /// The HTTP client could not be built.
    #[error("cannot set up HTTP: {0}")]
    Client(#[source] reqwest::Error),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] store::Error),
}

impl Error {
    /// Whether the user's input is at fault.
    pub fn is_bad_input(&self) -> bool {
        matches!(self, Error::NoWebSites(_))
    }
}

/// Everything a crawl needs to know, resolved from flags.
#[derive(Debug, Clone)]
pub struct CrawlConfig {
    /// Names the inventory (its path as given): a re-run with the same name continues the run.
    pub inventory: String,
    /// Every inventory entry; only web sites are fetched, the others are stored for the audits.
    pub sites: Vec<Site>,
    /// `--map`.
    pub map: OriginMap,
    /// `--max-pages-per-site`.
    pub max_pages_per_site: u64,
    /// `--max-depth`.
    pub max_depth: u32,
    /// `--concurrency`.
    pub concurrency: usize,
    /// `--per-host`.
    pub per_host: usize,
    /// `--delay-ms`.
    pub delay: Duration,
    /// `--timeout-s`.
    pub timeout: Duration,
    /// `--user-agent`.
    pub user_agent: String,
    /// Not `--no-external`.
    pub check_external: bool,
    /// Not `--ignore-robots`.
    pub respect_robots: bool,
    /// `--max-body-mb`, in bytes.
    pub max_body: u64,
    /// `--offline`: never send a request outside this machine.
    pub offline: bool,
    /// `--allow-net`: internal address ranges that may be requested (see [`network`]).
    pub allow_net: Vec<(std::net::IpAddr, u8)>,
}

impl Default for CrawlConfig {
    fn default() -> Self {
        CrawlConfig {
            inventory: String::new(),
            sites: Vec::new(),
            map: OriginMap::default(),
            max_pages_per_site: DEFAULT_MAX_PAGES_PER_SITE,
            max_depth: DEFAULT_MAX_DEPTH,
            concurrency: DEFAULT_CONCURRENCY,
            per_host: DEFAULT_PER_HOST,
            delay: Duration::from_millis(DEFAULT_DELAY_MS),
            timeout: Duration::from_secs(DEFAULT_TIMEOUT_S),
            user_agent: DEFAULT_USER_AGENT.to_string(),
            check_external: true,
            respect_robots: true,
            max_body: DEFAULT_MAX_BODY_MB * 1024 * 1024,
            offline: false,
            allow_net: Vec::new(),
        }
    }
}

/// Where the crawl is, for progress displays.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Progress {
    /// Site pages finished.
    pub pages: u64,
    /// External URLs checked.
    pub checks: u64,
    /// Fetches that ended without a response.
    pub errors: u64,
    /// URLs waiting in the frontier (refreshed about once a second).
    pub queued: u64,
    /// Requests in flight.
    pub in_flight: u64,
    /// Seconds since the crawl started.
    pub elapsed_s: f64,
}

/// What a finished (or interrupted) crawl did.
#[derive(Debug, Clone, Serialize)]
pub struct CrawlSummary {
    /// The run written.
    pub run_id: i64,
    /// An interrupted run was continued.
    pub resumed: bool,
    /// Sites crawled.
    pub sites: usize,
    /// Site pages fetched by this invocation.
    pub pages: u64,
    /// External URLs checked by this invocation.
    pub checks: u64,
    /// Fetches without a response.
    pub errors: u64,
    /// URLs left in the frontier (page caps, or an interruption).
    pub queued_left: u64,
    /// Seconds.
    pub elapsed_s: f64,
    /// Stopped by Ctrl-C before the frontier was empty.
    pub interrupted: bool,
}

/// Shared, read-only (but for the query-variant counter) state of a crawl, used by fetch tasks.
struct Ctx {
    fetcher: Arc<Fetcher>,
    scope: Scope,
    robots: HashMap<i64, Robots>,
    run_id: i64,
    max_depth: u32,
    check_external: bool,
    max_body: u64,
    this_year: i32,
    /// (site, path) hash -> distinct query-string hashes seen, capped at [`MAX_QUERY_VARIANTS`].
    query_variants: Mutex<HashMap<u64, HashSet<u64>>>,
    hasher: RandomState,
    /// Sites whose origin redirects to an alias: site id -> the origin that serves them.
    moved: Mutex<HashMap<i64, Url>>,
}

impl Ctx {
    /// The URL to request for a site's public URL, after an alias redirect moved the site.
    fn moved_url(&self, site_id: i64, url: &Url) -> Url {
        let Ok(moved) = self.moved.lock() else {
            return url.clone();
        };
        match moved.get(&site_id) {
            Some(origin) => {
                let mut out = url.clone();
                let _ = out.set_scheme(origin.scheme());
                let _ = out.set_host(origin.host_str());
                let _ = out.set_port(origin.port());
                out
            }
            None => url.clone(),
        }
    }

    fn set_moved(&self, site_id: i64, to: &Url) {
        if let Ok(mut moved) = self.moved.lock() {
            if let std::collections::hash_map::Entry::Vacant(e) = moved.entry(site_id) {
                log::info!(
                    "site {site_id} is served from {}; fetching from there",
                    to.origin().ascii_serialization()
                );
                e.insert(to.clone());
            }
        }
    }

    /// Whether robots.txt lets us fetch a site's public URL.
    fn allowed(&self, site_id: i64, url: &Url) -> bool {
        self.robots
            .get(&site_id)
            .is_some_and(|r| r.allowed(url.as_str()))
    }

    /// Whether `other` is the same page as the public `url` once aliases are folded.
    fn is_same_url(&self, other: &Url, url: &Url) -> bool {
        let mut c = other.clone();
        normalize::clean(&mut c);
        self.scope.canonicalize(&mut c);
        c == *url
    }

    /// Decides what becomes of a URL met during the crawl.
    fn classify(&self, mut url: Url, depth: u32, redirect_depth: u32, via: FoundVia) -> Discovery {
        let mut d = Discovery {
            url: String::new(),
            site_id: None,
            depth,
            state: url_state::QUEUED,
            reason: None,
            via,
            redirect_depth,
            lastmod: None,
        };
        if !matches!(url.scheme(), "http" | "https") {
            d.url = url.into();
            d.state = url_state::SEEN;
            d.reason = Some("not http");
            return d;
        }
        self.scope.canonicalize(&mut url);
        d.site_id = self.scope.site_of(&url);
        let reason = match d.site_id {
            Some(site) => {
                if depth > self.max_depth {
                    Some((url_state::SEEN, "max depth"))
                } else if redirect_depth > MAX_REDIRECTS {
                    Some((url_state::SEEN, "redirect chain too long"))
                } else if let Some(r) = normalize::trap_reason(&url, self.this_year) {
                    Some((url_state::SEEN, r))
                } else if !self
                    .robots
                    .get(&site)
                    .is_some_and(|r| r.allowed(url.as_str()))
                {
                    Some((url_state::BLOCKED, "robots.txt"))
                } else if self.too_many_variants(site, &url) {
                    Some((url_state::SEEN, "too many query variants"))
                } else {
                    None
                }
            }
            None if !self.check_external => Some((url_state::SEEN, "external not checked")),
            None if redirect_depth > MAX_REDIRECTS => {
                Some((url_state::SEEN, "redirect chain too long"))
            }
            None => None,
        };
        if let Some((state, why)) = reason {
            d.state = state;
            d.reason = Some(why);
        }
        d.url = url.into();
        d
    }

    fn too_many_variants(&self, site: i64, url: &Url) -> bool {
        let Some(q) = url.query() else {
            return false;
        };
        let key = self.hasher.hash_one((site, url.path()));
        let variant = self.hasher.hash_one(q);
        let Ok(mut map) = self.query_variants.lock() else {
            return false;
        };
        let set = map.entry(key).or_default();
        if set.contains(&variant) {
            return false;
        }
        if set.len() >= MAX_QUERY_VARIANTS {
            return true;
        }
        set.insert(variant);
        false
    }
}

/// The pieces of a site's frontier the coordinator keeps in memory.
enum Outcome {
    Finished(Box<FetchRecord>),
    Retry {
        wait: Duration,
        pause_host: bool,
        error: (&'static str, String),
    },
}

struct TaskDone {
    dispatch: Dispatch,
    outcome: Outcome,
}

/// Crawls the inventory's web sites into the store.
pub async fn crawl(
    config: &CrawlConfig,
    store: &Store,
    progress: &(dyn Fn(&Progress) + Sync),
) -> Result<CrawlSummary, Error> {
    let started = Instant::now();
    let web: Vec<&Site> = config
        .sites
        .iter()
        .filter(|s| s.channel == Channel::Web)
        .collect();
    if web.is_empty() {
        return Err(Error::NoWebSites(config.inventory.clone()));
    }

    // 1. Start or continue the run, and store every inventory entry.
    let writer = store.writer()?;
    let origins: HashSet<&str> = web.iter().map(|s| s.origin.as_str()).collect();
    let inputs: Vec<SiteInput> = config
        .sites
        .iter()
        .map(|s| site_input(s, &origins))
        .collect();
    let prepared = writer
        .prepare(config.inventory.clone(), settings_json(config), inputs)
        .await?;
    if prepared.resumed {
        log::info!("continuing run {} of {}", prepared.run_id, config.inventory);
    }
    let site_ids: HashMap<&str, i64> = prepared
        .sites
        .iter()
        .map(|p| (p.origin.as_str(), p.id))
        .collect();
    let web_ids: Vec<(i64, String)> = web
        .iter()
        .filter_map(|s| {
            site_ids
                .get(s.origin.as_str())
                .map(|&id| (id, s.origin.clone()))
        })
        .collect();
    // 1b. The other channels (kb, publications): their files, read into the store.
    read_channels(config, &site_ids, &writer, prepared.run_id)?;
    let scope = Scope::new(&web_ids);
    let fetcher = make_fetcher(config, &web)?;

    // 2. robots.txt and sitemaps.
    let fetcher = Arc::new(fetcher);
    let (seeds, robots) = seed_sites(config, &web, &prepared, &fetcher, &writer).await?;
    let this_year = crate::store::this_year();
    let ctx = Arc::new(Ctx {
        fetcher,
        scope,
        robots,
        run_id: prepared.run_id,
        max_depth: config.max_depth,
        check_external: config.check_external,
        max_body: config.max_body,
        this_year,
        query_variants: Mutex::new(HashMap::new()),
        hasher: RandomState::new(),
        moved: Mutex::new(HashMap::new()),
    });
    for (site_id, urls) in seeds {
        for (url, depth, lastmod, via) in urls {
            let mut d = ctx.classify(url, depth, 0, via);
            d.lastmod = lastmod;
            if d.site_id == Some(site_id) || via == FoundVia::Seed || via == FoundVia::Probe {
                writer.send(WriteOp::Discover(d))?;
            }
        }
        writer.send(WriteOp::Seeded {
            site_id,
            run_id: prepared.run_id,
        })?;
    }
    writer.flush().await?;
    log::info!("seeded after {:.2} s", started.elapsed().as_secs_f64());

    // 3. The crawl loop.
    let sites = web_ids
        .iter()
        .map(|(id, _)| -> Result<(i64, Gate, u64), Error> {
            let crawl_delay = ctx.robots.get(id).and_then(Robots::crawl_delay);
            let interval = crawl_delay.map_or(config.delay, |d| d.max(config.delay));
            let started = store.pages_done(*id, prepared.run_id)?;
            Ok((
                *id,
                Gate::new(config.per_host, interval, Instant::now()),
                started,
            ))
        })
        .collect::<Result<_, _>>()?;
    let mut scheduler = Scheduler::new(
        sites,
        config.max_pages_per_site,
        config.per_host,
        config.delay,
    );
    let site_id_list: Vec<i64> = web_ids.iter().map(|(id, _)| *id).collect();
    let (mut stats, interrupted) = fetch_all(
        config,
        store,
        &writer,
        &ctx,
        &mut scheduler,
        &site_id_list,
        started,
        progress,
    )
    .await?;

    // 4. Finish the run when the frontier is empty.
    log::info!(
        "fetching done after {:.2} s",
        started.elapsed().as_secs_f64()
    );
    writer.flush().await?;
    let queued_left = store.queued_count(&site_id_list)?;
    if !interrupted && queued_left == 0 {
        writer.send(WriteOp::Finish {
            run_id: prepared.run_id,
        })?;
    }
    writer.close()?;
    log::info!(
        "database closed after {:.2} s",
        started.elapsed().as_secs_f64()
    );
    stats.elapsed_s = started.elapsed().as_secs_f64();
    stats.queued = queued_left;
    progress(&stats);
    Ok(CrawlSummary {
        run_id: prepared.run_id,
        resumed: prepared.resumed,
        sites: web.len(),
        pages: stats.pages,
        checks: stats.checks,
        errors: stats.errors,
        queued_left,
        elapsed_s: stats.elapsed_s,
        interrupted,
    })
}

/// Reads the inventory's other channels (kb exports, publications) into the store.
fn read_channels(
    config: &CrawlConfig,
    site_ids: &HashMap<&str, i64>,
    writer: &store::Writer,
    run_id: i64,
) -> Result<(), Error> {
    for site in config.sites.iter().filter(|s| s.channel != Channel::Web) {
        let Some(&site_id) = site_ids.get(site.origin.as_str()) else {
            continue;
        };
        let (format, read) = channels::read(site);
        if let Err(e) = &read {
            log::warn!("{}: {e}", site.origin);
        }
        writer.send(WriteOp::ChannelDoc {
            site_id,
            run_id,
            path: site.path_as_written.clone().unwrap_or_default(),
            format: format.to_string(),
            error: read.as_ref().err().cloned(),
            text: read.ok(),
        })?;
    }
    Ok(())
}

/// The HTTP client of the crawl, held to the network scope (the inventory's sites, the
/// `--map` targets, `--allow-net`).
fn make_fetcher(config: &CrawlConfig, web: &[&Site]) -> Result<Fetcher, Error> {
    Fetcher::new(
        FetchSettings {
            user_agent: config.user_agent.clone(),
            timeout: config.timeout,
            max_body: config.max_body,
            offline: config.offline,
            scope: Arc::new(network::NetScope::new(
                web.iter()
                    .filter_map(|s| Url::parse(&s.origin).ok())
                    .collect::<Vec<_>>()
                    .iter(),
                config.map.targets(),
                config.allow_net.clone(),
            )),
        },
        config.map.clone(),
    )
    .map_err(Error::Client)
}

/// robots.txt and sitemaps of every site not seeded yet (a resumed run keeps what it read),
/// fetched concurrently and stored: the URLs to queue per site, and each site's rules.
async fn seed_sites(
    config: &CrawlConfig,
    web: &[&Site],
    prepared: &store::Prepared,
    fetcher: &Arc<Fetcher>,
    writer: &store::Writer,
) -> Result<(Vec<(i64, Vec<SeedUrl>)>, HashMap<i64, Robots>), Error> {
    let mut seeds: Vec<(i64, Vec<SeedUrl>)> = Vec::new();
    let mut robots: HashMap<i64, Robots> = HashMap::new();
    let mut to_seed = JoinSet::new();
    for site in web {
        let Some(p) = prepared.sites.iter().find(|p| p.origin == site.origin) else {
            continue;
        };
        if p.seeded {
            let status = p.robots_status.map(|s| s as u16);
            let body = p.robots_txt.clone().unwrap_or_default();
            robots.insert(p.id, make_robots(config, status, body.as_bytes()));
            continue;
        }
        let fetcher = fetcher.clone();
        let (id, origin, start) = (p.id, site.origin.clone(), site.start_url.clone());
        let (cfg_delay, respect, ua) = (
            config.delay,
            config.respect_robots,
            config.user_agent.clone(),
        );
        let cap = config.max_pages_per_site;
        to_seed.spawn(async move {
            seed_site(
                &fetcher,
                id,
                &origin,
                start.as_deref(),
                cfg_delay,
                respect,
                &ua,
                cap,
            )
            .await
        });
    }
    while let Some(res) = to_seed.join_next().await {
        let Ok(seeded) = res else { continue };
        writer.send(WriteOp::Robots {
            site_id: seeded.site_id,
            status: seeded.robots_status,
            txt: seeded.robots_txt.clone(),
            error: seeded.robots_error.clone(),
        })?;
        writer.send(WriteOp::Sitemap {
            site_id: seeded.site_id,
            url: seeded.sitemap_url.clone(),
            status: seeded.sitemap_status,
            urls: seeded
                .urls
                .iter()
                .filter(|u| u.3 == FoundVia::Sitemap)
                .count() as i64,
            error: seeded.sitemap_error.clone(),
        })?;
        let body = seeded.robots_txt.clone().unwrap_or_default();
        robots.insert(
            seeded.site_id,
            make_robots(config, seeded.robots_status, body.as_bytes()),
        );
        seeds.push((seeded.site_id, seeded.urls));
    }
    Ok((seeds, robots))
}

/// Step 3 of [`crawl`]: fetches what the scheduler hands out until the frontier is empty (or
/// Ctrl-C), sending every outcome to the writer. Returns the figures and whether it was
/// interrupted.
#[allow(clippy::too_many_arguments)]
async fn fetch_all(
    config: &CrawlConfig,
    store: &Store,
    writer: &store::Writer,
    ctx: &Arc<Ctx>,
    scheduler: &mut Scheduler,
    site_id_list: &[i64],
    started: Instant,
    progress: &(dyn Fn(&Progress) + Sync),
) -> Result<(Progress, bool), Error> {
    let mut tasks: JoinSet<TaskDone> = JoinSet::new();
    let mut stats = Progress::default();
    let mut last_progress = Instant::now();
    let mut last_queued_count: Option<Instant> = None;
    let mut interrupted = false;
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);

    loop {
        if let Some(e) = writer.failure() {
            return Err(e.into());
        }
        let committed = writer.committed();
        scheduler.committed(committed);
        let now = Instant::now();
        let mut next_wake: Option<Instant> = None;
        for i in scheduler.round() {
            if let Some((site_id, want)) = scheduler.claim_want(i, committed) {
                let rows = store.claim(site_id, want, &|id| scheduler.is_claimed(id))?;
                scheduler.fill(i, rows, want);
            }
            let free = config.concurrency.saturating_sub(tasks.len());
            let (ready, wake) = scheduler.dispatch(i, now, free);
            if let Some(w) = wake {
                next_wake = Some(next_wake.map_or(w, |n| n.min(w)));
            }
            for dispatch in ready {
                let ctx = ctx.clone();
                tasks.spawn(async move {
                    let outcome = match dispatch.site_id {
                        Some(site_id) => fetch_page(&ctx, site_id, &dispatch.item).await,
                        None => check_external(&ctx, &dispatch.item).await,
                    };
                    TaskDone { dispatch, outcome }
                });
            }
        }

        // Progress.
        if last_progress.elapsed() >= Duration::from_millis(200) {
            if last_queued_count.is_none_or(|t| t.elapsed() >= Duration::from_secs(1)) {
                stats.queued = store.queued_count(site_id_list)?;
                last_queued_count = Some(Instant::now());
            }
            stats.in_flight = tasks.len() as u64;
            stats.elapsed_s = started.elapsed().as_secs_f64();
            progress(&stats);
            last_progress = Instant::now();
        }

        // Done?
        if tasks.is_empty() && scheduler.idle() {
            if !scheduler.awaiting_commit() && writer.sent() <= writer.committed() {
                break;
            }
            writer.flush().await?;
            continue;
        }

        // Wait for an outcome, a host to become ready, or a commit that may bring new URLs.
        let wait = next_wake
            .map(|w| w.saturating_duration_since(Instant::now()))
            .unwrap_or(Duration::from_millis(50))
            .min(Duration::from_millis(50));
        tokio::select! {
            done = tasks.join_next(), if !tasks.is_empty() => {
                let Some(done) = done else { continue };
                let TaskDone { dispatch, outcome } = match done {
                    Ok(d) => d,
                    Err(e) => {
                        // A fetch task panicked: a bug, but one page must not stop the crawl.
                        log::error!("a fetch task failed: {e}");
                        continue;
                    }
                };
                match outcome {
                    Outcome::Finished(mut rec) => {
                        scheduler.finished(dispatch.slot, &dispatch.host, &dispatch.item, &mut rec);
                        if !rec.blocked {
                            if dispatch.host.is_some() {
                                stats.checks += 1;
                            } else {
                                stats.pages += 1;
                            }
                            if rec.status.is_none() {
                                stats.errors += 1;
                            }
                        }
                        let new_for: Vec<Option<i64>> = rec
                            .links
                            .iter()
                            .filter(|l| l.target.state == url_state::QUEUED)
                            .map(|l| l.target.site_id)
                            .collect();
                        let seq = writer.send(WriteOp::Fetched(rec))?;
                        scheduler.sent(dispatch.item.q.id, seq, new_for);
                    }
                    Outcome::Retry { wait, pause_host, error } => {
                        scheduler.retry(
                            dispatch.slot,
                            &dispatch.host,
                            dispatch.item,
                            Instant::now(),
                            wait,
                            pause_host,
                            error,
                        );
                    }
                }
            }
            _ = tokio::time::sleep(wait) => {}
            _ = &mut ctrl_c => {
                log::warn!("interrupted: stopping; run the same command again to continue");
                interrupted = true;
                tasks.abort_all();
                break;
            }
        }
    }
    Ok((stats, interrupted))
}

fn make_robots(config: &CrawlConfig, status: Option<u16>, body: &[u8]) -> Robots {
    if config.respect_robots {
        Robots::from_fetch(&config.user_agent, status, body)
    } else {
        Robots::AllowAll
    }
}

fn site_input(s: &Site, web_origins: &HashSet<&str>) -> SiteInput {
    let extra: serde_json::Map<String, serde_json::Value> = s
        .extra
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    SiteInput {
        origin: s.origin.clone(),
        start_url: s.start_url.clone(),
        channel: s.channel.as_str().to_string(),
        path: s.path_as_written.clone(),
        name: s.name.clone(),
        agency: s.agency.clone(),
        office: s.office.clone(),
        owner: s.owner.clone(),
        topics: s.topics.join(";"),
        audiences: s.audiences.join(";"),
        extra: serde_json::Value::Object(extra).to_string(),
        row: serde_json::to_string(&s.row).unwrap_or_else(|_| "[]".into()),
        line: s.source_line,
        aliases: if s.channel == Channel::Web {
            normalize::alias_origins(&s.origin)
                .into_iter()
                .filter(|a| !web_origins.contains(a.as_str()))
                .collect()
        } else {
            Vec::new()
        },
    }
}

fn settings_json(c: &CrawlConfig) -> String {
    serde_json::json!({
        "max_pages_per_site": c.max_pages_per_site,
        "max_depth": c.max_depth,
        "concurrency": c.concurrency,
        "per_host": c.per_host,
        "delay_ms": c.delay.as_millis() as u64,
        "timeout_s": c.timeout.as_secs(),
        "user_agent": c.user_agent,
        "check_external": c.check_external,
        "respect_robots": c.respect_robots,
        "max_body": c.max_body,
        "offline": c.offline,
        "map": c.map.from_origins().collect::<Vec<_>>(),
    })
    .to_string()
}

fn backoff(attempt: u32) -> Duration {
    Duration::from_secs(1u64 << attempt.saturating_sub(1).min(6))
}

/// A URL to queue when a site is seeded: (URL, depth, sitemap lastmod, how it was found).
type SeedUrl = (Url, u32, Option<String>, FoundVia);

/// What seeding a site found.
struct Seeded {
    site_id: i64,
    robots_status: Option<u16>,
    robots_txt: Option<String>,
    robots_error: Option<String>,
    urls: Vec<SeedUrl>,
    /// The first sitemap asked for, its status, URLs listed, or why it failed.
    sitemap_url: Option<String>,
    sitemap_status: Option<u16>,
    sitemap_error: Option<String>,
}

/// Fetches a URL for seeding (robots.txt, sitemaps): follows up to 5 redirects and retries
/// retryable failures, sleeping `interval` between requests to respect the host.
async fn fetch_following(
    fetcher: &Fetcher,
    url: &Url,
    interval: Duration,
    allowed: &(dyn Fn(&Url) -> bool + Sync),
) -> Result<(Url, Response), Failure> {
    let mut current = url.clone();
    let mut attempt = 1;
    let mut hops = 0;
    loop {
        match fetcher.fetch(Method::GET, &current, Body::Always).await {
            Ok(r) if r.is_redirect() && hops < 5 => {
                let next = r
                    .location
                    .as_deref()
                    .and_then(|l| fetcher.resolve_location(&current, l));
                match next {
                    Some(n) if allowed(&n) => {
                        current = n;
                        hops += 1;
                    }
                    _ => return Ok((current, r)),
                }
            }
            Ok(r) if matches!(r.status, 429 | 503) && attempt < MAX_ATTEMPTS => {
                let wait = r.retry_after.unwrap_or(backoff(attempt));
                if wait > MAX_RETRY_WAIT {
                    return Ok((current, r));
                }
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
            Ok(r) => return Ok((current, r)),
            Err(f) if f.retryable() && attempt < MAX_ATTEMPTS => {
                tokio::time::sleep(backoff(attempt)).await;
                attempt += 1;
            }
            Err(f) => return Err(f),
        }
        tokio::time::sleep(interval).await;
    }
}

#[allow(clippy::too_many_arguments)]
async fn seed_site(
    fetcher: &Fetcher,
    site_id: i64,
    origin: &str,
    start: Option<&str>,
    delay: Duration,
    respect_robots: bool,
    user_agent: &str,
    cap: u64,
) -> Seeded {
    let mut out = Seeded {
        site_id,
        robots_status: None,
        robots_txt: None,
        robots_error: None,
        urls: Vec::new(),
        sitemap_url: None,
        sitemap_status: None,
        sitemap_error: None,
    };
    let Ok(base) = Url::parse(origin) else {
        return out;
    };
    if let Some(start) = start.and_then(|s| Url::parse(s).ok()) {
        let mut start = start;
        normalize::clean(&mut start);
        out.urls.push((start, 0, None, FoundVia::Seed));
    }
    // The soft-404 probe: a path no site has. A site that answers it with 200 serves its
    // "not found" page as a normal page, and the audits need that page to recognise soft 404s.
    // It is queued like any page (robots.txt still decides), marked by `found_via = 'probe'`.
    // RandomState is seeded randomly per process: enough to name a path no site has.
    let nonce = RandomState::new().hash_one((site_id, std::time::SystemTime::now()));
    let probe = format!("/govaudit-probe-{nonce:016x}/");
    if let Ok(url) = base.join(&probe) {
        out.urls.push((url, 0, None, FoundVia::Probe));
    }
    let robots_url = base.join("/robots.txt").unwrap_or_else(|_| base.clone());
    // robots.txt itself is always allowed (RFC 9309); its redirects are followed on the site
    // only (one to another host, such as a metadata address, is not read).
    match fetch_following(fetcher, &robots_url, delay, &|u| same_site(u, &base)).await {
        Ok((_, r)) => {
            out.robots_status = Some(r.status);
            let body = r.body.unwrap_or_default();
            // Keep at most 500 KiB, the size Google reads.
            let body = &body[..body.len().min(500 * 1024)];
            out.robots_txt = Some(String::from_utf8_lossy(body).into_owned());
        }
        Err(f) => out.robots_error = Some(f.message),
    }
    // Sitemap lines are read even with --ignore-robots; the rules only when robots are respected.
    let parsed = Robots::from_fetch(
        user_agent,
        out.robots_status,
        out.robots_txt.as_deref().unwrap_or("").as_bytes(),
    );
    let sitemap_lines = parsed.sitemaps();
    let rules = if respect_robots {
        parsed
    } else {
        Robots::AllowAll
    };
    let interval = rules.crawl_delay().map_or(delay, |d| d.max(delay));
    let mut queue: VecDeque<Url> = sitemap_lines
        .iter()
        .filter_map(|s| base.join(s.trim()).ok())
        .collect();
    if let Ok(default) = base.join("/sitemap.xml") {
        if !queue.contains(&default) {
            queue.push_back(default);
        }
    }
    let mut seen: HashSet<Url> = HashSet::new();
    let mut sitemap_ok = false;
    let mut files = 0;
    let max_urls = cap.saturating_mul(2) as usize;
    while let Some(sm) = queue.pop_front() {
        if files >= MAX_SITEMAP_FILES || out.urls.len() >= max_urls {
            break;
        }
        if !seen.insert(sm.clone()) || !rules.allowed(sm.as_str()) {
            continue;
        }
        // Sitemaps hosted on another site are not ours to read.
        if sm.host_str() != base.host_str() && !same_site(&sm, &base) {
            continue;
        }
        files += 1;
        tokio::time::sleep(interval).await;
        // Redirects stay on the site, where robots.txt allows them.
        let same_site_allowed = |u: &Url| same_site(u, &base) && rules.allowed(u.as_str());
        // What the site's sitemap check reports: the first sitemap that lists pages, else the
        // first one asked for (a broken `Sitemap:` line with a good /sitemap.xml still passes).
        let first = out.sitemap_url.is_none();
        if first {
            out.sitemap_url = Some(sm.to_string());
        }
        let r = match fetch_following(fetcher, &sm, interval, &same_site_allowed).await {
            Ok((_, r)) => r,
            Err(f) => {
                if first {
                    out.sitemap_error = Some(f.message);
                }
                continue;
            }
        };
        if first {
            out.sitemap_status = Some(r.status);
        }
        if r.status != 200 {
            continue;
        }
        let parsed = sitemap::parse(r.body.as_deref().unwrap_or_default());
        if first && parsed.urls.is_empty() && parsed.sitemaps.is_empty() {
            out.sitemap_error = Some("no <url> or <sitemap> entries: not a sitemap".into());
        }
        let lists_pages = !parsed.urls.is_empty() || !parsed.sitemaps.is_empty();
        if !sitemap_ok && lists_pages {
            sitemap_ok = true;
            out.sitemap_url = Some(sm.to_string());
            out.sitemap_status = Some(r.status);
            out.sitemap_error = None;
        }
        for child in parsed.sitemaps {
            if let Ok(u) = base.join(&child) {
                queue.push_back(u);
            }
        }
        for (loc, lastmod) in parsed.urls {
            if let Ok(mut u) = base.join(&loc) {
                normalize::clean(&mut u);
                out.urls.push((u, 1, lastmod, FoundVia::Sitemap));
            }
        }
    }
    out
}

fn same_site(a: &Url, b: &Url) -> bool {
    let strip = |h: &str| h.strip_prefix("www.").unwrap_or(h).to_string();
    match (a.host_str(), b.host_str()) {
        (Some(x), Some(y)) => strip(x) == strip(y),
        _ => false,
    }
}

/// Fetches one site page: GET, then either a redirect hop, a parsed HTML page, or a non-HTML record.
async fn fetch_page(ctx: &Ctx, site_id: i64, item: &Item) -> Outcome {
    let started = Instant::now();
    let fetched_at = crate::store::now_rfc3339();
    let mut rec = FetchRecord {
        url_id: item.q.id,
        run_id: ctx.run_id,
        method: "GET",
        fetched_at,
        ..FetchRecord::default()
    };
    let url = match Url::parse(&item.q.url) {
        Ok(u) => u,
        Err(e) => {
            rec.error = Some(format!("stored URL does not parse: {e}"));
            return Outcome::Finished(Box::new(rec));
        }
    };
    // robots.txt is checked again before every request: a URL queued under other rules (a run
    // started with --ignore-robots, then resumed without it) must still not be requested.
    if !ctx.allowed(site_id, &url) {
        rec.blocked = true;
        return Outcome::Finished(Box::new(rec));
    }
    // Where the page really is: a site whose origin redirects to one of its aliases (bare domain
    // to www., http to https) is fetched from that alias, and stored under the inventory origin.
    let mut network_url = ctx.moved_url(site_id, &url);
    let resp = loop {
        let result = ctx
            .fetcher
            .fetch(Method::GET, &network_url, Body::IfHtml)
            .await;
        rec.fetch_ms = started.elapsed().as_millis() as u64;
        let resp = match result {
            Err(f) => return no_response(rec, item, f, true),
            Ok(r) => r,
        };
        if let Some(retry) = retry_for(&resp, item.attempt) {
            return retry;
        }
        let alias_target = resp
            .location
            .as_deref()
            .filter(|_| resp.is_redirect() && rec.hops.len() < 3)
            .and_then(|loc| ctx.fetcher.resolve_location(&network_url, loc))
            .filter(|next| *next != network_url && ctx.is_same_url(next, &url));
        match alias_target {
            Some(next) => {
                rec.hops.push(HopRecord {
                    from: network_url.to_string(),
                    to: next.to_string(),
                    status: resp.status,
                });
                // Only the site's home page moving says where the whole site lives; another page
                // may redirect to an alias on its own.
                if url.path() == "/" {
                    ctx.set_moved(site_id, &next);
                }
                network_url = next;
            }
            None => break resp,
        }
    };
    fill_from_response(&mut rec, &resp, ctx.max_body);
    if let Some(f) = &resp.body_error {
        rec.attempt_errors
            .push((item.attempt, f.kind, f.message.clone()));
    }
    if !rec.hops.is_empty() && !resp.is_redirect() {
        rec.final_url = Some(network_url.to_string());
    }
    if resp.is_redirect() {
        let loc = resp.location.as_deref().unwrap_or_default();
        match ctx.fetcher.resolve_location(&network_url, loc) {
            Some(target) => {
                let fragment = target.fragment().map(str::to_string);
                let mut clean_target = target.clone();
                normalize::clean(&mut clean_target);
                rec.final_url = Some(target.to_string());
                rec.hops.push(HopRecord {
                    from: network_url.to_string(),
                    to: target.to_string(),
                    status: resp.status,
                });
                let d = ctx.classify(
                    clean_target,
                    item.q.depth,
                    item.q.redirect_depth + 1,
                    FoundVia::Redirect,
                );
                rec.links.push(LinkRecord {
                    target: d,
                    kind: "redirect",
                    anchor: None,
                    rel: None,
                    fragment,
                });
            }
            None => rec.error = Some(format!("redirect to an unusable Location {loc:?}")),
        }
        return Outcome::Finished(Box::new(rec));
    }
    if let (true, Some(bytes)) = (resp.is_html(), resp.body.as_deref()) {
        let (text, charset) = extract::decode(
            bytes,
            resp.charset.as_deref(),
            resp.truncated || resp.body_error.is_some(),
        );
        let page = extract::links(&text);
        rec.charset = Some(charset.to_string());
        rec.title = page.title.clone();
        rec.body_hash = Some(format!("{:032x}", xxh3_128(text.as_bytes())));
        let base = page
            .base_href
            .as_deref()
            .and_then(|b| url.join(b).ok())
            .unwrap_or_else(|| url.clone());
        for link in page.links {
            let Some((target, fragment)) = normalize::resolve(&base, &link.href) else {
                continue;
            };
            let mut d = ctx.classify(target, item.q.depth + 1, 0, FoundVia::Link);
            if page.nofollow && d.state == url_state::QUEUED && d.site_id.is_some() {
                d.state = url_state::SEEN;
                d.reason = Some("meta robots nofollow");
            }
            rec.links.push(LinkRecord {
                target: d,
                kind: link.kind.as_str(),
                anchor: link.anchor,
                rel: link.rel,
                fragment,
            });
        }
        rec.body = Some(store::compress(&text));
    }
    Outcome::Finished(Box::new(rec))
}

/// The outcome of a request that got no response: try again later, or record the failure.
fn no_response(mut rec: FetchRecord, item: &Item, f: Failure, may_retry: bool) -> Outcome {
    if may_retry && f.retryable() && item.attempt < MAX_ATTEMPTS {
        return Outcome::Retry {
            wait: backoff(item.attempt),
            pause_host: false,
            error: (f.kind, f.message),
        };
    }
    rec.error = Some(f.message.clone());
    rec.attempt_errors.push((item.attempt, f.kind, f.message));
    Outcome::Finished(Box::new(rec))
}

/// A 429 or 503 that should be tried again later, honouring `Retry-After`.
fn retry_for(resp: &Response, attempt: u32) -> Option<Outcome> {
    if !matches!(resp.status, 429 | 503) || attempt >= MAX_ATTEMPTS {
        return None;
    }
    let wait = resp.retry_after.unwrap_or(backoff(attempt));
    if wait > MAX_RETRY_WAIT {
        return None;
    }
    Some(Outcome::Retry {
        wait,
        pause_host: true,
        error: (
            "http",
            format!(
                "answered {} (retry after {} s)",
                resp.status,
                wait.as_secs()
            ),
        ),
    })
}

fn fill_from_response(rec: &mut FetchRecord, resp: &Response, max_body: u64) {
    rec.status = Some(resp.status);
    rec.content_type = resp.content_type.clone();
    rec.size = resp.size;
    rec.etag = resp.etag.clone();
    rec.last_modified = resp.last_modified.clone();
    rec.hsts = resp.hsts.clone();
    rec.truncated = resp.truncated;
    if resp.truncated {
        let msg = format!(
            "body larger than {} bytes; cut at that size (raise --max-body-mb to read it all)",
            max_body
        );
        rec.attempt_errors.push((1, "too-large", msg.clone()));
        rec.error = Some(msg);
    } else if let Some(f) = &resp.body_error {
        rec.error = Some(format!(
            "connection failed while reading the body: {}",
            f.message
        ));
    }
}

/// Checks an external URL: HEAD (GET when HEAD fails), following redirects hop by hop.
async fn check_external(ctx: &Ctx, item: &Item) -> Outcome {
    let started = Instant::now();
    let mut rec = FetchRecord {
        url_id: item.q.id,
        run_id: ctx.run_id,
        method: "HEAD",
        fetched_at: crate::store::now_rfc3339(),
        ..FetchRecord::default()
    };
    let Ok(mut url) = Url::parse(&item.q.url) else {
        rec.error = Some("stored URL does not parse".into());
        return Outcome::Finished(Box::new(rec));
    };
    let mut visited: HashSet<Url> = HashSet::new();
    loop {
        visited.insert(url.clone());
        let mut method = "HEAD";
        let mut result = ctx.fetcher.fetch(Method::HEAD, &url, Body::Never).await;
        let head_failed = match &result {
            Ok(r) => r.status >= 400 && r.status != 429,
            Err(f) => !matches!(f.kind, "dns" | "offline" | "scope"),
        };
        if head_failed {
            // Many servers answer HEAD wrongly (405, 403, 404, resets); GET is what browsers do.
            method = "GET";
            result = ctx.fetcher.fetch(Method::GET, &url, Body::Never).await;
        }
        rec.method = method;
        rec.fetch_ms = started.elapsed().as_millis() as u64;
        let resp = match result {
            // Mid-chain, a retry would start the chain again: record the failure instead.
            Err(f) => {
                let may_retry = rec.hops.is_empty();
                return no_response(rec, item, f, may_retry);
            }
            Ok(r) => r,
        };
        if rec.hops.is_empty() {
            if let Some(retry) = retry_for(&resp, item.attempt) {
                return retry;
            }
        }
        fill_from_response(&mut rec, &resp, ctx.max_body);
        if !resp.is_redirect() {
            rec.final_url = (!rec.hops.is_empty()).then(|| url.to_string());
            return Outcome::Finished(Box::new(rec));
        }
        let loc = resp.location.as_deref().unwrap_or_default();
        let Some(next) = ctx.fetcher.resolve_location(&url, loc) else {
            rec.error = Some(format!("redirect to an unusable Location {loc:?}"));
            return Outcome::Finished(Box::new(rec));
        };
        rec.hops.push(HopRecord {
            from: url.to_string(),
            to: next.to_string(),
            status: resp.status,
        });
        rec.final_url = Some(next.to_string());
        if visited.contains(&next) {
            rec.error = Some(format!("redirect loop: {next} was already visited"));
            return Outcome::Finished(Box::new(rec));
        }
        let mut public = next.clone();
        ctx.scope.canonicalize(&mut public);
        if let Some(site) = ctx.scope.site_of(&public) {
            if !ctx.allowed(site, &public) {
                rec.error = Some(format!(
                    "redirects to {public}, which robots.txt disallows; not requested"
                ));
                return Outcome::Finished(Box::new(rec));
            }
        }
        if rec.hops.len() as u32 >= MAX_REDIRECTS {
            rec.error = Some(format!("more than {MAX_REDIRECTS} redirects; stopped"));
            return Outcome::Finished(Box::new(rec));
        }
        url = next;
    }
}
