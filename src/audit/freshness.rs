//! When a site's content last changed, for the consolidation's staleness signal, from the dates
//! its pages carry, with which dates were used.
//!
//! Reads: per page, the `Last-Modified` day, the sitemap `<lastmod>` day, the "last updated"
//! date the page states and its address. Writes nothing.
//!
//! Static-site deploys and sitemap generators stamp every file with one date: the day of the
//! build, not of any edit, and templates print that build time as "Last updated" on every page.
//! Such a date ("stamp") says nothing about fresh content, so a day that many of a source's
//! pages share is set aside; dates in addresses (`/2024/03/15/…`) are the authors' own and always
//! count. A stamp is used only when nothing else dates the site, and is labelled as such: content
//! is at least that old.

use std::collections::HashMap;
use std::sync::OnceLock;

use regex::Regex;

/// The dates one page carries (`YYYY-MM-DD` each).
#[derive(Debug, Clone, Default)]
pub struct PageDates {
    /// The page's address.
    pub url: String,
    /// Its `Last-Modified` header.
    pub header: Option<String>,
    /// Its sitemap `<lastmod>`.
    pub sitemap: Option<String>,
    /// The "last updated" date it states.
    pub stated: Option<String>,
}

/// Where a site's newest date came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `Last-Modified` headers.
    Header,
    /// Sitemap `<lastmod>`.
    Sitemap,
    /// "Last updated" lines on the pages.
    Stated,
    /// Dates in page addresses.
    Address,
    /// A date most pages share (a deploy or build), from the named source: nothing newer is
    /// known.
    Stamp(&'static str),
}

impl Source {
    /// How the source names a stamp ("Last-Modified headers" …).
    fn stamped_by(self) -> &'static str {
        match self {
            Source::Header => "Last-Modified headers",
            Source::Sitemap => "sitemap lastmod dates",
            Source::Stated => "\"last updated\" lines",
            Source::Address | Source::Stamp(_) => "page addresses",
        }
    }
}

/// The newest update of a site and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Newest {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Where it came from.
    pub source: Source,
    /// For a stamp: how many pages share it, of how many dated by that source.
    pub shared: Option<(usize, usize)>,
}

impl Newest {
    /// The source in words, as reports show it.
    pub fn describe(&self) -> String {
        match (self.source, self.shared) {
            (Source::Header, _) => "Last-Modified headers".into(),
            (Source::Sitemap, _) => "sitemap lastmod dates".into(),
            (Source::Stated, _) => "\"last updated\" dates stated on pages".into(),
            (Source::Address, _) => "dates in page addresses".into(),
            (Source::Stamp(by), Some((n, of))) => format!(
                "a date {n} of {of} pages share in their {by}, as a deploy or build gives them (no later edit date is known)"
            ),
            (Source::Stamp(by), None) => format!("a date most pages share in their {by}"),
        }
    }
}

/// A day at least this many of a source's pages share is a stamp when they are also at least
/// [`STAMP_SHARE`] of them; [`MASS_PAGES`] pages and [`MASS_SHARE`] always are.
const STAMP_PAGES: usize = 3;
const STAMP_SHARE: f64 = 0.5;
const MASS_PAGES: usize = 10;
const MASS_SHARE: f64 = 0.05;

fn dated_address() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        // `/2024/03/15/slug`, `/2024/03/slug` (the month's first day), `/2022-11-04-slug`.
        Regex::new(
            r"/((?:19|20)\d\d)(?:/(0[1-9]|1[0-2])(?:/(0[1-9]|[12]\d|3[01]))?/|-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[-/])",
        )
        .expect("a valid pattern")
    })
}

/// The date in a page's address (`https://a.gov/2024/03/15/post/` -> `2024-03-15`).
pub fn address_date(url: &str) -> Option<String> {
    let path = url.split_once("://").map_or(url, |(_, r)| r);
    let c = dated_address().captures(path)?;
    let year = c.get(1)?.as_str();
    let (month, day) = match (c.get(2), c.get(4)) {
        (Some(m), _) => (m.as_str(), c.get(3).map_or("01", |d| d.as_str())),
        (None, Some(m)) => (m.as_str(), c.get(5)?.as_str()),
        _ => return None,
    };
    Some(format!("{year}-{month}-{day}"))
}

/// The days a source stamped on many pages: (day, pages), with the number of pages the share is
/// taken of. Machine dates (headers, sitemaps) are shares of the pages that have one, and a day
/// [`MASS_PAGES`] of them share is a stamp too (a deploy of part of a site); dates pages state
/// are shares of all the site's pages, since a template that prints its build time prints it on
/// every page, while an editor who reviews forty pages one day writes that day on each.
fn stamps(days: &[&str], all_pages: usize, source: Source) -> (Vec<(String, usize)>, usize) {
    let mut count: std::collections::HashMap<&str, usize> = Default::default();
    for d in days {
        *count.entry(d).or_default() += 1;
    }
    let (total, mass) = match source {
        Source::Stated => (all_pages, false),
        _ => (days.len(), true),
    };
    let stamped = count
        .into_iter()
        .filter(|&(_, n)| {
            let share = n as f64 / total.max(1) as f64;
            (n >= STAMP_PAGES && share >= STAMP_SHARE)
                || (mass && n >= MASS_PAGES && share >= MASS_SHARE)
        })
        .map(|(d, n)| (d.to_string(), n))
        .collect();
    (stamped, total)
}

/// Reads one date of a page.
type Pick = fn(&PageDates) -> Option<String>;

/// The newest meaningful date of a site's pages, ignoring dates after `today` (`YYYY-MM-DD`).
pub fn newest_update(pages: &[PageDates], today: &str) -> Option<Newest> {
    let valid = |d: &Option<String>| {
        d.as_deref()
            .filter(|d| d.len() == 10 && *d <= today && *d >= "1990-01-01")
            .map(str::to_string)
    };
    let mut best: Option<Newest> = None;
    let mut offer = |date: String, source: Source, shared: Option<(usize, usize)>| {
        if best.as_ref().is_none_or(|b| date > b.date) {
            best = Some(Newest {
                date,
                source,
                shared,
            });
        }
    };
    let mut fallback: Option<Newest> = None;
    let sources: [(Source, Pick); 3] = [
        (Source::Header, |p| p.header.clone()),
        (Source::Sitemap, |p| p.sitemap.clone()),
        (Source::Stated, |p| p.stated.clone()),
    ];
    for (source, pick) in sources {
        let days: Vec<String> = pages.iter().filter_map(|p| valid(&pick(p))).collect();
        let refs: Vec<&str> = days.iter().map(String::as_str).collect();
        let (stamped, total) = stamps(&refs, pages.len(), source);
        for d in &days {
            if !stamped.iter().any(|(s, _)| s == d) {
                offer(d.clone(), source, None);
            }
        }
        for (day, n) in stamped {
            if fallback.as_ref().is_none_or(|f| day > f.date) {
                fallback = Some(Newest {
                    date: day,
                    source: Source::Stamp(source.stamped_by()),
                    shared: Some((n, total)),
                });
            }
        }
    }
    for p in pages {
        if let Some(d) = valid(&address_date(&p.url)) {
            offer(d, Source::Address, None);
        }
    }
    best.or(fallback)
}

/// The newest date of each page of one site that means an edit (`YYYY-MM-DD`, by URL): what it
/// states, the date in its address, and its sitemap or header date unless that is a day many of
/// the site's pages share (a stamp).
pub fn page_dates(pages: &[PageDates], today: &str) -> HashMap<String, String> {
    let valid = |d: &Option<String>| {
        d.as_deref()
            .filter(|d| d.len() == 10 && *d <= today && *d >= "1990-01-01")
            .map(str::to_string)
    };
    let stamped = |source: Source, pick: Pick| -> Vec<String> {
        let days: Vec<String> = pages.iter().filter_map(|p| valid(&pick(p))).collect();
        let refs: Vec<&str> = days.iter().map(String::as_str).collect();
        stamps(&refs, pages.len(), source)
            .0
            .into_iter()
            .map(|(d, _)| d)
            .collect()
    };
    let sources: [(Source, Pick); 3] = [
        (Source::Header, |p| p.header.clone()),
        (Source::Sitemap, |p| p.sitemap.clone()),
        (Source::Stated, |p| p.stated.clone()),
    ];
    let stamps_of: Vec<Vec<String>> = sources.iter().map(|(s, p)| stamped(*s, *p)).collect();
    let mut out = HashMap::new();
    for p in pages {
        let mut best: Option<String> = valid(&address_date(&p.url));
        for ((_, pick), stamps) in sources.iter().zip(&stamps_of) {
            if let Some(d) = valid(&pick(p)).filter(|d| !stamps.contains(d)) {
                if best.as_ref().is_none_or(|b| d > *b) {
                    best = Some(d);
                }
            }
        }
        if let Some(d) = best {
            out.insert(p.url.clone(), d);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(
        url: &str,
        header: Option<&str>,
        sitemap: Option<&str>,
        stated: Option<&str>,
    ) -> PageDates {
        PageDates {
            url: url.into(),
            header: header.map(str::to_string),
            sitemap: sitemap.map(str::to_string),
            stated: stated.map(str::to_string),
        }
    }

    #[test]
    fn addresses_carry_dates() {
        assert_eq!(
            address_date("https://cloud.gov/2023/11/27/release-notes/").as_deref(),
            Some("2023-11-27")
        );
        assert_eq!(
            address_date("https://a.gov/news/2024/03/grants/").as_deref(),
            Some("2024-03-01")
        );
        assert_eq!(
            address_date("https://cloud.gov/knowledge-base/2022-11-04-Encryption-In-Transit/")
                .as_deref(),
            Some("2022-11-04")
        );
        assert_eq!(address_date("https://a.gov/forms/2024/"), None);
        assert_eq!(
            address_date("https://a.gov/reports/fy2024-annual-report"),
            None
        );
    }

    #[test]
    fn a_deploy_date_is_set_aside() {
        // Every file served with the build day; the posts' addresses and one stated date say
        // what really changed.
        let mut pages: Vec<PageDates> = (0..20)
            .map(|i| {
                page(
                    &format!("https://a.gov/p{i}/"),
                    Some("2026-11-22"),
                    None,
                    None,
                )
            })
            .collect();
        pages.push(page(
            "https://a.gov/2024/05/02/post/",
            Some("2026-11-22"),
            None,
            None,
        ));
        pages.push(page(
            "https://a.gov/about/",
            Some("2026-11-22"),
            None,
            Some("2025-01-10"),
        ));
        let n = newest_update(&pages, "2026-12-02").expect("a date");
        assert_eq!((n.date.as_str(), n.source), ("2025-01-10", Source::Stated));
        // Only the stamp: it is used, and said to be one.
        let only: Vec<PageDates> = (0..5)
            .map(|i| {
                page(
                    &format!("https://a.gov/p{i}"),
                    Some("2012-06-01"),
                    None,
                    None,
                )
            })
            .collect();
        let n = newest_update(&only, "2026-12-02").expect("a date");
        assert_eq!(
            (n.date.as_str(), n.source),
            ("2012-06-01", Source::Stamp("Last-Modified headers"))
        );
        assert!(n.describe().contains("5 of 5 pages"), "{}", n.describe());
    }

    #[test]
    fn real_edit_dates_count_and_the_future_does_not() {
        let pages = vec![
            page("https://a.gov/a", Some("2024-01-03"), None, None),
            page("https://a.gov/b", Some("2025-06-30"), None, None),
            page(
                "https://a.gov/c",
                None,
                Some("2025-07-01"),
                Some("2031-01-01"),
            ),
            page("https://a.gov/d", Some("2023-02-02"), None, None),
        ];
        let n = newest_update(&pages, "2026-12-02").expect("a date");
        assert_eq!((n.date.as_str(), n.source), ("2025-07-01", Source::Sitemap));
        assert_eq!(newest_update(&[], "2026-12-02"), None);
    }
}
