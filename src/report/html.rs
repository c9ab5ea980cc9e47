//! The HTML report: one self-contained file (inline CSS, JavaScript and SVG; nothing fetched)
//! that opens with the answer for a CIO, then progress since the last run, the site-overlap heat
//! map, per-site scorecards, inconsistent answers, the pages to fix and every finding in tables
//! that filter and sort.
//!
//! Reads: a [`Report`]. Writes: a string. Everything that came from a crawled page is escaped
//! (maud escapes every interpolation), links are made only to http(s) addresses, and a Content
//! Security Policy allows no script but the report's own (by hash), so even an injected
//! `<script>` could not run. Without JavaScript every table is complete and readable.

use base64::Engine;
use maud::{html, Markup, PreEscaped, DOCTYPE};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::story::{overlap, FixGroup, Lead, Report, FIX_ROWS_PER_KIND};
use crate::model::{origin_host as host, Finding, FindingKind, Severity};

/// What each kind of finding means, in a reader's words.
fn kind_meaning(kind: FindingKind) -> &'static str {
    match kind {
        FindingKind::BrokenLink => "links to addresses that answer with an error or not at all",
        FindingKind::RedirectChain => "links that go through two or more redirects, or loop",
        FindingKind::Soft404 => "links to \"not found\" pages served as if they worked",
        FindingKind::BrokenFragment => "links to a part of a page (#section) that does not exist",
        FindingKind::UnverifiedFragment => {
            "links to a part of a page that only its scripts may create: check in a browser"
        }
        FindingKind::BlockedLink => {
            "links not checked because robots.txt asks crawlers to stay away"
        }
        FindingKind::Duplicate => "the same text published at several addresses",
        FindingKind::NearDuplicate => {
            "nearly the same text at several addresses (copies, some edited)"
        }
        FindingKind::InconsistentAnswer => "the same question answered with different facts",
        FindingKind::PlainLanguage => {
            "words and habits the Federal Plain Language Guidelines advise against"
        }
        FindingKind::Readability => "pages above the target reading grade",
        FindingKind::Governance => "links and elements every federal site must have",
    }
}
/// Rows shown in the pages-to-fix table; the full list is in `pages.csv` and `findings.csv`.
pub const MAX_PAGE_ROWS: usize = 1000;

const CSS: &str = r#"
:root{--ink:#1b1b1b;--muted:#565c65;--line:#dfe1e2;--bg:#f7f9fa;--accent:#005ea2;--err:#b50909;--warn:#8a5300;--info:#1a4480;--ok:#00a91c}
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:#fff}
header,main,footer{max-width:1200px;margin:0 auto;padding:0 1rem}header{padding-top:1.5rem}
h1{font-size:1.8rem;margin:.2rem 0}h2{margin-top:2.5rem;border-bottom:2px solid var(--line);padding-bottom:.3rem}h3{margin:.2rem 0}
.meta{color:var(--muted);font-size:.9rem}.answer{background:var(--bg);border-left:6px solid var(--accent);padding:1rem 1.25rem;margin:1rem 0}
.answer p.lead{font-size:1.35rem;font-weight:600;margin:.2rem 0 .8rem}
.decisions{display:grid;grid-template-columns:repeat(auto-fit,minmax(230px,1fr));gap:.75rem;margin:.5rem 0}
.decision{border:1px solid var(--line);background:#fff;padding:.6rem .8rem;border-radius:4px}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:3px;font-size:.8rem;font-weight:700;text-transform:uppercase;color:#fff;background:var(--muted)}
.b-keep{background:var(--ok)}.b-fix{background:var(--warn)}.b-merge{background:var(--accent)}.b-retire{background:var(--err)}
.s-error{color:var(--err);font-weight:700}.s-warning{color:var(--warn);font-weight:700}.s-info{color:var(--info)}
.new{background:#fff3c4;font-size:.75rem;padding:0 .3rem;border-radius:2px;margin-left:.3rem}
table{border-collapse:collapse;width:100%;font-size:.9rem;margin:.5rem 0}th,td{border-bottom:1px solid var(--line);padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:var(--bg);position:sticky;top:0}th button{all:unset;cursor:pointer;font-weight:700}th button:focus{outline:2px solid var(--accent)}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}.url{word-break:break-all;font-size:.85rem}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(340px,1fr));gap:1rem}
.card{border:1px solid var(--line);border-radius:6px;padding:1rem}.card dl{display:grid;grid-template-columns:auto auto;gap:.1rem 1rem;margin:.5rem 0}
.card dt{color:var(--muted)}.card dd{margin:0;text-align:right;font-variant-numeric:tabular-nums}
.filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;margin:.5rem 0}.filters label{font-size:.85rem;display:flex;flex-direction:column}
.hidden{display:none}.count{color:var(--muted);font-size:.9rem}svg text{font:12px system-ui,sans-serif}
@media print{th{position:static}.filters{display:none}}
"#;

/// Filters and sorting; the tables are complete without it.
const JS: &str = r#"(function(){
"use strict";
function cellValue(row,i){var c=row.cells[i];if(!c){return "";}var v=c.getAttribute("data-sort");return v!==null?v:c.textContent.trim();}
document.querySelectorAll("table.sortable").forEach(function(table){
  var heads=table.tHead?table.tHead.rows[0].cells:[];
  Array.prototype.forEach.call(heads,function(th,i){
    var b=document.createElement("button");b.type="button";b.textContent=th.textContent;th.textContent="";th.appendChild(b);
    b.addEventListener("click",function(){
      var body=table.tBodies[0];var rows=Array.prototype.slice.call(body.rows);
      var asc=th.getAttribute("aria-sort")!=="ascending";
      Array.prototype.forEach.call(heads,function(h){h.removeAttribute("aria-sort");});
      th.setAttribute("aria-sort",asc?"ascending":"descending");
      rows.sort(function(a,b){var x=cellValue(a,i),y=cellValue(b,i);var nx=parseFloat(x),ny=parseFloat(y);
        var r=(!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y);return asc?r:-r;});
      rows.forEach(function(r){body.appendChild(r);});
    });
  });
});
document.querySelectorAll("[data-filters]").forEach(function(box){
  var table=document.getElementById(box.getAttribute("data-filters"));if(!table){return;}
  var controls=box.querySelectorAll("select,input");var counter=box.querySelector(".count");
  function apply(){
    var shown=0;
    Array.prototype.forEach.call(table.tBodies[0].rows,function(row){
      var ok=true;
      Array.prototype.forEach.call(controls,function(c){
        var v=c.value;if(!v){return;}
        if(c.tagName==="INPUT"){ok=ok&&row.textContent.toLowerCase().indexOf(v.toLowerCase())>=0;}
        else{ok=ok&&row.getAttribute("data-"+c.name)===v;}
      });
      row.classList.toggle("hidden",!ok);if(ok){shown++;}
    });
    if(counter){counter.textContent=shown+" shown";}
  }
  Array.prototype.forEach.call(controls,function(c){c.addEventListener("input",apply);c.addEventListener("change",apply);});
  box.classList.remove("hidden");apply();
});
document.documentElement.setAttribute("data-report-ready","1");
})();"#;

fn severity_class(s: Severity) -> &'static str {
    match s {
        Severity::Error => "s-error",
        Severity::Warning => "s-warning",
        Severity::Info => "s-info",
    }
}

/// A link to a crawled address, or just its text when it is not http(s).
fn page_link(url: &str, text: &str) -> Markup {
    if url.starts_with("https://") || url.starts_with("http://") {
        html! { a.url href=(url) { (text) } }
    } else {
        html! { span.url { (text) } }
    }
}

fn recommendation_badge(r: Option<&str>) -> Markup {
    match r {
        Some(r) => html! { span class={"badge b-" (r)} { (r) } },
        None => html! { span.badge { "not audited" } },
    }
}

fn num(v: Option<i64>) -> String {
    v.map(|n| n.to_string()).unwrap_or_else(|| "–".into())
}

/// The heat map of site overlap: each row is a site, each column the site it overlaps; colour is
/// the merge score, the text the share of the row site's pages copied there and the sites'
/// topic similarity.
fn heat_map(report: &Report) -> Markup {
    let sites: Vec<&crate::store::SiteRow> = report.web_sites().collect();
    let n = sites.len();
    if n < 2 {
        return html! { p { "One website: nothing to compare." } };
    }
    let label_w = 190.0;
    let cell = 96.0;
    let top = 40.0;
    let w = label_w + cell * n as f64 + 10.0;
    let h = top + cell * 0.6 * n as f64 + 10.0;
    let ch = cell * 0.6;
    html! {
        svg role="img" aria-labelledby="heat-title" width=(w) height=(h) viewBox={"0 0 " (w) " " (h)} xmlns="http://www.w3.org/2000/svg" {
            title #heat-title { "Site overlap: share of each row site's pages copied on the column site, and topic similarity" }
            @for (j, s) in sites.iter().enumerate() {
                text x=(label_w + cell * j as f64 + cell / 2.0) y=(top - 10.0) text-anchor="middle" { (short(host(&s.site), 14)) }
            }
            @for (i, a) in sites.iter().enumerate() {
                text x=(label_w - 8.0) y=(top + ch * i as f64 + ch / 2.0 + 4.0) text-anchor="end" { (short(host(&a.site), 26)) }
                @for (j, b) in sites.iter().enumerate() {
                    @let x = label_w + cell * j as f64;
                    @let y = top + ch * i as f64;
                    @if i == j {
                        rect x=(x) y=(y) width=(cell - 2.0) height=(ch - 2.0) fill="#dfe1e2" {}
                    } @else {
                        @let (share, topic, score) = overlap(a, &b.site).unwrap_or((0.0, 0.0, 0.0));
                        @let alpha = score.clamp(0.0, 1.0) * 0.9 + 0.05;
                        rect x=(x) y=(y) width=(cell - 2.0) height=(ch - 2.0) fill="#005ea2" fill-opacity=(format!("{alpha:.2}")) {
                            title { (host(&a.site)) " → " (host(&b.site)) ": " (format!("{:.0}", share * 100.0)) "% of pages copied, topic similarity " (format!("{topic:.2}")) ", merge score " (format!("{score:.2}")) }
                        }
                        text x=(x + cell / 2.0) y=(y + ch / 2.0 + 4.0) text-anchor="middle" fill=(if score > 0.45 { "#fff" } else { "#1b1b1b" }) {
                            (format!("{:.0}% · {topic:.2}", share * 100.0))
                        }
                    }
                }
            }
        }
    }
}

fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

fn scorecard(report: &Report, s: &crate::store::SiteRow) -> Markup {
    let figures = s.figures.as_ref();
    let fig = |k: &str| {
        figures
            .and_then(|f| f.get(k))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let failing: Vec<String> = fig("governance_failing")
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let broken = report.broken(Some(&s.site));
    let audited = s.audited_pages.unwrap_or(s.html_pages);
    html! {
        article.card id={"site-" (host(&s.site))} {
            h3 { (s.name.as_deref().unwrap_or(host(&s.site))) " " (recommendation_badge(s.recommendation.as_deref())) }
            p.meta { (page_link(&s.site, &s.site)) @if let Some(o) = &s.office { " · " (o) }
                @if let Some(d) = fig("domain_status").as_str() { " · " (d) } }
            @if let Some(m) = &s.merge_into { p { "Merge into " strong { (host(m)) } } }
            @if let Some(ev) = &s.evidence { ul { @for e in ev { li { (e) } } } }
            dl {
                dt { "Pages audited" } dd { (audited) @if (audited) != s.html_pages { " of " (s.html_pages) " fetched" } }
                dt { "Broken addresses" } dd { (broken.addresses) }
                dt { "Links to them" } dd { (broken.links) " on " (broken.pages) " pages" }
                dt { "Pages copied on other sites" } dd { (num(s.duplicate_pages)) @if let Some(sh) = s.duplicate_share { " (" (format!("{:.0}", sh * 100.0)) "%)" } }
                dt { "Inconsistent answers" } dd { (num(s.inconsistent_answers)) }
                dt { "Median reading grade" } dd { (s.median_grade.map(|g| format!("{g:.1}")).unwrap_or_else(|| "–".into())) }
                dt { "Plain-language findings" } dd { (num(s.plain_language_findings)) }
                dt { "Governance checks" } dd { (num(s.governance_passed)) " passed, " (num(s.governance_failed)) " failed"
                    @if s.governance_skipped.unwrap_or(0) > 0 { ", " (num(s.governance_skipped)) " unknown" } }
                dt { "Newest update" } dd { (fig("newest_update").as_str().unwrap_or("unknown")) }
                @if let Some(t) = fig("traffic").as_f64() { dt { "Traffic (inventory)" } dd { (format!("{t:.0}")) } }
            }
            @if let Some(src) = fig("newest_update_source").as_str() {
                p.meta { "Newest update from " (src) "." }
            }
            @if !failing.is_empty() {
                p { "Failing checks:" }
                ul { @for f in &failing { li { (f) } } }
            }
            @if s.governance_skipped.unwrap_or(0) > 0 && s.governance_passed == Some(0) {
                p.meta { "Checks marked unknown could not be observed: nothing of the site could be read." }
            }
        }
    }
}

fn fix_row(report: &Report, g: &FixGroup, f: &Lead) -> Markup {
    html! {
        tr data-kind=(g.kind) data-site=(host(&g.site)) data-severity=(g.severity.as_str()) {
            td data-sort=(match g.severity { Severity::Error => 0, Severity::Warning => 1, Severity::Info => 2 }) {
                span class=(severity_class(g.severity)) { (g.severity.as_str()) }
                @if report.is_new(f) { span.new { "new" } }
            }
            td { (g.kind) }
            td { (host(&g.site)) }
            td {
                (f.message)
                @if !f.details.is_empty() { br; span.url { (f.details) } }
            }
            td.num data-sort=(g.pages) { (g.pages) }
            td.num data-sort=(g.findings) { (g.findings) }
            td {
                @for (i, u) in g.sample.iter().take(3).enumerate() {
                    @if i > 0 { br; }
                    (page_link(u, u))
                }
                @if g.pages > g.sample.len().min(3) { br; span.meta { "and " (g.pages - g.sample.len().min(3)) " more" } }
            }
        }
    }
}

fn filters(table_id: &str, report: &Report, kinds: &[&str]) -> Markup {
    let sites: Vec<String> = report
        .sites
        .iter()
        .map(|s| host(&s.site).to_string())
        .collect();
    html! {
        // Shown by the script: without it, the controls would do nothing.
        div.filters.hidden data-filters=(table_id) {
            label { "Kind" select name="kind" { option value="" { "all" } @for k in kinds { option value=(k) { (k) } } } }
            label { "Site" select name="site" { option value="" { "all" } @for s in &sites { option value=(s) { (s) } } } }
            label { "Severity" select name="severity" { option value="" { "all" } option value="error" { "error" } option value="warning" { "warning" } option value="info" { "info" } } }
            label { "Text" input type="search" name="text" placeholder="words in the row"; }
            span.count {}
        }
    }
}

/// Renders the report.
pub fn render(report: &Report) -> String {
    let script_hash =
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(JS.as_bytes()));
    let csp = format!(
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-{script_hash}'; base-uri 'none'; form-action 'none'"
    );
    let agencies = report.agencies();
    let title = if agencies.is_empty() {
        "govaudit report".to_string()
    } else {
        format!("govaudit report: {}", agencies.join(", "))
    };
    let kinds: Vec<&str> = report
        .counts_by_kind()
        .into_iter()
        .map(|(k, _)| k.as_str())
        .collect();
    let pages = report.pages_to_fix();
    let answers: Vec<&Finding> = report.answers().collect();
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta http-equiv="Content-Security-Policy" content=(csp);
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(CSS)) }
            }
            body {
                header {
                    h1 { (title) }
                    p.meta { "Inventory " code { (report.inventory) } " · crawl run " (report.run_id) " started " (report.crawled_at) " · report written " (report.generated_at) }
                }
                main {
                    section.answer aria-labelledby="answer" {
                        h2 #answer style="border:0;margin-top:0" { "The answer" }
                        p.lead { (report.headline()) }
                        div.decisions {
                            @for s in report.web_sites() {
                                div.decision {
                                    (recommendation_badge(s.recommendation.as_deref())) " "
                                    a href={"#site-" (host(&s.site))} { strong { (host(&s.site)) } }
                                    @if let Some(m) = &s.merge_into { " → " (host(m)) }
                                    @if let Some(first) = s.evidence.as_ref().and_then(|e| e.first()) { br; span.meta { (first) } }
                                }
                            }
                        }
                        @let problems = report.top_problems();
                        @if !problems.is_empty() {
                            h3 { "Top problems" }
                            ol { @for p in &problems { li { (p) } } }
                        }
                    }
                    @if let Some(p) = &report.progress {
                        section aria-labelledby="progress" {
                            h2 #progress { "Progress since the last run" }
                            p { "Compared with run " (p.previous.id) " (started " (p.previous.started_at) "): "
                                strong { (p.fixed_count) " fixed" } ", " strong { (p.new) " new" } ", " (p.still_open) " still open." }
                            @if !p.fixed.is_empty() {
                                details {
                                    summary { "Fixed findings (" (p.fixed_count) ")" }
                                    table { thead { tr { th { "Kind" } th { "Page" } th { "What it was" } } }
                                        tbody { @for f in p.fixed.iter() { tr { td { (f.kind) } td { (page_link(&f.url, &f.url)) } td { (f.message) } } } } }
                                }
                            }
                        }
                    }
                    section aria-labelledby="overlap" {
                        h2 #overlap { "Which sites overlap" }
                        p { "Each cell: the share of the row site's pages that are copies of pages on the column site, then the two sites' topic similarity (0–1). Darker means a higher merge score (rules/consolidation.toml)." }
                        (heat_map(report))
                    }
                    section aria-labelledby="sites" {
                        h2 #sites { "Sites" }
                        div.cards { @for s in report.web_sites() { (scorecard(report, s)) } }
                        @let channels: Vec<&crate::store::SiteRow> = report.channels().collect();
                        @if !channels.is_empty() {
                            h3 { "Other channels compared" }
                            ul { @for c in channels { li { (c.name.as_deref().unwrap_or(&c.site)) " (" (c.channel) ", " code { (c.site) } "): " (num(c.inconsistent_answers)) " inconsistent answers" } } }
                        }
                    }
                    @if !answers.is_empty() {
                        section aria-labelledby="answers" {
                            h2 #answers { "Questions answered differently" }
                            table.sortable {
                                thead { tr { th { "Question" } th { "Fact" } th { "Answers given" } } }
                                tbody {
                                    @for f in &answers {
                                        tr {
                                            td { (f.extra.get("question").and_then(Value::as_str).unwrap_or("")) }
                                            td { (f.extra.get("fact_type").and_then(Value::as_str).unwrap_or("")) }
                                            td {
                                                ul {
                                                    @for v in f.extra.get("values").and_then(Value::as_array).into_iter().flatten() {
                                                        li {
                                                            strong { (v.get("value").and_then(Value::as_str).unwrap_or("")) } ": "
                                                            @for (i, u) in v.get("urls").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).enumerate() {
                                                                @if i > 0 { ", " }
                                                                (page_link(u, u))
                                                            }
                                                        }
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    section aria-labelledby="pages" {
                        h2 #pages { "Pages to fix" }
                        p { (report.pages_with_findings()) " pages have findings" @if report.pages_with_findings() > MAX_PAGE_ROWS { "; the first " (MAX_PAGE_ROWS) " are listed (all in findings.csv)" } ". "
                            "Pages with the most distinct problems come first: 40 broken links on one page are one problem (broken links) with 40 findings." }
                        table.sortable {
                            thead { tr { th { "Page" } th.num { "Problems (errors)" } th.num { "Problems (warnings)" } th.num { "Problems (notes)" } th.num { "Findings" } th { "Kinds" } } }
                            tbody {
                                @for p in pages.iter().take(MAX_PAGE_ROWS) {
                                    tr {
                                        td { @if let Some(t) = &p.title { (t) br; } (page_link(&p.url, &p.url)) }
                                        td.num { (p.problems[0]) } td.num { (p.problems[1]) } td.num { (p.problems[2]) }
                                        td.num { (p.counts[0] + p.counts[1] + p.counts[2]) }
                                        td { (p.kinds.join(", ")) }
                                    }
                                }
                            }
                        }
                    }
                    section aria-labelledby="findings" {
                        h2 #findings { "Findings, one row per fix" }
                        @let (fixes, left) = report.fixes_shown();
                        p { (report.finding_count()) " findings in " (report.fixes().len()) " fixes. "
                            "A fix is the findings of one kind on one site about the same link, rule or group; its pages are every page concerned (a link in the site's template counts every page it is on)." }
                        table {
                            thead { tr { th { "Kind" } th { "What it means" } th.num { "Errors" } th.num { "Warnings" } th.num { "Notes" } th.num { "Fixes" } th.num { "Pages concerned" } } }
                            tbody {
                                @for (k, c, n, p) in report.kinds_summary() {
                                    tr { td { (k) } td { (kind_meaning(k)) } td.num { (c[0]) } td.num { (c[1]) } td.num { (c[2]) } td.num { (n) } td.num { (p) } }
                                }
                            }
                        }
                        p { "Below, the fixes, most severe first, then those that concern the most pages"
                            @if !left.is_empty() { "; every kind is listed in proportion to its fixes, at least " (FIX_ROWS_PER_KIND) " each. Not listed here (all in findings.csv): "
                                @for (i, (k, n)) in left.iter().enumerate() { @if i > 0 { ", " } (n) " " (k) } }
                            "." }
                        (filters("findings-table", report, &kinds))
                        table.sortable #findings-table {
                            thead { tr { th { "Severity" } th { "Kind" } th { "Site" } th { "What to fix" } th.num { "Pages" } th.num { "Findings" } th { "Pages concerned" } } }
                            tbody { @for (g, f) in &fixes { (fix_row(report, g, f)) } }
                        }
                    }
                }
                footer { p.meta { "Written by govaudit. Data files beside this report: findings.csv, pages.csv, sites.csv, survey.csv." } }
                script { (PreEscaped(JS)) }
            }
        }
    };
    markup.into_string()
}
