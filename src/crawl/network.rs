//! Which addresses the crawl may request: the network scope.
//!
//! An auditor runs govaudit inside an agency network or a cloud account, where a page, a
//! redirect, a `<base href>` or a robots.txt could point the crawler at the cloud metadata
//! service (169.254.169.254), an admin console on 10.x or a database port on loopback, and the
//! response would be stored and reported. So:
//!
//! - **Internal addresses are refused**: loopback, private (10/8, 172.16/12, 192.168/16),
//!   link-local (169.254/16, fe80::/10, where cloud metadata lives), carrier-grade NAT
//!   (100.64/10), IPv6 unique-local (fc00::/7), unspecified, multicast, broadcast and
//!   documentation ranges, and IPv4 written inside IPv6 (`::ffff:10.0.0.1`).
//! - …**unless** the request is for an inventory site (an intranet site the user listed), goes to
//!   a `--map` target, or the address is in a range the user allowed with `--allow-net`.
//! - The check is on the **resolved address**, not the name: a public-looking name that resolves
//!   inside is refused by the resolver the HTTP client uses ([`ScopedResolver`]); a literal
//!   address is checked before the request.
//! - `--offline` allows only loopback, and of loopback only the `--map` targets and inventory
//!   sites (not `127.0.0.1:22`).

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use url::Url;

/// Marker in resolver errors, so a refusal is told from a failed lookup.
pub const REFUSED: &str = "outside the network scope";

/// The addresses a crawl may request beyond the public internet.
#[derive(Debug, Clone, Default)]
pub struct NetScope {
    /// Host names (public, lower case) of the inventory's sites, `www.` and bare.
    sites: HashSet<String>,
    /// `host:port` of the `--map` targets, as requested on the network.
    map_targets: HashSet<(String, u16)>,
    /// `--allow-net` ranges.
    allowed: Vec<(IpAddr, u8)>,
}

impl NetScope {
    /// A scope for these inventory site URLs, `--map` target origins and `--allow-net` ranges.
    pub fn new<'a>(
        sites: impl IntoIterator<Item = &'a Url>,
        map_targets: impl IntoIterator<Item = &'a Url>,
        allowed: Vec<(IpAddr, u8)>,
    ) -> NetScope {
        let mut scope = NetScope {
            allowed,
            ..NetScope::default()
        };
        for u in sites {
            if let Some(h) = u.host_str() {
                let h = h.to_ascii_lowercase();
                let bare = h.strip_prefix("www.").unwrap_or(&h).to_string();
                scope.sites.insert(format!("www.{bare}"));
                scope.sites.insert(bare);
            }
        }
        for t in map_targets {
            if let (Some(h), Some(p)) = (t.host_str(), t.port_or_known_default()) {
                scope.map_targets.insert((h.to_ascii_lowercase(), p));
            }
        }
        scope
    }

    /// Whether a request for `public` (the URL as the site names it), sent to `target` (after
    /// `--map`), may go out. `Err` says why not, for the user.
    pub fn check(&self, public: &Url, target: &Url, offline: bool) -> Result<(), String> {
        let host = target.host_str().unwrap_or("").to_ascii_lowercase();
        let port = target.port_or_known_default().unwrap_or(0);
        let listed = self.map_targets.contains(&(host.clone(), port))
            || public
                .host_str()
                .is_some_and(|h| self.sites.contains(&h.to_ascii_lowercase()));
        let ip = literal_ip(target);
        if offline {
            let local = host == "localhost" || ip.is_some_and(|ip| ip.is_loopback());
            if !local {
                return Err(format!(
                    "not requested: {host} is not on this machine and the crawl is offline"
                ));
            }
            if !listed && !ip.is_some_and(|ip| self.is_allowed(ip)) {
                return Err(format!(
                    "not requested: {host}:{port} is neither a --map target nor an inventory site (--offline)"
                ));
            }
            return Ok(());
        }
        match ip {
            Some(ip) if is_internal(ip) && !listed && !self.is_allowed(ip) => {
                Err(refusal(&host, ip))
            }
            // A map target's name on another port (`localhost:22` beside `localhost:8081`): the
            // resolver lets the name through for the target, so the port is checked here.
            None if !listed && self.is_map_target_name(&host) => Err(format!(
                "not requested: {host}:{port} is not a --map target ({REFUSED})"
            )),
            _ => Ok(()),
        }
    }

    /// Whether `ip` is in an `--allow-net` range.
    pub fn is_allowed(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.allowed
            .iter()
            .any(|&(net, bits)| in_net(ip, net, bits))
    }

    /// Whether a name is a `--map` target's (`http://localhost:8081`): it may resolve inside; the
    /// port was checked by [`NetScope::check`].
    pub fn is_map_target_name(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        self.map_targets.iter().any(|(h, _)| *h == host)
    }

    /// Whether a name is an inventory site's (it may resolve to any address).
    pub fn is_site(&self, host: &str) -> bool {
        self.sites.contains(&host.to_ascii_lowercase())
    }
}

fn refusal(host: &str, ip: IpAddr) -> String {
    format!(
        "not requested: {host} is {ip}, an internal address ({REFUSED}: not an inventory site or --map target); \
         allow it with --allow-net {ip}"
    )
}

fn literal_ip(u: &Url) -> Option<IpAddr> {
    match u.host()? {
        url::Host::Ipv4(a) => Some(IpAddr::V4(a)),
        url::Host::Ipv6(a) => Some(IpAddr::V6(a)),
        url::Host::Domain(_) => None,
    }
}

/// IPv4 written as IPv6 (`::ffff:10.0.0.1`) judged as the IPv4 address it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Whether an address is inside a network rather than on the public internet.
pub fn is_internal(ip: IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(a) => is_internal_v4(a),
        IpAddr::V6(a) => is_internal_v6(a),
    }
}

fn is_internal_v4(a: Ipv4Addr) -> bool {
    let o = a.octets();
    a.is_loopback()
        || a.is_private()
        || a.is_link_local()
        || a.is_unspecified()
        || a.is_broadcast()
        || a.is_multicast()
        || a.is_documentation()
        || o[0] == 0
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // 100.64.0.0/10, carrier-grade NAT
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // 192.0.0.0/24, protocol assignments
        || (o[0] == 198 && (o[1] & 0xfe) == 18) // 198.18.0.0/15, benchmarking
        || o[0] >= 240
}

fn is_internal_v6(a: Ipv6Addr) -> bool {
    let s = a.segments();
    a.is_loopback()
        || a.is_unspecified()
        || a.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // fc00::/7, unique local
        || (s[0] & 0xffc0) == 0xfe80 // fe80::/10, link local
        || (s[0] & 0xffc0) == 0xfec0 // fec0::/10, old site local
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x0064 && s[1] == 0xff9b) // NAT64 (an IPv4 address inside)
}

fn in_net(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, canonical(net)) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(bits.min(32)))
            };
            (u32::from(a) & mask) == (u32::from(n) & mask)
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(bits.min(128)))
            };
            (u128::from(a) & mask) == (u128::from(n) & mask)
        }
        _ => false,
    }
}

/// Parses an `--allow-net` value: an address (`10.0.0.5`, `fd00::1`) or a range
/// (`10.20.0.0/16`).
pub fn parse_net(spec: &str) -> Result<(IpAddr, u8), String> {
    let (addr, bits) = match spec.split_once('/') {
        Some((a, b)) => (a, Some(b)),
        None => (spec, None),
    };
    let ip: IpAddr = addr.trim().parse().map_err(|_| {
        format!("--allow-net {spec:?}: expected an IP address or range, e.g. 10.20.0.0/16")
    })?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let bits = match bits {
        None => max,
        Some(b) => b
            .trim()
            .parse::<u8>()
            .ok()
            .filter(|&b| b <= max)
            .ok_or_else(|| format!("--allow-net {spec:?}: the prefix length must be 0 to {max}"))?,
    };
    Ok((ip, bits))
}

/// The HTTP client's resolver: looks names up as the system does, then drops internal
/// addresses for names that are not inventory sites (unless allowed), so a name that resolves
/// inside the network is never connected to.
pub struct ScopedResolver {
    scope: Arc<NetScope>,
}

impl ScopedResolver {
    /// A resolver for this scope.
    pub fn new(scope: Arc<NetScope>) -> ScopedResolver {
        ScopedResolver { scope }
    }
}

impl reqwest::dns::Resolve for ScopedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let scope = self.scope.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if scope.is_site(&host) || scope.is_map_target_name(&host) {
                let addrs: reqwest::dns::Addrs = Box::new(found.into_iter());
                return Ok(addrs);
            }
            let kept: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| !is_internal(a.ip()) || scope.is_allowed(a.ip()))
                .collect();
            match (kept.is_empty(), found.first()) {
                (true, Some(first)) => Err(refusal(&host, first.ip()).into()),
                _ => {
                    let addrs: reqwest::dns::Addrs = Box::new(kept.into_iter());
                    Ok(addrs)
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).expect("url")
    }

    #[test]
    fn internal_addresses() {
        for a in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
        ] {
            assert!(is_internal(a.parse().expect("ip")), "{a}");
        }
        for a in ["8.8.8.8", "159.142.1.1", "2600:1f18::1"] {
            assert!(!is_internal(a.parse().expect("ip")), "{a}");
        }
    }

    #[test]
    fn scope_allows_sites_map_targets_and_allowed_ranges() {
        let sites = [u("https://intranet.agency.gov/"), u("http://10.9.9.9/")];
        let targets = [u("http://127.0.0.1:8081")];
        let allowed = vec![parse_net("10.20.0.0/16").expect("net")];
        let s = NetScope::new(sites.iter(), targets.iter(), allowed);
        let ok = |p: &str, t: &str, offline: bool| s.check(&u(p), &u(t), offline);
        assert!(ok(
            "http://169.254.169.254/latest/",
            "http://169.254.169.254/latest/",
            false
        )
        .is_err());
        assert!(ok("http://[fd00::1]/", "http://[fd00::1]/", false).is_err());
        assert!(ok("http://10.9.9.9/a", "http://10.9.9.9/a", false).is_ok());
        assert!(ok("http://10.20.3.4/", "http://10.20.3.4/", false).is_ok());
        assert!(ok("https://www.usa.gov/", "https://www.usa.gov/", false).is_ok());
        // Offline: only the map targets and sites on loopback.
        assert!(ok("https://www.agency.gov/", "http://127.0.0.1:8081/", true).is_ok());
        assert!(ok("http://127.0.0.1:22/", "http://127.0.0.1:22/", true).is_err());
        assert!(ok("https://www.usa.gov/", "https://www.usa.gov/", true).is_err());
    }

    #[test]
    fn map_targets_by_name_are_allowed_on_their_port_only() {
        let targets = [u("http://localhost:8081")];
        let s = NetScope::new([].iter(), targets.iter(), Vec::new());
        assert!(s
            .check(
                &u("https://www.agency.gov/"),
                &u("http://localhost:8081/"),
                false
            )
            .is_ok());
        assert!(s
            .check(
                &u("http://localhost:22/"),
                &u("http://localhost:22/"),
                false
            )
            .is_err());
        assert!(s.is_map_target_name("LOCALHOST"));
    }

    #[test]
    fn allow_net_values() {
        assert_eq!(
            parse_net("10.0.0.0/8"),
            Ok(("10.0.0.0".parse().expect("ip"), 8))
        );
        assert_eq!(
            parse_net("fd00::1"),
            Ok(("fd00::1".parse().expect("ip"), 128))
        );
        assert!(parse_net("10.0.0.0/33").is_err());
        assert!(parse_net("intranet").is_err());
    }
}
