//! Per-site reads and rows for the governance and consolidation audits and the reports: what
//! the crawl stored about each site (robots.txt, sitemap, the 404 probe, headers, traffic,
//! updates), the `site_audit` rows the audit writes, and findings of earlier runs.
//!
//! Reads: `sites`, `pages`, `urls`, `runs`, `site_audit`, `findings`. Writes nothing (the
//! writer stores [`SiteAudit`] rows with the findings).

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::{Error, Store};

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
    /// robots.txt status.
    pub robots_status: Option<i64>,
    /// robots.txt as fetched.
    pub robots_txt: Option<String>,
    /// Why robots.txt could not be fetched.
    pub robots_error: Option<String>,
    /// The sitemap asked for.
    pub sitemap_url: Option<String>,
    /// Its status.
    pub sitemap_status: Option<i64>,
    /// URLs it listed.
    pub sitemap_urls: Option<i64>,
    /// Why it could not be read.
    pub sitemap_error: Option<String>,
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

/// The governance counts and the consolidation recommendation of one site, as stored.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SiteAudit {
    /// The site's origin.
    pub site: String,
    /// Governance rules passed.
    pub governance_passed: i64,
    /// Governance rules failed.
    pub governance_failed: i64,
    /// Governance rules that could not be observed.
    pub governance_skipped: i64,
    /// `keep`, `fix`, `merge` or `retire`.
    pub recommendation: String,
    /// The origin to merge into.
    pub merge_into: Option<String>,
    /// Why, in sentences.
    pub evidence: Vec<String>,
    /// The figures weighed (JSON object).
    pub figures: serde_json::Value,
}

/// What the server and the sitemap said of a page's date: (`Last-Modified` day, sitemap
/// `<lastmod>` day), each `YYYY-MM-DD`.
pub type ServerDates = (Option<String>, Option<String>);

/// An earlier audited run of the same inventory.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EarlierRun {
    /// Its id.
    pub id: i64,
    /// When its crawl started.
    pub started_at: String,
}

/// Parses an HTTP date (`Tue, 15 Nov 1994 08:12:31 GMT`) to `YYYY-MM-DD`.
fn http_day(s: &str) -> Option<String> {
    httpdate::parse_http_date(s.trim()).ok().map(super::day_of)
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

impl Store {
    /// What the crawl stored about each web site of the run, in inventory order.
    pub fn site_crawl_facts(&self, run_id: i64) -> Result<Vec<SiteCrawlFacts>, Error> {
        let settings: Option<String> = self
            .conn
            .query_row(
                "SELECT settings FROM runs WHERE id = ?1",
                params![run_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let mapped: Vec<String> = settings
            .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
            .and_then(|v| v.get("map").cloned())
            .and_then(|m| serde_json::from_value(m).ok())
            .unwrap_or_default();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT s.id, s.origin, s.start_url, s.robots_status, s.robots_txt,
                        s.robots_error, s.sitemap_url, s.sitemap_status, s.sitemap_urls,
                        s.sitemap_error, s.extra
                 FROM sites s WHERE s.channel = 'web' ORDER BY s.inventory_line, s.id",
            )
            .map_err(|e| self.err(e))?;
        type Row = (
            i64,
            String,
            Option<String>,
            Option<i64>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<i64>,
            Option<i64>,
            Option<String>,
            Option<String>,
        );
        let rows: Vec<Row> = stmt
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                    r.get(10)?,
                ))
            })
            .map_err(|e| self.err(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| self.err(e))?;
        let origins: HashMap<i64, String> = rows.iter().map(|r| (r.0, r.1.clone())).collect();
        let mut out = Vec::with_capacity(rows.len());
        for (
            id,
            origin,
            start,
            robots_status,
            robots_txt,
            robots_error,
            sm_url,
            sm_status,
            sm_urls,
            sm_error,
            extra,
        ) in rows
        {
            let mut f = SiteCrawlFacts {
                mapped: mapped.contains(&origin),
                robots_status,
                robots_txt,
                robots_error,
                sitemap_url: sm_url,
                sitemap_status: sm_status,
                sitemap_urls: sm_urls,
                sitemap_error: sm_error,
                traffic: extra.as_deref().and_then(traffic_of),
                ..SiteCrawlFacts::default()
            };
            // The home page: the start URL, following redirects while they stay on the site.
            let mut url = start.unwrap_or_else(|| format!("{origin}/"));
            for _ in 0..6 {
                type Hop = (Option<i64>, Option<String>, Option<String>, Option<i64>);
                let row: Option<Hop> = self
                    .conn
                    .query_row(
                        "SELECT p.status, p.final_url, p.hsts, u.site_id FROM urls u
                         JOIN pages p ON p.url_id = u.id WHERE u.url = ?1 AND p.run_id = ?2",
                        params![url, run_id],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                    )
                    .optional()
                    .map_err(|e| self.err(e))?;
                f.final_url = Some(url.clone());
                let Some((status, final_url, hsts, site_id)) = row else {
                    let state: Option<i64> = self
                        .conn
                        .query_row("SELECT state FROM urls WHERE url = ?1", params![url], |r| {
                            r.get(0)
                        })
                        .optional()
                        .map_err(|e| self.err(e))?;
                    f.home_blocked = state == Some(super::schema::url_state::BLOCKED);
                    break;
                };
                f.home_status = status;
                if site_id != Some(id) {
                    f.home_moved_to = site_id.and_then(|s| origins.get(&s).cloned());
                    break;
                }
                if f.hsts.is_none() {
                    f.hsts = hsts;
                }
                match (status, final_url) {
                    (Some(s), Some(next)) if (300..400).contains(&s) && next != url => url = next,
                    _ => {
                        f.home = Some(url.clone());
                        break;
                    }
                }
            }
            let host_rest = origin
                .strip_prefix("https://")
                .map(|h| format!("http://{h}/"));
            let mut stmt = self
                .conn
                .prepare_cached(
                    "SELECT u.url, p.status, p.final_url, u.found_via
                     FROM pages p JOIN urls u ON u.id = p.url_id
                     WHERE u.site_id = ?1 AND p.run_id = ?2",
                )
                .map_err(|e| self.err(e))?;
            let pages = stmt
                .query_map(params![id, run_id], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, Option<i64>>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, String>(3)?,
                    ))
                })
                .map_err(|e| self.err(e))?;
            for p in pages {
                let (url, status, final_url, via) = p.map_err(|e| self.err(e))?;
                if via == "probe" {
                    f.probe = Some((url, status, final_url));
                    continue;
                }
                if status == Some(200) {
                    f.ok_pages += 1;
                }
                if let (Some(prefix), Some(fin)) = (&host_rest, &final_url) {
                    if fin.starts_with(prefix.as_str()) {
                        f.downgrades.push(url.clone());
                    }
                }
            }
            f.downgrades.sort();
            // Follow the probe's redirects through the pages this run fetched.
            if let Some((_, Some(status), Some(next))) = &f.probe {
                let (mut status, mut next) = (*status, next.clone());
                for _ in 0..5 {
                    if !(300..400).contains(&status) {
                        break;
                    }
                    let row: Option<(Option<i64>, Option<String>)> = self
                        .conn
                        .query_row(
                            "SELECT p.status, p.final_url FROM urls u JOIN pages p ON p.url_id = u.id
                             WHERE u.url = ?1 AND p.run_id = ?2",
                            params![next, run_id],
                            |r| Ok((r.get(0)?, r.get(1)?)),
                        )
                        .optional()
                        .map_err(|e| self.err(e))?;
                    let Some((Some(s), fin)) = row else { break };
                    status = s;
                    match fin {
                        Some(n) => next = n,
                        None => break,
                    }
                }
                f.probe_end_status = Some(status);
            }
            f.origin = origin;
            out.push(f);
        }
        Ok(out)
    }

    /// The dates servers and sitemaps gave each page fetched in the newest run, by `urls` id:
    /// (`Last-Modified` day, sitemap `<lastmod>` day), each `YYYY-MM-DD`.
    pub fn page_dates(&self) -> Result<HashMap<i64, ServerDates>, Error> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT u.id, p.last_modified, u.sitemap_lastmod
                 FROM pages p JOIN urls u ON u.id = p.url_id
                 WHERE p.run_id = (SELECT MAX(id) FROM runs) AND u.site_id IS NOT NULL
                   AND (p.last_modified IS NOT NULL OR u.sitemap_lastmod IS NOT NULL)",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                let header: Option<String> = r.get(1)?;
                let lastmod: Option<String> = r.get(2)?;
                Ok((
                    r.get::<_, i64>(0)?,
                    (
                        header.as_deref().and_then(http_day),
                        lastmod.and_then(|l| l.get(..10).map(str::to_string)),
                    ),
                ))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// The stored governance counts and recommendation of each site for a run, by origin.
    pub fn site_audits(&self, run_id: i64) -> Result<HashMap<String, SiteAudit>, Error> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT s.origin, a.governance_passed, a.governance_failed, a.governance_skipped,
                        a.recommendation, a.merge_into, a.evidence, a.figures
                 FROM site_audit a JOIN sites s ON s.id = a.site_id WHERE a.run_id = ?1",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![run_id], |r| {
                let evidence: String = r.get(6)?;
                let figures: String = r.get(7)?;
                Ok(SiteAudit {
                    site: r.get(0)?,
                    governance_passed: r.get(1)?,
                    governance_failed: r.get(2)?,
                    governance_skipped: r.get(3)?,
                    recommendation: r.get(4)?,
                    merge_into: r.get(5)?,
                    evidence: serde_json::from_str(&evidence).unwrap_or_default(),
                    figures: serde_json::from_str(&figures).unwrap_or(serde_json::Value::Null),
                })
            })
            .map_err(|e| self.err(e))?;
        let mut out = HashMap::new();
        for r in rows {
            let r = r.map_err(|e| self.err(e))?;
            out.insert(r.site.clone(), r);
        }
        Ok(out)
    }

    /// The newest audited run of the same inventory before `run_id`, if any.
    pub fn previous_run(&self, run_id: i64) -> Result<Option<EarlierRun>, Error> {
        self.conn
            .query_row(
                "SELECT r.id, r.started_at FROM runs r, runs cur
                 WHERE cur.id = ?1 AND r.inventory = cur.inventory AND r.id < cur.id
                   AND r.audited_at IS NOT NULL
                 ORDER BY r.id DESC LIMIT 1",
                params![run_id],
                |r| {
                    Ok(EarlierRun {
                        id: r.get(0)?,
                        started_at: r.get(1)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// When a run's crawl started and its inventory.
    pub fn run_info(&self, run_id: i64) -> Result<Option<(String, String)>, Error> {
        self.conn
            .query_row(
                "SELECT inventory, started_at FROM runs WHERE id = ?1",
                params![run_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_traffic() {
        assert_eq!(
            http_day("Tue, 15 Nov 1994 08:12:31 GMT").as_deref(),
            Some("1994-11-15")
        );
        assert_eq!(
            traffic_of(r#"{"pageviews":"1,200,000"}"#),
            Some(1_200_000.0)
        );
        assert_eq!(traffic_of(r#"{"Monthly Visits":"42"}"#), Some(42.0));
        assert_eq!(traffic_of(r#"{"Pageviews (30 days)":"7"}"#), Some(7.0));
        assert_eq!(traffic_of(r#"{"topic":"x"}"#), None);
    }
}
