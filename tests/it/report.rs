//! `govaudit report` and the end of `demo`: the files, their columns, the recommendation for the
//! planted legacy site, progress between two runs, and the HTML report rendered in headless
//! Chromium (no console errors, a page titled `<script>alert(1)</script>` shown as text, the
//! report's own script the only one that runs). The screenshot is kept in
//! `target/test-artifacts/report.png`.
//!
//! The browser test needs Debian's `chromium` (`.ci/run` installs it). Without it the browser
//! part is skipped with a message, unless `GOVAUDIT_REQUIRE_BROWSER=1` (set by CI) makes that a
//! failure.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{crawl_agency, demo_dir, govaudit_ok, sites_by_origin, Env};

fn header(path: &Path) -> Vec<String> {
    let mut rdr = csv::Reader::from_path(path).expect("csv opens");
    let h: Vec<String> = rdr
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    // Every record parses and has the header's width.
    for rec in rdr.records() {
        assert_eq!(
            rec.expect("record parses").len(),
            h.len(),
            "{}",
            path.display()
        );
    }
    h
}

fn chromium() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("GOVAUDIT_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .into_iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

/// Runs headless Chromium on a file with `args`; returns (stdout, stderr).
fn browse(browser: &Path, profile: &Path, file: &Path, args: &[&str]) -> (String, String) {
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=3000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", file.display()))
        .output()
        .expect("chromium runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn demo_ends_with_a_report_that_renders_safely() {
    let env = Env::new();
    let out_dir = env.path("demo");
    let out = govaudit_ok(&["demo", "--out", out_dir.to_str().expect("utf8")]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report = out_dir.join("report");
    let index = report.join("index.html");
    assert!(
        stdout.contains(&format!("report:    {}", index.display())),
        "{stdout}"
    );

    // The planted legacy site duplicates the main site: merge into it.
    let db = out_dir.join("govaudit.db");
    let sites = sites_by_origin(&db);
    let legacy = &sites["https://legacy.fhaa.gov"];
    assert_eq!(legacy["recommendation"], "merge", "{legacy}");
    assert_eq!(legacy["merge_into"], "https://www.fhaa.gov");
    assert!(legacy["evidence"][0]
        .as_str()
        .expect("evidence")
        .contains("www.fhaa.gov"));
    let www = &sites["https://www.fhaa.gov"];
    assert_ne!(www["recommendation"], "merge");
    assert_ne!(www["recommendation"], "retire");

    // The CSV files parse and have the stated columns.
    let has_columns = |file: &str, wanted: &[&str]| {
        let found = header(&report.join(file));
        for c in wanted {
            assert!(found.iter().any(|h| h == c), "{file} lacks {c}");
        }
    };
    has_columns(
        "findings.csv",
        &[
            "kind", "severity", "site", "url", "message", "rule", "expected", "group", "urls",
        ],
    );
    has_columns(
        "pages.csv",
        &[
            "url",
            "site",
            "status",
            "title",
            "word_count",
            "flesch_kincaid_grade",
        ],
    );
    has_columns(
        "sites.csv",
        &[
            "site",
            "governance_passed",
            "governance_failed",
            "recommendation",
            "merge_into",
        ],
    );
    // survey.csv: the inventory's own columns, in its order, then ours.
    let survey = header(&report.join("survey.csv"));
    assert_eq!(
        survey,
        [
            "url",
            "name",
            "agency",
            "office",
            "owner",
            "topics",
            "audiences",
            "channel",
            "path",
            "pageviews",
            "domain_status",
            "final_url",
            "pages",
            "broken_links",
            "duplicated_share",
            "median_grade",
            "governance_passed",
            "governance_failed",
            "recommendation",
            "merge_into",
            "governance_unknown",
            "governance_failing",
            "newest_update",
            "newest_update_source"
        ]
    );
    let mut rdr = csv::Reader::from_path(report.join("survey.csv")).expect("survey");
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 4, "one row per web site");
    assert!(rows.iter().all(|r| &r[10] == "active"));
    assert_eq!(&rows[3][18], "merge");
    assert_eq!(&rows[3][19], "https://www.fhaa.gov");
    let md = std::fs::read_to_string(report.join("report.md")).expect("report.md");
    assert!(md.contains("## The answer"));
    assert!(md.contains("&lt;script&gt;alert(1)&lt;/script&gt; Help"));
    assert!(!md.contains("<script>"));

    // The HTML: one file, escaped, with nothing to fetch.
    let html = std::fs::read_to_string(&index).expect("index.html");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; Help"));
    assert_eq!(
        html.matches("<script").count(),
        1,
        "only the report's own script"
    );
    assert!(
        !html.contains("src=\"http") && !html.contains("<link"),
        "nothing fetched"
    );
    let answer = html.find("The answer").expect("answer section");
    let table = html
        .find("Findings, one row per fix")
        .expect("findings section");
    assert!(answer < table, "the answer comes before the details");

    let Some(browser) = chromium() else {
        assert!(
            std::env::var("GOVAUDIT_REQUIRE_BROWSER").is_err(),
            "GOVAUDIT_REQUIRE_BROWSER is set but no Chromium was found"
        );
        eprintln!("skipped the browser part: install Debian's chromium to run it");
        return;
    };
    let profile = env.path("chromium-profile");
    let (dom, log) = browse(&browser, &profile, &index, &["--dump-dom"]);
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:#?}");
    assert!(
        dom.contains("data-report-ready=\"1\""),
        "the report's script ran to its end"
    );
    // The crawled title is text in the rendered page, not an element.
    assert!(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt; Help"));
    assert_eq!(dom.matches("<script").count(), 1, "no script was injected");
    // Filters were switched on by the script.
    assert!(dom.contains("class=\"filters\""), "filters shown");
    // Without JavaScript the report still reads: every row is in the file as written (the
    // script only hides rows a reader filters out), and the filter controls, useless without the
    // script, start hidden.
    assert_eq!(
        html.matches("data-kind=").count(),
        dom.matches("data-kind=").count()
    );
    assert!(html.contains("class=\"filters hidden\""));
    // A screenshot to look at, kept as a test artefact.
    let artefacts = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-artifacts");
    std::fs::create_dir_all(&artefacts).expect("artefact folder");
    let shot = artefacts.join("report.png");
    let _ = std::fs::remove_file(&shot);
    browse(
        &browser,
        &profile,
        &index,
        &[
            "--hide-scrollbars",
            "--window-size=1280,2200",
            &format!("--screenshot={}", shot.display()),
        ],
    );
    let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
    assert!(size > 20_000, "screenshot written ({size} bytes)");
}

#[test]
fn report_compares_with_the_previous_run() {
    let env = Env::new();
    // A copy of the demo agency, so a page can be fixed between two crawls.
    let agency = env.path("agency");
    copy_dir(&demo_dir(), &agency);
    let db = env.db();
    let dbs = db.to_str().expect("utf8");
    {
        let _servers = crawl_agency(&env, &agency);
        govaudit_ok(&["audit", "--db", dbs]);
    }
    // The grants team adds the two missing footer links on every page.
    for entry in walk(&agency.join("sites/grants.fhaa.gov")) {
        if entry.extension().is_some_and(|e| e == "html") {
            let html = std::fs::read_to_string(&entry).expect("read");
            let fixed = html.replacen(
                "<a href=\"/contact/\">Contact</a>",
                "<a href=\"/contact/\">Contact</a> <a href=\"https://www.fhaa.gov/no-fear-act/\">No FEAR Act</a> <a href=\"https://www.fhaa.gov/vulnerability-disclosure/\">Vulnerability Disclosure Policy</a>",
                1,
            );
            std::fs::write(&entry, fixed).expect("write");
        }
    }
    {
        let _servers = crawl_agency(&env, &agency);
        govaudit_ok(&["audit", "--db", dbs]);
    }
    let out = env.path("report");
    let printed = govaudit_ok(&[
        "report",
        "--db",
        dbs,
        "--out",
        out.to_str().expect("utf8"),
        "--format",
        "md,html",
    ]);
    assert!(String::from_utf8_lossy(&printed.stdout).contains("index.html"));
    assert!(
        !out.join("findings.csv").exists(),
        "only the formats asked for"
    );
    let md = std::fs::read_to_string(out.join("report.md")).expect("report.md");
    assert!(md.contains("## Progress since the last run"), "{md}");
    assert!(md.contains("**2 fixed**, **0 new**"), "{md}");
    let fixed: Vec<&str> = md.lines().filter(|l| l.starts_with("- fixed:")).collect();
    assert_eq!(fixed.len(), 2, "{fixed:?}");
    assert!(
        fixed.iter().all(|l| l.contains("grants.fhaa.gov")),
        "{fixed:?}"
    );
    let html = std::fs::read_to_string(out.join("index.html")).expect("index.html");
    assert!(html.contains("Progress since the last run"));
    // A bad format list is bad usage.
    let bad = crate::util::govaudit(&["report", "--db", dbs, "--format", "pdf"]);
    assert_eq!(bad.status.code(), Some(2));
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("dir").filter_map(Result::ok) {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("dir").filter_map(Result::ok) {
        let p = e.path();
        let target = to.join(e.file_name());
        if p.is_dir() {
            copy_dir(&p, &target);
        } else {
            std::fs::copy(&p, &target).expect("copy");
        }
    }
}
