//! robots.txt for one site: whether a URL may be fetched, the Crawl-delay and the Sitemap lines.
//!
//! Reads: the robots.txt status and body the crawl fetched (or stored, on resume). Writes: nothing.
//! Parsing is `texting_robots`, which follows Google's reading of the standard (RFC 9309): the
//! most specific user-agent group that matches, longest-match `Allow`/`Disallow` with `*` and `$`.
//!
//! What a status means (RFC 9309 §2.3.1): 2xx, the rules apply; 4xx (but 429), no rules — everything
//! is allowed; 5xx, 429 or no answer at all, the site is unreachable and *nothing* is fetched.

use texting_robots::Robot;

/// Longest Crawl-delay honoured, in seconds; a larger value would stall a crawl for hours.
pub const MAX_CRAWL_DELAY_S: f64 = 60.0;

/// The rules in force for one site.
pub enum Robots {
    /// No robots.txt (4xx) or `--ignore-robots`: everything may be fetched.
    AllowAll,
    /// robots.txt could not be fetched (5xx, 429, network error): nothing may be fetched.
    DisallowAll(String),
    /// Parsed rules.
    Rules(Box<Robot>),
}

impl Robots {
    /// Builds the rules from a fetch outcome: `status` None means no response.
    pub fn from_fetch(user_agent: &str, status: Option<u16>, body: &[u8]) -> Robots {
        match status {
            Some(s) if (200..300).contains(&s) => match Robot::new(agent_token(user_agent), body) {
                Ok(r) => Robots::Rules(Box::new(r)),
                // A file the parser cannot read at all is treated as no rules, as Google does.
                Err(_) => Robots::AllowAll,
            },
            Some(429) => Robots::DisallowAll("robots.txt answered 429 Too Many Requests".into()),
            // A redirect that was not followed (off the site, or too many hops): RFC 9309 says
            // the file is then unavailable, which means no rules.
            Some(s) if (300..400).contains(&s) => Robots::AllowAll,
            Some(s) if (400..500).contains(&s) => Robots::AllowAll,
            Some(s) => Robots::DisallowAll(format!("robots.txt answered {s}")),
            None => Robots::DisallowAll("robots.txt could not be fetched".into()),
        }
    }

    /// Whether a public URL may be fetched.
    pub fn allowed(&self, url: &str) -> bool {
        match self {
            Robots::AllowAll => true,
            Robots::DisallowAll(_) => false,
            Robots::Rules(r) => r.allowed(url),
        }
    }

    /// The Crawl-delay for our group, capped at [`MAX_CRAWL_DELAY_S`].
    pub fn crawl_delay(&self) -> Option<std::time::Duration> {
        match self {
            Robots::Rules(r) => r
                .delay
                .filter(|d| d.is_finite() && *d > 0.0)
                .map(|d| std::time::Duration::from_secs_f64((d as f64).min(MAX_CRAWL_DELAY_S))),
            _ => None,
        }
    }

    /// The `Sitemap:` lines as written.
    pub fn sitemaps(&self) -> Vec<String> {
        match self {
            Robots::Rules(r) => r.sitemaps.clone(),
            _ => Vec::new(),
        }
    }
}

/// The product token robots.txt groups are matched against: `govaudit/0.1 (+url)` -> `govaudit`.
pub fn agent_token(user_agent: &str) -> &str {
    user_agent
        .split(['/', ' '])
        .next()
        .filter(|t| !t.is_empty())
        .unwrap_or(user_agent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_statuses_and_delay() {
        let txt = b"User-agent: *\nDisallow: /internal/\nCrawl-delay: 2\n\nUser-agent: govaudit\nDisallow: /private/\nAllow: /private/ok\nSitemap: https://a.gov/sitemap.xml\n";
        let r = Robots::from_fetch("govaudit/0.1 (+https://example.org)", Some(200), txt);
        assert!(!r.allowed("https://a.gov/private/x"));
        assert!(r.allowed("https://a.gov/private/ok"));
        // Our own group wins over `*`, so /internal/ is allowed for us.
        assert!(r.allowed("https://a.gov/internal/x"));
        assert_eq!(r.sitemaps(), vec!["https://a.gov/sitemap.xml".to_string()]);
        let star = Robots::from_fetch("otherbot", Some(200), txt);
        assert!(!star.allowed("https://a.gov/internal/x"));
        assert_eq!(star.crawl_delay(), Some(std::time::Duration::from_secs(2)));
        assert!(Robots::from_fetch("x", Some(404), b"").allowed("https://a.gov/"));
        assert!(!Robots::from_fetch("x", Some(503), b"").allowed("https://a.gov/"));
        assert!(!Robots::from_fetch("x", None, b"").allowed("https://a.gov/"));
        let all = Robots::from_fetch("x", Some(200), b"User-agent: *\nDisallow: /\n");
        assert!(!all.allowed("https://a.gov/anything"));
    }
}
