//! The figures of each site, as `govaudit sites`, `sites.csv` and the report show them: the
//! store's crawl counts plus what the audit's results add up to (median grade, shares of pages,
//! top plain-language rules, hardest pages, the answers a site takes part in, the
//! recommendation).
//!
//! The store returns rows; the arithmetic is here, in one place, so the listing and the report
//! cannot disagree.

use std::collections::HashMap;

use serde_json::json;

use crate::audit::median;
use crate::model::Channel;
use crate::store::{self, ScoredPage, SiteRow, Store};

/// Top plain-language rules and hardest pages shown per site.
const TOP: usize = 5;

/// Every site of the inventory with its figures, in inventory order.
pub fn sites(store: &Store) -> Result<Vec<SiteRow>, store::Error> {
    let mut sites = store.sites()?;
    let audited = sites.iter().any(|s| s.broken_links.is_some());
    let mut scored = Scored::default();
    store.each_scored_page(&mut |p| scored.add(p))?;
    if audited {
        plain_writing(
            &mut sites,
            &store.plain_language_counts()?,
            &scored,
            &store.inconsistent_answer_members()?,
        );
    }
    if let Some(run) = store.latest_run_id()? {
        let audits = store.site_audits(run)?;
        for s in &mut sites {
            if let Some(a) = audits.get(&s.site) {
                s.governance_passed = Some(a.governance_passed);
                s.governance_failed = Some(a.governance_failed);
                s.governance_skipped = Some(a.governance_skipped);
                s.recommendation = Some(a.recommendation.clone());
                s.merge_into = a.merge_into.clone();
                s.evidence = Some(a.evidence.clone());
                s.figures = Some(a.figures.clone());
            }
        }
    }
    grades(&mut sites, &mut scored);
    for s in &mut sites {
        let pages = s.audited_pages.unwrap_or(s.html_pages);
        s.duplicate_share = s.duplicate_pages.map(|d| share(d as usize, pages as usize));
    }
    Ok(sites)
}

/// `part` of `whole` as a share rounded to 3 decimals (0 of nothing is 0).
fn share(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        (part as f64 / whole as f64 * 1000.0).round() / 1000.0
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The scored pages of each site as the store hands them over (by site, hardest first): each
/// page's grade, how many are over the target, and the [`TOP`] hardest. A grade is 8 bytes:
/// a million pages are never held as rows.
#[derive(Default)]
struct Scored {
    by_site: HashMap<String, SiteGrades>,
}

#[derive(Default)]
struct SiteGrades {
    grades: Vec<f64>,
    over: usize,
    hardest: Vec<(String, f64)>,
}

impl Scored {
    fn add(&mut self, p: ScoredPage) {
        let e = match self.by_site.get_mut(&p.site) {
            Some(e) => e,
            None => self.by_site.entry(p.site.clone()).or_default(),
        };
        e.grades.push(p.grade);
        e.over += usize::from(p.over_target);
        if e.hardest.len() < TOP {
            e.hardest.push((p.url, p.grade));
        }
    }
}

/// Median grade, scored pages and the share over the target grade, per site.
fn grades(sites: &mut [SiteRow], scored: &mut Scored) {
    for s in sites.iter_mut() {
        if let Some(SiteGrades { grades, over, .. }) = scored.by_site.get_mut(s.site.as_str()) {
            grades.sort_by(f64::total_cmp);
            s.scored_pages = Some(grades.len() as i64);
            s.median_grade = median(grades).map(round2);
            s.over_target_grade_share = (!grades.is_empty()).then(|| share(*over, grades.len()));
        } else if s.broken_links.is_some() && s.channel == Channel::Web.as_str() {
            s.scored_pages = Some(0);
        }
    }
}

/// Plain-language findings, top rules, hardest pages and inconsistent answers, per site.
/// `rules` is (site, rule, findings) by site, most first; `scored` by site, hardest first.
fn plain_writing(
    sites: &mut [SiteRow],
    rules: &[(String, String, i64)],
    scored: &Scored,
    answers: &[Vec<String>],
) {
    for site in sites.iter_mut() {
        // A web site's members are its pages; another channel's are its rows or pages
        // (`kb:channels/kb.csv#row=12`).
        let prefix = if site.channel == Channel::Web.as_str() {
            format!("{}/", site.site)
        } else {
            format!("{}#", site.site)
        };
        let mine = |u: &String| u.starts_with(&prefix) || *u == site.site;
        site.inconsistent_answers =
            Some(answers.iter().filter(|urls| urls.iter().any(mine)).count() as i64);
        let mine: Vec<&(String, String, i64)> = rules.iter().filter(|r| r.0 == site.site).collect();
        site.plain_language_findings = Some(mine.iter().map(|r| r.2).sum());
        site.top_plain_language_rules = Some(json!(mine
            .iter()
            .take(TOP)
            .map(|r| json!({"rule": r.1, "pages": r.2}))
            .collect::<Vec<_>>()));
        site.hardest_pages = Some(json!(scored
            .by_site
            .get(&site.site)
            .map(|g| g.hardest.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|(url, grade)| json!({"url": url, "grade": round2(*grade)}))
            .collect::<Vec<_>>()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gather(pages: impl IntoIterator<Item = ScoredPage>) -> Scored {
        let mut scored = Scored::default();
        for p in pages {
            scored.add(p);
        }
        scored
    }

    fn page(site: &str, url: &str, grade: f64, over: bool) -> ScoredPage {
        ScoredPage {
            site: site.into(),
            url: url.into(),
            grade,
            over_target: over,
        }
    }

    #[test]
    fn medians_and_shares() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0]), Some(3.0));
        assert_eq!(median(&[1.0, 2.0, 10.0, 11.0]), Some(6.0));
        assert_eq!(share(1, 3), 0.333);
        assert_eq!(share(5, 0), 0.0);
    }

    #[test]
    fn grades_per_site_whatever_the_row_order() {
        let mut sites = vec![
            SiteRow {
                site: "https://a.gov".into(),
                channel: "web".into(),
                broken_links: Some(0),
                ..SiteRow::default()
            },
            SiteRow {
                site: "https://b.gov".into(),
                channel: "web".into(),
                broken_links: Some(0),
                ..SiteRow::default()
            },
        ];
        let scored = [
            page("https://a.gov", "https://a.gov/x", 14.0, true),
            page("https://a.gov", "https://a.gov/y", 6.0, false),
            page("https://a.gov", "https://a.gov/z", 9.123, true),
        ];
        grades(&mut sites, &mut gather(scored));
        assert_eq!(sites[0].median_grade, Some(9.12));
        assert_eq!(sites[0].scored_pages, Some(3));
        assert_eq!(sites[0].over_target_grade_share, Some(0.667));
        // Audited, nothing long enough to score.
        assert_eq!(sites[1].scored_pages, Some(0));
        assert_eq!(sites[1].median_grade, None);
    }

    #[test]
    fn plain_writing_figures_count_only_the_sites_own_members() {
        let mut sites = vec![
            SiteRow {
                site: "https://a.gov".into(),
                channel: "web".into(),
                ..SiteRow::default()
            },
            SiteRow {
                site: "kb:kb.csv".into(),
                channel: "kb".into(),
                ..SiteRow::default()
            },
        ];
        let rules = vec![
            ("https://a.gov".to_string(), "jargon".to_string(), 7),
            ("https://a.gov".to_string(), "passive".to_string(), 2),
            ("https://a.gov.evil".to_string(), "jargon".to_string(), 9),
        ];
        let scored = [
            page("https://a.gov", "https://a.gov/hard", 15.0, true),
            page("https://a.gov", "https://a.gov/easy", 5.004, false),
        ];
        let answers = vec![
            vec![
                "https://a.gov/fees".to_string(),
                "kb:kb.csv#row=3".to_string(),
            ],
            vec![
                "https://a.gov.evil/x".to_string(),
                "kb:kb.csv#row=9".to_string(),
            ],
        ];
        plain_writing(&mut sites, &rules, &gather(scored), &answers);
        assert_eq!(sites[0].plain_language_findings, Some(9));
        assert_eq!(
            sites[0].top_plain_language_rules,
            Some(json!([{"rule": "jargon", "pages": 7}, {"rule": "passive", "pages": 2}]))
        );
        assert_eq!(
            sites[0].hardest_pages,
            Some(json!([
                {"url": "https://a.gov/hard", "grade": 15.0},
                {"url": "https://a.gov/easy", "grade": 5.0}
            ]))
        );
        assert_eq!(sites[0].inconsistent_answers, Some(1));
        assert_eq!(sites[1].inconsistent_answers, Some(2));
        assert_eq!(sites[1].plain_language_findings, Some(0));
    }
}
