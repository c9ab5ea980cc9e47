//! Crawls of real HTTP servers on 127.0.0.1: the demo agency (four sites with their own templates)
//! and scripted servers that misbehave the way real ones do.

use std::collections::HashMap;
use std::time::Duration;

use crate::util::{
    column, crawl_ok, demo_dir, govaudit_ok, ndjson, open, script, Env, Reply, Script,
};

/// Crawls the demo agency with one server per site, mapped with --map.
fn crawl_demo(env: &Env) -> HashMap<String, govaudit::serve::SiteServer> {
    let hosts = [
        "www.fhaa.gov",
        "grants.fhaa.gov",
        "help.fhaa.gov",
        "legacy.fhaa.gov",
    ];
    let mut servers = HashMap::new();
    let mut args: Vec<String> = vec![
        "crawl".into(),
        demo_dir().join("agency.csv").display().to_string(),
        "--db".into(),
        env.db().display().to_string(),
        "--offline".into(),
        "--delay-ms".into(),
        "0".into(),
    ];
    for h in hosts {
        let server = env.serve_dir(&demo_dir().join("sites").join(h));
        args.push("--map".into());
        args.push(format!("https://{h}={}", server.origin()));
        servers.insert(h.to_string(), server);
    }
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    govaudit_ok(&argv);
    servers
}

#[test]
fn demo_agency_multi_site_crawl() {
    let env = Env::new();
    let servers = crawl_demo(&env);
    let store = open(&env.db());
    let status = |url: &str| -> String {
        column(
            &store,
            &format!(
                "SELECT p.status FROM pages p JOIN urls u ON u.id = p.url_id WHERE u.url = '{url}'"
            ),
        )
        .into_iter()
        .next()
        .unwrap_or_else(|| "not fetched".into())
    };

    // Every site's pages are stored under public names, and sitemap-only pages are found.
    assert_eq!(status("https://www.fhaa.gov/"), "200");
    assert_eq!(
        status("https://grants.fhaa.gov/programs/housing-counseling/"),
        "200"
    );
    assert_eq!(status("https://legacy.fhaa.gov/regulations.html"), "200");
    assert_eq!(
        status("https://www.fhaa.gov/programs/tenant-rights/"),
        "200"
    );
    assert_eq!(
        column(
            &store,
            "SELECT found_via FROM urls WHERE url = 'https://www.fhaa.gov/programs/tenant-rights/'"
        ),
        vec!["sitemap"]
    );
    let html_pages = store
        .count("SELECT COUNT(*) FROM pages p JOIN urls u ON u.id = p.url_id WHERE u.site_id IS NOT NULL AND p.status = 200 AND p.content_type = 'text/html'")
        .expect("count");
    // 20 public www pages + 11 grants + 12 help + 7 legacy.
    assert_eq!(html_pages, 50);
    assert!(
        store
            .count("SELECT COUNT(*) FROM urls WHERE url LIKE '%127.0.0.1%'")
            .expect("count")
            == 0
    );

    // Each site was asked once for a page that does not exist: the demo server answers 404.
    let probes = store
        .strings("SELECT u.url, p.status FROM pages p JOIN urls u ON u.id = p.url_id WHERE u.found_via = 'probe'")
        .expect("probes");
    assert_eq!(probes.len(), 4, "{probes:?}");
    assert!(
        probes.iter().all(|r| r[1].as_deref() == Some("404")),
        "{probes:?}"
    );

    // The link-target index dropped for the bulk load is back.
    assert_eq!(
        store
            .count("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'links_to'")
            .expect("count"),
        1
    );

    // robots.txt: the disallowed page is stored as blocked and never requested.
    let www = &servers["www.fhaa.gov"];
    assert!(!www
        .requests()
        .iter()
        .any(|(_, p)| p.starts_with("/internal/")));
    assert_eq!(
        column(&store, "SELECT reason FROM urls WHERE url = 'https://www.fhaa.gov/internal/staff-directory/' AND state = 3"),
        vec!["robots.txt"]
    );

    // The two-hop chain is recorded hop by hop, and ends on the real page.
    let hops = store
        .strings("SELECT from_url, to_url, status FROM redirects ORDER BY from_url")
        .expect("redirects");
    let hop = |from: &str, to: &str, code: &str| {
        hops.iter().any(|h| {
            h[0].as_deref() == Some(from)
                && h[1].as_deref() == Some(to)
                && h[2].as_deref() == Some(code)
        })
    };
    assert!(
        hop(
            "https://www.fhaa.gov/rental-help",
            "https://www.fhaa.gov/rental-assistance",
            "301"
        ),
        "{hops:?}"
    );
    assert!(hop(
        "https://www.fhaa.gov/rental-assistance",
        "https://www.fhaa.gov/programs/rental-assistance/",
        "301"
    ));
    assert!(hop(
        "https://legacy.fhaa.gov/contact.html",
        "https://www.fhaa.gov/contact/",
        "301"
    ));
    // The loop is stopped: each side was requested once.
    let www_paths: Vec<String> = www.requests().into_iter().map(|r| r.1).collect();
    assert_eq!(www_paths.iter().filter(|p| *p == "/loop-a").count(), 1);
    assert_eq!(www_paths.iter().filter(|p| *p == "/loop-b").count(), 1);

    // Errors are outcomes: 404 and 500 recorded.
    assert_eq!(
        status("https://www.fhaa.gov/programs/senior-housing/"),
        "404"
    );
    assert_eq!(status("https://www.fhaa.gov/reports/dashboard/"), "500");
    assert_eq!(
        status("https://grants.fhaa.gov/programs/capacity-building/"),
        "404"
    );

    // No page was fetched twice.
    for (host, server) in &servers {
        let mut seen = std::collections::HashSet::new();
        for (method, path) in server.requests() {
            assert!(
                seen.insert((method.clone(), path.clone())),
                "{host}{path} requested twice by {method}"
            );
        }
    }

    // windows-1252 without a header charset: decoded from <meta charset>.
    assert_eq!(
        column(&store, "SELECT p.charset FROM pages p JOIN urls u ON u.id = p.url_id WHERE u.url = 'https://help.fhaa.gov/articles/tips-for-renters/'"),
        vec!["windows-1252"]
    );
    let body = store
        .body("https://help.fhaa.gov/articles/tips-for-renters/")
        .expect("read")
        .expect("stored body");
    assert!(
        body.contains("landlord’s office,” says Renée Dubois"),
        "{}",
        &body[..300]
    );

    // A title that looks like a script is stored as the text it is.
    assert_eq!(
        column(&store, "SELECT p.title FROM pages p JOIN urls u ON u.id = p.url_id WHERE u.url = 'https://help.fhaa.gov/articles/using-this-site/'"),
        vec!["<script>alert(1)</script> Help"]
    );

    // External links: a reserved .invalid host fails without any lookup; offline, real hosts are
    // recorded as not requested.
    let invalid = store
        .strings("SELECT p.status, p.error FROM pages p JOIN urls u ON u.id = p.url_id WHERE u.url = 'https://www.hud-archive.invalid/old-report'")
        .expect("query");
    assert_eq!(invalid.len(), 1);
    assert_eq!(invalid[0][0], None);
    assert!(invalid[0][1]
        .as_deref()
        .unwrap_or("")
        .contains("reserved top-level domain"));
    let usa = column(&store, "SELECT p.error FROM pages p JOIN urls u ON u.id = p.url_id WHERE u.url = 'https://www.usa.gov/'");
    assert!(usa[0].contains("offline"), "{usa:?}");

    // Links keep anchor text and fragments.
    let frag = store
        .count("SELECT COUNT(*) FROM links WHERE fragment IS NOT NULL")
        .expect("count");
    assert!(frag >= 2);
    let anchors = column(&store, "SELECT l.anchor FROM links l JOIN urls t ON t.id = l.to_id WHERE t.url = 'https://www.fhaa.gov/internal/staff-directory/'");
    assert!(
        anchors
            .iter()
            .any(|a| a.to_lowercase().contains("staff directory")),
        "{anchors:?}"
    );

    // The kb CSV and the brochure are read into the store with the crawl.
    let docs = store.channel_docs().expect("channel docs");
    let read: Vec<(&str, &str)> = docs
        .iter()
        .map(|d| (d.site.as_str(), d.format.as_str()))
        .collect();
    assert_eq!(
        read,
        [
            ("kb:channels/callcenter-kb.csv", "csv"),
            ("publication:channels/renters-brochure.md", "markdown")
        ]
    );
    assert!(docs.iter().all(|d| d.error.is_none()));
    assert!(docs[0]
        .text
        .as_deref()
        .is_some_and(|t| t.starts_with("question,answer")));
}

#[test]
fn re_running_a_finished_crawl_starts_a_new_run() {
    let env = Env::new();
    let _servers = crawl_demo(&env);
    let store = open(&env.db());
    let real_pages =
        "SELECT COUNT(*) FROM pages p JOIN urls u ON u.id = p.url_id WHERE u.found_via <> 'probe'";
    let pages_before = store.count(real_pages).expect("count");
    drop(store);
    let _servers = crawl_demo(&env);
    let store = open(&env.db());
    assert_eq!(
        store
            .count("SELECT COUNT(*) FROM runs WHERE status = 'finished'")
            .expect("runs"),
        2
    );
    assert_eq!(store.count(real_pages).expect("count"), pages_before);
    assert_eq!(
        store
            .count(
                "SELECT COUNT(*) FROM pages p JOIN urls u ON u.id = p.url_id
                 WHERE p.run_id = 1 AND u.found_via <> 'probe'"
            )
            .expect("count"),
        0
    );
}

fn page(links: &[&str]) -> String {
    let mut s = String::from("<!doctype html><html><head><title>Page</title></head><body><main>");
    for l in links {
        s.push_str(&format!("<p><a href=\"{l}\">link to {l}</a></p>\n"));
    }
    s.push_str("</main></body></html>");
    s
}

fn inventory(env: &Env, origins: &[&str]) -> std::path::PathBuf {
    let mut csv = String::from("url,name,agency\n");
    for o in origins {
        csv.push_str(&format!("{o}/,Site,Agency\n"));
    }
    env.write("agency.csv", csv)
}

#[test]
fn misbehaving_server_outcomes_are_recorded() {
    let env = Env::new();
    let mut big = page(&["/after-big"]);
    big.push_str(&"<p>filler text for a very long page</p>\n".repeat(80_000)); // about 3 MB
    let mut cp1252 = b"<html><head><meta charset=\"windows-1252\"><title>Caf\xe9 \x93menu\x94</title></head><body>".to_vec();
    cp1252.extend_from_slice(b"<a href=\"/after-cp1252\">na\xefve \x97 link</a></body></html>");
    let malformed = "<html><body><div><p>unclosed <a href=/m1>first<div>still in link</div><table><tr><td><a href='/m2'>second</td></p></span></div></div><a href=\"/m3\" <b>broken attr</b>";
    let script = script(vec![
        (
            "/",
            Reply::Html(page(&[
                "/stall",
                "/big",
                "/cp1252",
                "/malformed",
                "/busy",
                "/gone",
                "/boom",
                "/data.pdf",
                "/chain1",
            ])),
        ),
        ("/robots.txt", Reply::Status(404)),
        ("/stall", Reply::Stall),
        ("/big", Reply::Html(big)),
        ("/after-big", Reply::Html(page(&[]))),
        ("/cp1252", Reply::Bytes("text/html", cp1252)),
        ("/after-cp1252", Reply::Html(page(&[]))),
        ("/malformed", Reply::Html(malformed.to_string())),
        ("/m1", Reply::Html(page(&[]))),
        ("/m2", Reply::Html(page(&[]))),
        ("/busy", Reply::TooManyThen(1, 1, page(&[]))),
        ("/boom", Reply::Status(500)),
        (
            "/data.pdf",
            Reply::Bytes("application/pdf", vec![b'%'; 5000]),
        ),
        ("/chain1", Reply::Redirect(301, "/chain2".into())),
        ("/chain2", Reply::Redirect(302, "/chain3".into())),
        ("/chain3", Reply::Html(page(&[]))),
    ]);
    let server = env.serve_script(script);
    let inv = inventory(&env, &["https://www.misbehave.gov"]);
    let map = format!("https://www.misbehave.gov={}", server.origin());
    crawl_ok(
        &inv,
        &env.db(),
        &[&map],
        &["--timeout-s", "1", "--max-body-mb", "1"],
    );
    let store = open(&env.db());
    let row = |url: &str| -> Vec<Option<String>> {
        store
            .strings(&format!(
                "SELECT p.status, p.error, p.truncated, p.size, p.content_type, p.title, p.attempts
                 FROM pages p JOIN urls u ON u.id = p.url_id WHERE u.url = 'https://www.misbehave.gov{url}'"
            ))
            .expect("query")
            .pop()
            .unwrap_or_else(|| panic!("{url} not stored"))
    };

    // A server that never answers does not hang the crawl: timed out, retried, recorded.
    let stall = row("/stall");
    assert_eq!(stall[0], None);
    assert!(
        stall[1].as_deref().unwrap_or("").contains("timed out")
            || stall[1].as_deref().unwrap_or("").contains("timeout"),
        "{stall:?}"
    );
    assert_eq!(stall[6].as_deref(), Some("3"));
    assert_eq!(
        store.count("SELECT COUNT(*) FROM fetch_errors e JOIN urls u ON u.id = e.url_id WHERE u.url = 'https://www.misbehave.gov/stall' AND e.kind = 'timeout'").expect("count"),
        3
    );

    // An oversized body is cut at the cap, flagged, and what was read is still used.
    let big = row("/big");
    assert_eq!(big[0].as_deref(), Some("200"));
    assert_eq!(big[2].as_deref(), Some("1"));
    assert_eq!(big[3].as_deref(), Some("1048576"));
    assert!(big[1].as_deref().unwrap_or("").contains("cut"), "{big:?}");
    assert_eq!(row("/after-big")[0].as_deref(), Some("200"));

    // windows-1252 by <meta>, header without charset.
    assert_eq!(row("/cp1252")[5].as_deref(), Some("Café “menu”"));
    let anchor = column(&store, "SELECT l.anchor FROM links l JOIN urls t ON t.id = l.to_id WHERE t.url = 'https://www.misbehave.gov/after-cp1252'");
    assert_eq!(anchor, vec!["naïve — link"]);

    // Malformed HTML still yields its links.
    assert_eq!(row("/m1")[0].as_deref(), Some("200"));
    assert_eq!(row("/m2")[0].as_deref(), Some("200"));

    // 429 with Retry-After: waited, then fetched; the first attempt is kept as an error.
    let busy = row("/busy");
    assert_eq!(busy[0].as_deref(), Some("200"));
    assert_eq!(busy[6].as_deref(), Some("2"));
    let times: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.2 == "/busy")
        .map(|r| r.0)
        .collect();
    assert_eq!(times.len(), 2);
    // Retry-After: 1 means at least one second between the two requests (scheduling only adds).
    assert!(times[1].duration_since(times[0]) >= Duration::from_millis(990));

    // Errors and non-HTML responses are outcomes.
    assert_eq!(row("/gone")[0].as_deref(), Some("404"));
    assert_eq!(row("/boom")[0].as_deref(), Some("500"));
    let pdf = row("/data.pdf");
    assert_eq!(
        (pdf[0].as_deref(), pdf[3].as_deref(), pdf[4].as_deref()),
        (Some("200"), Some("5000"), Some("application/pdf"))
    );
    assert!(store
        .body("https://www.misbehave.gov/data.pdf")
        .expect("read")
        .is_none());

    // Redirect chain hop by hop.
    assert_eq!(row("/chain1")[0].as_deref(), Some("301"));
    assert_eq!(row("/chain2")[0].as_deref(), Some("302"));
    assert_eq!(row("/chain3")[0].as_deref(), Some("200"));
}

#[test]
fn robots_rules_and_crawl_delay_are_obeyed() {
    let env = Env::new();
    let script = script(vec![
        (
            "/robots.txt",
            Reply::Bytes(
                "text/plain",
                b"User-agent: *\nDisallow: /private\nCrawl-delay: 1\n".to_vec(),
            ),
        ),
        (
            "/",
            Reply::Html(page(&["/a", "/private/secret", "/private-notes", "/b"])),
        ),
        ("/a", Reply::Html(page(&[]))),
        ("/b", Reply::Html(page(&[]))),
        ("/private/secret", Reply::Html(page(&[]))),
        ("/private-notes", Reply::Html(page(&[]))),
    ]);
    let server = env.serve_script(script);
    let inv = inventory(&env, &["https://polite.gov"]);
    let map = format!("https://polite.gov={}", server.origin());
    crawl_ok(&inv, &env.db(), &[&map], &["--per-host", "4"]);
    let paths = server.paths();
    assert!(
        !paths.iter().any(|p| p.starts_with("/private")),
        "{paths:?}"
    );
    let store = open(&env.db());
    assert_eq!(
        store
            .count("SELECT COUNT(*) FROM urls WHERE state = 3")
            .expect("count"),
        2
    );
    // Crawl-delay: 1 spaces the page requests by a second at least (robots.txt and sitemap.xml
    // come first and are spaced too).
    let times: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| ["/", "/a", "/b"].contains(&r.2.as_str()))
        .map(|r| r.0)
        .collect();
    assert_eq!(times.len(), 3);
    for w in times.windows(2) {
        // Arrival times at the server jitter by some milliseconds under load.
        assert!(w[1].duration_since(w[0]) >= Duration::from_millis(900));
    }
}

fn calendar(path: &str) -> String {
    // /events/YYYY/MM/ links to the next and previous month, forever.
    let parts: Vec<i32> = path
        .trim_matches('/')
        .split('/')
        .skip(1)
        .filter_map(|p| p.parse().ok())
        .collect();
    let (y, m) = match parts.as_slice() {
        [y, m] => (*y, *m),
        _ => (2026, 1),
    };
    let next = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    let prev = if m == 1 { (y - 1, 12) } else { (y, m - 1) };
    page(&[
        &format!("/events/{}/{:02}/", next.0, next.1),
        &format!("/events/{}/{:02}/", prev.0, prev.1),
        &format!("/search?q=events&page={}", y * 12 + m),
    ])
}

#[test]
fn spider_traps_and_limits_end_the_crawl() {
    let env = Env::new();
    let script: Script = [
        ("/robots.txt".to_string(), Reply::Status(404)),
        ("*".to_string(), Reply::Generated(calendar)),
    ]
    .into_iter()
    .collect();
    let server = env.serve_script(script);
    let inv = env.write(
        "agency.csv",
        "url\nhttps://www.calendar.gov/events/2026/06/\n",
    );
    let map = format!("https://www.calendar.gov={}", server.origin());
    crawl_ok(&inv, &env.db(), &[&map], &["--max-depth", "40"]);
    let paths = server.paths();
    // Nothing dated years ahead is requested, and depth bounds the way back.
    let this_year: i32 = govaudit::store::now_rfc3339()[..4].parse().expect("year");
    for p in &paths {
        if let Some(y) = p
            .strip_prefix("/events/")
            .and_then(|r| r.get(..4))
            .and_then(|y| y.parse::<i32>().ok())
        {
            assert!(y <= this_year + 2, "{p}");
        }
    }
    assert!(paths.len() < 200, "{} requests", paths.len());
    let store = open(&env.db());
    assert!(
        store
            .count("SELECT COUNT(*) FROM urls WHERE reason = 'calendar far in the future'")
            .expect("count")
            >= 1
    );
    assert!(
        store
            .count("SELECT COUNT(*) FROM urls WHERE reason = 'max depth'")
            .expect("count")
            >= 1
    );

    // --max-pages-per-site stops early and leaves the rest queued for a later run.
    let env2 = Env::new();
    let server2 = env2.serve_script(
        [
            ("/robots.txt".to_string(), Reply::Status(404)),
            ("*".to_string(), Reply::Generated(calendar)),
        ]
        .into_iter()
        .collect(),
    );
    let inv2 = env2.write(
        "agency.csv",
        "url\nhttps://www.calendar.gov/events/2026/06/\n",
    );
    let map2 = format!("https://www.calendar.gov={}", server2.origin());
    let out = crawl_ok(&inv2, &env2.db(), &[&map2], &["--max-pages-per-site", "5"]);
    let store2 = open(&env2.db());
    assert_eq!(
        store2.count("SELECT COUNT(*) FROM pages").expect("count"),
        5
    );
    assert!(
        store2
            .count("SELECT COUNT(*) FROM urls WHERE state = 1")
            .expect("count")
            > 0
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("still queued"));
}

#[test]
fn a_site_that_redirects_to_its_www_alias_is_crawled_there() {
    let env = Env::new();
    let bare: Script = [
        (
            "/".to_string(),
            Reply::Redirect(301, "https://www.bare.gov/".into()),
        ),
        (
            "/robots.txt".to_string(),
            Reply::Redirect(301, "https://www.bare.gov/robots.txt".into()),
        ),
    ]
    .into_iter()
    .collect();
    let www: Script = [
        (
            "/".to_string(),
            Reply::Html(page(&["/a", "https://www.bare.gov/b"])),
        ),
        (
            "/robots.txt".to_string(),
            Reply::Bytes(
                "text/plain",
                b"User-agent: *\nDisallow: /private\n".to_vec(),
            ),
        ),
        ("/a".to_string(), Reply::Html(page(&["/private"]))),
        ("/b".to_string(), Reply::Html(page(&[]))),
    ]
    .into_iter()
    .collect();
    let bare_server = env.serve_script(bare);
    let www_server = env.serve_script(www);
    let inv = env.write("agency.csv", "domain\nbare.gov\n");
    let m1 = format!("https://bare.gov={}", bare_server.origin());
    let m2 = format!("https://www.bare.gov={}", www_server.origin());
    crawl_ok(&inv, &env.db(), &[&m1, &m2], &[]);
    let store = open(&env.db());
    let pages = store
        .strings(
            "SELECT u.url, p.status FROM pages p JOIN urls u ON u.id = p.url_id
             WHERE u.found_via <> 'probe' ORDER BY u.url",
        )
        .expect("pages");
    let pages: Vec<(String, String)> = pages
        .into_iter()
        .map(|r| {
            (
                r[0].clone().unwrap_or_default(),
                r[1].clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        pages,
        vec![
            ("https://bare.gov/".to_string(), "200".to_string()),
            ("https://bare.gov/a".to_string(), "200".to_string()),
            ("https://bare.gov/b".to_string(), "200".to_string()),
        ]
    );
    // The alias's robots.txt (reached through the redirect) is obeyed.
    assert!(!www_server.paths().iter().any(|p| p.starts_with("/private")));
    // After the first redirect, pages are requested from the www server directly.
    let bare_pages: Vec<String> = bare_server
        .paths()
        .into_iter()
        .filter(|p| p != "/robots.txt" && p != "/sitemap.xml" && !p.starts_with("/govaudit-probe-"))
        .collect();
    assert_eq!(bare_pages, vec!["/".to_string()]);
    assert_eq!(
        column(&store, "SELECT to_url FROM redirects"),
        vec!["https://www.bare.gov/".to_string()]
    );
}

#[test]
fn two_inventories_share_a_database_without_losing_a_frontier() {
    let env = Env::new();
    let www = env.serve_dir(&demo_dir().join("sites/www.fhaa.gov"));
    let grants = env.serve_dir(&demo_dir().join("sites/grants.fhaa.gov"));
    let a = env.write("a.csv", "url\nhttps://www.fhaa.gov/\n");
    let b = env.write("b.csv", "url\nhttps://grants.fhaa.gov/\n");
    let map_a = format!("https://www.fhaa.gov={}", www.origin());
    let map_b = format!("https://grants.fhaa.gov={}", grants.origin());
    let db = env.db();
    // a stops at its page cap: its run stays open with URLs queued.
    crawl_ok(
        &a,
        &db,
        &[&map_a],
        &["--no-external", "--max-pages-per-site", "3"],
    );
    // b is crawled in between, into the same database.
    crawl_ok(&b, &db, &[&map_b], &["--no-external"]);
    // a continues where it stopped and finishes: every public www page is fetched.
    let out = crawl_ok(&a, &db, &[&map_a], &["--no-external"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("continued run 1"));
    let store = open(&db);
    let www_pages = store
        .count("SELECT COUNT(*) FROM pages p JOIN urls u ON u.id = p.url_id WHERE u.url LIKE 'https://www.fhaa.gov/%' AND p.status = 200 AND p.content_type = 'text/html'")
        .expect("count");
    assert_eq!(www_pages, 20);
    assert_eq!(
        column(&store, "SELECT status FROM runs ORDER BY id"),
        vec!["finished".to_string(), "finished".to_string()]
    );
}

#[test]
fn resuming_without_ignore_robots_obeys_robots_again() {
    let env = Env::new();
    let script = script(vec![
        (
            "/robots.txt",
            Reply::Bytes(
                "text/plain",
                b"User-agent: *\nDisallow: /private\n".to_vec(),
            ),
        ),
        (
            "/",
            Reply::Html(page(&[
                "/a",
                "/b",
                "/c",
                "/private/1",
                "/private/2",
                "/private/3",
            ])),
        ),
        ("/a", Reply::Html(page(&[]))),
        ("/b", Reply::Html(page(&[]))),
        ("/c", Reply::Html(page(&[]))),
        ("/private/1", Reply::Html(page(&[]))),
        ("/private/2", Reply::Html(page(&[]))),
        ("/private/3", Reply::Html(page(&[]))),
    ]);
    let server = env.serve_script(script);
    let inv = inventory(&env, &["https://own.gov"]);
    let map = format!("https://own.gov={}", server.origin());
    crawl_ok(
        &inv,
        &env.db(),
        &[&map],
        &[
            "--per-host",
            "1",
            "--ignore-robots",
            "--max-pages-per-site",
            "2",
        ],
    );
    server.clear();
    crawl_ok(&inv, &env.db(), &[&map], &[]);
    let paths = server.paths();
    assert!(
        !paths.iter().any(|p| p.starts_with("/private")),
        "{paths:?}"
    );
    let store = open(&env.db());
    assert_eq!(
        store
            .count("SELECT COUNT(*) FROM urls WHERE state = 3 AND reason = 'robots.txt'")
            .expect("count"),
        3
    );
}

#[test]
fn external_links_are_checked_once_with_head_then_get() {
    let env = Env::new();
    let site: Script = [
        ("/robots.txt".to_string(), Reply::Status(404)),
        (
            "/".to_string(),
            Reply::Html(page(&[
                "/other",
                "https://partner.example.org/moved",
                "https://partner.example.org/loop1",
                "https://partner.example.org/ok",
            ])),
        ),
        (
            "/other".to_string(),
            Reply::Html(page(&["https://partner.example.org/ok"])),
        ),
    ]
    .into_iter()
    .collect();
    let partner: Script = [
        (
            "/moved".to_string(),
            Reply::Redirect(301, "/moved-again".into()),
        ),
        (
            "/moved-again".to_string(),
            Reply::Redirect(302, "/gone".into()),
        ),
        ("/loop1".to_string(), Reply::Redirect(302, "/loop2".into())),
        ("/loop2".to_string(), Reply::Redirect(302, "/loop1".into())),
        ("/ok".to_string(), Reply::Html(page(&[]))),
    ]
    .into_iter()
    .collect();
    let site_server = env.serve_script(site);
    let partner_server = env.serve_script(partner);
    let inv = inventory(&env, &["https://www.checks.gov"]);
    let m1 = format!("https://www.checks.gov={}", site_server.origin());
    let m2 = format!("https://partner.example.org={}", partner_server.origin());
    crawl_ok(&inv, &env.db(), &[&m1, &m2], &[]);
    let store = open(&env.db());
    let row = |url: &str| -> Vec<Option<String>> {
        store
            .strings(&format!(
                "SELECT p.status, p.method, p.final_url, p.error FROM pages p JOIN urls u ON u.id = p.url_id WHERE u.url = '{url}'"
            ))
            .expect("query")
            .pop()
            .unwrap_or_else(|| panic!("{url} not checked"))
    };
    assert_eq!(
        row("https://partner.example.org/ok")[0].as_deref(),
        Some("200")
    );
    assert_eq!(
        row("https://partner.example.org/ok")[1].as_deref(),
        Some("HEAD")
    );
    // A chain is followed hop by hop to its end, under public names.
    let moved = row("https://partner.example.org/moved");
    assert_eq!(moved[0].as_deref(), Some("404"));
    assert_eq!(
        moved[2].as_deref(),
        Some("https://partner.example.org/gone")
    );
    assert_eq!(
        moved[1].as_deref(),
        Some("GET"),
        "a 404 to HEAD is confirmed with GET"
    );
    assert_eq!(
        column(&store, "SELECT r.to_url FROM redirects r JOIN urls u ON u.id = r.url_id WHERE u.url = 'https://partner.example.org/moved' ORDER BY r.hop"),
        vec!["https://partner.example.org/moved-again", "https://partner.example.org/gone"]
    );
    let lp = row("https://partner.example.org/loop1");
    assert!(
        lp[3].as_deref().unwrap_or("").contains("redirect loop"),
        "{lp:?}"
    );
    // Each external URL is checked once, though two pages link to /ok.
    let oks = partner_server
        .paths()
        .iter()
        .filter(|p| *p == "/ok")
        .count();
    assert_eq!(oks, 1);
}

#[test]
fn links_audit_finds_exactly_the_planted_problems() {
    let env = Env::new();
    let _servers = crawl_demo(&env);
    let db = env.db();
    let out = govaudit_ok(&["audit", "--db", &db.display().to_string()]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("findings"));
    let json = govaudit_ok(&[
        "findings",
        "--db",
        &db.display().to_string(),
        "--format",
        "json",
    ]);
    let findings: Vec<serde_json::Value> = ndjson(&json)
        .into_iter()
        // The links audit's kinds (duplicates and plain writing have their own tests).
        .filter(|f| {
            [
                "broken_link",
                "broken_fragment",
                "redirect_chain",
                "soft_404",
                "blocked_link",
            ]
            .contains(&f["kind"].as_str().unwrap_or(""))
        })
        .collect();
    let mut got: Vec<(String, String, String)> = findings
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap_or("").to_string(),
                f["url"].as_str().unwrap_or("").to_string(),
                f["target"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    got.sort();
    let mut want: Vec<(String, String, String)> = [
        // EXPECTED.md 3.1
        (
            "broken_link",
            "https://www.fhaa.gov/programs/",
            "https://www.fhaa.gov/programs/senior-housing/",
        ),
        (
            "broken_link",
            "https://help.fhaa.gov/faq/grants/",
            "https://grants.fhaa.gov/programs/capacity-building/",
        ),
        (
            "broken_link",
            "https://www.fhaa.gov/reports/",
            "https://www.hud-archive.invalid/old-report",
        ),
        (
            "broken_link",
            "https://www.fhaa.gov/reports/",
            "https://www.fhaa.gov/files/annual-report-2019.pdf",
        ),
        (
            "broken_link",
            "https://www.fhaa.gov/reports/",
            "https://www.fhaa.gov/reports/dashboard/",
        ),
        // 3.2
        (
            "broken_fragment",
            "https://www.fhaa.gov/programs/housing-vouchers/",
            "https://www.fhaa.gov/eligibility/#voucher-income-limits",
        ),
        // 3.3
        (
            "redirect_chain",
            "https://www.fhaa.gov/",
            "https://www.fhaa.gov/rental-help",
        ),
        // EXPECTED.md 2: the robots.txt-disallowed staff directory is listed, not broken.
        (
            "blocked_link",
            "https://www.fhaa.gov/about/",
            "https://www.fhaa.gov/internal/staff-directory/",
        ),
        // 3.4
        (
            "soft_404",
            "https://help.fhaa.gov/faq/",
            "https://help.fhaa.gov/articles/discontinued-program/",
        ),
        (
            "redirect_chain",
            "https://www.fhaa.gov/news/",
            "https://www.fhaa.gov/loop-a",
        ),
    ]
    .iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    .collect();
    want.sort();
    assert_eq!(got, want);
    let by_target = |t: &str| {
        findings
            .iter()
            .find(|f| f["target"] == t)
            .expect("finding")
            .clone()
    };
    assert_eq!(
        by_target("https://www.fhaa.gov/programs/senior-housing/")["status"],
        404
    );
    assert_eq!(
        by_target("https://www.fhaa.gov/reports/dashboard/")["status"],
        500
    );
    assert_eq!(by_target("https://www.fhaa.gov/rental-help")["hops"], 2);
    assert_eq!(
        by_target("https://www.fhaa.gov/rental-help")["final_url"],
        "https://www.fhaa.gov/programs/rental-assistance/"
    );
    assert_eq!(by_target("https://www.fhaa.gov/loop-a")["loop"], true);
    let invalid = by_target("https://www.hud-archive.invalid/old-report");
    assert!(invalid["status"].is_null() && invalid["error"].is_string());
    for f in &findings {
        for key in ["kind", "severity", "site", "url", "message"] {
            assert!(f.get(key).is_some(), "{key} missing in {f}");
        }
    }
    // Recomputed from the database: the same result on every run.
    govaudit_ok(&["audit", "--db", &db.display().to_string()]);
    let again = govaudit_ok(&[
        "findings",
        "--db",
        &db.display().to_string(),
        "--format",
        "json",
    ]);
    assert_eq!(again.stdout, json.stdout);
    // The table groups by target.
    let table = govaudit_ok(&[
        "findings",
        "--db",
        &db.display().to_string(),
        "--kind",
        "broken_link",
    ]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert_eq!(text.lines().count(), 6, "{text}");
}

fn friendly_not_found(_path: &str) -> String {
    "<!doctype html><title>Example Agency</title><main><h1>Hmm.</h1><p>We looked everywhere, \
     but this address has no page on our site. Check the spelling or use the search box to find \
     what you need.</p></main>"
        .to_string()
}

#[test]
fn soft_404_site_is_recognised_by_its_probe() {
    let env = Env::new();
    let script: Script = [
        ("/robots.txt".to_string(), Reply::Status(404)),
        ("/".to_string(), Reply::Html(page(&["/a", "/old-program"]))),
        ("/a".to_string(), Reply::Html("<title>Programs</title><main><p>Our rental assistance program helps families pay rent each month while they look for work.</p></main>".to_string())),
        ("*".to_string(), Reply::Generated(friendly_not_found)),
    ]
    .into_iter()
    .collect();
    let server = env.serve_script(script);
    let inv = inventory(&env, &["https://www.soft.gov"]);
    let map = format!("https://www.soft.gov={}", server.origin());
    crawl_ok(&inv, &env.db(), &[&map], &[]);
    let db = env.db().display().to_string();
    govaudit_ok(&["audit", "--db", &db]);
    let out = govaudit_ok(&["findings", "--db", &db, "--format", "json"]);
    let findings = ndjson(&out);
    let soft: Vec<&str> = findings
        .iter()
        .filter(|f| f["kind"] == "soft_404")
        .filter_map(|f| f["target"].as_str())
        .collect();
    assert_eq!(soft, vec!["https://www.soft.gov/old-program"]);
    let sites = open(&env.db()).sites().expect("sites");
    assert_eq!(sites[0].missing_page_status, Some(200));
}
