//! The audits: stored pages in, findings out, recomputed from the database without the network
//! and the same on every run. Only this module reads the store and hands findings to the writer.
//!
//! Audits so far: [`links`] (broken links, redirect chains, soft 404s, missing fragments),
//! [`duplicates`] (exact and near-duplicate main content across all sites), [`readability`] and
//! [`plain_language`] (the plain-writing audits, also run by `govaudit lint` on drafts),
//! [`answers`] (inconsistent answers across sites and channels), [`governance`] (required links
//! and elements) and, last, [`consolidation`] (overlap between sites and a recommendation per
//! site, from all the others).
//!
//! Pages are read one site at a time: parsed, template removed (markup, then blocks that repeat
//! across the site's pages), measured, and dropped. What stays for the whole inventory is small:
//! each compared page's shingle hashes (about 8 bytes a word).

pub mod answers;
pub mod consolidation;
pub mod duplicates;
pub mod governance;
pub mod links;
pub mod plain_language;
pub mod readability;
pub mod similarity;

use std::collections::HashSet;

use serde::Serialize;

use crate::extract::page::{self, Page};
use crate::model::Finding;
use crate::rules::RuleSet;
use crate::store::{self, ContentPage, PageText, Store, WriteOp};

/// Why an audit could not run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Nothing was crawled into this database yet.
    #[error("the database has no crawl yet; run `govaudit crawl INVENTORY` first")]
    NoCrawl,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] store::Error),
}

/// What an audit run produced.
#[derive(Debug, Clone, Serialize)]
pub struct AuditSummary {
    /// The crawl run audited.
    pub run_id: i64,
    /// Findings per kind, sorted by kind.
    pub counts: Vec<(String, usize)>,
    /// All findings.
    pub total: usize,
}

/// Recomputes every finding of the newest run with `rules` and stores them (replacing the
/// previous ones), with what was measured on each page's main content.
pub fn run(store: &Store, rules: &RuleSet) -> Result<AuditSummary, Error> {
    let run_id = store.latest_run_id()?.ok_or(Error::NoCrawl)?;
    let started = std::time::Instant::now();
    let all_links = store.audit_links(run_id)?;
    let targets = store.audit_targets(run_id)?;
    let mut page_of = |url: &str| -> Option<crate::extract::page::Page> {
        let html = store.body(url).ok().flatten()?;
        Some(crate::extract::page::parse(&html))
    };
    let links = links::audit(&all_links, &targets, &mut page_of);
    // A million links are not needed any more: free them before reading the pages.
    drop(all_links);
    drop(targets);
    let mut findings: Vec<Finding> = links.findings;
    // "Not found" pages are alike on every site by design: not duplicated content.
    let soft_404 = links.not_found_pages;
    let t_links = started.elapsed();
    let mut collector = answers::Collector::new(&rules.answers);
    let content = content(store, run_id, rules, &soft_404, &mut collector)?;
    let t_content = started.elapsed();
    findings.extend(content.readability);
    for doc in store.channel_docs()? {
        for source in answers::channel_sources(&doc) {
            collector.add(&source);
        }
    }
    findings.extend(collector.findings());
    let t_answers = started.elapsed();
    findings.extend(duplicates::audit(&content.compared, &rules.duplicates));
    let t_duplicates = started.elapsed();
    // Governance per site, then the recommendation, which weighs every other audit's results.
    let checker = governance::Checker::new(&rules.governance);
    let mut site_facts = store.site_crawl_facts(run_id)?;
    // What pages say ("Page last updated: June 2012") counts when it is newer than what the
    // server and sitemap said, or when they said nothing.
    for f in &mut site_facts {
        let stated = content
            .signals
            .get(&f.origin)
            .and_then(|pages| pages.iter().filter_map(|p| p.stated_update.clone()).max());
        if stated > f.newest_update {
            f.newest_update = stated;
        }
    }
    let none = Vec::new();
    let results: Vec<governance::SiteResult> = site_facts
        .iter()
        .map(|f| {
            let pages = content.signals.get(&f.origin).unwrap_or(&none);
            checker.site(f, pages)
        })
        .collect();
    for r in &results {
        findings.extend(r.findings.iter().cloned());
    }
    let figures: Vec<consolidation::SiteFigures> = site_facts
        .iter()
        .zip(&results)
        .map(|(facts, governance)| {
            let measured = content.measured_pages.get(&facts.origin);
            consolidation::SiteFigures {
                facts,
                governance,
                pages: measured.map_or(0, |m| m.0),
                median_grade: measured.and_then(|m| median(&m.1)),
            }
        })
        .collect();
    let today = store::today();
    let site_audits = consolidation::recommend(
        &figures,
        &findings,
        &content.topics,
        &rules.consolidation,
        &today,
    );
    log::info!(
        "audit times: links {:.1} s; pages read, readability and plain language {:.1} s; answers {:.1} s; duplicates {:.1} s; governance and consolidation {:.1} s",
        t_links.as_secs_f64(),
        (t_content - t_links).as_secs_f64(),
        (t_answers - t_content).as_secs_f64(),
        (t_duplicates - t_answers).as_secs_f64(),
        (started.elapsed() - t_duplicates).as_secs_f64()
    );
    let page_text = content.measured;
    findings.sort_by(|a, b| {
        (&a.site, &a.url, &a.kind, a.target()).cmp(&(&b.site, &b.url, &b.kind, b.target()))
    });
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for f in &findings {
        *counts.entry(f.kind.clone()).or_default() += 1;
    }
    let total = findings.len();
    let writer = store.writer()?;
    writer.send(WriteOp::ReplaceAudit {
        run_id,
        findings,
        pages: page_text,
        sites: site_audits,
    })?;
    writer.close()?;
    Ok(AuditSummary {
        run_id,
        counts: counts.into_iter().collect(),
        total,
    })
}

/// What reading the content pages produced.
struct Content {
    /// Pages the duplicate audit compares.
    compared: Vec<duplicates::ComparedPage>,
    /// What was measured on every page.
    measured: Vec<PageText>,
    /// Readability and plain-language findings.
    readability: Vec<Finding>,
    /// Governance signals of each site's pages, by origin.
    signals: std::collections::HashMap<String, Vec<governance::PageSignals>>,
    /// Main-text vocabulary per site.
    topics: consolidation::Topics,
    /// Per site: pages measured, and the grades of its scored pages.
    measured_pages: std::collections::HashMap<String, (usize, Vec<f64>)>,
}

/// The median of some values, to two decimals as `govaudit sites` shows it.
fn median(values: &[f64]) -> Option<f64> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    store::median(&v).map(|m| (m * 100.0).round() / 100.0)
}

/// Reads every content page site by site: removes the template, measures the main text (words,
/// readability), and keeps the fingerprints of pages the duplicate audit compares.
fn content(
    store: &Store,
    run_id: i64,
    rules: &RuleSet,
    soft_404: &HashSet<String>,
    answer_claims: &mut answers::Collector<'_>,
) -> Result<Content, Error> {
    let all = store.content_pages(run_id)?;
    // What readers see besides the main text: the site's and agency's names.
    let site_names: std::collections::HashMap<String, Vec<String>> = store
        .sites()?
        .into_iter()
        .map(|s| {
            let names = [s.name, s.agency, s.office].into_iter().flatten().collect();
            (s.site, names)
        })
        .collect();
    let mut compared: Vec<(duplicates::ComparedPage, Option<String>)> = Vec::new();
    let mut measured = Vec::with_capacity(all.len());
    let mut readability_findings = Vec::new();
    // Where the time goes: parse, template, fingerprint, answer claims, plain language.
    let mut spent = [std::time::Duration::ZERO; 5];
    let checker = plain_language::Checker::new(&rules.plain_language);
    let governance = governance::Checker::new(&rules.governance);
    let mut signals: std::collections::HashMap<String, Vec<governance::PageSignals>> =
        Default::default();
    let mut topics = consolidation::Topics::default();
    let mut measured_pages: std::collections::HashMap<String, (usize, Vec<f64>)> =
        Default::default();
    for site_pages in all.chunk_by(|a, b| a.site == b.site) {
        let mut rows: Vec<&ContentPage> = Vec::with_capacity(site_pages.len());
        let mut pages: Vec<Page> = Vec::with_capacity(site_pages.len());
        let mut marked: Vec<Vec<crate::extract::answers::AnswerUnit>> = Vec::new();
        for p in site_pages {
            if let Some(html) = store.body_of(p.url_id)? {
                rows.push(p);
                // One parse for the page and its FAQ markup (JSON-LD, details, dl, accordions).
                let t = std::time::Instant::now();
                let doc = scraper::Html::parse_document(&html);
                pages.push(page::from_document(&doc));
                marked.push(crate::extract::answers::from_document(&doc));
                if !soft_404.contains(&p.url) {
                    signals
                        .entry(p.site.clone())
                        .or_default()
                        .push(governance.page(&p.url, &doc));
                }
                spent[0] += t.elapsed();
            }
        }
        // Removing repeated blocks changes only `blocks`; the canonical link stays.
        let t = std::time::Instant::now();
        page::strip_site_boilerplate(&mut pages, page::DEFAULT_TEMPLATE_SHARE);
        spent[1] += t.elapsed();
        for ((row, pg), marked) in rows.into_iter().zip(pages).zip(marked) {
            let text = pg.main_text();
            let t = std::time::Instant::now();
            let fingerprint = duplicates::Fingerprint::of(&text, &rules.duplicates);
            spent[2] += t.elapsed();
            let words = pg.word_count();
            let counts = crate::readability::Counts::of_page(&pg);
            let not_found = soft_404.contains(&row.url);
            let scored = counts.words >= rules.readability.min_words && !not_found;
            let scores = counts.scores();
            // A "not found" page answers nothing and its wording is nobody's to fix.
            if !not_found {
                topics.add_page(&row.site, &text);
                let entry = measured_pages.entry(row.site.clone()).or_default();
                entry.0 += 1;
                if scored {
                    entry.1.push(scores.flesch_kincaid_grade);
                }
                let t = std::time::Instant::now();
                answer_claims.add(&answers::Source::page(
                    &row.url, &row.site, marked, &pg.blocks,
                ));
                spent[3] += t.elapsed();
                let blocks: Vec<plain_language::TextBlock> = pg
                    .blocks
                    .iter()
                    .map(plain_language::TextBlock::from)
                    .collect();
                let mut names: Vec<&str> = site_names
                    .get(&row.site)
                    .map(|n| n.iter().map(String::as_str).collect())
                    .unwrap_or_default();
                names.extend(pg.title.as_deref());
                let t = std::time::Instant::now();
                let mut found = checker.check(&blocks, &names);
                spent[4] += t.elapsed();
                if scored {
                    found.extend(readability::check(&counts, &rules.readability, "this page"));
                }
                for mut f in found {
                    f.site = row.site.clone();
                    f.url = row.url.clone();
                    readability_findings.push(f);
                }
            }
            measured.push(PageText {
                url_id: row.url_id,
                word_count: counts.words as i64,
                content_hash: fingerprint.hash.clone(),
                sentence_count: counts.sentence_count() as i64,
                syllable_count: counts.syllables as i64,
                scores,
                scored,
                over_target: scored && scores.flesch_kincaid_grade > rules.readability.target_grade,
            });
            if words >= rules.duplicates.min_words && !not_found {
                compared.push((
                    duplicates::ComparedPage {
                        url: row.url.clone(),
                        site: row.site.clone(),
                        fingerprint,
                    },
                    canonical_elsewhere(&row.url, &pg),
                ));
            }
        }
    }
    // A page that names another stored page of its site as canonical is that page's copy by the
    // site's own account (`/page?print=1`). A canonical pointing at a page we do not have, or at
    // the home page (a CMS misconfigured to name it on every page), changes nothing.
    let stored: HashSet<String> = all
        .iter()
        .filter_map(|p| duplicates::page_key(&p.url))
        .collect();
    let compared = compared
        .into_iter()
        .filter(|(_, canonical)| canonical.as_ref().is_none_or(|c| !stored.contains(c)))
        .map(|(p, _)| p)
        .collect();
    log::info!(
        "content: parse {:.1} s, template {:.1} s, fingerprints {:.1} s, answer claims {:.1} s, plain language {:.1} s",
        spent[0].as_secs_f64(),
        spent[1].as_secs_f64(),
        spent[2].as_secs_f64(),
        spent[3].as_secs_f64(),
        spent[4].as_secs_f64()
    );
    Ok(Content {
        compared,
        measured,
        readability: readability_findings,
        signals,
        topics,
        measured_pages,
    })
}

/// The key of a page's canonical URL when it names another address on the page's own site.
fn canonical_elsewhere(url: &str, page: &Page) -> Option<String> {
    let base = url::Url::parse(url).ok()?;
    let canonical = base.join(page.canonical.as_deref()?.trim()).ok()?;
    let (own, other) = (
        duplicates::page_key(url)?,
        duplicates::page_key(canonical.as_str())?,
    );
    let same_host = own.split('/').next() == other.split('/').next();
    let home = !other.contains('/');
    (same_host && own != other && !home).then_some(other)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_canonical(href: &str) -> Page {
        Page {
            canonical: Some(href.to_string()),
            ..Page::default()
        }
    }

    #[test]
    fn canonical_names_another_page_of_the_site() {
        let print = with_canonical("/apply/");
        assert_eq!(
            canonical_elsewhere("https://www.a.gov/apply/?print=1", &print).as_deref(),
            Some("a.gov/apply")
        );
        // The same page spelled differently, another site, or the home page: not a copy.
        assert_eq!(
            canonical_elsewhere("https://a.gov/apply/index.html", &print),
            None
        );
        assert_eq!(
            canonical_elsewhere("https://a.gov/x", &with_canonical("https://b.gov/x")),
            None
        );
        assert_eq!(
            canonical_elsewhere("https://a.gov/x", &with_canonical("https://a.gov/")),
            None
        );
        assert_eq!(
            canonical_elsewhere("https://a.gov/x", &Page::default()),
            None
        );
    }
}
