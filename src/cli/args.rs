//! The command line as clap structs: plain data, every flag documented where it is declared.
//!
//! Defaults come from the library's `DEFAULT_*` constants so `--help` and the library agree.

use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};

use govaudit::FindingKind;

use govaudit::crawl::{
    DEFAULT_CONCURRENCY, DEFAULT_DELAY_MS, DEFAULT_MAX_BODY_MB, DEFAULT_MAX_DEPTH,
    DEFAULT_MAX_PAGES_PER_SITE, DEFAULT_PER_HOST, DEFAULT_TIMEOUT_S, DEFAULT_USER_AGENT,
};

/// Audit a government agency's websites: crawl its inventory into SQLite and report what to fix.
#[derive(Debug, Parser)]
#[command(name = "govaudit", version, about, long_about = None)]
pub struct Cli {
    /// The SQLite database to use.
    ///
    /// Default: govaudit.db in the current folder. Example: --db audits/agency.db
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// No progress bars.
    ///
    /// Progress bars are shown only when stderr is a terminal; this hides them there too.
    #[arg(long, short, global = true)]
    pub quiet: bool,

    /// Explain decisions (robots.txt, scope, retries) on stderr.
    #[arg(long, global = true)]
    pub debug: bool,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// How the listing commands (`findings`, `pages`, `sites`) print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// One JSON object per line (NDJSON).
    Json,
    /// CSV with a header row.
    Csv,
    /// An aligned table for a terminal.
    Table,
}

impl From<ListFormat> for govaudit::report::Format {
    fn from(f: ListFormat) -> Self {
        match f {
            ListFormat::Json => govaudit::report::Format::Json,
            ListFormat::Csv => govaudit::report::Format::Csv,
            ListFormat::Table => govaudit::report::Format::Table,
        }
    }
}

/// How `lint` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LintFormat {
    /// One JSON object per file (NDJSON).
    Json,
    /// A table for a terminal.
    Table,
}

/// `--kind`: one of the finding kinds as outputs spell them; `--help` and errors list them all.
fn finding_kind_parser() -> impl TypedValueParser<Value = FindingKind> {
    PossibleValuesParser::new(FindingKind::ALL.map(FindingKind::as_str))
        .try_map(|s| FindingKind::parse(&s).ok_or("not a finding kind"))
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Crawl, audit, then write what was found, in one go.
    Run {
        /// The inventory CSV.
        inventory: PathBuf,
        /// Crawl settings.
        #[command(flatten)]
        crawl: CrawlArgs,
        /// Folder for the report (index.html, report.md, findings.csv, pages.csv, sites.csv,
        /// survey.csv and NDJSON twins).
        ///
        /// Default: govaudit-report. Example: --out reports/2026-11
        #[arg(long, value_name = "DIR", default_value = "govaudit-report")]
        out: PathBuf,
        /// Folder of rule files to use instead of the built-in ones.
        ///
        /// Default: the built-in rules (the rules/ folder of the govaudit source). Copy that
        /// folder, edit the copy and pass it; files left out keep their built-in values.
        /// Example: --rules my-rules
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
    },
    /// Fetch the inventory's sites into the database (resumable: re-run to continue).
    Crawl {
        /// The inventory CSV.
        inventory: PathBuf,
        /// Crawl settings.
        #[command(flatten)]
        crawl: CrawlArgs,
    },
    /// Recompute every finding from the stored pages (no network; same result on every run).
    ///
    /// Pages whose body did not change since the last audit (with the same rules, the same
    /// govaudit and the same site template) reuse what it measured on them, so a re-audit after a
    /// re-crawl reads only the pages that changed. The findings are the same either way.
    Audit {
        /// Folder of rule files to use instead of the built-in ones.
        ///
        /// Default: the built-in rules (the rules/ folder of the govaudit source). Copy that
        /// folder, edit the copy and pass it; files left out keep their built-in values.
        /// Example: --rules my-rules
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
        /// Read every page again instead of reusing what the last audit measured on unchanged
        /// pages (the findings are the same; for timing, or after a doubt).
        #[arg(long)]
        full: bool,
    },
    /// Check drafts for plain writing before they are published: readability and findings.
    Lint {
        /// The drafts: .txt (scored exactly as textstat does), .md or .html (read block by block,
        /// so headings and list items end sentences).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Output format: json (one object per file) or table.
        #[arg(long, value_enum, default_value_t = LintFormat::Table)]
        format: LintFormat,
        /// Folder of rule files to use instead of the built-in ones.
        ///
        /// Default: the built-in rules. Example: --rules my-rules
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
    },
    /// List findings (after `audit`).
    Findings {
        /// Only findings of this kind (repeatable; every kind when absent).
        ///
        /// Example: --kind broken_link --kind redirect_chain
        #[arg(long = "kind", value_name = "K", value_parser = finding_kind_parser())]
        kinds: Vec<FindingKind>,
        /// Only findings on this site (origin or host name).
        #[arg(long, value_name = "HOST")]
        site: Option<String>,
        /// Output format: json (NDJSON), csv, or table (grouped by target: one fix each).
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// List fetched pages.
    Pages {
        /// Only pages of this site (origin or host name).
        #[arg(long, value_name = "HOST")]
        site: Option<String>,
        /// Output format: json (NDJSON), csv or table.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Write the report: index.html (one self-contained file), report.md, CSV and NDJSON files.
    Report {
        /// Folder for the report files.
        ///
        /// Default: govaudit-report. Example: --out reports/2026-11
        #[arg(long, value_name = "DIR", default_value = "govaudit-report")]
        out: PathBuf,
        /// Which files: any of html (index.html), md (report.md), csv (findings, pages, sites,
        /// survey) and json (NDJSON twins), comma-separated.
        ///
        /// Default: html,md,csv,json. Example: --format html,csv
        #[arg(long, default_value = "html,md,csv,json")]
        format: String,
    },
    /// List the inventory's sites with their crawl figures.
    Sites {
        /// Output format: json (NDJSON), csv or table.
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Work with inventory files.
    Inventory {
        /// What to do with the inventory.
        #[command(subcommand)]
        action: InventoryAction,
    },
    /// Crawl and audit the bundled example agency, served on 127.0.0.1, and write its report.
    Demo {
        /// Folder for the example's files, database and report (OUT/report/index.html).
        ///
        /// Default: govaudit-demo. The database is OUT/govaudit.db unless --db is given.
        #[arg(long, value_name = "DIR", default_value = "govaudit-demo")]
        out: PathBuf,
    },
}

/// `govaudit inventory ...`
#[derive(Debug, Subcommand)]
pub enum InventoryAction {
    /// Validate an inventory without crawling: sites, agencies and every problem with its line.
    Check {
        /// The inventory CSV.
        file: PathBuf,
    },
}

/// Flags shared by `crawl` and `run`.
#[derive(Debug, Args, Clone)]
pub struct CrawlArgs {
    /// Fetch a public origin from another origin, repeatable.
    ///
    /// URLs are stored and reported under FROM. Example:
    /// --map https://www.example.gov=http://127.0.0.1:8081
    #[arg(long = "map", value_name = "FROM=TO")]
    pub map: Vec<String>,

    /// Most pages fetched per site.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_PAGES_PER_SITE)]
    pub max_pages_per_site: u64,

    /// Most links followed from a site's start URL.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_DEPTH)]
    pub max_depth: u32,

    /// Requests in flight over the whole crawl.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CONCURRENCY as u64, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub concurrency: u64,

    /// Requests in flight to one host.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_PER_HOST as u64, value_parser = clap::value_parser!(u64).range(1..=256))]
    pub per_host: u64,

    /// Milliseconds between requests to one host; a larger robots.txt Crawl-delay wins.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_DELAY_MS, value_parser = clap::value_parser!(u64).range(0..=600_000))]
    pub delay_ms: u64,

    /// Seconds before a request (headers and body) is given up.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_TIMEOUT_S, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout_s: u64,

    /// The User-Agent header; its first word is matched against robots.txt groups.
    #[arg(long, value_name = "S", default_value = DEFAULT_USER_AGENT)]
    pub user_agent: String,

    /// Do not check links that leave the inventory's sites.
    #[arg(long)]
    pub no_external: bool,

    /// Fetch what robots.txt disallows (only for sites you own).
    #[arg(long)]
    pub ignore_robots: bool,

    /// Largest body read, in MiB; longer bodies are cut and the page flagged.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_BODY_MB, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub max_body_mb: u64,

    /// Never send a request outside this machine (only loopback and --map targets).
    #[arg(long)]
    pub offline: bool,

    /// An internal address or range the crawl may request (repeatable). Loopback, private,
    /// link-local and metadata addresses are refused unless they are an inventory site, a
    /// --map target or allowed here.
    ///
    /// Example: --allow-net 10.20.0.0/16
    #[arg(long = "allow-net", value_name = "IP[/BITS]")]
    pub allow_net: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crawl_flags_parse() {
        let cli = Cli::try_parse_from([
            "govaudit",
            "crawl",
            "inv.csv",
            "--map",
            "https://a.gov=http://127.0.0.1:1",
            "--map",
            "https://b.gov=http://127.0.0.1:2",
            "--per-host",
            "2",
            "--no-external",
            "--db",
            "x.db",
        ])
        .expect("parses");
        let Command::Crawl { crawl, .. } = cli.command else {
            panic!("not crawl")
        };
        assert_eq!(crawl.map.len(), 2);
        assert_eq!(crawl.per_host, 2);
        assert!(crawl.no_external);
        assert_eq!(cli.db, Some(PathBuf::from("x.db")));
        assert!(Cli::try_parse_from(["govaudit", "crawl", "i.csv", "--concurrency", "0"]).is_err());
        assert!(Cli::try_parse_from(["govaudit", "pages", "--format", "xml"]).is_err());
    }

    #[test]
    fn kinds_and_formats_parse_to_types() {
        let cli = Cli::try_parse_from([
            "govaudit",
            "findings",
            "--kind",
            "soft_404",
            "--kind",
            "inconsistent_answer",
            "--format",
            "csv",
        ])
        .expect("parses");
        let Command::Findings { kinds, format, .. } = cli.command else {
            panic!("not findings")
        };
        assert_eq!(
            kinds,
            vec![FindingKind::Soft404, FindingKind::InconsistentAnswer]
        );
        assert_eq!(format, ListFormat::Csv);
        let err = Cli::try_parse_from(["govaudit", "findings", "--kind", "broken-links"])
            .expect_err("an unknown kind is refused");
        let text = err.to_string();
        assert!(
            text.contains("broken_link") && text.contains("governance"),
            "{text}"
        );
    }
}
