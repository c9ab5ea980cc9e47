//! The validation agency of `../shared/eval/agency-dev/` (a generated agency built by someone
//! else, with exact ground truth and a scorer): served by its own server on loopback, crawled
//! and audited by govaudit, scored by its `score.py`. The figures each issue promised are
//! asserted here, so a change that loses them fails.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{copy_tree, free_ports, govaudit_ok, shared, Env};

/// The validation agency's server; killed when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Serves a copy of the corpus (its server writes logs beside it) and returns the `--map` flags.
fn serve(dev: &Path, corpus: &Path) -> (Server, Vec<String>) {
    let port = free_ports(10);
    let child = Command::new("python3")
        .arg(dev.join("serve.py"))
        .arg(corpus)
        .args([
            "--base-port",
            &port.to_string(),
            "--quiet",
            "--max-seconds",
            "900",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 runs the validation agency's server");
    let server = Server(child);
    let flags = corpus.join("map-flags.txt");
    let started = Instant::now();
    while !flags.is_file() || std::fs::metadata(&flags).map_or(0, |m| m.len()) == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "serve.py did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let text = std::fs::read_to_string(&flags).expect("map flags");
    (
        server,
        text.split_whitespace().map(str::to_string).collect(),
    )
}

#[test]
fn validation_agency_scores() {
    let Some(dev) = shared("eval/agency-dev") else {
        return;
    };
    let env = Env::new();
    let corpus = env.path("corpus");
    copy_tree(&dev.join("corpus"), &corpus);
    // Stale outputs of another run must not be read as this one's.
    let _ = std::fs::remove_file(corpus.join("map-flags.txt"));
    let (server, flags) = serve(&dev, &corpus);
    let db = env.db().display().to_string();
    let inventory = corpus.join("inventory.csv").display().to_string();
    let report = env.path("report").display().to_string();
    let mut args: Vec<&str> = vec![
        "run",
        &inventory,
        "--db",
        &db,
        "--out",
        &report,
        "--delay-ms",
        "0",
        "--offline",
        "--quiet",
    ];
    args.extend(flags.iter().map(String::as_str));
    govaudit_ok(&args);
    drop(server);
    let mut files = Vec::new();
    for what in ["findings", "pages", "sites"] {
        let out = govaudit_ok(&[what, "--db", &db, "--format", "json"]);
        let file = env.path(&format!("{what}.ndjson"));
        std::fs::write(&file, &out.stdout).expect("write outputs");
        files.push(file.display().to_string());
    }
    let score_file = env.path("score.json");
    let scored = Command::new("python3")
        .arg(dev.join("score.py"))
        .arg(&corpus)
        .arg(&files[0])
        .args([
            "--pages",
            &files[1],
            "--sites",
            &files[2],
            "--no-external",
            "--json",
        ])
        .arg(&score_file)
        .output()
        .expect("python3 runs score.py");
    let summary = String::from_utf8_lossy(&scored.stdout);
    eprintln!("{summary}");
    assert!(scored.status.success(), "score.py failed: {summary}");
    let score: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&score_file).expect("score.json"))
            .expect("score JSON");
    let kind = |k: &str| &score["kinds"][k];
    let ratio = |k: &str, m: &str| kind(k)[m].as_f64().unwrap_or(0.0);

    // Issue 11: no broken-link false positive, governance exact.
    assert_eq!(kind("broken_link")["fp"], 0, "{}", kind("broken_link"));
    assert_eq!(
        ratio("governance", "precision"),
        1.0,
        "{}",
        kind("governance")
    );
    assert_eq!(ratio("governance", "recall"), 1.0, "{}", kind("governance"));
    // Issue 12: copies found whatever the template and the edits; nothing that must not be.
    assert_eq!(
        ratio("duplicate", "precision"),
        1.0,
        "{}",
        kind("duplicate")
    );
    assert_eq!(ratio("duplicate", "recall"), 1.0, "{}", kind("duplicate"));
    assert!(
        ratio("near_duplicate", "recall") >= 0.9,
        "{}",
        kind("near_duplicate")
    );
    assert!(
        ratio("near_duplicate", "precision") >= 0.95,
        "{}",
        kind("near_duplicate")
    );
    assert_eq!(
        score["report"]["must_not_flag_duplicate_violations"],
        serde_json::json!([]),
        "must-not-flag pairs reported"
    );
    assert_eq!(
        ratio("consolidation", "recall"),
        1.0,
        "{}",
        kind("consolidation")
    );
    assert_eq!(kind("consolidation")["fp"], 0, "{}", kind("consolidation"));
    // Issue 13: inconsistent answers across sites, the call centre's kb and the brochures: every
    // planted conflict, and no finding that joins unrelated or consistent facts.
    assert!(
        ratio("inconsistent_answer", "precision") >= 0.9,
        "{}",
        kind("inconsistent_answer")
    );
    assert!(
        ratio("inconsistent_answer", "recall") >= 0.8,
        "{}",
        kind("inconsistent_answer")
    );
    assert_eq!(
        score["report"]["inconsistent_mnf_hits"],
        serde_json::json!([]),
        "unrelated or consistent facts reported as one question"
    );
}
