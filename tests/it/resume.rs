//! A crawl killed with SIGKILL at any moment resumes: nothing stored is lost, nothing finished is
//! fetched again, every page ends up stored once.

use std::collections::HashSet;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{column, govaudit_ok, open, Env, Reply, Script};

const PAGES: u32 = 300;

fn generated(path: &str) -> String {
    // /p/N/ links to the next ten pages and home; 300 pages in all.
    let n: u32 = path
        .trim_matches('/')
        .split('/')
        .nth(1)
        .and_then(|x| x.parse().ok())
        .unwrap_or(0);
    let mut s = format!(
        "<!doctype html><title>Page {n}</title><main><h1>Page {n}</h1><a href=\"/\">Home</a>"
    );
    for k in n + 1..=(n + 10).min(PAGES) {
        s.push_str(&format!("<a href=\"/p/{k}/\">Page {k}</a>"));
    }
    s.push_str("</main>");
    s
}

fn stored_urls(db: &std::path::Path) -> Vec<String> {
    column(
        &open(db),
        "SELECT u.url FROM pages p JOIN urls u ON u.id = p.url_id WHERE u.found_via <> 'probe'",
    )
}

#[test]
fn killed_crawl_resumes_without_refetching() {
    let env = Env::new();
    let script: Script = [
        ("/robots.txt".to_string(), Reply::Status(404)),
        ("/sitemap.xml".to_string(), Reply::Status(404)),
        ("*".to_string(), Reply::Generated(generated)),
    ]
    .into_iter()
    .collect();
    let server = env.serve_script_slow(script, Duration::from_millis(10));
    let inv = env.write("agency.csv", "url\nhttps://www.resume.gov/p/0/\n");
    let map = format!("https://www.resume.gov={}", server.origin());
    let db = env.db();
    let args = [
        "crawl",
        inv.to_str().expect("utf8"),
        "--db",
        db.to_str().expect("utf8"),
        "--offline",
        "--map",
        &map,
        "--delay-ms",
        "0",
        "--per-host",
        "3",
    ];

    let mut kills = 0;
    for kill_after in [40usize, 140] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_govaudit"))
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            std::thread::sleep(Duration::from_millis(15));
            let done = if db.exists() {
                stored_urls(&db).len()
            } else {
                0
            };
            if done >= kill_after || Instant::now() > deadline {
                break;
            }
            if child.try_wait().expect("wait").is_some() {
                break;
            }
        }
        if child.try_wait().expect("wait").is_none() {
            // SIGKILL: no chance to clean up.
            child.kill().expect("kill");
            kills += 1;
        }
        let _ = child.wait();
        let before: HashSet<String> = stored_urls(&db).into_iter().collect();
        assert!(!before.is_empty());
        server.clear();
        if kill_after == 140 {
            govaudit_ok(&args);
        } else {
            if kills > 0 {
                // Audited and reported part-way, the run says it is partial (issue 14).
                let db_arg = db.display().to_string();
                let audit = govaudit_ok(&["audit", "--db", &db_arg]);
                let said = String::from_utf8_lossy(&audit.stderr).to_string();
                assert!(said.contains("partial: run"), "{said}");
                let out = env.path("partial-report");
                let out_arg = out.display().to_string();
                govaudit_ok(&[
                    "report", "--db", &db_arg, "--out", &out_arg, "--format", "md",
                ]);
                let md = std::fs::read_to_string(out.join("report.md")).expect("report.md");
                assert!(md.contains("PARTIAL CRAWL"), "{}", &md[..md.len().min(600)]);
            }
            continue;
        }
        // After the resume, no page stored before the kill was requested again.
        for (_, _, path) in server.requests() {
            let url = format!("https://www.resume.gov{path}");
            assert!(
                !before.contains(&url),
                "{url} was fetched again after the kill"
            );
        }
    }
    assert!(kills >= 1, "the crawl finished before it could be killed");
    let store = open(&db);
    let urls = stored_urls(&db);
    let distinct: HashSet<&String> = urls.iter().collect();
    assert_eq!(urls.len(), distinct.len());
    let odd: Vec<&String> = urls
        .iter()
        .filter(|u| !u.starts_with("https://www.resume.gov/p/") && *u != "https://www.resume.gov/")
        .collect();
    assert!(odd.is_empty(), "unexpected pages {odd:?}");
    // Pages /p/0/ to /p/300/ and the home page.
    assert_eq!(urls.len() as u32, PAGES + 2);
    assert_eq!(
        store
            .count("SELECT COUNT(*) FROM urls WHERE state = 1")
            .expect("count"),
        0
    );
    assert_eq!(
        column(&store, "SELECT status FROM runs"),
        vec!["finished".to_string()]
    );
}
