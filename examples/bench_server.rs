//! Benchmark server: serves generated, realistic government-style pages for several hosts on
//! 127.0.0.1, fast enough that the crawler, not the server, is measured.
//!
//! `cargo run --release --example bench_server -- HOSTS PAGES_PER_HOST PORTS_FILE`
//! writes one `port` per host line to PORTS_FILE and serves until killed. Page `/p/N/` of a host is
//! 10–60 KB of HTML with 30–150 links (mostly to pages of the same host, a few to the other hosts),
//! the same bytes on every run; every page is reachable from `/` (page 0) because page N links to
//! pages 2N+1 and 2N+2. robots.txt and sitemap.xml answer 404.
//!
//! With `BENCH_EDITED_PERCENT=P` in the environment, P % of the pages (every page N with
//! `N % 100 < P`, page 0 excepted) are served edited: other words and other links, as a month of
//! an agency's edits would change them. The audit benchmark re-crawls with it to time a re-audit.

use std::fmt::Write;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, Response, Uri};
use axum::Router;

const WORDS: &[&str] = &[
    "housing",
    "assistance",
    "program",
    "eligible",
    "apply",
    "income",
    "family",
    "rental",
    "voucher",
    "benefits",
    "office",
    "federal",
    "agency",
    "information",
    "contact",
    "deadline",
    "application",
    "requirements",
    "service",
    "community",
    "grant",
    "report",
    "public",
    "notice",
    "the",
    "and",
    "for",
    "with",
    "your",
    "you",
    "may",
    "must",
    "this",
    "that",
    "from",
    "about",
];

struct Site {
    host: usize,
    hosts: usize,
    pages: u64,
    /// Pages N with `N % 100 < edited` (N > 0) are served edited.
    edited: u64,
}

fn rng(seed: u64) -> impl FnMut() -> u64 {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    }
}

fn page(site: &Site, n: u64, ports: &[u16]) -> String {
    let edit = if n > 0 && n % 100 < site.edited {
        0x5EED_0000_0000
    } else {
        0
    };
    let mut r = rng(n * 31 + site.host as u64 * 1_000_003 + 7 + edit);
    let target_size = 10_000 + (r() % 50_000) as usize;
    let links = 30 + (r() % 121) as usize;
    let mut s = String::with_capacity(target_size + 8_000);
    let _ = write!(
        s,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Page {n} of site {h}</title>\
         <meta name=\"viewport\" content=\"width=device-width\"></head><body>\
         <section class=\"usa-banner\">An official website of the United States government</section>\
         <header class=\"usa-header\"><nav><ul>",
        h = site.host
    );
    let mut emitted = 0;
    let link = |s: &mut String, href: String, text: &str| {
        let _ = write!(s, "<li><a href=\"{href}\">{text}</a></li>");
    };
    for child in [2 * n + 1, 2 * n + 2] {
        if child < site.pages {
            link(&mut s, format!("/p/{child}/"), "Next section");
            emitted += 1;
        }
    }
    s.push_str("</ul></nav></header><main><h1>Program information</h1>");
    let per_para = (links.saturating_sub(emitted) / 12).max(1);
    while s.len() < target_size || emitted < links {
        s.push_str("<p>");
        for _ in 0..60 {
            s.push_str(WORDS[(r() % WORDS.len() as u64) as usize]);
            s.push(' ');
        }
        s.push_str("</p><ul>");
        for _ in 0..per_para {
            if emitted >= links {
                break;
            }
            let roll = r() % 100;
            if roll < 3 && site.hosts > 1 {
                let other = (site.host + 1 + (r() % (site.hosts as u64 - 1)) as usize) % site.hosts;
                let _ = ports;
                link(
                    &mut s,
                    format!("https://www.bench{other}.gov/p/{}/", r() % site.pages),
                    "Related program",
                );
            } else {
                link(
                    &mut s,
                    format!("/p/{}/", r() % site.pages),
                    "Learn more about this topic",
                );
            }
            emitted += 1;
        }
        s.push_str("</ul>");
    }
    s.push_str(
        "</main><footer class=\"usa-footer\"><a href=\"/p/0/\">Home</a></footer></body></html>",
    );
    s
}

async fn handle(State(st): State<Arc<(Site, Vec<u16>)>>, uri: Uri) -> Response<Body> {
    let path = uri.path();
    let n = if path == "/" {
        Some(0)
    } else {
        path.strip_prefix("/p/")
            .and_then(|r| r.trim_end_matches('/').parse::<u64>().ok())
            .filter(|n| *n < st.0.pages)
    };
    match n {
        Some(n) => Response::builder()
            .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
            .body(Body::from(page(&st.0, n, &st.1)))
            .unwrap_or_default(),
        None => Response::builder()
            .status(404)
            .header(header::CONTENT_TYPE, "text/html")
            .body(Body::from("<h1>Not found</h1>"))
            .unwrap_or_default(),
    }
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let hosts: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(5);
    let pages: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(4_000);
    let ports_file = args
        .get(3)
        .cloned()
        .unwrap_or_else(|| "bench-ports.txt".into());
    let edited: u64 = std::env::var("BENCH_EDITED_PERCENT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let mut listeners = Vec::new();
        for _ in 0..hosts {
            listeners.push(tokio::net::TcpListener::bind("127.0.0.1:0").await?);
        }
        let ports: Vec<u16> = listeners
            .iter()
            .map(|l| l.local_addr().map(|a| a.port()))
            .collect::<Result<_, _>>()?;
        let text: String = ports.iter().map(|p| format!("{p}\n")).collect();
        std::fs::write(&ports_file, text)?;
        let mut handles = Vec::new();
        for (host, listener) in listeners.into_iter().enumerate() {
            let state = Arc::new((
                Site {
                    host,
                    hosts,
                    pages,
                    edited,
                },
                ports.clone(),
            ));
            let app = Router::new().fallback(handle).with_state(state);
            handles.push(tokio::spawn(async move {
                let _ = axum::serve(listener, app).await;
            }));
        }
        for h in handles {
            let _ = h.await;
        }
        Ok(())
    })
}
