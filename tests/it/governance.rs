//! Governance checks on real servers: the demo agency (required links present, missing, and
//! present under another wording; page elements; robots.txt, sitemap) and scripted sites for the
//! transport checks (plain http, HSTS sent or too short, a soft 404).

use std::collections::{BTreeMap, BTreeSet};

use crate::util::{
    crawl_agency, crawl_ok, demo_dir, govaudit_ok, ndjson, script, sites_by_origin, Env, Reply,
};

/// Governance findings of the database: site host -> rule -> pages the findings are on.
fn governance(env: &Env) -> BTreeMap<String, BTreeMap<String, BTreeSet<String>>> {
    let db = env.db();
    let out = govaudit_ok(&[
        "findings",
        "--db",
        db.to_str().expect("utf8"),
        "--kind",
        "governance",
        "--format",
        "json",
    ]);
    let mut m: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for f in ndjson(&out) {
        assert_eq!(f["kind"], "governance");
        let rule = f["rule"].as_str().expect("rule").to_string();
        let expected = f["expected"].as_str().expect("expected");
        assert!(expected.len() > 10, "expected says what was expected: {f}");
        let site = f["site"]
            .as_str()
            .expect("site")
            .replace("https://", "")
            .replace("http://", "");
        m.entry(site)
            .or_default()
            .entry(rule)
            .or_default()
            .insert(f["url"].as_str().expect("url").to_string());
    }
    m
}

fn rules_of<'a>(
    m: &'a BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
    site: &str,
) -> BTreeSet<&'a str> {
    m.get(site)
        .map(|r| r.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

#[test]
fn demo_agency_governance_as_planted() {
    let env = Env::new();
    let _servers = crawl_agency(&env, &demo_dir());
    govaudit_ok(&["audit", "--db", env.db().to_str().expect("utf8")]);
    let found = governance(&env);

    // N9: the main site has every required link and element.
    assert!(rules_of(&found, "www.fhaa.gov").is_empty(), "{found:?}");
    // G1: grants lacks exactly the No FEAR Act and vulnerability disclosure links; its other
    // footer links point at www.fhaa.gov and count.
    assert_eq!(
        rules_of(&found, "grants.fhaa.gov"),
        BTreeSet::from(["link-no-fear", "link-vulnerability-disclosure"])
    );
    // G2 and N8: help words every required link differently ("Freedom of Information Act",
    // "Plain language at FHAA", "Report a security vulnerability"…) and gets no link finding;
    // it lacks the DAP script. It has no search box either (an addition the spec allows).
    let help = rules_of(&found, "help.fhaa.gov");
    assert!(help.contains("dap"), "{help:?}");
    assert!(help.iter().all(|r| !r.starts_with("link-")), "{help:?}");
    assert!(
        !help.contains("official-banner"),
        "the text banner counts: {help:?}"
    );
    // G3, G5: legacy lacks the banner, DAP, viewport, eight required links, robots.txt and
    // sitemap; About and Contact are present (Contact redirects to www and still counts).
    let legacy = rules_of(&found, "legacy.fhaa.gov");
    for rule in [
        "official-banner",
        "dap",
        "viewport",
        "link-accessibility",
        "link-foia",
        "link-no-fear",
        "link-privacy",
        "link-usagov",
        "link-inspector-general",
        "link-plain-writing",
        "link-vulnerability-disclosure",
        "robots-txt",
        "sitemap",
        "lang",
    ] {
        assert!(
            legacy.contains(rule),
            "legacy lacks a {rule} finding: {legacy:?}"
        );
    }
    assert!(!legacy.contains("link-about") && !legacy.contains("link-contact"));
    // G4: `lang` is missing on exactly two legacy pages, reported page by page.
    assert_eq!(
        found["legacy.fhaa.gov"]["lang"],
        BTreeSet::from([
            "https://legacy.fhaa.gov/".to_string(),
            "https://legacy.fhaa.gov/regulations.html".to_string()
        ])
    );
    // Pass/fail counts per site.
    let sites = sites_by_origin(&env.db());
    let www = &sites["https://www.fhaa.gov"];
    assert_eq!(www["governance_failed"], 0);
    // HSTS cannot be seen through --map over http: skipped, not failed.
    assert_eq!(www["governance_skipped"], 1);
    assert_eq!(sites["https://grants.fhaa.gov"]["governance_failed"], 2);
}

const PAGE: &str = r#"<!doctype html><html lang="en"><head><title>Home</title>
<meta name="viewport" content="width=device-width"></head><body><p>Hello.</p></body></html>"#;

#[test]
fn transport_checks_on_scripted_servers() {
    let env = Env::new();
    // A site mapped from https: sends HSTS, but for five minutes only; made-up addresses get 200.
    let short = env.serve_script(script(vec![
        (
            "/",
            Reply::HtmlWithHeader(
                "strict-transport-security",
                "max-age=300".into(),
                PAGE.into(),
            ),
        ),
        (
            "/robots.txt",
            Reply::Bytes("text/plain", b"User-agent: *\nAllow: /\n".to_vec()),
        ),
        ("*", Reply::Generated(|_| PAGE.to_string())),
    ]));
    // A site mapped from https with a one-year HSTS header and a real 404.
    let good = env.serve_script(script(vec![(
        "/",
        Reply::HtmlWithHeader(
            "strict-transport-security",
            "max-age=31536000; includeSubDomains".into(),
            PAGE.into(),
        ),
    )]));
    // A site whose inventory address is plain http (no --map).
    let plain = env.serve_script(script(vec![("/", Reply::Html(PAGE.into()))]));
    let inventory = env.write(
        "sites.csv",
        format!(
            "url,name\nhttps://www.short.gov/,Short\nhttps://www.good.gov/,Good\n{}/,Plain\n",
            plain.origin()
        ),
    );
    let maps = [
        format!("https://www.short.gov={}", short.origin()),
        format!("https://www.good.gov={}", good.origin()),
    ];
    let maps: Vec<&str> = maps.iter().map(String::as_str).collect();
    crawl_ok(&inventory, &env.db(), &maps, &[]);
    govaudit_ok(&["audit", "--db", env.db().to_str().expect("utf8")]);
    let found = governance(&env);
    let short_rules = rules_of(&found, "www.short.gov");
    assert!(short_rules.contains("hsts"), "{short_rules:?}");
    assert!(short_rules.contains("not-found"), "{short_rules:?}");
    assert!(!short_rules.contains("robots-txt") && !short_rules.contains("https"));
    let good_rules = rules_of(&found, "www.good.gov");
    assert!(!good_rules.contains("hsts") && !good_rules.contains("not-found"));
    assert!(
        good_rules.contains("robots-txt"),
        "no robots.txt there: {good_rules:?}"
    );
    let plain_host = plain.origin().replace("http://", "");
    let plain_rules = rules_of(&found, &plain_host);
    assert!(
        plain_rules.contains("https") && plain_rules.contains("hsts"),
        "{found:?}"
    );
}
