//! The Markdown report (`report.md`): the same story as the HTML report — the answer, progress,
//! overlap, sites, inconsistent answers, pages to fix — for an issue tracker, a wiki or e-mail.
//!
//! Reads: a [`Report`]. Writes: a string. Text from crawled pages is escaped so it cannot become
//! markup, links or raw HTML where the Markdown is rendered.

use std::fmt::Write;

use serde_json::Value;

use super::story::{overlap, Report};
use crate::model::origin_host as host;

/// Rows of the pages-to-fix list in Markdown (the CSV files have everything).
pub const MAX_PAGE_ROWS: usize = 100;

/// Escapes text for Markdown: no HTML, no emphasis, links or table breaks.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// An address as an autolink when it is http(s), else escaped text.
fn link(url: &str) -> String {
    if (url.starts_with("https://") || url.starts_with("http://"))
        && !url.contains(|c: char| c.is_whitespace() || c == '<' || c == '>')
    {
        // A `|` would end a table cell even inside an autolink.
        format!("<{}>", url.replace('|', "%7C"))
    } else {
        escape(url)
    }
}

/// Renders the report.
pub fn render(report: &Report) -> String {
    let mut md = String::new();
    let agencies = report.agencies();
    let _ = writeln!(
        md,
        "# govaudit report{}\n",
        if agencies.is_empty() {
            String::new()
        } else {
            format!(": {}", escape(&agencies.join(", ")))
        }
    );
    let _ = writeln!(
        md,
        "Inventory `{}`, crawl run {} started {}; report written {}.\n",
        report.inventory.replace('`', "'"),
        report.run_id,
        report.crawled_at,
        report.generated_at
    );
    let _ = writeln!(md, "## The answer\n\n**{}**\n", escape(&report.headline()));
    for s in report.web_sites() {
        let _ = write!(
            md,
            "- **{}** {}: {}",
            s.recommendation
                .as_deref()
                .unwrap_or("not audited")
                .to_uppercase(),
            escape(host(&s.site)),
            s.merge_into
                .as_deref()
                .map(|m| format!("merge into {}. ", escape(host(m))))
                .unwrap_or_default()
        );
        let _ = writeln!(
            md,
            "{}",
            s.evidence
                .as_ref()
                .map(|e| e.iter().map(|x| escape(x)).collect::<Vec<_>>().join(" "))
                .unwrap_or_default()
        );
    }
    let problems = report.top_problems();
    if !problems.is_empty() {
        let _ = writeln!(md, "\n### Top problems\n");
        for (i, p) in problems.iter().enumerate() {
            let _ = writeln!(md, "{}. {}", i + 1, escape(p));
        }
    }
    if let Some(p) = &report.progress {
        let _ = writeln!(
            md,
            "\n## Progress since the last run\n\nCompared with run {} (started {}): **{} fixed**, **{} new**, {} still open.",
            p.previous.id,
            p.previous.started_at,
            p.fixed_count,
            p.new,
            p.still_open
        );
        for f in p.fixed.iter().take(MAX_PAGE_ROWS) {
            let _ = writeln!(
                md,
                "- fixed: {} on {}: {}",
                f.kind,
                link(&f.url),
                escape(&f.message)
            );
        }
    }
    let sites: Vec<&crate::store::SiteRow> = report.web_sites().collect();
    if sites.len() > 1 {
        let _ = writeln!(
            md,
            "\n## Which sites overlap\n\nShare of the row site's pages copied on the column site, and topic similarity (0-1).\n"
        );
        let _ = writeln!(
            md,
            "| | {} |",
            sites
                .iter()
                .map(|s| escape(host(&s.site)))
                .collect::<Vec<_>>()
                .join(" | ")
        );
        let _ = writeln!(md, "|---|{}", "---|".repeat(sites.len()));
        for a in &sites {
            let cells: Vec<String> = sites
                .iter()
                .map(|b| {
                    if a.site == b.site {
                        "–".to_string()
                    } else {
                        let (share, topic, _) = overlap(a, &b.site).unwrap_or_default();
                        format!("{:.0}% · {topic:.2}", share * 100.0)
                    }
                })
                .collect();
            let _ = writeln!(md, "| {} | {} |", escape(host(&a.site)), cells.join(" | "));
        }
    }
    let _ = writeln!(md, "\n## Sites\n");
    let _ = writeln!(
        md,
        "| site | recommendation | pages audited | broken addresses (links to them) | copied pages | inconsistent answers | median grade | governance passed | governance failed | governance unknown |"
    );
    let _ = writeln!(md, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let n = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_else(|| "–".into());
    for s in &sites {
        let broken = report.broken(Some(&s.site));
        let _ = writeln!(
            md,
            "| {} | {}{} | {} | {} ({}) | {} | {} | {} | {} | {} | {} |",
            escape(host(&s.site)),
            s.recommendation.as_deref().unwrap_or("–"),
            s.merge_into
                .as_deref()
                .map(|m| format!(" into {}", escape(host(m))))
                .unwrap_or_default(),
            s.audited_pages.unwrap_or(s.html_pages),
            broken.addresses,
            broken.links,
            n(s.duplicate_pages),
            n(s.inconsistent_answers),
            s.median_grade
                .map(|g| format!("{g:.1}"))
                .unwrap_or_else(|| "–".into()),
            n(s.governance_passed),
            n(s.governance_failed),
            n(s.governance_skipped)
        );
    }
    let failing: Vec<(String, Vec<String>)> = sites
        .iter()
        .filter_map(|s| {
            let list: Vec<String> = s
                .figures
                .as_ref()?
                .get("governance_failing")?
                .as_array()?
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
            (!list.is_empty()).then(|| (host(&s.site).to_string(), list))
        })
        .collect();
    if !failing.is_empty() {
        let _ = writeln!(md, "\n### Failing governance checks\n");
        for (site, list) in failing {
            let _ = writeln!(md, "- {}: {}", escape(&site), escape(&list.join("; ")));
        }
    }
    let answers: Vec<_> = report.answers().collect();
    if !answers.is_empty() {
        let _ = writeln!(md, "\n## Questions answered differently\n");
        for f in answers {
            let _ = writeln!(
                md,
                "- **{}** ({})",
                escape(
                    f.extra
                        .get("question")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                ),
                escape(
                    f.extra
                        .get("fact_type")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                )
            );
            for v in f
                .extra
                .get("values")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let urls: Vec<String> = v
                    .get("urls")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(link)
                    .collect();
                let _ = writeln!(
                    md,
                    "  - {}: {}",
                    escape(v.get("value").and_then(Value::as_str).unwrap_or("")),
                    urls.join(", ")
                );
            }
        }
    }
    let pages = report.pages_to_fix();
    let with_findings = report.pages_with_findings();
    if with_findings > 0 {
        let _ = writeln!(
            md,
            "\n## Pages to fix\n\n{} pages have findings{}.\n",
            with_findings,
            if with_findings > MAX_PAGE_ROWS {
                format!("; the first {MAX_PAGE_ROWS} are listed (all in findings.csv)")
            } else {
                String::new()
            }
        );
        let _ = writeln!(
            md,
            "| page | title | problems (errors) | problems (warnings) | problems (notes) | findings | kinds |"
        );
        let _ = writeln!(md, "|---|---|---:|---:|---:|---:|---|");
        for p in pages.iter().take(MAX_PAGE_ROWS) {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {} | {} |",
                link(&p.url),
                escape(p.title.as_deref().unwrap_or("")),
                p.problems[0],
                p.problems[1],
                p.problems[2],
                p.counts[0] + p.counts[1] + p.counts[2],
                p.kinds.join(", ")
            );
        }
    }
    let _ = writeln!(
        md,
        "\n## Findings, one row per fix\n\nEach line is one fix: the findings of one kind on one site about the same link, rule or group, with the pages concerned.\n"
    );
    let fixes = report.fixes();
    for (k, c) in report.counts_by_kind() {
        let of_kind = fixes.iter().filter(|g| g.kind == k).count();
        let _ = writeln!(
            md,
            "- {k}: {} findings ({} errors, {} warnings, {} notes), {} fixes",
            c[0] + c[1] + c[2],
            c[0],
            c[1],
            c[2],
            of_kind
        );
        for (g, first) in report.fixes_listed(k) {
            let d = &first.details;
            let _ = writeln!(
                md,
                "  - {} ({} page{}): {}{}",
                link(&first.url),
                g.pages,
                if g.pages == 1 { "" } else { "s" },
                escape(&first.message),
                if d.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", escape(d))
                }
            );
        }
    }
    let _ = writeln!(
        md,
        "\nEvery finding, page and site: findings.csv, pages.csv, sites.csv; the .gov reform survey rows: survey.csv."
    );
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_text_cannot_become_markup() {
        assert_eq!(
            escape("<script>alert(1)</script> [x](javascript:1) | *a*"),
            "&lt;script&gt;alert(1)&lt;/script&gt; \\[x\\](javascript:1) \\| \\*a\\*"
        );
        assert_eq!(link("javascript:alert(1)"), "javascript:alert(1)");
        assert_eq!(link("https://a.gov/x"), "<https://a.gov/x>");
    }
}
