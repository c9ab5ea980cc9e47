//! Per-site reads and rows for the governance and consolidation audits and the reports: what
//! the crawl stored about each site (robots.txt, sitemap, fetches, server dates), the
//! `site_audit` rows the audit writes, and findings of earlier runs. Rows only: what they add up
//! to is worked out in `audit::site_facts`.
//!
//! Reads: `sites`, `pages`, `urls`, `runs`, `site_audit`, `findings`. Writes nothing (the
//! writer stores [`SiteAudit`] rows with the findings).

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::{Error, Store};

/// What a site's robots.txt and sitemap said, as the crawl stored them.
#[derive(Debug, Clone, Default)]
pub struct SiteFiles {
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
}

/// A web site of the inventory as the crawl left it.
#[derive(Debug, Clone)]
pub struct WebSite {
    /// Row id.
    pub id: i64,
    /// Origin.
    pub origin: String,
    /// The inventory's start URL.
    pub start_url: Option<String>,
    /// What its robots.txt and sitemap said.
    pub files: SiteFiles,
    /// The inventory columns the tool does not interpret, as a JSON object.
    pub extra: Option<String>,
}

/// One fetch of a URL in a run.
#[derive(Debug, Clone)]
pub struct Fetch {
    /// The URL.
    pub url: String,
    /// HTTP status (none: no response).
    pub status: Option<i64>,
    /// Where a redirect points.
    pub final_url: Option<String>,
    /// The Strict-Transport-Security header.
    pub hsts: Option<String>,
    /// The inventory site the URL belongs to.
    pub site_id: Option<i64>,
    /// How the crawl found it (`urls.found_via`).
    pub found_via: String,
}

fn fetch_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Fetch> {
    Ok(Fetch {
        url: r.get(0)?,
        status: r.get(1)?,
        final_url: r.get(2)?,
        hsts: r.get(3)?,
        site_id: r.get(4)?,
        found_via: r.get(5)?,
    })
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
/// `<lastmod>` day), each `YYYY-MM-DD` as its ten bytes (a million pages' dates in 30 MB, not
/// 120: see [`day_text`]).
pub type ServerDates = (Option<Day>, Option<Day>);

/// A `YYYY-MM-DD` day as its ten ASCII bytes.
pub type Day = [u8; 10];

/// A day read back as text.
pub fn day_text(day: &Day) -> Option<String> {
    std::str::from_utf8(day).ok().map(str::to_string)
}

/// A `YYYY-MM-DD` text as a [`Day`] (None unless it is ten bytes long).
fn day_of_text(s: &str) -> Option<Day> {
    s.as_bytes().try_into().ok()
}

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

impl Store {
    /// The `--map` origins the run's crawl used (its stored settings).
    pub fn mapped_origins(&self, run_id: i64) -> Result<Vec<String>, Error> {
        let settings: Option<String> = self
            .conn
            .query_row(
                "SELECT settings FROM runs WHERE id = ?1",
                params![run_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?
            .flatten();
        Ok(settings
            .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
            .and_then(|v| v.get("map").cloned())
            .and_then(|m| serde_json::from_value(m).ok())
            .unwrap_or_default())
    }

    /// The inventory's web sites as the crawl left them (robots.txt, sitemap), in inventory
    /// order.
    pub fn web_sites(&self) -> Result<Vec<WebSite>, Error> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT s.id, s.origin, s.start_url, s.robots_status, s.robots_txt,
                        s.robots_error, s.sitemap_url, s.sitemap_status, s.sitemap_urls,
                        s.sitemap_error, s.extra
                 FROM sites s WHERE s.channel = 'web' ORDER BY s.inventory_line, s.id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(WebSite {
                    id: r.get(0)?,
                    origin: r.get(1)?,
                    start_url: r.get(2)?,
                    files: SiteFiles {
                        robots_status: r.get(3)?,
                        robots_txt: r.get(4)?,
                        robots_error: r.get(5)?,
                        sitemap_url: r.get(6)?,
                        sitemap_status: r.get(7)?,
                        sitemap_urls: r.get(8)?,
                        sitemap_error: r.get(9)?,
                    },
                    extra: r.get(10)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// How `url` was fetched in the run, if it was.
    pub fn fetch_in_run(&self, url: &str, run_id: i64) -> Result<Option<Fetch>, Error> {
        self.conn
            .prepare_cached(
                "SELECT u.url, p.status, p.final_url, p.hsts, u.site_id, u.found_via
                 FROM urls u JOIN pages p ON p.url_id = u.id WHERE u.url = ?1 AND p.run_id = ?2",
            )
            .map_err(|e| self.err(e))?
            .query_row(params![url, run_id], fetch_row)
            .optional()
            .map_err(|e| self.err(e))
    }

    /// The frontier state of `url` ([`super::schema::url_state`]), if it was ever seen.
    pub fn url_state(&self, url: &str) -> Result<Option<i64>, Error> {
        self.conn
            .query_row("SELECT state FROM urls WHERE url = ?1", params![url], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Every fetch of one site's URLs in the run (pages, redirects, failures, the probe).
    pub fn site_fetches(&self, site_id: i64, run_id: i64) -> Result<Vec<Fetch>, Error> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT u.url, p.status, p.final_url, p.hsts, u.site_id, u.found_via
                 FROM pages p JOIN urls u ON u.id = p.url_id
                 WHERE u.site_id = ?1 AND p.run_id = ?2",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![site_id, run_id], fetch_row)
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
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
                        header
                            .as_deref()
                            .and_then(http_day)
                            .and_then(|d| day_of_text(&d)),
                        lastmod.and_then(|l| l.get(..10).and_then(day_of_text)),
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
    fn http_dates() {
        assert_eq!(
            http_day("Tue, 15 Nov 1994 08:12:31 GMT").as_deref(),
            Some("1994-11-15")
        );
        assert_eq!(http_day("yesterday"), None);
    }
}
