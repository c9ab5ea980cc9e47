//! The inconsistent-answers audit on the demo agency: its four websites, the call centre's
//! knowledge base and the brochure (EXPECTED.md 3.7 and the negatives N3–N7).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::util::{crawl_agency, demo_dir, govaudit_ok, ndjson, Env};

/// fact_type → (majority, value → urls) of every inconsistent_answer finding.
type Disputes = BTreeMap<String, (Value, BTreeMap<String, Vec<String>>)>;

fn disputes(db: &str) -> Disputes {
    let out = govaudit_ok(&[
        "findings",
        "--db",
        db,
        "--kind",
        "inconsistent_answer",
        "--format",
        "json",
    ]);
    let all = ndjson(&out);
    let mut types: Vec<&str> = all.iter().filter_map(|f| f["fact_type"].as_str()).collect();
    types.sort();
    let n = types.len();
    types.dedup();
    assert_eq!(types.len(), n, "two findings of one fact type: {all:#?}");
    all.iter()
        .map(|f| {
            let values = f["values"]
                .as_array()
                .expect("values")
                .iter()
                .map(|v| {
                    let urls = v["urls"]
                        .as_array()
                        .expect("urls")
                        .iter()
                        .filter_map(|u| u.as_str().map(String::from))
                        .collect();
                    (v["value"].as_str().unwrap_or("").to_string(), urls)
                })
                .collect();
            (
                f["fact_type"].as_str().unwrap_or("").to_string(),
                (f["majority"].clone(), values),
            )
        })
        .collect()
}

#[test]
fn demo_agency_answers_disagree_exactly_where_planted() {
    let env = Env::new();
    let _servers = crawl_agency(&env, &demo_dir());
    let db = env.db().display().to_string();
    govaudit_ok(&["audit", "--db", &db]);
    let found = disputes(&db);
    // One finding per planted question: IA1 phone, IA2 fee, IA3 processing time, IA4 e-mail.
    assert_eq!(
        found.keys().map(String::as_str).collect::<Vec<_>>(),
        ["duration", "email", "money", "phone"],
        "{found:#?}"
    );

    let (majority, phone) = &found["phone"];
    assert_eq!(majority, "1-800-555-0142");
    assert_eq!(
        phone["(800) 555-0199"],
        ["https://help.fhaa.gov/faq/contacting-us/"]
    );
    assert_eq!(
        phone["1-800-555-0123"],
        [
            "https://legacy.fhaa.gov/",
            "https://legacy.fhaa.gov/eligibility.html",
            "https://legacy.fhaa.gov/faq.html"
        ]
    );
    // The call centre and the brochure give the right number.
    let right = &phone["1-800-555-0142"];
    assert!(
        right
            .iter()
            .any(|u| u == "kb:channels/callcenter-kb.csv#row=1"),
        "{right:?}"
    );
    assert!(
        right
            .iter()
            .any(|u| u == "publication:channels/renters-brochure.md"),
        "{right:?}"
    );

    let (majority, fee) = &found["money"];
    assert_eq!(majority, "$35");
    assert_eq!(fee["$45"], ["https://help.fhaa.gov/faq/applying/"]);
    assert!(fee["$35"]
        .iter()
        .any(|u| u == "kb:channels/callcenter-kb.csv#row=3"));
    assert_eq!(
        fee.len(),
        2,
        "N4: the grants fee ($150) is another program's: {fee:?}"
    );

    // N3: "thirty days" in the brochure is the same value as "30 days".
    let (majority, time) = &found["duration"];
    assert_eq!(majority, "30 days");
    assert_eq!(time["45 days"], ["kb:channels/callcenter-kb.csv#row=4"]);
    assert!(time["30 days"]
        .iter()
        .any(|u| u == "publication:channels/renters-brochure.md"));
    assert_eq!(
        time.len(),
        2,
        "N4/N7: grant review and other day counts are other facts: {time:?}"
    );

    // N6: purpose-specific addresses are not variants of the general one.
    let (majority, email) = &found["email"];
    assert_eq!(majority, "info@fhaa.gov");
    assert_eq!(
        email["help@fhaa.gov"],
        ["kb:channels/callcenter-kb.csv#row=9"]
    );
    assert_eq!(email.len(), 2, "{email:?}");

    // Per site: how many disputes involve it.
    let sites = ndjson(&govaudit_ok(&["sites", "--db", &db, "--format", "json"]));
    let count = |s: &str| {
        sites
            .iter()
            .find(|x| x["site"] == s)
            .and_then(|x| x["inconsistent_answers"].as_i64())
    };
    assert_eq!(count("https://legacy.fhaa.gov"), Some(2));
    assert_eq!(count("kb:channels/callcenter-kb.csv"), Some(4));
    assert_eq!(count("publication:channels/renters-brochure.md"), Some(4));

    // Stable: the same groups on a second audit.
    let groups = |db: &str| -> Vec<Value> {
        ndjson(&govaudit_ok(&[
            "findings",
            "--db",
            db,
            "--kind",
            "inconsistent_answer",
            "--format",
            "json",
        ]))
        .into_iter()
        .map(|f| f["group"].clone())
        .collect()
    };
    let first = groups(&db);
    govaudit_ok(&["audit", "--db", &db]);
    assert_eq!(groups(&db), first);
}

#[test]
fn answers_fixture_finds_each_planted_conflict_across_web_kb_and_pdf() {
    let env = Env::new();
    let _servers = crawl_agency(&env, &crate::util::fixture("answers"));
    let db = env.db().display().to_string();
    govaudit_ok(&["audit", "--db", &db]);
    let found = disputes(&db);
    // Planted: deadline, age, share of rent paid (help.osh.gov's FAQ against the website, the
    // call centre and the brochure), and the brochure's misprinted phone number (page 2).
    assert_eq!(
        found.keys().map(String::as_str).collect::<Vec<_>>(),
        ["age", "date", "percent", "phone"],
        "{found:#?}"
    );
    let (majority, date) = &found["date"];
    assert_eq!(majority, "March 31, 2026");
    assert_eq!(date["April 15, 2026"], ["https://help.osh.gov/faq/"]);
    assert!(
        date["March 31, 2026"].contains(&"publication:channels/brochure.pdf#page=1".to_string())
    );
    let (_, age) = &found["age"];
    assert_eq!(age["60 or older"], ["https://help.osh.gov/faq/"]);
    let (_, percent) = &found["percent"];
    assert_eq!(percent["80%"], ["https://help.osh.gov/faq/"]);
    let (majority, phone) = &found["phone"];
    assert_eq!(majority, "1-800-555-0170");
    assert_eq!(
        phone["1-800-555-0177"],
        ["publication:channels/brochure.pdf#page=2"]
    );
    assert!(phone["1-800-555-0170"].contains(&"kb:channels/kb.csv#row=4".to_string()));
    // Negatives, by being absent: the home repair grant's $25 fee and 90-day decisions (another
    // program), the 60-day appeal window (another question), "10 business days" and "ten
    // business days", the main office number written two ways, the $50 late fee.
    for (_, values) in found.values() {
        for v in values.keys() {
            assert!(
                !["$25", "90 days", "60 days", "10 business days", "$50"].contains(&v.as_str()),
                "{v}"
            );
        }
    }
}
