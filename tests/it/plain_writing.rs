//! The plain-writing audits: `govaudit lint` on drafts (and on the 70 reference passages of
//! `../shared/eval/readability/`, skipped when absent) and readability on crawled pages.

use serde_json::Value;

use crate::util::{crawl_agency, demo_dir, fixture, govaudit, govaudit_ok, ndjson, Env};

fn lint_json(files: &[String]) -> Vec<Value> {
    let mut args = vec!["lint", "--format", "json"];
    args.extend(files.iter().map(String::as_str));
    ndjson(&govaudit_ok(&args))
}

#[test]
fn lint_matches_textstat_on_the_reference_passages() {
    let Some(dir) = crate::util::shared("eval/readability/textstat_reference.json")
        .and_then(|f| f.parent().map(std::path::Path::to_path_buf))
    else {
        return;
    };
    let reference: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("textstat_reference.json")).expect("reference"),
    )
    .expect("reference JSON");
    let texts = reference["texts"].as_object().expect("texts");
    let files: Vec<String> = texts
        .values()
        .map(|t| {
            dir.join(t["file"].as_str().expect("file"))
                .display()
                .to_string()
        })
        .collect();
    let out = lint_json(&files);
    assert_eq!(out.len(), 70);
    let pairs = [
        ("flesch_reading_ease", "flesch_reading_ease"),
        ("flesch_kincaid_grade", "flesch_kincaid_grade"),
        ("gunning_fog", "gunning_fog"),
        ("smog_index", "smog_index"),
        ("coleman_liau_index", "coleman_liau_index"),
        ("automated_readability_index", "automated_readability_index"),
        ("dale_chall", "dale_chall_readability_score"),
        ("word_count", "lexicon_count"),
        ("sentence_count", "sentence_count"),
        ("syllable_count", "syllable_count"),
    ];
    for (got, want) in out.iter().zip(texts.values()) {
        for (ours, theirs) in pairs {
            let (a, b) = (got[ours].as_f64(), want[theirs].as_f64());
            assert!(
                matches!((a, b), (Some(a), Some(b)) if (a - b).abs() <= 1e-9),
                "{}: {ours} {a:?} vs textstat {b:?}",
                got["file"]
            );
        }
    }
}

#[test]
fn lint_reads_markdown_and_html_drafts_block_by_block() {
    let dir = fixture("lint");
    let md = dir.join("notice-draft.md").display().to_string();
    let html = dir.join("regulation-draft.html").display().to_string();
    let out = lint_json(&[md.clone(), html]);
    let (notice, rule) = (&out[0], &out[1]);
    // Front matter and the code block are not prose; the headings, the three list items and each
    // paragraph end sentences, and the one-word heading "Questions" counts as one, as textstat
    // scores each block alone (47 words, 10 sentences).
    assert_eq!(notice["word_count"], 47);
    assert_eq!(notice["sentence_count"], 10);
    // Plain words, a short list and a URL that contains no rule words outside it: nothing to say.
    assert_eq!(notice["findings"], serde_json::json!([]));
    for field in [
        "flesch_reading_ease",
        "gunning_fog",
        "smog_index",
        "dale_chall",
        "syllable_count",
    ] {
        assert!(notice[field].is_number(), "{field}");
    }
    // The HTML draft is read without its header and footer: h1 and two paragraphs, 136 words and
    // 282 syllables by textstat; both sentences are legalese of over 60 words.
    assert_eq!(rule["word_count"], 136);
    assert_eq!(rule["syllable_count"], 282);
    let ids: Vec<&str> = rule["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    for want in [
        "hard-to-read",
        "average-sentence-length",
        "shall",
        "legal/notwithstanding",
        "legal/pursuant-to",
        "legal/heretofore",
        "legal/set-forth-herein",
        "simple-words/in-accordance-with",
        "long-sentence",
    ] {
        assert!(ids.contains(&want), "{want} missing from {ids:?}");
    }
    let shall = rule["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "shall")
        .expect("shall");
    assert_eq!(shall["kind"], "plain_language");
    assert_eq!(shall["count"], 5);
    assert!(shall["excerpt"]
        .as_str()
        .is_some_and(|e| e.starts_with("Notwithstanding any provision")));
    assert!(shall["suggestion"]
        .as_str()
        .is_some_and(|s| s.contains("must")));
    let f = rule["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "hard-to-read")
        .expect("hard-to-read");
    assert_eq!(f["kind"], "readability");
    assert_eq!(f["metric"], "flesch_kincaid_grade");
    assert_eq!(f["threshold"], 12.0);
    assert!(f.get("site").is_none() && f.get("url").is_none());

    // The same Markdown as plain text runs the list into one sentence: a higher grade.
    let env = Env::new();
    let as_txt = env.path("notice.txt");
    std::fs::copy(&md, &as_txt).expect("copy");
    let txt = &lint_json(&[as_txt.display().to_string()])[0];
    assert!(txt["sentence_count"].as_u64() < notice["sentence_count"].as_u64());

    // A format lint does not read, or a missing file: exit 2 with the file named.
    let docx = env.write("memo.docx", "PK");
    let bad = govaudit(&["lint", &docx.display().to_string()]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("memo.docx"));
    let missing = govaudit(&["lint", "no-such-draft.md"]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn crawled_pages_get_readability_and_sites_a_median_grade() {
    let env = Env::new();
    let _servers = crawl_agency(&env, &demo_dir());
    let db = env.db().display().to_string();
    govaudit_ok(&["audit", "--db", &db]);
    let findings = ndjson(&govaudit_ok(&[
        "findings",
        "--db",
        &db,
        "--kind",
        "readability",
        "--format",
        "json",
    ]));
    // EXPECTED.md 3.8: PL1 and PL2 are the hard pages; every other page reads at grade 10.4 or
    // lower, so none gets a warning (pages over the grade-8 target get an info finding).
    let mut warned: Vec<&str> = findings
        .iter()
        .filter(|f| f["severity"] == "warning" && f["rule"] == "hard-to-read")
        .filter_map(|f| f["url"].as_str())
        .collect();
    warned.sort();
    assert_eq!(
        warned,
        [
            "https://grants.fhaa.gov/requirements/",
            "https://legacy.fhaa.gov/regulations.html"
        ]
    );
    for f in &findings {
        if f["rule"] == "target-grade" {
            assert_eq!(f["severity"], "info");
            assert!(
                f["value"].as_f64().is_some_and(|v| v > 8.0 && v <= 12.0),
                "{f}"
            );
        }
    }
    // Plain language, EXPECTED.md 3.8: the legalese of PL1 and PL2 appears in no other file, so
    // legal-jargon and "shall" findings are on those two pages only.
    let plain = ndjson(&govaudit_ok(&[
        "findings",
        "--db",
        &db,
        "--kind",
        "plain_language",
        "--format",
        "json",
    ]));
    let mut legal_pages: Vec<&str> = plain
        .iter()
        .filter(|f| {
            f["rule"] == "shall" || f["rule"].as_str().is_some_and(|r| r.starts_with("legal/"))
        })
        .filter_map(|f| f["url"].as_str())
        .collect();
    legal_pages.sort();
    legal_pages.dedup();
    assert_eq!(
        legal_pages,
        [
            "https://grants.fhaa.gov/requirements/",
            "https://legacy.fhaa.gov/regulations.html"
        ]
    );
    let on = |url: &str, rule: &str| plain.iter().any(|f| f["url"] == url && f["rule"] == rule);
    for url in [
        "https://grants.fhaa.gov/requirements/",
        "https://legacy.fhaa.gov/regulations.html",
    ] {
        for rule in [
            "shall",
            "legal/heretofore",
            "simple-words/utilize",
            "simple-words/in-accordance-with",
            "long-sentence",
            "undefined-acronym",
            "passive-voice",
        ] {
            assert!(on(url, rule), "{url}: {rule}");
        }
    }
    let acronyms = plain
        .iter()
        .find(|f| {
            f["url"] == "https://legacy.fhaa.gov/regulations.html"
                && f["rule"] == "undefined-acronym"
        })
        .expect("acronyms");
    for a in ["HAP", "HQS", "TTP", "OIG"] {
        assert!(
            acronyms["terms"]
                .as_array()
                .is_some_and(|t| t.contains(&a.into())),
            "{a}: {acronyms}"
        );
    }
    // The agency's own name is not an undefined acronym anywhere.
    assert!(!plain
        .iter()
        .any(|f| f["terms"].to_string().contains("\"FHAA\"")));

    let pages = ndjson(&govaudit_ok(&["pages", "--db", &db, "--format", "json"]));
    let page = |u: &str| pages.iter().find(|p| p["url"] == u).expect("page").clone();
    let pl1 = page("https://grants.fhaa.gov/requirements/");
    assert!(
        pl1["flesch_kincaid_grade"]
            .as_f64()
            .is_some_and(|g| g > 18.0),
        "{pl1}"
    );
    assert!(pl1["word_count"].as_i64().is_some_and(|w| w > 400));
    let brochure_like = page("https://help.fhaa.gov/");
    assert!(brochure_like["flesch_reading_ease"].is_number());
    let sites = ndjson(&govaudit_ok(&["sites", "--db", &db, "--format", "json"]));
    for s in sites.iter().filter(|s| s["channel"] == "web") {
        let m = s["median_grade"].as_f64().expect("median grade");
        assert!((2.0..12.0).contains(&m), "{s}");
        assert!(s["over_target_grade_share"].as_f64().is_some());
        assert!(s["plain_language_findings"].as_i64().is_some());
        assert!(s["hardest_pages"].as_array().is_some_and(|h| !h.is_empty()));
    }
}
