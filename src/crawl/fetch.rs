//! HTTP for the crawl: one request at a time, no automatic redirects, bodies capped, `--map`
//! applied, and every failure classified so the crawl can decide whether to retry.
//!
//! Reads: the network (only loopback with `offline`). Writes: nothing; outcomes are returned.
//!
//! Design:
//! - [`OriginMap`] rewrites a public origin to where it is really fetched (`--map FROM=TO`) and
//!   back, so `Location` headers from a mapped server are stored under the public name.
//! - [`Fetcher::fetch`] makes one request and returns a [`Response`] or a [`Failure`]; politeness
//!   (per-host limits, delays, Retry-After) is the crawl's job, so this module never sleeps.
//! - Host names in reserved top-level domains (`.invalid`, `.test`, `.example`; RFC 6761) fail
//!   at once without a DNS query: they can never resolve.

use std::time::Duration;

use reqwest::header::{self, HeaderMap};

use super::network::{NetScope, ScopedResolver, REFUSED};
use url::Url;

/// `--map FROM=TO` pairs.
#[derive(Debug, Clone, Default)]
pub struct OriginMap {
    pairs: Vec<(String, Url)>,
}

impl OriginMap {
    /// Parses one `FROM=TO` value; both sides are origins (`https://www.example.gov`).
    pub fn parse_pair(spec: &str) -> Result<(String, Url), String> {
        let (from, to) = spec.split_once('=').ok_or_else(|| {
            format!("--map {spec:?}: expected FROM=TO, e.g. https://www.example.gov=http://127.0.0.1:8081")
        })?;
        let parse = |s: &str, side: &str| -> Result<Url, String> {
            let u = Url::parse(s.trim()).map_err(|e| {
                format!("--map {spec:?}: the {side} side {s:?} is not a URL ({e}); write it as http://host:port")
            })?;
            if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
                return Err(format!(
                    "--map {spec:?}: the {side} side must be an http(s) origin such as http://127.0.0.1:8081"
                ));
            }
            Ok(u)
        };
        let from = parse(from, "FROM")?;
        let to = parse(to, "TO")?;
        // A target is a server, nothing more: a path, query or user name would be dropped or,
        // worse, sent with every request.
        if to.path() != "/"
            || to.query().is_some()
            || to.fragment().is_some()
            || !to.username().is_empty()
            || to.password().is_some()
        {
            return Err(format!(
                "--map {spec:?}: the TO side must be an origin only (scheme, host, port), such as http://127.0.0.1:8081"
            ));
        }
        Ok((from.origin().ascii_serialization(), to))
    }

    /// Adds a mapping.
    pub fn insert(&mut self, from_origin: String, to: Url) {
        self.pairs.retain(|(f, _)| f != &from_origin);
        self.pairs.push((from_origin, to));
    }

    /// Where mapped origins are fetched (the servers `--map` names).
    pub fn targets(&self) -> impl Iterator<Item = &Url> {
        self.pairs.iter().map(|(_, to)| to)
    }

    /// The public origins that are mapped.
    pub fn from_origins(&self) -> impl Iterator<Item = &str> {
        self.pairs.iter().map(|(f, _)| f.as_str())
    }

    /// Where a public URL is really fetched.
    pub fn to_network(&self, url: &Url) -> Url {
        let origin = url.origin().ascii_serialization();
        match self.pairs.iter().find(|(f, _)| *f == origin) {
            Some((_, to)) => swap_origin(url, to),
            None => url.clone(),
        }
    }

    /// The public name of a URL a mapped server answered with (e.g. in `Location`).
    pub fn to_public(&self, url: &Url) -> Url {
        let origin = url.origin().ascii_serialization();
        match self
            .pairs
            .iter()
            .find(|(_, to)| to.origin().ascii_serialization() == origin)
        {
            Some((from, _)) => match Url::parse(from) {
                Ok(f) => swap_origin(url, &f),
                Err(_) => url.clone(),
            },
            None => url.clone(),
        }
    }
}

fn swap_origin(url: &Url, to: &Url) -> Url {
    let mut out = url.clone();
    // Scheme changes between http and https always succeed; host and port of an http(s) URL too.
    let _ = out.set_scheme(to.scheme());
    let _ = out.set_host(to.host_str());
    let _ = out.set_port(to.port());
    out
}

/// How a request failed without an HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// `timeout`, `connect`, `dns`, `reset`, `offline`, `request`.
    pub kind: &'static str,
    /// A sentence for people.
    pub message: String,
}

impl Failure {
    /// Whether trying again later may help.
    pub fn retryable(&self) -> bool {
        matches!(self.kind, "timeout" | "connect" | "reset")
    }
}

/// What to do with the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// Read it when the response is HTML; for other types, only count bytes when the size is unknown.
    IfHtml,
    /// Always read it (robots.txt, sitemaps).
    Always,
    /// Never read it (link checks).
    Never,
}

/// An HTTP response, headers and (maybe) body.
#[derive(Debug, Clone, Default)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Media type, lower case, without parameters.
    pub content_type: Option<String>,
    /// The `charset` parameter of `Content-Type`.
    pub charset: Option<String>,
    /// The raw `Location` header.
    pub location: Option<String>,
    /// `ETag`.
    pub etag: Option<String>,
    /// `Last-Modified`.
    pub last_modified: Option<String>,
    /// `Strict-Transport-Security`.
    pub hsts: Option<String>,
    /// `Retry-After`, as a duration from now.
    pub retry_after: Option<Duration>,
    /// Body bytes, when read.
    pub body: Option<Vec<u8>>,
    /// Size in bytes: the bytes read, or `Content-Length`.
    pub size: Option<u64>,
    /// The body was longer than the cap and was cut.
    pub truncated: bool,
    /// The connection failed while the body was read.
    pub body_error: Option<Failure>,
}

impl Response {
    /// Whether the body is an HTML document.
    pub fn is_html(&self) -> bool {
        matches!(
            self.content_type.as_deref(),
            Some("text/html") | Some("application/xhtml+xml")
        )
    }

    /// Whether the status is a redirect that carries a `Location`.
    pub fn is_redirect(&self) -> bool {
        matches!(self.status, 301 | 302 | 303 | 307 | 308) && self.location.is_some()
    }
}

/// Settings for [`Fetcher`].
#[derive(Debug, Clone)]
pub struct FetchSettings {
    /// `User-Agent` header.
    pub user_agent: String,
    /// Whole-request timeout (headers and body).
    pub timeout: Duration,
    /// Largest body read, in bytes.
    pub max_body: u64,
    /// Refuse any request whose network target is not loopback.
    pub offline: bool,
    /// The addresses that may be requested beyond the public internet.
    pub scope: std::sync::Arc<NetScope>,
}

/// The crawl's HTTP client.
pub struct Fetcher {
    client: reqwest::Client,
    map: OriginMap,
    settings: FetchSettings,
}

impl Fetcher {
    /// Builds the client (rustls, gzip/brotli/deflate, no automatic redirects, no proxy).
    pub fn new(settings: FetchSettings, map: OriginMap) -> Result<Fetcher, reqwest::Error> {
        let client = reqwest::Client::builder()
            .user_agent(settings.user_agent.clone())
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
            .pool_max_idle_per_host(64)
            .tcp_nodelay(true)
            .no_proxy()
            .dns_resolver(std::sync::Arc::new(ScopedResolver::new(
                settings.scope.clone(),
            )))
            .build()?;
        Ok(Fetcher {
            client,
            map,
            settings,
        })
    }

    /// The origin map in force.
    pub fn map(&self) -> &OriginMap {
        &self.map
    }

    /// One request to a public URL. Redirects are returned, not followed.
    pub async fn fetch(
        &self,
        method: reqwest::Method,
        url: &Url,
        body: Body,
    ) -> Result<Response, Failure> {
        let target = self.map.to_network(url);
        let host = target.host_str().unwrap_or("");
        if is_reserved_host(host) {
            return Err(Failure {
                kind: "dns",
                message: format!("{host} is in a reserved top-level domain and can never resolve"),
            });
        }
        if let Err(message) = self
            .settings
            .scope
            .check(url, &target, self.settings.offline)
        {
            return Err(Failure {
                kind: if self.settings.offline {
                    "offline"
                } else {
                    "scope"
                },
                message,
            });
        }
        let mut req = self.client.request(method, target.clone());
        if target.origin() != url.origin() {
            // A mapped server sees the public host name, as a virtual host would.
            if let Some(h) = url.host_str() {
                let value = match url.port() {
                    Some(p) => format!("{h}:{p}"),
                    None => h.to_string(),
                };
                req = req.header(header::HOST, value);
            }
        }
        req = req.header(
            header::ACCEPT,
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        );
        let mut resp = req.send().await.map_err(|e| classify(&e))?;
        let mut out = Response {
            status: resp.status().as_u16(),
            ..Response::default()
        };
        read_headers(resp.headers(), &mut out);
        let content_length = resp.content_length();
        let read = match body {
            Body::Always => true,
            Body::Never => false,
            Body::IfHtml => out.is_html() || (content_length.is_none() && !out.is_redirect()),
        };
        if !read {
            out.size = content_length;
            return Ok(out);
        }
        let keep = body == Body::Always || out.is_html();
        let mut buf: Vec<u8> = Vec::new();
        let mut total: u64 = 0;
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    let room = self.settings.max_body.saturating_sub(total);
                    let take = (chunk.len() as u64).min(room) as usize;
                    if keep {
                        buf.extend_from_slice(&chunk[..take]);
                    }
                    total += take as u64;
                    if (chunk.len() as u64) > room {
                        out.truncated = true;
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    out.body_error = Some(classify(&e));
                    break;
                }
            }
        }
        out.size = Some(total);
        if keep {
            out.body = Some(buf);
        }
        Ok(out)
    }

    /// Resolves a `Location` header against the URL that answered, under public names.
    pub fn resolve_location(&self, url: &Url, location: &str) -> Option<Url> {
        let network = self.map.to_network(url);
        let joined = network.join(location.trim()).ok()?;
        Some(self.map.to_public(&joined))
    }
}

fn read_headers(h: &HeaderMap, out: &mut Response) {
    let text = |name: header::HeaderName| {
        h.get(name)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.trim().to_string())
    };
    if let Some(ct) = text(header::CONTENT_TYPE) {
        let mut parts = ct.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        if !media.is_empty() {
            out.content_type = Some(media);
        }
        for p in parts {
            if let Some((k, v)) = p.split_once('=') {
                if k.trim().eq_ignore_ascii_case("charset") {
                    out.charset = Some(v.trim().trim_matches('"').to_string());
                }
            }
        }
    }
    out.location = text(header::LOCATION);
    out.etag = text(header::ETAG);
    out.last_modified = text(header::LAST_MODIFIED);
    out.hsts = text(header::STRICT_TRANSPORT_SECURITY);
    out.retry_after = text(header::RETRY_AFTER).and_then(|v| parse_retry_after(&v));
}

/// `Retry-After` is either delay-seconds or an HTTP date.
pub fn parse_retry_after(v: &str) -> Option<Duration> {
    if let Ok(secs) = v.trim().parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(v.trim()).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

fn classify(e: &reqwest::Error) -> Failure {
    // The chain holds the useful part ("dns error: failed to lookup address", "connection reset").
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    let lower = message.to_ascii_lowercase();
    let kind = if message.contains(REFUSED) {
        "scope"
    } else if e.is_timeout() {
        "timeout"
    } else if lower.contains("dns error") || lower.contains("failed to lookup") {
        "dns"
    } else if e.is_connect() {
        "connect"
    } else if lower.contains("reset")
        || lower.contains("closed")
        || lower.contains("incomplete")
        || lower.contains("broken pipe")
        || e.is_body()
    {
        "reset"
    } else {
        "request"
    };
    Failure { kind, message }
}

/// RFC 6761 names that never resolve.
pub fn is_reserved_host(host: &str) -> bool {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    ["invalid", "test", "example"]
        .iter()
        .any(|tld| h == *tld || h.ends_with(&format!(".{tld}")))
}

/// Whether a host is this machine.
pub fn is_loopback_host(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    // Only the literal name: `*.localhost` may be sent to a DNS server by the system resolver.
    if h.eq_ignore_ascii_case("localhost") {
        return true;
    }
    h.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_round_trips_and_rejects_bad_specs() {
        let (from, to) =
            OriginMap::parse_pair("https://www.agency.gov=http://127.0.0.1:8081").expect("valid");
        assert_eq!(from, "https://www.agency.gov");
        let mut m = OriginMap::default();
        m.insert(from, to);
        let public = Url::parse("https://www.agency.gov/a/b?x=1").expect("url");
        let net = m.to_network(&public);
        assert_eq!(net.as_str(), "http://127.0.0.1:8081/a/b?x=1");
        assert_eq!(m.to_public(&net), public);
        assert!(OriginMap::parse_pair("https://a.gov").is_err());
        assert!(OriginMap::parse_pair("https://a.gov=ftp://x").is_err());
    }

    #[test]
    fn reserved_and_loopback_hosts() {
        assert!(is_reserved_host("www.hud-archive.invalid"));
        assert!(!is_reserved_host("invalid.gov"));
        assert!(is_loopback_host("127.0.0.1"));
        assert!(is_loopback_host("[::1]"));
        assert!(!is_loopback_host("10.0.0.1"));
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT"),
            Some(Duration::ZERO)
        );
    }
}
