//! Formats what the store holds for people and programs: the listings (NDJSON, CSV or an aligned
//! table) and `govaudit report`'s folder: `index.html` ([`html`]), `report.md` ([`markdown`]),
//! `findings.csv`, `pages.csv`, `sites.csv`, `survey.csv` and their NDJSON twins.
//!
//! Reads: the store (read-only). Writes: to the given writer or the report folder. Never computes
//! a finding: [`story`] only counts, sorts and compares what the audits stored.

pub mod html;
pub mod markdown;
pub mod sites;
pub mod story;
pub mod tables;

use std::io::Write;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::store::{self, Store};

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Nothing was crawled into this database yet.
    #[error(
        "the database has no crawl yet; run `govaudit crawl INVENTORY` and `govaudit audit` first"
    )]
    NoCrawl,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] store::Error),
    /// A listing could not be written to its output.
    #[error("writing the listing")]
    Output(#[source] std::io::Error),
    /// A file could not be written.
    #[error(
        "writing {path}: {source}; check the folder exists and is writable, or pass another --out"
    )]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// A file set `govaudit report` can write (`--format html,md,csv,json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// `index.html`.
    Html,
    /// `report.md`.
    Markdown,
    /// `findings.csv`, `pages.csv`, `sites.csv`, `survey.csv`.
    Csv,
    /// `findings.ndjson`, `pages.ndjson`, `sites.ndjson`.
    Json,
}

impl Output {
    /// Every output, the default.
    pub const ALL: [Output; 4] = [Output::Html, Output::Markdown, Output::Csv, Output::Json];

    /// Parses `html,md,csv,json`.
    pub fn parse_list(s: &str) -> Result<Vec<Output>, String> {
        let mut out = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let o = match part.to_ascii_lowercase().as_str() {
                "html" => Output::Html,
                "md" | "markdown" => Output::Markdown,
                "csv" => Output::Csv,
                "json" | "ndjson" => Output::Json,
                other => {
                    return Err(format!(
                        "unknown report format {other:?}; use any of html, md, csv, json (e.g. --format html,csv)"
                    ))
                }
            };
            if !out.contains(&o) {
                out.push(o);
            }
        }
        if out.is_empty() {
            return Err("no report format given; use any of html, md, csv, json".into());
        }
        Ok(out)
    }
}

/// Columns `survey.csv` adds after the inventory's own.
pub const SURVEY_COLUMNS: &[&str] = &[
    "domain_status",
    "final_url",
    "pages",
    "broken_links",
    "duplicated_share",
    "median_grade",
    "governance_passed",
    "governance_failed",
    "recommendation",
    "merge_into",
    "governance_unknown",
    "governance_failing",
    "newest_update",
    "newest_update_source",
];

/// Why writing one report file stopped.
enum Fail {
    Io(std::io::Error),
    Store(store::Error),
}

impl From<std::io::Error> for Fail {
    fn from(e: std::io::Error) -> Self {
        Fail::Io(e)
    }
}

/// Writes the report files into `out` and returns their paths, `index.html` first.
pub fn write_report(store: &Store, out: &Path, outputs: &[Output]) -> Result<Vec<PathBuf>, Error> {
    // The report reads the run several times (its tally, the pages to fix, the data files):
    // all from one snapshot, so an audit finishing meanwhile cannot make its parts disagree.
    store.snapshot(|| write_report_from(store, out, outputs))
}

fn write_report_from(store: &Store, out: &Path, outputs: &[Output]) -> Result<Vec<PathBuf>, Error> {
    let report = story::Report::load(store)?.ok_or(Error::NoCrawl)?;
    std::fs::create_dir_all(out).map_err(|source| Error::Write {
        path: out.to_path_buf(),
        source,
    })?;
    let mut written = Vec::new();
    // Each file is streamed to a temporary name beside it and renamed, so a reader never sees
    // half a report and a large run is never held in memory as text.
    let mut put = |name: &str,
                   body: &mut dyn FnMut(&mut dyn Write) -> Result<(), Fail>|
     -> Result<(), Error> {
        let path = out.join(name);
        let tmp = out.join(format!(".{name}.tmp"));
        let result = std::fs::File::create(&tmp)
            .map_err(Fail::Io)
            .and_then(|f| {
                let mut w = std::io::BufWriter::new(f);
                body(&mut w)?;
                Ok(w.flush()?)
            })
            .and_then(|()| Ok(std::fs::rename(&tmp, &path)?));
        match result {
            Ok(()) => {
                written.push(path);
                Ok(())
            }
            Err(fail) => {
                let _ = std::fs::remove_file(&tmp);
                Err(match fail {
                    Fail::Io(source) => Error::Write { path, source },
                    Fail::Store(e) => Error::Store(e),
                })
            }
        }
    };
    if outputs.contains(&Output::Html) {
        put("index.html", &mut |w| {
            Ok(w.write_all(html::render(&report).as_bytes())?)
        })?;
    }
    if outputs.contains(&Output::Markdown) {
        put("report.md", &mut |w| {
            Ok(w.write_all(markdown::render(&report).as_bytes())?)
        })?;
    }
    // The same rows as `govaudit findings/pages/sites` print, read from the store one at a time.
    let run = report.run_id;
    let findings = |each: &mut dyn FnMut(Map<String, Value>) -> ControlFlow<()>| {
        store.each_finding(run, &[], None, &mut |f| each(tables::to_row(&f)))
    };
    let pages = |each: &mut dyn FnMut(Map<String, Value>) -> ControlFlow<()>| {
        store.each_page(None, &mut |p| each(tables::to_row(&p)))
    };
    let sites = |each: &mut dyn FnMut(Map<String, Value>) -> ControlFlow<()>| {
        for s in &report.sites {
            if each(tables::to_row(s)).is_break() {
                break;
            }
        }
        Ok(())
    };
    if outputs.contains(&Output::Csv) {
        put("findings.csv", &mut |w| {
            stream_csv(w, tables::FINDING_COLUMNS, &findings)
        })?;
        put("pages.csv", &mut |w| {
            stream_csv(w, tables::PAGE_COLUMNS, &pages)
        })?;
        put("sites.csv", &mut |w| {
            stream_csv(w, tables::SITE_COLUMNS, &sites)
        })?;
        let (columns, rows) = survey_rows(&report);
        let cols: Vec<&str> = columns.iter().map(String::as_str).collect();
        put("survey.csv", &mut |w| Ok(write_csv(w, &cols, &rows)?))?;
    }
    if outputs.contains(&Output::Json) {
        put("findings.ndjson", &mut |w| stream_ndjson(w, &findings))?;
        put("pages.ndjson", &mut |w| stream_ndjson(w, &pages))?;
        put("sites.ndjson", &mut |w| stream_ndjson(w, &sites))?;
    }
    Ok(written)
}

/// Rows as a reader hands them over, one at a time; the receiver returns
/// [`ControlFlow::Break`] when it wants no more (its output failed: a closed pipe, a full disk).
pub type EachRow<'a> =
    dyn Fn(&mut dyn FnMut(Map<String, Value>) -> ControlFlow<()>) -> Result<(), store::Error> + 'a;

/// Stops the reading at the first failed write, keeping the error for the caller.
fn keep_first(
    failed: &mut Option<std::io::Error>,
    written: std::io::Result<()>,
) -> ControlFlow<()> {
    match written {
        Ok(()) => ControlFlow::Continue(()),
        Err(e) => {
            *failed = Some(e);
            ControlFlow::Break(())
        }
    }
}

/// CSV with a header row, written as the rows are read.
fn stream_csv(out: &mut dyn Write, columns: &[&str], rows: &EachRow<'_>) -> Result<(), Fail> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(columns).map_err(csv_io)?;
    let mut failed: Option<std::io::Error> = None;
    rows(&mut |row| {
        let written = w.write_record(csv_cells(columns, &row)).map_err(csv_io);
        keep_first(&mut failed, written)
    })
    .map_err(Fail::Store)?;
    if let Some(e) = failed {
        return Err(Fail::Io(e));
    }
    Ok(w.flush()?)
}

/// One JSON object per line, written as the rows are read.
fn stream_ndjson(out: &mut dyn Write, rows: &EachRow<'_>) -> Result<(), Fail> {
    let mut failed: Option<std::io::Error> = None;
    rows(&mut |row| {
        let written = serde_json::to_writer(&mut *out, &row)
            .map_err(std::io::Error::from)
            .and_then(|()| out.write_all(b"\n"));
        keep_first(&mut failed, written)
    })
    .map_err(Fail::Store)?;
    match failed {
        Some(e) => Err(Fail::Io(e)),
        None => Ok(()),
    }
}

/// An aligned table, read twice: once for the columns' widths, once to write the lines, so a
/// table of millions of rows holds one row at a time. The caller reads both times from one
/// snapshot of the store ([`Store::snapshot`]), so both passes see the same rows.
fn stream_table(out: &mut dyn Write, columns: &[&str], rows: &EachRow<'_>) -> Result<(), Fail> {
    let cells = |row: &Map<String, Value>| -> Vec<String> {
        columns
            .iter()
            .map(|c| shorten(&cell(row.get(*c))))
            .collect()
    };
    let mut widths: Vec<usize> = columns.iter().map(|c| c.chars().count()).collect();
    rows(&mut |row| {
        for (w, v) in widths.iter_mut().zip(cells(&row)) {
            *w = (*w).max(v.chars().count());
        }
        ControlFlow::Continue(())
    })
    .map_err(Fail::Store)?;
    let line = |out: &mut dyn Write, vals: &[String]| -> std::io::Result<()> {
        let mut s = String::new();
        for (i, v) in vals.iter().enumerate() {
            if i > 0 {
                s.push_str("  ");
            }
            s.push_str(v);
            if i + 1 < vals.len() {
                let pad = widths[i].saturating_sub(v.chars().count());
                s.extend(std::iter::repeat_n(' ', pad));
            }
        }
        writeln!(out, "{s}")
    };
    let header: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
    line(out, &header)?;
    let mut failed: Option<std::io::Error> = None;
    rows(&mut |row| {
        let written = line(out, &cells(&row));
        keep_first(&mut failed, written)
    })
    .map_err(Fail::Store)?;
    match failed {
        Some(e) => Err(Fail::Io(e)),
        None => Ok(()),
    }
}

/// A CSV writer's error as the I/O error it carries, so a closed pipe (`| head`) is seen as one.
pub fn csv_io(e: csv::Error) -> std::io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

/// One row's CSV cells in `columns` order, as [`write_rows`] writes them (formulas defused):
/// for listings that write rows as the store reads them.
pub fn csv_cells(columns: &[&str], row: &Map<String, Value>) -> Vec<String> {
    columns
        .iter()
        .map(|c| formula_safe(cell(row.get(*c))))
        .collect()
}

fn write_csv<R: std::borrow::Borrow<Map<String, Value>>>(
    out: &mut dyn Write,
    columns: &[&str],
    rows: impl IntoIterator<Item = R>,
) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(columns).map_err(csv_io)?;
    for row in rows {
        w.write_record(csv_cells(columns, row.borrow()))
            .map_err(csv_io)?;
    }
    w.flush()
}

/// `survey.csv`: one row per web site in the inventory's own columns, then [`SURVEY_COLUMNS`].
fn survey_rows(report: &story::Report) -> (Vec<String>, Vec<Map<String, Value>>) {
    let mut columns: Vec<String> = Vec::new();
    for s in report.web_sites() {
        for (h, _) in &s.inventory_row {
            if !columns.contains(h) && !SURVEY_COLUMNS.contains(&h.as_str()) {
                columns.push(h.clone());
            }
        }
    }
    let mut rows = Vec::new();
    for s in report.web_sites() {
        let mut m = Map::new();
        for (h, v) in &s.inventory_row {
            m.insert(h.clone(), Value::String(v.clone()));
        }
        let fig = |k: &str| {
            s.figures
                .as_ref()
                .and_then(|f| f.get(k))
                .cloned()
                .unwrap_or(Value::Null)
        };
        m.insert("domain_status".into(), fig("domain_status"));
        m.insert("final_url".into(), fig("final_url"));
        m.insert(
            "pages".into(),
            Value::from(s.audited_pages.unwrap_or(s.html_pages)),
        );
        m.insert(
            "broken_links".into(),
            s.broken_links.map_or(Value::Null, Value::from),
        );
        m.insert(
            "duplicated_share".into(),
            s.duplicate_share.map_or(Value::Null, Value::from),
        );
        m.insert(
            "median_grade".into(),
            s.median_grade.map_or(Value::Null, Value::from),
        );
        m.insert(
            "governance_passed".into(),
            s.governance_passed.map_or(Value::Null, Value::from),
        );
        m.insert(
            "governance_failed".into(),
            s.governance_failed.map_or(Value::Null, Value::from),
        );
        m.insert(
            "recommendation".into(),
            s.recommendation.clone().map_or(Value::Null, Value::String),
        );
        m.insert(
            "merge_into".into(),
            s.merge_into.clone().map_or(Value::Null, Value::String),
        );
        m.insert(
            "governance_unknown".into(),
            s.governance_skipped.map_or(Value::Null, Value::from),
        );
        let failing_list = fig("governance_failing");
        let failing: Vec<&str> = failing_list
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        m.insert(
            "governance_failing".into(),
            Value::String(failing.join("; ")),
        );
        m.insert("newest_update".into(), fig("newest_update"));
        m.insert("newest_update_source".into(), fig("newest_update_source"));
        rows.push(m);
    }
    columns.extend(SURVEY_COLUMNS.iter().map(|c| c.to_string()));
    (columns, rows)
}

/// An output format of the listing commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line (NDJSON).
    Json,
    /// CSV with a header row.
    Csv,
    /// An aligned text table for a terminal.
    Table,
}

/// Longest cell shown in a table (CSV and JSON are never cut).
pub const TABLE_CELL_CHARS: usize = 60;

/// Writes rows in a format as `rows` reads them, one row at a time, so a listing of millions
/// never holds them all (a table reads its rows twice: the first time to align its columns).
pub fn write_rows_from(
    out: &mut dyn Write,
    format: Format,
    columns: &[&str],
    rows: &EachRow<'_>,
) -> Result<(), Error> {
    let failed = match format {
        Format::Json => stream_ndjson(out, &|each: &mut dyn FnMut(
            Map<String, Value>,
        ) -> ControlFlow<()>| {
            rows(&mut |row| each(ordered(columns, &row)))
        }),
        Format::Csv => stream_csv(out, columns, rows),
        Format::Table => stream_table(out, columns, rows),
    };
    match failed {
        Ok(()) => Ok(()),
        Err(Fail::Io(e)) => Err(Error::Output(e)),
        Err(Fail::Store(e)) => Err(Error::Store(e)),
    }
}

/// A row with exactly `columns`, in that order (null where it has none).
fn ordered(columns: &[&str], row: &Map<String, Value>) -> Map<String, Value> {
    let mut ordered = Map::new();
    for c in columns {
        ordered.insert(
            (*c).to_string(),
            row.get(*c).cloned().unwrap_or(Value::Null),
        );
    }
    ordered
}

/// Writes rows (JSON objects with the given columns, in that order) in a format.
pub fn write_rows(
    out: &mut dyn Write,
    format: Format,
    columns: &[&str],
    rows: &[serde_json::Map<String, Value>],
) -> std::io::Result<()> {
    match format {
        Format::Json => {
            for row in rows {
                serde_json::to_writer(&mut *out, &ordered(columns, row))?;
                out.write_all(b"\n")?;
            }
        }
        Format::Csv => write_csv(out, columns, rows)?,
        Format::Table => {
            match stream_table(out, columns, &|each: &mut dyn FnMut(
                Map<String, Value>,
            )
                -> ControlFlow<()>| {
                for row in rows {
                    if each(row.clone()).is_break() {
                        break;
                    }
                }
                Ok(())
            }) {
                Ok(()) => {}
                Err(Fail::Io(e)) => return Err(e),
                Err(Fail::Store(e)) => return Err(std::io::Error::other(e)),
            }
        }
    }
    Ok(())
}

/// Columns of the findings table, one row per [`store::FindingGroup`]
/// ([`tables::finding_group_row`]).
pub const BY_TARGET_COLUMNS: &[&str] = &[
    "pages",
    "kind",
    "severity",
    "target",
    "example page",
    "message",
];

fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        // Lists of URLs: space-separated, as a spreadsheet user can split them.
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" "),
        Some(other) => other.to_string(),
    }
}

/// A cell a spreadsheet would run as a formula (`=HYPERLINK(…)` from a crawled title, `+cmd|…`
/// or `@SUM(…)` from an inventory) gets a leading apostrophe, so it is shown as text (OWASP's
/// advice for CSV injection). Numbers, negative ones included, stay numbers.
fn formula_safe(cell: String) -> String {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r', '|', '%']);
    if risky && cell.trim().parse::<f64>().is_err() {
        format!("'{cell}")
    } else {
        cell
    }
}

fn shorten(s: &str) -> String {
    // Control characters from a crawled title (ESC sequences that recolour, retitle or clear
    // the terminal) are shown as the replacement character, never sent to the terminal.
    let s: String = s
        .chars()
        .map(|c| {
            if c.is_control() && !c.is_whitespace() {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect();
    let one_line: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= TABLE_CELL_CHARS {
        one_line
    } else {
        let mut t: String = one_line.chars().take(TABLE_CELL_CHARS - 1).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_in_cells_are_text() {
        assert_eq!(
            formula_safe("=HYPERLINK(\"http://evil.example/\",\"x\")".into()),
            "'=HYPERLINK(\"http://evil.example/\",\"x\")"
        );
        assert_eq!(
            formula_safe("+cmd|' /C calc'!A0".into()),
            "'+cmd|' /C calc'!A0"
        );
        assert_eq!(formula_safe("@SUM(1+1)".into()), "'@SUM(1+1)");
        assert_eq!(formula_safe("-12.5".into()), "-12.5");
        assert_eq!(formula_safe("Fees and forms".into()), "Fees and forms");
    }

    #[test]
    fn terminal_escapes_never_reach_the_terminal() {
        let shown = shorten("Home\u{1b}]0;pwned\u{7}\u{1b}[2J page\u{9b}31m");
        assert!(!shown.chars().any(|c| c.is_control()), "{shown:?}");
        assert!(shown.starts_with("Home"));
    }

    fn rows() -> Vec<serde_json::Map<String, Value>> {
        let v =
            serde_json::json!({"url": "https://a.gov/", "status": 200, "title": "Home, \"sweet\""});
        vec![v.as_object().cloned().unwrap_or_default()]
    }

    #[test]
    fn formats() {
        let cols = ["url", "status", "title", "missing"];
        let mut out = Vec::new();
        write_rows(&mut out, Format::Json, &cols, &rows()).expect("json");
        assert_eq!(
            String::from_utf8_lossy(&out),
            "{\"url\":\"https://a.gov/\",\"status\":200,\"title\":\"Home, \\\"sweet\\\"\",\"missing\":null}\n"
        );
        let mut out = Vec::new();
        write_rows(&mut out, Format::Csv, &cols, &rows()).expect("csv");
        assert_eq!(
            String::from_utf8_lossy(&out),
            "url,status,title,missing\nhttps://a.gov/,200,\"Home, \"\"sweet\"\"\",\n"
        );
        let mut out = Vec::new();
        write_rows(&mut out, Format::Table, &cols, &rows()).expect("table");
        assert!(String::from_utf8_lossy(&out).starts_with("url             status  title"));
    }
}
