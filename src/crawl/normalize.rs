//! URL normalisation and scope: which site a URL belongs to, and the one spelling it is stored under.
//!
//! Reads: the inventory's sites. Writes: nothing. Pure.
//!
//! # Normalisation (what makes two links the same URL)
//! 1. Resolve against the page's base URL (`<base href>` if any) with the WHATWG URL rules of the
//!    `url` crate: scheme and host lower-cased, default ports dropped, `.`/`..` segments resolved,
//!    unsafe characters percent-encoded, an empty path becomes `/`.
//! 2. The `#fragment` is split off (kept on the link, not on the URL).
//! 3. Tracking parameters (`utm_*`, `fbclid`, `gclid`, `msclkid`, `_ga`) are removed; an empty
//!    query (`?`) is dropped. The order of other parameters is kept: servers may depend on it.
//! 4. A site's aliases (`http://` for an `https://` site and back, and `www.` added or removed)
//!    are rewritten to the inventory origin, as the live web redirects one to the other — unless
//!    that alias is itself a site of the inventory.
//!
//! Only `http` and `https` URLs are fetched; `mailto:`, `tel:` and the like are recorded as seen.

use std::collections::HashMap;

use url::Url;

/// Longest URL that is fetched; longer ones are a classic spider trap.
pub const MAX_URL_LEN: usize = 2_000;
/// Most path segments a fetched URL may have.
pub const MAX_PATH_SEGMENTS: usize = 25;
/// How many times one path segment may repeat (`/a/b/a/b/a/b/…` loops of relative links).
pub const MAX_SEGMENT_REPEATS: usize = 3;
/// Most query parameters a fetched URL may have.
pub const MAX_QUERY_PARAMS: usize = 20;

const TRACKING_PARAMS: &[&str] = &["fbclid", "gclid", "msclkid", "_ga", "mc_cid", "mc_eid"];

/// The inventory's web sites, by origin and alias.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// origin -> site id.
    sites: HashMap<String, i64>,
    /// alias origin -> canonical origin.
    aliases: HashMap<String, String>,
}

/// The other spellings of a web origin that reach the same site on the live web.
pub fn alias_origins(origin: &str) -> Vec<String> {
    let Ok(url) = Url::parse(origin) else {
        return Vec::new();
    };
    let Some(host) = url.host_str() else {
        return Vec::new();
    };
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    let mut hosts = vec![host.to_string()];
    // An IP address or single-label host has no www. form.
    if url.domain().is_some() && host.contains('.') {
        match host.strip_prefix("www.") {
            Some(bare) if bare.contains('.') => hosts.push(bare.to_string()),
            Some(_) => {}
            None => hosts.push(format!("www.{host}")),
        }
    }
    let schemes: &[&str] = if port.is_empty() {
        &["https", "http"]
    } else {
        // A non-default port belongs to one scheme.
        &[]
    };
    let mut out = Vec::new();
    for h in &hosts {
        if schemes.is_empty() {
            out.push(format!("{}://{h}{port}", url.scheme()));
        }
        for s in schemes {
            out.push(format!("{s}://{h}"));
        }
    }
    out.retain(|o| o != origin);
    out
}

impl Scope {
    /// Builds the scope from (site id, origin) pairs; aliases that are sites themselves stay sites.
    pub fn new(sites: &[(i64, String)]) -> Scope {
        let mut scope = Scope::default();
        for (id, origin) in sites {
            scope.sites.insert(origin.clone(), *id);
        }
        for (_, origin) in sites {
            for alias in alias_origins(origin) {
                if !scope.sites.contains_key(&alias) {
                    scope.aliases.entry(alias).or_insert_with(|| origin.clone());
                }
            }
        }
        scope
    }

    /// The aliases recorded for an origin.
    pub fn aliases_of(&self, origin: &str) -> Vec<String> {
        let mut v: Vec<String> = self
            .aliases
            .iter()
            .filter(|(_, o)| o.as_str() == origin)
            .map(|(a, _)| a.clone())
            .collect();
        v.sort();
        v
    }

    /// Rewrites an alias origin to its site's origin, in place.
    pub fn canonicalize(&self, url: &mut Url) {
        let origin = url.origin().ascii_serialization();
        if let Some(canonical) = self.aliases.get(&origin) {
            if let Ok(c) = Url::parse(canonical) {
                let _ = url.set_scheme(c.scheme());
                let _ = url.set_host(c.host_str());
                let _ = url.set_port(c.port());
            }
        }
    }

    /// The site a (canonical) URL belongs to.
    pub fn site_of(&self, url: &Url) -> Option<i64> {
        self.sites.get(&url.origin().ascii_serialization()).copied()
    }
}

/// Resolves `href` against `base`, normalises it and splits off the fragment.
///
/// Returns `None` for hrefs that point nowhere (`javascript:`, empty, unparsable).
pub fn resolve(base: &Url, href: &str) -> Option<(Url, Option<String>)> {
    let href = href.trim();
    if href.is_empty() || href.starts_with("javascript:") {
        return None;
    }
    let mut url = base.join(href).ok()?;
    let fragment = url.fragment().map(str::to_string).filter(|f| !f.is_empty());
    url.set_fragment(None);
    clean(&mut url);
    Some((url, fragment))
}

/// Steps 1–3 of the module's normalisation on an absolute URL.
pub fn clean(url: &mut Url) {
    url.set_fragment(None);
    if !matches!(url.scheme(), "http" | "https") {
        return;
    }
    if let Some(q) = url.query() {
        if q.is_empty() {
            url.set_query(None);
        } else if q.split('&').any(is_tracking) {
            let kept: Vec<&str> = q.split('&').filter(|p| !is_tracking(p)).collect();
            if kept.is_empty() {
                url.set_query(None);
            } else {
                let joined = kept.join("&");
                url.set_query(Some(&joined));
            }
        }
    }
}

fn is_tracking(pair: &str) -> bool {
    let name = pair.split('=').next().unwrap_or("").to_ascii_lowercase();
    name.starts_with("utm_") || TRACKING_PARAMS.contains(&name.as_str())
}

/// Why a URL looks like a spider trap, if it does.
pub fn trap_reason(url: &Url, this_year: i32) -> Option<&'static str> {
    if url.as_str().len() > MAX_URL_LEN {
        return Some("url too long");
    }
    let segments: Vec<&str> = url
        .path_segments()
        .map(|s| s.filter(|x| !x.is_empty()).collect())
        .unwrap_or_default();
    if segments.len() > MAX_PATH_SEGMENTS {
        return Some("path too deep");
    }
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for s in &segments {
        let c = counts.entry(s).or_default();
        *c += 1;
        if *c > MAX_SEGMENT_REPEATS {
            return Some("repeating path segments");
        }
    }
    if let Some(q) = url.query() {
        if q.split('&').count() > MAX_QUERY_PARAMS {
            return Some("too many query parameters");
        }
    }
    // Endless calendars link to next month forever; no real page is dated years ahead. A date is
    // a year followed by a month (`/2031/05/`), a `2031-05[-17]` value, or a year in a query
    // parameter named like a date; a lone 4-digit number (`/document/2031/`) is an id, not a date.
    let far = |y: &str| {
        y.len() == 4
            && y.chars().all(|c| c.is_ascii_digit())
            && y.parse::<i32>()
                .is_ok_and(|y| y > this_year + 2 && y < 2200)
    };
    let month = |m: &str| {
        (1..=2).contains(&m.len()) && m.parse::<u32>().is_ok_and(|m| (1..=12).contains(&m))
    };
    let dated = |v: &str| {
        let parts: Vec<&str> = v.split('-').collect();
        parts.len() >= 2 && far(parts[0]) && month(parts[1])
    };
    let path_date = segments
        .iter()
        .enumerate()
        .any(|(i, s)| dated(s) || (far(s) && segments.get(i + 1).is_some_and(|m| month(m))));
    let query_date = url.query_pairs().any(|(k, v)| {
        let k = k.to_ascii_lowercase();
        dated(&v)
            || (far(&v)
                && [
                    "year", "yr", "date", "month", "cal", "day", "week", "from", "start",
                ]
                .iter()
                .any(|w| k.contains(w)))
    });
    if path_date || query_date {
        return Some("calendar far in the future");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).expect("valid")
    }

    #[test]
    fn resolves_and_normalises() {
        let base = u("https://www.example.gov/a/b/page.html");
        let r = |h: &str| resolve(&base, h).map(|(u, f)| (u.to_string(), f));
        assert_eq!(
            r("../c/?utm_source=x&id=3#top"),
            Some((
                "https://www.example.gov/a/c/?id=3".into(),
                Some("top".into())
            ))
        );
        assert_eq!(
            r("HTTPS://WWW.Example.GOV:443/x?"),
            Some(("https://www.example.gov/x".into(), None))
        );
        assert_eq!(r("javascript:void(0)"), None);
        assert_eq!(r("  "), None);
        assert_eq!(
            r("mailto:info@example.gov").map(|x| x.0),
            Some("mailto:info@example.gov".into())
        );
    }

    #[test]
    fn aliases_map_to_the_inventory_origin_unless_listed() {
        let scope = Scope::new(&[
            (1, "https://www.a.gov".into()),
            (2, "https://b.gov".into()),
            (3, "https://www.b.gov".into()),
        ]);
        let mut x = u("http://a.gov/p");
        scope.canonicalize(&mut x);
        assert_eq!(x.as_str(), "https://www.a.gov/p");
        assert_eq!(scope.site_of(&x), Some(1));
        let mut y = u("https://www.b.gov/");
        scope.canonicalize(&mut y);
        assert_eq!(scope.site_of(&y), Some(3));
        let mut z = u("http://b.gov/");
        scope.canonicalize(&mut z);
        assert_eq!(scope.site_of(&z), Some(2));
        assert_eq!(scope.site_of(&u("https://c.gov/")), None);
    }

    #[test]
    fn traps() {
        assert_eq!(trap_reason(&u("https://a.gov/events/2026/05/"), 2026), None);
        assert_eq!(trap_reason(&u("https://a.gov/p/2031/"), 2026), None);
        assert_eq!(trap_reason(&u("https://a.gov/doc?id=2040"), 2026), None);
        assert_eq!(
            trap_reason(&u("https://a.gov/cal?year=2040"), 2026),
            Some("calendar far in the future")
        );
        assert_eq!(
            trap_reason(&u("https://a.gov/events/2031/05/"), 2026),
            Some("calendar far in the future")
        );
        assert_eq!(
            trap_reason(&u("https://a.gov/cal?month=2040-01"), 2026),
            Some("calendar far in the future")
        );
        assert_eq!(
            trap_reason(&u("https://a.gov/x/y/x/y/x/y/x/"), 2026),
            Some("repeating path segments")
        );
        let long = format!("https://a.gov/{}", "a".repeat(3000));
        assert_eq!(trap_reason(&u(&long), 2026), Some("url too long"));
    }
}
