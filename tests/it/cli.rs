//! The binary's contract: exit codes, stdout for data only, messages that say what to do.

use crate::util::{govaudit, govaudit_ok, ndjson, Env};

#[test]
fn listing_commands_need_a_database() {
    let env = Env::new();
    let out = govaudit(&["pages", "--db", env.db().to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no database at"), "{stderr}");
    assert!(stderr.contains("govaudit crawl INVENTORY"), "{stderr}");
}

#[test]
fn bad_map_is_bad_usage() {
    let env = Env::new();
    let inv = env.write("a.csv", "url\nhttps://a.gov/\n");
    let out = govaudit(&[
        "crawl",
        inv.to_str().expect("utf8"),
        "--map",
        "https://a.gov",
        "--db",
        env.db().to_str().expect("utf8"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected FROM=TO"));
}

#[test]
fn demo_runs_and_pages_sites_print_json() {
    let env = Env::new();
    let out_dir = env.path("demo");
    let out = govaudit_ok(&["demo", "--out", out_dir.to_str().expect("utf8")]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("https://www.fhaa.gov"), "{stdout}");
    assert!(stdout.contains("database:"), "{stdout}");
    let db = out_dir.join("govaudit.db");
    let pages = govaudit_ok(&[
        "pages",
        "--db",
        db.to_str().expect("utf8"),
        "--format",
        "json",
        "--site",
        "legacy.fhaa.gov",
    ]);
    let lines = ndjson(&pages);
    assert_eq!(lines.len(), 8);
    for key in [
        "url",
        "site",
        "status",
        "content_type",
        "title",
        "word_count",
        "flesch_reading_ease",
        "content_hash",
    ] {
        assert!(lines[0].get(key).is_some(), "pages json lacks {key}");
    }
    assert!(lines.iter().all(|l| l["site"] == "https://legacy.fhaa.gov"));
    let sites = govaudit_ok(&[
        "sites",
        "--db",
        db.to_str().expect("utf8"),
        "--format",
        "csv",
    ]);
    let text = String::from_utf8_lossy(&sites.stdout);
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = rdr
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    for key in [
        "site",
        "name",
        "agency",
        "office",
        "pages",
        "broken_links",
        "recommendation",
        "merge_into",
    ] {
        assert!(header.contains(&key.to_string()), "sites csv lacks {key}");
    }
    assert_eq!(rdr.records().count(), 6);
}

/// `govaudit pages --format csv | head -1`: a reader that stops early is not an error. The
/// listings write as they read, so they meet the closed pipe mid-way.
#[test]
fn a_listing_read_by_head_ends_quietly() {
    let env = Env::new();
    let out_dir = env.path("demo");
    govaudit_ok(&["demo", "--out", out_dir.to_str().expect("utf8")]);
    let db = out_dir.join("govaudit.db");
    for (listing, format) in [
        ("pages", "csv"),
        ("pages", "json"),
        ("findings", "csv"),
        ("findings", "json"),
        ("pages", "table"),
        ("findings", "table"),
    ] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_govaudit"))
            .args([
                listing,
                "--db",
                db.to_str().expect("utf8"),
                "--format",
                format,
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        // Closed before the listing writes its first row: every write meets a closed pipe.
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "{listing} --format {format}: {:?} {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
