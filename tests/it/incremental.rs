//! A re-audit after a re-crawl reuses what the last audit measured on unchanged pages, and finds
//! exactly what a full audit finds: edited pages, a block that becomes the template (changing
//! unchanged pages' main text), a shared block whose first page moves, a page added, a page
//! gone, a linked page's title that governance reads, other rules.

use std::path::Path;

use crate::util::{crawl_ok, govaudit_ok, Env};

const NOTICE: &str = "<p>in the event that you need help with your application, utilize the \
    online portal or call 555-0100 before 4 p.m. on weekdays.</p>";

fn page(title: &str, body: &str, privacy_link: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><title>{title}</title></head><body>\
         <header><nav><a href=\"/\">Home</a> <a href=\"/apply/\">Apply</a> \
         <a href=\"/contact/\">Contact us</a></nav></header>\
         <main><h1>{title}</h1>{body}</main>\
         <footer><a href=\"/privacy/\">{privacy_link}</a> \
         <p>Federal Incremental Agency, 1 Main Street, Springfield.</p></footer></body></html>"
    )
}

/// Prose of a topic page: its own sentences, long enough to be scored.
fn prose(n: usize) -> String {
    format!(
        "<p>Topic {n} explains how the agency helps families with program {n}. Applicants \
         must submit the required documentation prior to the deadline, and the office will \
         endeavor to process each request in a timely manner.</p>\
         <p>Program {n} pays up to ${n},500 a year to eligible households. It is administered \
         by the regional office, which was established in order to facilitate the \
         implementation of housing assistance in the area of program {n}.</p>"
    )
}

/// Writes the site: `notice_on` are the topic pages carrying the shared notice.
fn write_site(root: &Path, topics: &[usize], notice_on: &[usize], phone: &str, privacy: &str) {
    let _ = std::fs::remove_dir_all(root);
    let write = |rel: &str, html: String| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, html).expect("write");
    };
    let links: String = topics
        .iter()
        .map(|n| format!("<li><a href=\"/topics/t{n}/\">Program {n}</a></li>"))
        .collect();
    write(
        "index.html",
        page(
            "Federal Incremental Agency",
            &format!("<p>Find a program below.</p><ul>{links}</ul><p><a href=\"/topics/t10/\">Program 10</a></p>"),
            "Notice",
        ),
    );
    write(
        "apply/index.html",
        page(
            "Apply",
            "<p>Apply online or by mail. Applications are reviewed within 30 days.</p>",
            "Notice",
        ),
    );
    write(
        "contact/index.html",
        page(
            "Contact us",
            &format!("<p>To ask about your application, call {phone}.</p>"),
            "Notice",
        ),
    );
    write(
        "privacy/index.html",
        page(privacy, "<p>We collect only what we need.</p>", "Notice"),
    );
    for &n in topics {
        // Program 1 writes the notice with a capital: the same block to template removal, not
        // the same words to quote.
        let notice = match (notice_on.contains(&n), n) {
            (false, _) => String::new(),
            (true, 1) => NOTICE.replacen("in the", "In the", 1),
            (true, _) => NOTICE.to_string(),
        };
        write(
            &format!("topics/t{n}/index.html"),
            page(
                &format!("Program {n}"),
                &format!("{}{notice}", prose(n)),
                "Notice",
            ),
        );
    }
}

fn findings(db: &Path) -> Vec<u8> {
    let db = db.display().to_string();
    govaudit_ok(&["findings", "--db", &db, "--format", "json"]).stdout
}

/// Re-crawls, then audits the database incrementally and a copy of it in full: the findings
/// must be the same. Returns the incremental audit's stderr.
fn recrawl_and_compare(env: &Env, inv: &Path, map: &str, extra: &[&str]) -> String {
    let db = env.db();
    crawl_ok(inv, &db, &[map], &[]);
    let full = env.path("full.db");
    std::fs::copy(&db, &full).expect("copy the database");
    let (db_s, full_s) = (db.display().to_string(), full.display().to_string());
    let mut args = vec!["audit", "--db", &db_s];
    args.extend_from_slice(extra);
    let incremental = govaudit_ok(&args);
    let mut args = vec!["audit", "--full", "--db", &full_s];
    args.extend_from_slice(extra);
    govaudit_ok(&args);
    let (a, b) = (findings(&db), findings(&full));
    assert!(!a.is_empty());
    assert!(
        a == b,
        "incremental and full audits differ:\n--- incremental\n{}\n--- full\n{}",
        String::from_utf8_lossy(&a),
        String::from_utf8_lossy(&b)
    );
    String::from_utf8_lossy(&incremental.stderr).into_owned()
}

/// "R of N pages unchanged": R.
fn reused(stderr: &str) -> usize {
    stderr
        .lines()
        .find(|l| l.contains("pages unchanged since the last audit"))
        .and_then(|l| l.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

#[test]
fn re_audit_reuses_unchanged_pages_and_finds_what_a_full_audit_finds() {
    let env = Env::new();
    let root = env.path("sites/www.incr.gov");
    let all: Vec<usize> = (1..=10).collect();
    write_site(&root, &all, &[1, 2, 3, 4], "555-0100", "Privacy policy");
    let server = env.serve_dir(&root);
    let map = format!("https://www.incr.gov={}", server.origin());
    let inv = env.write(
        "agency.csv",
        "url,name\nhttps://www.incr.gov/,Incremental\n",
    );
    let db = env.db();
    let db_s = db.display().to_string();
    crawl_ok(&inv, &db, &[&map], &[]);
    let first = govaudit_ok(&["audit", "--db", &db_s]);
    assert_eq!(reused(&String::from_utf8_lossy(&first.stderr)), 0);

    // Nothing changed: every page is reused, the findings are the same.
    let before = findings(&db);
    let again = recrawl_and_compare(&env, &inv, &map, &[]);
    assert_eq!(reused(&again), 14, "{again}");
    assert_eq!(findings(&db), before);

    // Program 1 loses the notice: the shared block's first page is now program 2, unchanged,
    // which writes it differently; what was checked on program 1's block must not be reused.
    write_site(&root, &all, &[2, 3, 4], "555-0100", "Privacy policy");
    let moved = recrawl_and_compare(&env, &inv, &map, &[]);
    assert!(reused(&moved) > 0, "{moved}");

    // Edits: program 1 loses the notice (its first page moves to program 2), programs 5-8 gain
    // it (on 7 of 14 pages it becomes the template, which changes the main text of programs
    // 2-4 without a byte of theirs changing), program 10 is gone, program 11 is new, the
    // contact page gives another number.
    let topics: Vec<usize> = (1..=9).chain([11]).collect();
    write_site(
        &root,
        &topics,
        &[2, 3, 4, 5, 6, 7, 8],
        "555-0199",
        "Privacy policy",
    );
    let edited = recrawl_and_compare(&env, &inv, &map, &[]);
    let n = reused(&edited);
    assert!(n > 0 && n < 13, "some pages reused, not all: {edited}");

    // The privacy page's title, which the governance check reads through every page's
    // "Notice" link, changes: every page is judged again.
    write_site(&root, &topics, &[2, 3, 4, 5, 6, 7, 8], "555-0199", "Notice");
    recrawl_and_compare(&env, &inv, &map, &[]);

    // Other rules: nothing measured with the built-in ones is reused.
    let rules = env.path("rules");
    std::fs::create_dir_all(&rules).expect("mkdir");
    std::fs::write(
        rules.join("readability.toml"),
        std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/readability.toml"),
        )
        .expect("built-in readability rules")
        .replace("target_grade = ", "target_grade = 2.0 # was "),
    )
    .expect("write rules");
    let rules_s = rules.display().to_string();
    let other = recrawl_and_compare(&env, &inv, &map, &["--rules", &rules_s]);
    assert_eq!(reused(&other), 0, "{other}");
}

#[test]
fn an_audit_reports_its_stages_and_the_pages_read() {
    let env = Env::new();
    let root = env.path("sites/www.incr.gov");
    write_site(&root, &[1, 2, 3], &[1], "555-0100", "Privacy policy");
    let server = env.serve_dir(&root);
    let map = format!("https://www.incr.gov={}", server.origin());
    let inv = env.write("agency.csv", "url,name\nhttps://www.incr.gov/,Stages\n");
    let db = env.db();
    crawl_ok(&inv, &db, &[&map], &[]);
    let store = govaudit::Store::open(&db).expect("open the database");
    let events = std::sync::Mutex::new(Vec::new());
    let summary =
        govaudit::audit::run_with(&store, &govaudit::rules::RuleSet::builtin(), false, &|p| {
            events.lock().expect("events").push(*p)
        })
        .expect("audit");
    let events = events.into_inner().expect("events");
    let mut stages: Vec<&str> = events.iter().map(|e| e.stage).collect();
    stages.dedup();
    assert_eq!(stages, ["links", "pages", "duplicates", "storing findings"]);
    let last_pages = events
        .iter()
        .rev()
        .find(|e| e.stage == "pages")
        .expect("a pages event");
    assert!(last_pages.total > 0);
    assert_eq!(last_pages.done, summary.pages, "{events:?}");
}
