//! Findings a CIO can trust (issue 11), on the `trust` fixture: a site built the way real static
//! federal sites are, with what generators and servers leave behind (see
//! `tests/fixtures/trust/EXPECTED.md`), and a site closed to crawlers. Every class of false
//! finding seen on the real-gov corpus has its case here, with the exact outcome asserted.

use std::collections::{BTreeMap, BTreeSet};

use crate::util::{crawl_agency, fixture, govaudit_ok, ndjson, Env};

struct Audited {
    findings: Vec<serde_json::Value>,
    pages: BTreeMap<String, Option<String>>,
    sites: BTreeMap<String, serde_json::Value>,
    env: Env,
}

fn audited() -> Audited {
    let env = Env::new();
    let _servers = crawl_agency(&env, &fixture("trust"));
    let db = env.db().display().to_string();
    govaudit_ok(&["audit", "--db", &db]);
    let findings = ndjson(&govaudit_ok(&["findings", "--db", &db, "--format", "json"]));
    let pages = ndjson(&govaudit_ok(&["pages", "--db", &db, "--format", "json"]))
        .into_iter()
        .map(|p| {
            (
                p["url"].as_str().unwrap_or("").to_string(),
                p["skipped"].as_str().map(str::to_string),
            )
        })
        .collect();
    let sites = ndjson(&govaudit_ok(&["sites", "--db", &db, "--format", "json"]))
        .into_iter()
        .map(|s| (s["site"].as_str().unwrap_or("").to_string(), s))
        .collect();
    Audited {
        findings,
        pages,
        sites,
        env,
    }
}

const WWW: &str = "https://www.ocre.gov";

fn of_kind<'a>(a: &'a Audited, kind: &str) -> Vec<&'a serde_json::Value> {
    a.findings.iter().filter(|f| f["kind"] == kind).collect()
}

fn pairs(found: &[&serde_json::Value]) -> BTreeSet<(String, String)> {
    found
        .iter()
        .map(|f| {
            (
                f["url"].as_str().unwrap_or("").to_string(),
                f["target"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn set(items: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    items
        .iter()
        .map(|(a, b)| (format!("{WWW}{a}"), format!("{WWW}{b}")))
        .collect()
}

#[test]
fn r11_trust_fixture_exact_findings() {
    let a = audited();

    // Pages are pages: what is not one is listed with why, and judged by no page rule.
    let skipped = |path: &str| a.pages.get(&format!("{WWW}{path}")).cloned().flatten();
    for (path, why) in [
        ("/feeds/images/", "JSON data served as a web page"),
        ("/google5d2f0c1b.html", "plain text without HTML"),
        ("/files/", "directory listing"),
        ("/tags/empty/", "empty page"),
        ("/old-programs/", "redirect stub"),
        ("/301/", "\"not found\" page"),
        ("/404.html", "\"not found\" page"),
        (
            "/reports/summary/?id=NC",
            "the same page as https://www.ocre.gov/reports/summary/",
        ),
        (
            "/reports/summary/?id=SC",
            "the same page as https://www.ocre.gov/reports/summary/",
        ),
        (
            "/reports/summary/?id=GA",
            "the same page as https://www.ocre.gov/reports/summary/",
        ),
    ] {
        let got = skipped(path).unwrap_or_default();
        assert!(
            got.contains(why),
            "{path}: skipped {got:?}, expected {why:?}"
        );
    }
    for path in [
        "/",
        "/security/",
        "/reports/summary/",
        "/tools/map/",
        "/programs/",
    ] {
        assert_eq!(skipped(path), None, "{path} is a page");
    }
    let audited_pages = a.sites[WWW]["audited_pages"].as_i64();
    assert_eq!(audited_pages, Some(20));

    // Links: the one real broken link, nothing from the 404 page's template (its skip link
    // would "break" against the missing address), nothing from the listing or the variants.
    assert_eq!(
        pairs(&of_kind(&a, "broken_link")),
        set(&[("/programs/", "/missing-page/")])
    );
    // Soft 404s: links whose redirects land on the retired-content page, and the 404 page the
    // sitemap lists.
    assert_eq!(
        pairs(&of_kind(&a, "soft_404")),
        set(&[
            ("/programs/", "/retired-grants/"),
            ("/programs/dune-restoration/", "/retired-maps/"),
            ("/sitemap.xml", "/404.html"),
        ])
    );
    // The footer link through two redirects: one finding for the template, with the count.
    let chains = of_kind(&a, "redirect_chain");
    assert_eq!(chains.len(), 1, "{chains:#?}");
    assert_eq!(chains[0]["url"], format!("{WWW}/"));
    assert_eq!(chains[0]["target"], format!("{WWW}/subscribe"));
    assert_eq!(chains[0]["template"], true);
    assert_eq!(chains[0]["pages"], 19);
    assert!(chains[0]["message"]
        .as_str()
        .unwrap_or("")
        .starts_with("On 19 of 20 pages (the site's template)"));
    // Fragments: a real missing id is broken; ids a script creates are unverified (info, once
    // per address, not once per query-string copy); text fragments and script routes are fine.
    assert_eq!(
        pairs(&of_kind(&a, "broken_fragment")),
        set(&[("/programs/", "/programs/flood-insurance/#how-to-enroll")])
    );
    let unverified = of_kind(&a, "unverified_fragment");
    assert_eq!(
        pairs(&unverified),
        set(&[
            ("/reports/", "/reports/summary/?id=GA#findings"),
            ("/reports/", "/reports/summary/?id=NC#findings"),
            ("/reports/", "/reports/summary/?id=SC#findings"),
        ])
    );
    assert!(unverified.iter().all(|f| f["severity"] == "info"));

    // Governance as a reader sees it: the search button linking to search.usa.gov and the
    // "Email us" link under "Contact us" count; the bare page outside the template is a stray
    // (info findings on it), so the site passes every check but HSTS (not seen through --map).
    let governance: BTreeSet<(String, String, String)> = of_kind(&a, "governance")
        .iter()
        .map(|f| {
            (
                f["url"].as_str().unwrap_or("").to_string(),
                f["rule"].as_str().unwrap_or("").to_string(),
                f["severity"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let mut expected: BTreeSet<(String, String, String)> = [
        "dap",
        "official-banner",
        "viewport",
        "lang",
        "title",
        "meta-description",
    ]
    .iter()
    .map(|r| {
        (
            format!("{WWW}/security/"),
            r.to_string(),
            "info".to_string(),
        )
    })
    .collect();
    expected.insert((
        "https://closed.ocre.gov/robots.txt".into(),
        "robots-txt".into(),
        "warning".into(),
    ));
    assert_eq!(governance, expected);
    let www = &a.sites[WWW];
    assert_eq!(
        (
            www["governance_passed"].as_i64(),
            www["governance_failed"].as_i64(),
            www["governance_skipped"].as_i64()
        ),
        (Some(21), Some(0), Some(1))
    );
    assert_eq!(www["recommendation"], "keep");

    // A site closed to crawlers is live and unknown, not inactive and passing.
    let closed = &a.sites["https://closed.ocre.gov"];
    assert_eq!(
        closed["figures"]["domain_status"],
        "active, closed to crawlers"
    );
    assert_eq!(closed["governance_passed"], 0);
    assert_eq!(closed["governance_failed"], 1);
    assert_eq!(closed["governance_skipped"], 21);
    assert_eq!(closed["recommendation"], "fix");

    // Plain language: the archive banner four posts share is one text to fix, reported once
    // per rule with its pages; the page of labels a script fills is not judged as prose.
    let plain = of_kind(&a, "plain_language");
    let banner: Vec<&&serde_json::Value> =
        plain.iter().filter(|f| f.get("pages").is_some()).collect();
    let rules: BTreeSet<&str> = banner.iter().filter_map(|f| f["rule"].as_str()).collect();
    assert_eq!(
        banner.len(),
        rules.len(),
        "one finding per rule: {banner:#?}"
    );
    assert!(rules.contains("simple-words/utilize"), "{rules:?}");
    assert!(banner.iter().all(|f| f["pages"] == 4
        && f["urls"].as_array().map(Vec::len) == Some(4)
        && f["url"] == format!("{WWW}/2021/09/20/hurricane-prep/")));
    assert!(
        plain
            .iter()
            .filter(|f| f["rule"] == "simple-words/utilize")
            .count()
            == 1,
        "the banner's \"utilize\" is one finding, not four"
    );
    assert!(
        plain.iter().all(|f| !f["url"]
            .as_str()
            .unwrap_or("")
            .contains("/reports/summary/")),
        "labels are not prose"
    );
    assert!(of_kind(&a, "readability").iter().all(|f| !f["url"]
        .as_str()
        .unwrap_or("")
        .contains("/reports/summary/")));

    // Staleness that means something: the build day the sitemap stamps on every page is set
    // aside; the date a page states is the newest real one, and the report says so.
    assert_eq!(www["figures"]["newest_update"], "2025-03-03");
    assert_eq!(
        www["figures"]["newest_update_source"],
        "\"last updated\" dates stated on pages"
    );

    // The report groups findings by fix and says what each count counts.
    let out = a.env.path("report");
    let db = a.env.db().display().to_string();
    govaudit_ok(&[
        "report",
        "--db",
        &db,
        "--out",
        &out.display().to_string(),
        "--format",
        "html,md,csv",
    ]);
    let html = std::fs::read_to_string(out.join("index.html")).expect("index.html");
    assert!(html.contains("Findings, one row per fix"));
    assert!(
        html.contains("On 19 of 20 pages (the site&#39;s template)")
            || html.contains("On 19 of 20 pages (the site's template)")
    );
    assert!(html.contains("1 broken address, linked 1 time from 1 page"));
    let md = std::fs::read_to_string(out.join("report.md")).expect("report.md");
    assert!(md.contains("closed.ocre.gov"), "{md}");
    let mut survey = csv::Reader::from_path(out.join("survey.csv")).expect("survey");
    let headers = survey.headers().expect("headers").clone();
    let col = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let rows: Vec<csv::StringRecord> = survey.records().map(|r| r.expect("row")).collect();
    assert_eq!(&rows[1][col("domain_status")], "active, closed to crawlers");
    assert_eq!(&rows[1][col("governance_passed")], "0");
    assert!(rows[1][col("governance_failing")].contains("robots.txt"));
    assert_eq!(&rows[0][col("pages")], "20");
}
