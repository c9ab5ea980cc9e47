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
pub mod freshness;
pub mod governance;
pub mod links;
pub mod plain_language;
pub mod readability;
pub mod similarity;

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::extract::document::{self, NotAPage};
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
    let listed = store.content_pages(run_id)?;
    let same_as = same_page_addresses(&listed);
    let mut site_facts = store.site_crawl_facts(run_id)?;
    let mut scope = links::Scope {
        sitemaps: site_facts
            .iter()
            .filter_map(|f| Some((f.origin.clone(), f.sitemap_url.clone()?)))
            .collect(),
        ..links::Scope::default()
    };
    scope.same_as = same_as;
    let all_links = store.audit_links(run_id)?;
    let targets = store.audit_targets(run_id)?;
    let titles: HashMap<String, String> = targets
        .iter()
        .filter(|t| t.status == Some(200))
        .filter_map(|t| Some((t.url.clone(), t.title.clone()?)))
        .collect();
    let mut page_of = |url: &str| -> Option<crate::extract::page::Page> {
        let html = store.body(url).ok().flatten()?;
        Some(crate::extract::page::parse(&html))
    };
    let links = links::audit(&all_links, &targets, &scope, &mut page_of);
    // Links per page, to count the links of the pages people read once those are known.
    let mut links_on: HashMap<String, (String, usize)> = HashMap::new();
    for l in &all_links {
        links_on
            .entry(l.page.clone())
            .or_insert_with(|| (l.site.clone(), 0))
            .1 += 1;
    }
    // A million links are not needed any more: free them before reading the pages.
    drop(all_links);
    drop(targets);
    // "Not found" pages are alike on every site by design: not duplicated content.
    let soft_404 = links.not_found_pages;
    let t_links = started.elapsed();
    // The organisation's own names (agency and website names from the inventory) say nothing
    // about which program a fact belongs to. Channel names are left out: "Family Caregiver
    // Guide" names its subject.
    let org_names: Vec<String> = store
        .sites()?
        .into_iter()
        .flat_map(|s| {
            let site_name = if s.channel == "web" { s.name } else { None };
            [site_name, s.agency]
        })
        .flatten()
        .collect::<std::collections::BTreeSet<String>>()
        .into_iter()
        .collect();
    let mut collector = answers::Collector::new(&rules.answers, &org_names);
    let governance = governance::Checker::new(&rules.governance, &titles);
    let mut content = content(
        store,
        &listed,
        &scope.same_as,
        rules,
        &soft_404,
        &governance,
        &mut collector,
    )?;
    let t_content = started.elapsed();
    // Links count from pages people read: what a JSON feed, a directory listing or an empty
    // file "links to" is no reader's problem, and a redirect stub's target is judged as a hop of
    // the links that reach the stub. A link in the template of most pages is one finding.
    let site_pages: HashMap<String, usize> = content
        .measured_pages
        .iter()
        .map(|(site, m)| (site.clone(), m.0))
        .collect();
    let from_pages: Vec<Finding> = links
        .findings
        .into_iter()
        .filter(|f| !content.not_pages.contains_key(&f.url))
        .collect();
    let mut findings = links::template_findings(from_pages, &site_pages);
    findings.extend(content.readability);
    for doc in store.channel_docs()? {
        for source in answers::channel_sources(&doc) {
            collector.add(&source);
        }
    }
    findings.extend(collector.findings());
    let t_answers = started.elapsed();
    // Each compared page's own date, to tell which of two copies is older.
    let today = store::today();
    for dated in content.dated.values() {
        let dates = freshness::page_dates(dated, &today);
        for p in content.compared.iter_mut() {
            if let Some(d) = dates.get(&p.url) {
                p.date = Some(d.clone());
            }
        }
    }
    findings.extend(duplicates::audit(&content.compared, &rules.duplicates));
    let t_duplicates = started.elapsed();
    // Governance per site, then the recommendation, which weighs every other audit's results.
    // The links of the pages people read: the population broken links are a share of.
    let mut site_links: HashMap<&str, i64> = HashMap::new();
    for (page, (site, n)) in &links_on {
        if !content.not_pages.contains_key(page) && !scope.same_as.contains_key(page) {
            *site_links.entry(site.as_str()).or_default() += *n as i64;
        }
    }
    for f in &mut site_facts {
        f.links = site_links.get(f.origin.as_str()).copied().unwrap_or(0);
    }
    // When each site last changed, from the dates that mean something on it.
    for f in &mut site_facts {
        let dated = content.dated.get(&f.origin).map_or(&[][..], Vec::as_slice);
        let newest = freshness::newest_update(dated, &today);
        f.newest_update = newest.as_ref().map(|n| n.date.clone());
        f.newest_update_source = newest.map(|n| n.describe());
    }
    let results: Vec<governance::SiteResult> = site_facts
        .iter()
        .map(|f| {
            let pages = content
                .signals
                .get(&f.origin)
                .map_or(&[][..], Vec::as_slice);
            governance.site(f, pages)
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

/// Pages of one site that are the same page under another query string (`/report/?id=DOE`,
/// `/report/?id=DOJ`: the same body, filled in by a script): each maps to the address that
/// stands for them all, the one without a query when it was fetched, else the first.
fn same_page_addresses(pages: &[ContentPage]) -> HashMap<String, String> {
    let mut groups: HashMap<(&str, &str, &str), Vec<&str>> = HashMap::new();
    for p in pages {
        let (Some(hash), Some((path, _))) = (p.body_hash.as_deref(), p.url.split_once('?')) else {
            continue;
        };
        groups
            .entry((p.site.as_str(), path, hash))
            .or_default()
            .push(p.url.as_str());
    }
    // The address without a query joins its variants' group when its body is the same.
    for p in pages.iter().filter(|p| !p.url.contains('?')) {
        if let Some(g) = p
            .body_hash
            .as_deref()
            .and_then(|h| groups.get_mut(&(p.site.as_str(), p.url.as_str(), h)))
        {
            g.push(p.url.as_str());
        }
    }
    let mut out = HashMap::new();
    for members in groups.into_values().filter(|m| m.len() > 1) {
        let first = members
            .iter()
            .copied()
            .min_by_key(|u| (u.contains('?'), u.len(), *u))
            .unwrap_or_default();
        for m in members.iter().filter(|m| **m != first) {
            out.insert(m.to_string(), first.to_string());
        }
    }
    out
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
    signals: HashMap<String, Vec<governance::PageSignals>>,
    /// Dates each site's pages carry (headers, sitemap, stated, in the address), by origin.
    dated: HashMap<String, Vec<freshness::PageDates>>,
    /// Main-text vocabulary per site.
    topics: consolidation::Topics,
    /// Per site: pages measured, and the grades of its scored pages.
    measured_pages: HashMap<String, (usize, Vec<f64>)>,
    /// Fetched `text/html` answers that are not pages, and why.
    not_pages: HashMap<String, NotAPage>,
}

/// The median of some values, to two decimals as `govaudit sites` shows it.
fn median(values: &[f64]) -> Option<f64> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    store::median(&v).map(|m| (m * 100.0).round() / 100.0)
}

/// One page of a site as read for the content audits.
struct ReadPage<'a> {
    row: &'a ContentPage,
    page: Page,
    marked: Vec<crate::extract::answers::AnswerUnit>,
}

/// Reads every content page site by site: tells pages from non-pages, removes the template,
/// measures the main text (words, readability), and keeps the fingerprints of pages the
/// duplicate audit compares.
fn content(
    store: &Store,
    all: &[ContentPage],
    same_as: &HashMap<String, String>,
    rules: &RuleSet,
    soft_404: &HashSet<String>,
    governance: &governance::Checker<'_>,
    answer_claims: &mut answers::Collector<'_>,
) -> Result<Content, Error> {
    // What readers see besides the main text: the site's and agency's names.
    let site_names: HashMap<String, Vec<String>> = store
        .sites()?
        .into_iter()
        .map(|s| {
            let names = [s.name, s.agency, s.office].into_iter().flatten().collect();
            (s.site, names)
        })
        .collect();
    let dates = store.page_dates()?;
    let mut compared: Vec<(duplicates::ComparedPage, Option<String>)> = Vec::new();
    let mut measured = Vec::with_capacity(all.len());
    let mut readability_findings = Vec::new();
    // Where the time goes: parse, template, fingerprint, answer claims, plain language.
    let mut spent = [std::time::Duration::ZERO; 5];
    let checker = plain_language::Checker::new(&rules.plain_language);
    let mut signals: HashMap<String, Vec<governance::PageSignals>> = Default::default();
    let mut dated: HashMap<String, Vec<freshness::PageDates>> = Default::default();
    let mut topics = consolidation::Topics::default();
    let mut measured_pages: HashMap<String, (usize, Vec<f64>)> = Default::default();
    let mut not_pages: HashMap<String, NotAPage> = HashMap::new();
    let not_measured = |url_id: i64, why: &NotAPage| PageText {
        url_id,
        word_count: 0,
        content_hash: String::new(),
        sentence_count: 0,
        syllable_count: 0,
        scores: Default::default(),
        scored: false,
        over_target: false,
        not_a_page: Some(why.reason()),
    };
    for site_pages in all.chunk_by(|a, b| a.site == b.site) {
        let mut read: Vec<ReadPage> = Vec::with_capacity(site_pages.len());
        for p in site_pages {
            if let Some(first) = same_as.get(&p.url) {
                let why = NotAPage::SameAs(first.clone());
                measured.push(not_measured(p.url_id, &why));
                not_pages.insert(p.url.clone(), why);
                continue;
            }
            let Some(html) = store.body_of(p.url_id)? else {
                continue;
            };
            // One parse for the page and its FAQ markup (JSON-LD, details, dl, accordions).
            let t = std::time::Instant::now();
            let bounded = crate::extract::html::bound_nesting(&html);
            if matches!(bounded, std::borrow::Cow::Owned(_)) {
                log::warn!(
                    "{}: markup nested deeper than {} elements; the deeper elements are read as their text",
                    p.url,
                    crate::extract::html::MAX_DEPTH
                );
            }
            let doc = scraper::Html::parse_document(&bounded);
            let page = page::from_document(&doc);
            let why_not = if soft_404.contains(&p.url) {
                Some(NotAPage::NotFound)
            } else {
                document::not_a_page(&html, &doc, &page)
            };
            if let Some(why) = why_not {
                log::debug!("{}: not audited as a page: {}", p.url, why.reason());
                measured.push(not_measured(p.url_id, &why));
                not_pages.insert(p.url.clone(), why);
                spent[0] += t.elapsed();
                continue;
            }
            let sig = governance.page(&p.url, &doc);
            dated
                .entry(p.site.clone())
                .or_default()
                .push(freshness::PageDates {
                    url: p.url.clone(),
                    header: dates.get(&p.url_id).and_then(|d| d.0.clone()),
                    sitemap: dates.get(&p.url_id).and_then(|d| d.1.clone()),
                    stated: sig.stated_update.clone(),
                });
            signals.entry(p.site.clone()).or_default().push(sig);
            read.push(ReadPage {
                row: p,
                marked: crate::extract::answers::from_document(&doc),
                page,
            });
            spent[0] += t.elapsed();
        }
        // Removing repeated blocks changes only `blocks`; the canonical link stays.
        let t = std::time::Instant::now();
        let mut pages: Vec<Page> = read
            .iter_mut()
            .map(|r| std::mem::take(&mut r.page))
            .collect();
        page::strip_site_boilerplate(&mut pages, page::DEFAULT_TEMPLATE_SHARE);
        spent[1] += t.elapsed();
        // A block several pages share (a notice, an archive banner) is one text to fix: its
        // plain-language findings are reported once, with the pages it is on.
        let shared = page::shared_blocks(&pages, page::MIN_TEMPLATE_PAGES);
        let urls: Vec<String> = read.iter().map(|r| r.row.url.clone()).collect();
        let mut shared_checked: Vec<(&str, usize, &page::Block)> = Vec::new();
        for (key, on) in &shared {
            if let Some(b) = pages[on[0]]
                .blocks
                .iter()
                .find(|b| b.text.to_lowercase() == *key)
            {
                shared_checked.push((key.as_str(), on[0], b));
            }
        }
        shared_checked.sort_by_key(|(k, first, _)| (*first, *k));
        let mut plain_found: Vec<Finding> = Vec::new();
        for (key, first, block) in &shared_checked {
            let prose = document::prose_share(&Page {
                blocks: vec![(*block).clone()],
                ..Page::default()
            }) >= document::MIN_PROSE_SHARE;
            if !prose {
                continue;
            }
            let names: Vec<&str> = site_names
                .get(&site_pages[0].site)
                .map(|n| n.iter().map(String::as_str).collect())
                .unwrap_or_default();
            let on = &shared[*key];
            for mut f in checker
                .check(&[plain_language::TextBlock::from(*block)], &names)
                .into_iter()
                .filter(|f| !checker.judges_whole_page(rule_of(f)))
            {
                f.site = site_pages[0].site.clone();
                f.url = urls[*first].clone();
                f.message = format!(
                    "{} (in a block of text {} pages share)",
                    f.message.trim_end_matches('.'),
                    on.len()
                );
                f.extra.insert("pages".into(), serde_json::json!(on.len()));
                f.extra.insert(
                    "urls".into(),
                    serde_json::json!(on
                        .iter()
                        .take(links::TEMPLATE_SAMPLE)
                        .map(|&i| urls[i].as_str())
                        .collect::<Vec<_>>()),
                );
                plain_found.push(f);
            }
        }
        for (r, pg) in read.into_iter().zip(pages.iter()) {
            let row = r.row;
            let text = pg.main_text();
            let t = std::time::Instant::now();
            let fingerprint = duplicates::Fingerprint::of(&text, &rules.duplicates);
            spent[2] += t.elapsed();
            let words = pg.word_count();
            let counts = crate::readability::Counts::of_page(pg);
            // Labels, figures and empty cells (a dashboard, a table a script fills) are not
            // writing to advise on.
            let prose = document::prose_share(pg) >= document::MIN_PROSE_SHARE;
            let scored = counts.words >= rules.readability.min_words && prose;
            let scores = counts.scores();
            topics.add_page(&row.site, &text);
            let entry = measured_pages.entry(row.site.clone()).or_default();
            entry.0 += 1;
            if scored {
                entry.1.push(scores.flesch_kincaid_grade);
            }
            let t = std::time::Instant::now();
            // An index's lines are other pages' titles and teasers ("March 1 — Fund reaches
            // 9,000 families"): the pages they list give the answers.
            let index =
                pg.is_index(rules.duplicates.max_link_share) || duplicates::is_listing(&row.url);
            if !index {
                answer_claims.add(&answers::Source::page(
                    &row.url,
                    &row.site,
                    pg.title.as_deref(),
                    r.marked,
                    &pg.blocks,
                ));
            }
            spent[3] += t.elapsed();
            if prose {
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
                // What the blocks other pages share say is reported once (above); rules that
                // judge the whole page still read all of it.
                if pg
                    .blocks
                    .iter()
                    .any(|b| shared.contains_key(&b.text.to_lowercase()))
                {
                    let own: Vec<plain_language::TextBlock> = blocks
                        .iter()
                        .filter(|b| !shared.contains_key(&b.text.to_lowercase()))
                        .copied()
                        .collect();
                    found.retain(|f| checker.judges_whole_page(rule_of(f)));
                    found.extend(
                        checker
                            .check(&own, &names)
                            .into_iter()
                            .filter(|f| !checker.judges_whole_page(rule_of(f))),
                    );
                }
                spent[4] += t.elapsed();
                if scored {
                    found.extend(readability::check(&counts, &rules.readability, "this page"));
                }
                for mut f in found {
                    f.site = row.site.clone();
                    f.url = row.url.clone();
                    plain_found.push(f);
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
                not_a_page: None,
            });
            if words >= rules.duplicates.min_words && !pg.is_index(rules.duplicates.max_link_share)
            {
                compared.push((
                    duplicates::ComparedPage {
                        url: row.url.clone(),
                        site: row.site.clone(),
                        title: pg.title.clone(),
                        date: None,
                        fingerprint,
                    },
                    canonical_elsewhere(&row.url, pg),
                ));
            }
        }
        readability_findings.extend(plain_found);
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
        dated,
        topics,
        measured_pages,
        not_pages,
    })
}

/// A finding's `rule` field.
fn rule_of(f: &Finding) -> &str {
    f.extra
        .get("rule")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("")
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
