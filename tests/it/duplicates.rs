//! The duplicate audit on real loopback crawls: the demo agency (EXPECTED.md 3.5, 3.6 and the
//! negatives N2, N12, N13) and the `duplicates` fixture (three sites, three templates).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::util::{crawl_agency, demo_dir, fixture, govaudit, govaudit_ok, ndjson, Env, Reply};

/// `findings --kind duplicate --kind near_duplicate` as (kind, urls) → finding.
fn duplicate_findings(db: &str) -> BTreeMap<(String, Vec<String>), Value> {
    let out = govaudit_ok(&[
        "findings",
        "--db",
        db,
        "--kind",
        "duplicate",
        "--kind",
        "near_duplicate",
        "--format",
        "json",
    ]);
    ndjson(&out)
        .into_iter()
        .map(|f| {
            let urls: Vec<String> = f["urls"]
                .as_array()
                .expect("urls array")
                .iter()
                .map(|u| u.as_str().expect("url").to_string())
                .collect();
            ((f["kind"].as_str().expect("kind").to_string(), urls), f)
        })
        .collect()
}

fn key(kind: &str, urls: &[&str]) -> (String, Vec<String>) {
    (
        kind.to_string(),
        urls.iter().map(|u| u.to_string()).collect(),
    )
}

fn sites_json(db: &str) -> BTreeMap<String, Value> {
    ndjson(&govaudit_ok(&["sites", "--db", db, "--format", "json"]))
        .into_iter()
        .map(|s| (s["site"].as_str().unwrap_or("").to_string(), s))
        .collect()
}

#[test]
fn demo_agency_duplicates_are_exactly_d1_and_nd1() {
    let env = Env::new();
    let _servers = crawl_agency(&env, &demo_dir());
    let db = env.db().display().to_string();
    govaudit_ok(&["audit", "--db", &db]);
    let found = duplicate_findings(&db);
    let d1 = key(
        "duplicate",
        &[
            "https://help.fhaa.gov/articles/how-to-apply-for-rental-assistance/",
            "https://www.fhaa.gov/how-to-apply/",
        ],
    );
    let nd1 = key(
        "near_duplicate",
        &[
            "https://legacy.fhaa.gov/eligibility.html",
            "https://www.fhaa.gov/eligibility/",
        ],
    );
    assert_eq!(
        found.keys().cloned().collect::<Vec<_>>(),
        vec![d1.clone(), nd1.clone()]
    );
    let d = &found[&d1];
    assert_eq!(d["similarity"], 1.0);
    assert_eq!(d["url"], d1.1[0].as_str());
    assert_eq!(d["site"], "https://help.fhaa.gov");
    assert_eq!(d["severity"], "warning");
    let nd = &found[&nd1];
    let sim = nd["similarity"].as_f64().expect("similarity");
    assert!((0.62..1.0).contains(&sim), "{sim}");
    assert!(nd["group"].as_str().expect("group").starts_with("near-"));
    // The legacy copy's figures (year, income limits, hotline) were never updated.
    assert_eq!(nd["copy_kind"], "outdated");
    assert!(nd["differences"].to_string().contains("figures"), "{nd}");
    eprintln!("ND1 similarity {sim}, containment {}", nd["containment"]);

    // Per site: pages whose content is also on another site.
    let sites = sites_json(&db);
    let dup = |s: &str| sites[s]["duplicate_pages"].as_i64();
    assert_eq!(dup("https://www.fhaa.gov"), Some(2));
    assert_eq!(dup("https://help.fhaa.gov"), Some(1));
    assert_eq!(dup("https://legacy.fhaa.gov"), Some(1));
    assert_eq!(dup("https://grants.fhaa.gov"), Some(0));

    // The exact pair shares its content hash; a page with other content does not.
    let pages = ndjson(&govaudit_ok(&["pages", "--db", &db, "--format", "json"]));
    let hash = |u: &str| {
        pages
            .iter()
            .find(|p| p["url"] == u)
            .map(|p| p["content_hash"].clone())
            .expect("page")
    };
    assert_eq!(hash(&d1.1[0]), hash(&d1.1[1]));
    assert_ne!(hash(&nd1.1[0]), hash(&nd1.1[1]));

    // Re-auditing gives the same groups and ids; a stricter threshold from --rules drops ND1.
    govaudit_ok(&["audit", "--db", &db]);
    assert_eq!(duplicate_findings(&db), found);
    let rules = env.path("strict-rules");
    std::fs::create_dir_all(&rules).expect("rules dir");
    let builtin = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/duplicates.toml"),
    )
    .expect("rules/duplicates.toml");
    std::fs::write(
        rules.join("duplicates.toml"),
        builtin.replace("threshold = 0.62", "threshold = 0.95"),
    )
    .expect("write rules");
    let rules_arg = rules.display().to_string();
    govaudit_ok(&["audit", "--db", &db, "--rules", &rules_arg]);
    assert_eq!(
        duplicate_findings(&db).keys().cloned().collect::<Vec<_>>(),
        vec![d1]
    );

    // A typo in a rule file stops the audit with exit 2, naming the file and the field.
    std::fs::write(rules.join("duplicates.toml"), "treshold = 0.9\n").expect("write rules");
    let bad = govaudit(&["audit", "--db", &db, "--rules", &rules_arg]);
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("duplicates.toml") && err.contains("treshold"),
        "{err}"
    );
}

#[test]
fn duplicates_fixture_finds_copies_under_three_templates_and_nothing_else() {
    let env = Env::new();
    let dir = fixture("duplicates");
    let _servers = crawl_agency(&env, &dir);
    let db = env.db().display().to_string();
    govaudit_ok(&["audit", "--db", &db]);
    let found = duplicate_findings(&db);
    // Positives: one text on three sites (markup, spacing and templates differ); an outdated copy
    // whose figures, phone number and one paragraph changed.
    let exact = key(
        "duplicate",
        &[
            "https://archive.osbl.gov/apply.htm",
            "https://loans.osbl.gov/how-to-apply/",
            "https://www.osbl.gov/apply/",
        ],
    );
    let near = key(
        "near_duplicate",
        &[
            "https://archive.osbl.gov/loan-limits.htm",
            "https://www.osbl.gov/loan-limits/",
        ],
    );
    // Negatives, by being absent: /apply/print/ names /apply/ as canonical; the two news notices
    // share a template and an intro sentence; the contact pages are identical but short; the
    // eligibility pages cover one topic in different words; loans.osbl.gov's pages share a
    // large promo block that only repetition across the site marks as template.
    assert_eq!(
        found.keys().cloned().collect::<Vec<_>>(),
        vec![exact.clone(), near.clone()]
    );
    assert_eq!(found[&exact]["sites"].as_array().map(Vec::len), Some(3));
    assert!(found[&exact]["message"]
        .as_str()
        .expect("message")
        .contains("3 addresses"));
    let sites = sites_json(&db);
    let dup = |s: &str| sites[s]["duplicate_pages"].as_i64();
    assert_eq!(dup("https://www.osbl.gov"), Some(2));
    assert_eq!(dup("https://loans.osbl.gov"), Some(1));
    assert_eq!(dup("https://archive.osbl.gov"), Some(2));

    // The table shows each group once, with its members.
    let table = govaudit_ok(&[
        "findings",
        "--db",
        &db,
        "--kind",
        "duplicate",
        "--format",
        "table",
    ]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(
        text.lines().nth(1).is_some_and(|l| l.starts_with("3 ")),
        "{text}"
    );
}

const NOT_FOUND: &str = "<!doctype html><html lang=\"en\"><title>Page not found</title><main>\
<h1>Page not found</h1><p>We can't find the page you're looking for. It might have been removed, \
had its name changed, or is otherwise unavailable. If you typed the URL directly, check your \
spelling and capitalization. Our URLs look like this: agency.gov/page-name. Visit our homepage \
for helpful tools and resources, or contact us and we'll point you in the right direction. You \
can also search our site for the information you need today.</p></main></html>";

fn moved_site(intro: &str) -> crate::util::Script {
    crate::util::script(vec![
        ("/robots.txt", Reply::Status(404)),
        (
            "/",
            Reply::Html(format!(
                "<title>Home</title><main><p>{intro}</p><a href=\"/gone\">Old program</a></main>"
            )),
        ),
        ("/gone", Reply::Redirect(301, "/404.html".into())),
        ("/404.html", Reply::Html(NOT_FOUND.into())),
        ("*", Reply::Redirect(302, "/404.html".into())),
    ])
}

#[test]
fn not_found_pages_reached_by_redirect_are_not_duplicates() {
    let env = Env::new();
    let a = env.serve_script(moved_site("Apply for a small business loan."));
    let b = env.serve_script(moved_site("Find a home for your family."));
    let inv = env.write(
        "agency.csv",
        "url,name,agency\nhttps://www.a.gov/,A,Agency\nhttps://www.b.gov/,B,Agency\n",
    );
    let (ma, mb) = (
        format!("https://www.a.gov={}", a.origin()),
        format!("https://www.b.gov={}", b.origin()),
    );
    crate::util::crawl_ok(&inv, &env.db(), &[&ma, &mb], &[]);
    let db = env.db().display().to_string();
    govaudit_ok(&["audit", "--db", &db]);
    // Both sites answer missing pages by redirecting to the same "not found" text.
    assert!(duplicate_findings(&db).is_empty());
    let soft: Vec<String> = ndjson(&govaudit_ok(&[
        "findings", "--db", &db, "--kind", "soft_404", "--format", "json",
    ]))
    .iter()
    .filter_map(|f| f["target"].as_str().map(str::to_string))
    .collect();
    assert_eq!(soft, ["https://www.a.gov/gone", "https://www.b.gov/gone"]);
}
