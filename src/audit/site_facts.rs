//! What the crawl found about each web site as a whole, for the governance and consolidation
//! audits: where the home page ends up (following redirects while they stay on the site), its
//! HSTS header, pages that redirect to plain http, how the site answers a made-up address (the
//! "not found" probe), robots.txt and sitemap, and the traffic the inventory gives.
//!
//! Reads rows from the store ([`Store::web_sites`], [`Store::site_fetches`],
//! [`Store::fetch_in_run`]); the following of redirects is here.

use std::collections::HashMap;

use crate::store::{self, schema::url_state, Store};

/// Redirects followed from the start URL to the home page.
const HOME_HOPS: usize = 6;
/// Redirects followed from the probe.
const PROBE_HOPS: usize = 5;

/// What the crawl stored about one web site, as the governance and consolidation audits read it.
#[derive(Debug, Clone, Default)]
pub struct SiteCrawlFacts {
    /// The site's origin.
    pub origin: String,
    /// The home page as fetched (the start URL, after redirects within the site).
    pub home: Option<String>,
    /// The other inventory site the home page redirects to, if any.
    pub home_moved_to: Option<String>,
    /// Where the start URL's redirects end (on the site or elsewhere).
    pub final_url: Option<String>,
    /// The status of the page the start URL's redirects end at (null: no response).
    pub home_status: Option<i64>,
    /// robots.txt kept the crawl from the home page.
    pub home_blocked: bool,
    /// Pages of the site that redirect to plain http.
    pub downgrades: Vec<String>,
    /// The home page's Strict-Transport-Security header.
    pub hsts: Option<String>,
    /// The site was fetched through `--map` from another origin.
    pub mapped: bool,
    /// What its robots.txt and sitemap said.
    pub files: store::SiteFiles,
    /// The made-up address: its URL, status and where it redirected.
    pub probe: Option<(String, Option<i64>, Option<String>)>,
    /// Where the probe's redirects end: that page's status.
    pub probe_end_status: Option<i64>,
    /// Pages fetched with status 200 (any type).
    pub ok_pages: i64,
    /// Page views or visits from the inventory's `pageviews`/`visits` column.
    pub traffic: Option<f64>,
    /// When the site's content last changed (`YYYY-MM-DD`), as the audit judges it from the
    /// dates its pages carry (filled in by the audit, not the store).
    pub newest_update: Option<String>,
    /// Which dates `newest_update` came from, in words.
    pub newest_update_source: Option<String>,
    /// Links on the site's pages people read (page-link pairs; filled in by the audit).
    pub links: i64,
}

/// What the crawl stored about each web site of the run, in inventory order.
pub fn site_crawl_facts(store: &Store, run_id: i64) -> Result<Vec<SiteCrawlFacts>, store::Error> {
    let mapped = store.mapped_origins(run_id)?;
    let sites = store.web_sites()?;
    let origins: HashMap<i64, &str> = sites.iter().map(|s| (s.id, s.origin.as_str())).collect();
    let mut out = Vec::with_capacity(sites.len());
    for site in &sites {
        let mut f = SiteCrawlFacts {
            mapped: mapped.contains(&site.origin),
            files: site.files.clone(),
            traffic: site.extra.as_deref().and_then(traffic_of),
            ..SiteCrawlFacts::default()
        };
        follow_home(store, run_id, site, &origins, &mut f)?;
        read_fetches(store, run_id, site, &mut f)?;
        follow_probe(store, run_id, &mut f)?;
        f.origin = site.origin.clone();
        out.push(f);
    }
    Ok(out)
}

/// The home page: the start URL, following redirects while they stay on the site.
fn follow_home(
    store: &Store,
    run_id: i64,
    site: &store::WebSite,
    origins: &HashMap<i64, &str>,
    f: &mut SiteCrawlFacts,
) -> Result<(), store::Error> {
    let mut url = site
        .start_url
        .clone()
        .unwrap_or_else(|| format!("{}/", site.origin));
    for _ in 0..HOME_HOPS {
        f.final_url = Some(url.clone());
        let Some(fetch) = store.fetch_in_run(&url, run_id)? else {
            f.home_blocked = store.url_state(&url)? == Some(url_state::BLOCKED);
            break;
        };
        f.home_status = fetch.status;
        if fetch.site_id != Some(site.id) {
            f.home_moved_to = fetch
                .site_id
                .and_then(|s| origins.get(&s).map(|o| o.to_string()));
            break;
        }
        if f.hsts.is_none() {
            f.hsts = fetch.hsts;
        }
        match (fetch.status, fetch.final_url) {
            (Some(s), Some(next)) if (300..400).contains(&s) && next != url => url = next,
            _ => {
                f.home = Some(url.clone());
                break;
            }
        }
    }
    Ok(())
}

/// Pages answered 200, pages that redirect to plain http, and the probe's fetch.
fn read_fetches(
    store: &Store,
    run_id: i64,
    site: &store::WebSite,
    f: &mut SiteCrawlFacts,
) -> Result<(), store::Error> {
    let plain_http = site
        .origin
        .strip_prefix("https://")
        .map(|h| format!("http://{h}/"));
    for fetch in store.site_fetches(site.id, run_id)? {
        if fetch.found_via == store::schema::FoundVia::Probe.as_str() {
            f.probe = Some((fetch.url, fetch.status, fetch.final_url));
            continue;
        }
        if fetch.status == Some(200) {
            f.ok_pages += 1;
        }
        if let (Some(prefix), Some(fin)) = (&plain_http, &fetch.final_url) {
            if fin.starts_with(prefix.as_str()) {
                f.downgrades.push(fetch.url);
            }
        }
    }
    f.downgrades.sort();
    Ok(())
}

/// Follows the probe's redirects through the pages this run fetched: the status it ends at.
fn follow_probe(store: &Store, run_id: i64, f: &mut SiteCrawlFacts) -> Result<(), store::Error> {
    let Some((_, Some(status), Some(next))) = &f.probe else {
        return Ok(());
    };
    let (mut status, mut next) = (*status, next.clone());
    for _ in 0..PROBE_HOPS {
        if !(300..400).contains(&status) {
            break;
        }
        let Some(store::Fetch {
            status: Some(s),
            final_url,
            ..
        }) = store.fetch_in_run(&next, run_id)?
        else {
            break;
        };
        status = s;
        match final_url {
            Some(n) => next = n,
            None => break,
        }
    }
    f.probe_end_status = Some(status);
    Ok(())
}

/// The traffic figure of an inventory row's extra columns (`pageviews`, `visits`, …).
fn traffic_of(extra: &str) -> Option<f64> {
    let v: serde_json::Value = serde_json::from_str(extra).ok()?;
    let obj = v.as_object()?;
    let key = |k: &str| {
        k.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase()
    };
    for wanted in ["pageviews", "views", "visits", "sessions", "users"] {
        for (k, v) in obj {
            if key(k).contains(wanted) {
                let text = v
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string());
                let digits: String = text.chars().filter(|c| *c != ',' && *c != ' ').collect();
                if let Ok(n) = digits.parse::<f64>() {
                    return Some(n);
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traffic_from_the_inventory_columns() {
        assert_eq!(
            traffic_of(r#"{"pageviews":"1,200,000"}"#),
            Some(1_200_000.0)
        );
        assert_eq!(traffic_of(r#"{"Monthly Visits":"42"}"#), Some(42.0));
        assert_eq!(traffic_of(r#"{"Pageviews (30 days)":"7"}"#), Some(7.0));
        assert_eq!(traffic_of(r#"{"topic":"x"}"#), None);
    }
}
