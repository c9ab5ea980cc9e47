//! The command-line edge: parses arguments, builds configs, runs one library entry per command and
//! prints results (data on stdout, messages and progress on stderr).

mod args;
mod config;
mod progress;

use std::io::Write;
use std::ops::ControlFlow;
use std::path::Path;

use anyhow::{Context, Result};
use clap::Parser;
use serde_json::{Map, Value};

use govaudit::inventory::{self, ProblemLevel};
use govaudit::report::tables::{
    site_rows, FINDING_COLUMNS, PAGE_COLUMNS, PAGE_TABLE_COLUMNS, SITE_COLUMNS, SITE_TABLE_COLUMNS,
};
use govaudit::report::{self, Format};
use govaudit::{crawl, CrawlSummary, Store};

pub use config::BadInput;

use args::{Cli, Command, InventoryAction};

/// Parses the command line and runs the command.
pub fn run() -> Result<()> {
    let cli = Cli::parse();
    init_logging(cli.debug);
    let db = config::db_path(&cli.db);
    match cli.command {
        Command::Crawl { inventory, crawl } => {
            let summary = crawl_inventory(&inventory, &crawl, &db, cli.quiet)?;
            print_crawl_summary(&summary, &db);
            Ok(())
        }
        Command::Run {
            inventory,
            crawl,
            out,
            rules,
        } => {
            let rules = config::rules(&rules)?;
            let summary = crawl_inventory(&inventory, &crawl, &db, cli.quiet)?;
            print_crawl_summary(&summary, &db);
            audit(&db, &rules, false, cli.quiet)?;
            write_report(&db, &out, &report::Output::ALL)
        }
        Command::Report { out, format } => {
            let outputs = report::Output::parse_list(&format).map_err(BadInput)?;
            write_report(&db, &out, &outputs)
        }
        Command::Audit { rules, full } => audit(&db, &config::rules(&rules)?, full, cli.quiet),
        Command::Findings {
            kinds,
            site,
            format,
        } => {
            let store = open_listing(&db)?;
            print_findings(&store, &kinds, site.as_deref(), format.into())
        }
        Command::Pages { site, format } => {
            let store = open_listing(&db)?;
            print_pages(&store, site.as_deref(), format.into())
        }
        Command::Sites { format } => {
            let store = open_listing(&db)?;
            print_sites(&store, format.into())
        }
        Command::Inventory {
            action: InventoryAction::Check { file },
        } => inventory_check(&file),
        Command::Demo { out } => demo(&out, cli.db.as_deref(), cli.quiet),
        Command::Lint {
            files,
            format,
            rules,
        } => lint(&files, format, &config::rules(&rules)?),
    }
}

fn init_logging(debug: bool) {
    let level = if debug { "debug" } else { "warn" };
    let env =
        env_logger::Env::default().filter_or("GOVAUDIT_LOG", format!("govaudit={level},error"));
    let _ = env_logger::Builder::from_env(env)
        .format_timestamp(None)
        .target(env_logger::Target::Stderr)
        .try_init();
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

fn crawl_inventory(
    inventory_path: &Path,
    args: &args::CrawlArgs,
    db: &Path,
    quiet: bool,
) -> Result<CrawlSummary> {
    let inv = inventory::load(inventory_path).map_err(govaudit::Error::from)?;
    for p in inv
        .problems
        .iter()
        .filter(|p| p.level == ProblemLevel::Warning)
    {
        eprintln!(
            "{} line {}: {}",
            inventory_path.display(),
            p.line,
            p.message
        );
    }
    let config = config::crawl_config(inventory_path, &inv, args)?;
    let store = Store::open(db)
        .map_err(govaudit::Error::from)
        .with_context(|| format!("opening the database {}", db.display()))?;
    let _lock = store.lock_for_writing().map_err(govaudit::Error::from)?;
    let bar = progress::CrawlProgress::new(quiet);
    let rt = runtime()?;
    let summary = rt
        .block_on(crawl(&config, &store, &|p| bar.update(p)))
        .map_err(govaudit::Error::from)?;
    bar.finish();
    Ok(summary)
}

fn audit(db: &Path, rules: &govaudit::rules::RuleSet, full: bool, quiet: bool) -> Result<()> {
    let store = open_existing(db)?;
    let _lock = store.lock_for_writing().map_err(govaudit::Error::from)?;
    let bar = progress::AuditBar::new(quiet);
    let summary = govaudit::audit::run_with(&store, rules, !full, &|p| bar.update(p));
    bar.finish();
    let summary = summary.map_err(govaudit::Error::from)?;
    eprintln!(
        "audited run {}: {} findings ({})",
        summary.run_id,
        summary.total,
        counts_text(&summary)
    );
    if summary.reused > 0 {
        eprintln!(
            "{} of {} pages unchanged since the last audit: what it measured on them was reused (--full reads every page again)",
            summary.reused, summary.pages
        );
    }
    if !store
        .run_finished(summary.run_id)
        .map_err(govaudit::Error::from)?
    {
        let queued = store
            .run_totals(summary.run_id)
            .map_err(govaudit::Error::from)?
            .queued;
        eprintln!(
            "partial: run {}'s crawl did not finish ({queued} addresses still queued); these findings cover only the pages fetched so far. Run `govaudit crawl` again to finish it.",
            summary.run_id
        );
    }
    Ok(())
}

/// "5 broken_link, 1 soft_404", or "none".
fn counts_text(summary: &govaudit::audit::AuditSummary) -> String {
    if summary.counts.is_empty() {
        return "none".to_string();
    }
    summary
        .counts
        .iter()
        .map(|(k, n)| format!("{n} {k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn print_findings(
    store: &Store,
    kinds: &[govaudit::FindingKind],
    site: Option<&str>,
    format: Format,
) -> Result<()> {
    let mut out = std::io::stdout().lock();
    // Written as the store reads the findings, so a listing of millions holds one at a time;
    // the first failed write (`| head` closing the pipe) stops the reading.
    let mut failed: Option<std::io::Error> = None;
    let mut keep = |written: std::io::Result<()>| match written {
        Ok(()) => ControlFlow::Continue(()),
        Err(e) => {
            failed = Some(e);
            ControlFlow::Break(())
        }
    };
    match format {
        Format::Json => {
            // Each finding with exactly its own fields, as the interface specifies.
            report::tables::each_finding_row(store, kinds, site, &mut |r| {
                keep(
                    serde_json::to_writer(&mut out, &r)
                        .map_err(std::io::Error::from)
                        .and_then(|()| out.write_all(b"\n")),
                )
            })
            .map_err(govaudit::Error::from)?;
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(&mut out);
            w.write_record(FINDING_COLUMNS)?;
            report::tables::each_finding_row(store, kinds, site, &mut |r| {
                keep(
                    w.write_record(report::csv_cells(FINDING_COLUMNS, &r))
                        .map_err(report::csv_io),
                )
            })
            .map_err(govaudit::Error::from)?;
            w.flush()?;
        }
        Format::Table => {
            // Grouped by target in SQL and read twice (widths, then lines): one snapshot.
            store
                .snapshot(|| {
                    report::write_rows_from(&mut out, format, report::BY_TARGET_COLUMNS, &|each| {
                        report::tables::each_finding_group_row(store, kinds, site, each)
                    })
                })
                .map_err(govaudit::Error::from)?;
        }
    }
    if let Some(e) = failed {
        return Err(e.into());
    }
    out.flush()?;
    Ok(())
}

fn print_crawl_summary(s: &CrawlSummary, db: &Path) {
    let rate = if s.elapsed_s > 0.0 {
        s.pages as f64 / s.elapsed_s
    } else {
        0.0
    };
    eprintln!(
        "{} run {}: {} sites, {} pages fetched, {} external links checked, {} without a response, in {:.1} s ({:.0} pages/s)",
        if s.resumed { "continued" } else { "crawled" },
        s.run_id,
        s.sites,
        s.pages,
        s.checks,
        s.errors,
        s.elapsed_s,
        rate
    );
    if s.interrupted || s.queued_left > 0 {
        eprintln!(
            "{} URLs are still queued; run the same command again to continue{}",
            s.queued_left,
            if s.interrupted {
                ""
            } else {
                " (or raise --max-pages-per-site)"
            }
        );
    }
    if s.pages == 0 && !s.resumed {
        eprintln!(
            "nothing was fetched: check robots.txt and --map, and re-run with --debug to see why"
        );
    }
    eprintln!("database: {}", db.display());
}

/// Opens the database for the commands that only read it (`findings`, `pages`, `sites`,
/// `report`): read-only, so a read-only copy can be listed and no file is changed.
fn open_listing(db: &Path) -> Result<Store> {
    open_with(db, Store::open_read_only)
}

/// Opens an existing database to write to it (`audit`).
fn open_existing(db: &Path) -> Result<Store> {
    open_with(db, Store::open)
}

fn open_with(db: &Path, open: fn(&Path) -> Result<Store, govaudit::store::Error>) -> Result<Store> {
    if !db.exists() {
        return Err(BadInput(format!(
            "no database at {}; run `govaudit crawl INVENTORY` first, or pass --db",
            db.display()
        ))
        .into());
    }
    open(db)
        .map_err(govaudit::Error::from)
        .with_context(|| format!("opening the database {}", db.display()))
}

fn print_pages(store: &Store, site: Option<&str>, format: Format) -> Result<()> {
    let cols = if format == Format::Table {
        PAGE_TABLE_COLUMNS
    } else {
        PAGE_COLUMNS
    };
    let mut out = std::io::stdout().lock();
    store
        .snapshot(|| {
            report::write_rows_from(&mut out, format, cols, &|each| {
                store.each_page(site, &mut |p| each(report::tables::to_row(&p)))
            })
        })
        .map_err(govaudit::Error::from)?;
    out.flush()?;
    Ok(())
}

fn print_sites(store: &Store, format: Format) -> Result<()> {
    let rows = site_rows(store).map_err(govaudit::Error::from)?;
    let cols = if format == Format::Table {
        SITE_TABLE_COLUMNS
    } else {
        SITE_COLUMNS
    };
    let mut out = std::io::stdout().lock();
    report::write_rows(&mut out, format, cols, &rows)?;
    out.flush()?;
    Ok(())
}

fn write_report(db: &Path, out_dir: &Path, outputs: &[report::Output]) -> Result<()> {
    let store = open_listing(db)?;
    let written = report::write_report(&store, out_dir, outputs).map_err(govaudit::Error::from)?;
    for p in &written {
        eprintln!("wrote {}", p.display());
    }
    if let Some(first) = written.first() {
        println!("report: {}", first.display());
    }
    Ok(())
}

/// Text for the terminal: control characters that came from a file or a crawled page (escape
/// sequences) shown as the replacement character.
pub fn printable(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect()
}

fn inventory_check(file: &Path) -> Result<()> {
    let inv = inventory::read(file).map_err(govaudit::Error::from)?;
    let errors = inv.errors().count();
    let warnings = inv.problems.len() - errors;
    let web = inv.web_sites().count();
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", file.display())?;
    writeln!(
        out,
        "  {} rows, {} sites ({} web, {} other channels), {} agencies",
        inv.rows,
        inv.sites.len(),
        web,
        inv.sites.len() - web,
        inv.agencies().len()
    )?;
    writeln!(out, "  {errors} errors, {warnings} warnings")?;
    for p in &inv.problems {
        let level = match p.level {
            ProblemLevel::Error => "error",
            ProblemLevel::Warning => "warning",
        };
        writeln!(out, "  line {}: {level}: {}", p.line, printable(&p.message))?;
    }
    for s in inv
        .sites
        .iter()
        .filter(|s| s.path.as_ref().is_some_and(|p| !p.exists()))
    {
        writeln!(
            out,
            "  line {}: error: {} names a file that does not exist: {}",
            s.source_line,
            s.channel.as_str(),
            s.path
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        )?;
    }
    out.flush()?;
    let missing_files = inv
        .sites
        .iter()
        .any(|s| s.path.as_ref().is_some_and(|p| !p.exists()));
    if errors > 0 || missing_files {
        return Err(BadInput(format!(
            "{}: the inventory has problems; fix the lines above",
            file.display()
        ))
        .into());
    }
    Ok(())
}

fn demo(out: &Path, db: Option<&Path>, quiet: bool) -> Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let fresh = db.is_none();
    let db_path = db
        .map(Path::to_path_buf)
        .unwrap_or_else(|| out.join("govaudit.db"));
    let bar = progress::CrawlProgress::new(quiet);
    let rt = runtime()?;
    let run = rt
        .block_on(govaudit::demo::run(out, &db_path, fresh, &|p| {
            bar.update(p)
        }))
        .context("running the demo")?;
    bar.finish();
    let store = Store::open(&run.db).map_err(govaudit::Error::from)?;
    let audit = govaudit::audit::run(&store, &govaudit::rules::RuleSet::builtin())
        .map_err(govaudit::Error::from)?;
    let mut stdout = std::io::stdout().lock();
    writeln!(
        stdout,
        "govaudit demo: the Federal Housing Assistance Agency example ({} sites served on 127.0.0.1)",
        run.servers.len()
    )?;
    writeln!(
        stdout,
        "crawled {} pages and checked {} external links in {:.1} s",
        run.crawl.pages, run.crawl.checks, run.crawl.elapsed_s
    )?;
    writeln!(stdout, "findings so far: {}", counts_text(&audit))?;
    writeln!(stdout)?;
    report::write_rows(
        &mut stdout,
        Format::Table,
        SITE_TABLE_COLUMNS,
        &site_rows(&store).map_err(govaudit::Error::from)?,
    )?;
    writeln!(stdout)?;
    let report_dir = out.join("report");
    let written = report::write_report(&store, &report_dir, &report::Output::ALL)
        .map_err(govaudit::Error::from)?;
    if let Some(r) = report::story::Report::load(&store).map_err(govaudit::Error::from)? {
        writeln!(stdout, "{}", r.headline())?;
    }
    writeln!(stdout)?;
    writeln!(stdout, "inventory: {}", run.inventory.display())?;
    writeln!(stdout, "database:  {}", run.db.display())?;
    if let Some(index) = written.first() {
        writeln!(stdout, "report:    {}", index.display())?;
    }
    writeln!(
        stdout,
        "next: open the report in a browser, or: govaudit --db {} findings --format table",
        run.db.display()
    )?;
    Ok(())
}

fn lint(
    files: &[std::path::PathBuf],
    format: args::LintFormat,
    rules: &govaudit::rules::RuleSet,
) -> Result<()> {
    let mut reports = Vec::with_capacity(files.len());
    for f in files {
        reports.push(govaudit::lint::lint_file(f, rules).map_err(govaudit::Error::from)?);
    }
    let mut out = std::io::stdout().lock();
    if format == args::LintFormat::Json {
        for r in &reports {
            let mut m = Map::new();
            m.insert("file".into(), Value::String(r.file.clone()));
            for (name, value) in r.scores.named() {
                m.insert(name.into(), Value::from(value));
            }
            m.insert(
                "sentence_count".into(),
                Value::from(r.counts.sentence_count()),
            );
            m.insert("word_count".into(), Value::from(r.counts.words));
            m.insert("syllable_count".into(), Value::from(r.counts.syllables));
            let findings: Vec<Value> = r
                .findings
                .iter()
                .map(|f| {
                    let mut o = Map::new();
                    o.insert("kind".into(), Value::String(f.kind.to_string()));
                    o.insert("severity".into(), Value::String(f.severity.as_str().into()));
                    o.insert("message".into(), Value::String(f.message.clone()));
                    o.extend(f.extra.clone());
                    Value::Object(o)
                })
                .collect();
            m.insert("findings".into(), Value::Array(findings));
            writeln!(out, "{}", Value::Object(m))?;
        }
    } else {
        let rows: Vec<Map<String, Value>> = reports
            .iter()
            .map(|r| {
                let mut m = Map::new();
                m.insert("file".into(), Value::String(r.file.clone()));
                m.insert("words".into(), Value::from(r.counts.words));
                m.insert("sentences".into(), Value::from(r.counts.sentence_count()));
                m.insert(
                    "grade".into(),
                    Value::from(round1(r.scores.flesch_kincaid_grade)),
                );
                m.insert(
                    "reading_ease".into(),
                    Value::from(round1(r.scores.flesch_reading_ease)),
                );
                m.insert("findings".into(), Value::from(r.findings.len()));
                m
            })
            .collect();
        report::write_rows(
            &mut out,
            Format::Table,
            &[
                "file",
                "words",
                "sentences",
                "grade",
                "reading_ease",
                "findings",
            ],
            &rows,
        )?;
        for r in &reports {
            for f in &r.findings {
                writeln!(out, "{}: {}: {}", r.file, f.severity.as_str(), f.message)?;
            }
        }
    }
    out.flush()?;
    Ok(())
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}
