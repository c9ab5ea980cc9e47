//! Reads an inventory of an agency's sites from CSV: our own columns and the public formats
//! (CISA dotgov-data, GSA's federal website index and site-scanning target list, the agency
//! `websites.csv` pilot) exactly as they are published.
//!
//! Reads: one CSV file. Writes: nothing. Never touches the network.
//!
//! Design:
//! - Header names are matched case-insensitively, ignoring spaces, `_` and `-`, so `Domain name`,
//!   `domain_name` and `DomainName` are the same column ([`Column`]).
//! - Every row is checked; problems are collected with their line number instead of stopping at the
//!   first, so `inventory check` can list them all. [`load`] turns any error-level problem into an
//!   [`Error`] that names the file and line.
//! - Duplicate sites (the same origin twice) are kept once and reported, never crawled twice.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::model::{Channel, Site};

/// Why an inventory could not be used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be opened or read.
    #[error("{path}: cannot read the inventory: {source}")]
    Read {
        /// The inventory file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The header row has no column that names a site.
    #[error("{path} line 1: no column names a site; add a `url` column (or `domain`, `website`, `target_url`, `initial_url`, `Domain name`). Columns found: {found}")]
    NoSiteColumn {
        /// The inventory file.
        path: PathBuf,
        /// The header as read.
        found: String,
    },
    /// A row is bad; the message names the line and the fix.
    #[error("{path} line {line}: {message}{more}")]
    BadRow {
        /// The inventory file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What is wrong and what to do.
        message: String,
        /// A note on further problems (", and 3 more problems: run `govaudit inventory check`").
        more: String,
    },
    /// The file has no site at all.
    #[error("{path}: the inventory lists no sites; add rows below the header")]
    Empty {
        /// The inventory file.
        path: PathBuf,
    },
}

/// How serious an inventory problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemLevel {
    /// The row cannot be used.
    Error,
    /// The row was skipped or adjusted, and the inventory is still usable.
    Warning,
}

/// One problem found in an inventory row.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Error or warning.
    pub level: ProblemLevel,
    /// 1-based line number in the file.
    pub line: u64,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// A loaded inventory: its sites in file order and every problem found.
#[derive(Debug, Clone)]
pub struct Inventory {
    /// The file it was read from.
    pub path: PathBuf,
    /// Usable sites, duplicates removed, in file order.
    pub sites: Vec<Site>,
    /// Problems by line.
    pub problems: Vec<Problem>,
    /// Rows read (not counting the header).
    pub rows: u64,
}

impl Inventory {
    /// Error-level problems only.
    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .filter(|p| p.level == ProblemLevel::Error)
    }

    /// Distinct agencies named by the sites, sorted.
    pub fn agencies(&self) -> Vec<String> {
        let mut v: Vec<String> = self.sites.iter().filter_map(|s| s.agency.clone()).collect();
        v.sort();
        v.dedup();
        v
    }

    /// Web sites only (the ones a crawl fetches).
    pub fn web_sites(&self) -> impl Iterator<Item = &Site> {
        self.sites.iter().filter(|s| s.channel == Channel::Web)
    }
}

/// The columns we interpret; everything else is kept as an extra column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Column {
    Url,
    Host,
    Name,
    Agency,
    Office,
    Owner,
    Topics,
    Audiences,
    Channel,
    Path,
}

/// Normalises a header name: lower case, without spaces, `_` and `-`.
fn header_key(h: &str) -> String {
    h.trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '\t'))
        .flat_map(char::to_lowercase)
        .collect()
}

fn column_for(key: &str) -> Option<Column> {
    Some(match key {
        "url" | "starturl" | "siteurl" => Column::Url,
        "domain" | "website" | "targeturl" | "initialurl" | "domainname" | "hostname" => {
            Column::Host
        }
        "name" | "sitename" | "title" => Column::Name,
        "agency" | "department" | "organizationname" => Column::Agency,
        "office" | "bureau" | "suborganizationname" | "suborganization" => Column::Office,
        "owner" | "contact" => Column::Owner,
        "topics" => Column::Topics,
        "audiences" => Column::Audiences,
        "channel" => Column::Channel,
        "path" | "file" => Column::Path,
        _ => return None,
    })
}

/// Reads an inventory and fails with a file-and-line message if any row is unusable.
pub fn load(path: &Path) -> Result<Inventory, Error> {
    let inv = read(path)?;
    let first_error = inv.errors().next().cloned();
    if let Some(first) = first_error {
        let rest = inv.errors().count() - 1;
        let more = if rest > 0 {
            format!(
                " (and {rest} more problem{}: run `govaudit inventory check {}` to list them)",
                if rest == 1 { "" } else { "s" },
                path.display()
            )
        } else {
            String::new()
        };
        return Err(Error::BadRow {
            path: path.to_path_buf(),
            line: first.line,
            message: first.message.clone(),
            more,
        });
    }
    if inv.sites.is_empty() {
        return Err(Error::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(inv)
}

/// Reads an inventory, collecting every problem instead of failing on the first bad row.
///
/// Fails only when the file cannot be read or its header names no site column.
pub fn read(path: &Path) -> Result<Inventory, Error> {
    let bytes = crate::read_user_file(path, 1 << 30).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse(path, &bytes)
}

/// Parses inventory CSV bytes; `path` names the file in messages and anchors relative channel paths.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<Inventory, Error> {
    // Spreadsheets save "Unicode text" as UTF-16 with a byte-order mark.
    let utf8;
    let bytes = match encoding_rs::Encoding::for_bom(bytes) {
        Some((enc, _)) if enc != encoding_rs::UTF_8 => {
            utf8 = enc.decode_with_bom_removal(bytes).0.into_owned();
            utf8.as_bytes()
        }
        _ => bytes,
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_reader(bytes);
    let mut records = reader.byte_records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => {
            return Err(Error::BadRow {
                path: path.to_path_buf(),
                line: 1,
                message: format!("the header row is not valid CSV: {e}"),
                more: String::new(),
            })
        }
        None => {
            return Err(Error::Empty {
                path: path.to_path_buf(),
            })
        }
    };
    let names: Vec<String> = header
        .iter()
        .map(|f| String::from_utf8_lossy(f).trim().to_string())
        .collect();
    let mut columns: HashMap<Column, usize> = HashMap::new();
    let mut extra_columns = Vec::new();
    for (i, name) in names.iter().enumerate() {
        match column_for(&header_key(name)) {
            // The first column of a kind wins; a second (e.g. both `bureau` and `office`) is kept
            // as an extra column so nothing is lost.
            Some(c) if !columns.contains_key(&c) => {
                columns.insert(c, i);
            }
            _ => extra_columns.push(i),
        }
    }
    if !columns.contains_key(&Column::Url) && !columns.contains_key(&Column::Host) {
        return Err(Error::NoSiteColumn {
            path: path.to_path_buf(),
            found: names.join(", "),
        });
    }

    let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut inv = Inventory {
        path: path.to_path_buf(),
        sites: Vec::new(),
        problems: Vec::new(),
        rows: 0,
    };
    let mut seen: HashMap<String, u64> = HashMap::new();
    for rec in records {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                inv.problems.push(Problem {
                    level: ProblemLevel::Error,
                    line,
                    message: format!("not valid CSV ({e}); check the quotes on this line"),
                });
                continue;
            }
        };
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let fields: Vec<String> = rec
            .iter()
            .map(|f| String::from_utf8_lossy(f).trim().to_string())
            .collect();
        if fields.iter().all(String::is_empty) {
            continue;
        }
        inv.rows += 1;
        let get = |c: Column| -> Option<String> {
            columns
                .get(&c)
                .and_then(|&i| fields.get(i))
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty() && s != "(blank)")
        };
        match row_to_site(&get, &fields, &names, &extra_columns, &base_dir, line) {
            Ok(site) => {
                if let Some(first) = seen.get(&site.origin) {
                    inv.problems.push(Problem {
                        level: ProblemLevel::Warning,
                        line,
                        message: format!(
                            "{} is already listed on line {first}; this row is skipped",
                            site.origin
                        ),
                    });
                    continue;
                }
                seen.insert(site.origin.clone(), line);
                inv.sites.push(site);
            }
            Err(RowError::Bad(message)) => inv.problems.push(Problem {
                level: ProblemLevel::Error,
                line,
                message,
            }),
            Err(RowError::Skip(message)) => inv.problems.push(Problem {
                level: ProblemLevel::Warning,
                line,
                message,
            }),
        }
    }
    Ok(inv)
}

/// Why a row gave no site: a problem that stops the inventory, or one that only skips the row.
enum RowError {
    Bad(String),
    Skip(String),
}

impl From<String> for RowError {
    fn from(message: String) -> RowError {
        RowError::Bad(message)
    }
}

fn split_list(v: Option<String>) -> Vec<String> {
    v.map(|s| {
        s.split(';')
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect()
    })
    .unwrap_or_default()
}

fn row_to_site(
    get: &dyn Fn(Column) -> Option<String>,
    fields: &[String],
    names: &[String],
    extra_columns: &[usize],
    base_dir: &Path,
    line: u64,
) -> Result<Site, RowError> {
    let channel_text = get(Column::Channel).unwrap_or_default();
    let channel = Channel::parse(&channel_text)
        .ok_or_else(|| format!("unknown channel {channel_text:?}; use web, kb or publication"))?;
    let extra = extra_columns
        .iter()
        .filter_map(|&i| {
            let v = fields.get(i)?;
            (!v.is_empty()).then(|| (names[i].clone(), v.clone()))
        })
        .collect();
    let mut site = Site {
        origin: String::new(),
        start_url: None,
        channel,
        path: None,
        path_as_written: None,
        name: get(Column::Name),
        agency: get(Column::Agency),
        office: get(Column::Office),
        owner: get(Column::Owner),
        topics: split_list(get(Column::Topics)),
        audiences: split_list(get(Column::Audiences)),
        extra,
        row: names
            .iter()
            .zip(fields)
            .map(|(n, v)| (n.clone(), v.clone()))
            .collect(),
        source_line: line,
    };
    match channel {
        Channel::Web => {
            let (raw, from_url_column) = match (get(Column::Url), get(Column::Host)) {
                (Some(u), _) => (u, true),
                (None, Some(h)) => (h, false),
                (None, None) => {
                    return Err(
                        "no url or domain value; add the site's address or delete the row"
                            .to_string()
                            .into(),
                    )
                }
            };
            let start = parse_site_address(&raw, from_url_column)?;
            if !start.username().is_empty() || start.password().is_some() {
                // Sent as basic auth and printed in every report file otherwise. Skipped, not
                // fatal: public lists carry such typos ("host@otherhost").
                return Err(RowError::Skip(
                    "the address carries a user name or password; the row is skipped (govaudit \
                     does not log in, and would print them in every report): remove them"
                        .to_string(),
                ));
            }
            site.origin = start.origin().ascii_serialization();
            site.start_url = Some(start.to_string());
        }
        Channel::Kb | Channel::Publication => {
            let written = get(Column::Path).ok_or_else(|| {
                format!(
                    "a {} row needs a `path` column naming its local file",
                    channel.as_str()
                )
            })?;
            let resolved = if Path::new(&written).is_absolute() {
                PathBuf::from(&written)
            } else {
                base_dir.join(&written)
            };
            site.origin = format!("{}:{}", channel.as_str(), written);
            site.path = Some(resolved);
            site.path_as_written = Some(written);
        }
    }
    Ok(site)
}

/// A host name as DNS allows it: labels of 1 to 63 letters, digits, hyphens (not first or last)
/// or underscores, 253 characters in all, with a dot (or `localhost`).
fn valid_domain(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    (host.contains('.') || host == "localhost")
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
}

/// `scheme://user:password@host/…` as `scheme://host/…`.
fn without_credentials(raw: &str) -> String {
    let (scheme, rest) = match raw.split_once("://") {
        Some((s, r)) => (format!("{s}://"), r),
        None => (String::new(), raw),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}{}", &rest[at + 1..]),
        None => raw.to_string(),
    }
}

/// Turns an inventory address into a start URL.
///
/// A `url` value must be a full http(s) URL; a bare host (`www.example.gov`, as CISA and GSA
/// publish them) gets `https://`, which is what every federal site must serve.
fn parse_site_address(raw: &str, from_url_column: bool) -> Result<url::Url, String> {
    let raw = raw.trim();
    // Messages quote the address without a user name or password it may carry.
    let shown = without_credentials(raw);
    if raw.to_ascii_lowercase().starts_with("mailto:") {
        return Err(format!(
            "{raw:?} is an e-mail address, not a web site; list the site's address, or the mailbox's page"
        ));
    }
    let with_scheme = if raw.contains("://") {
        raw.to_string()
    } else if from_url_column && raw.contains(':') && !raw.contains('.') {
        return Err(format!(
            "{shown:?} is not a web address; write it as https://host/"
        ));
    } else {
        format!("https://{raw}")
    };
    let url = url::Url::parse(&with_scheme).map_err(|e| {
        format!("{shown:?} is not a valid web address ({e}); write it as https://www.example.gov/")
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "{shown:?} uses the {} scheme; only http and https sites can be crawled",
            url.scheme()
        ));
    }
    let valid_host = match url.host() {
        Some(url::Host::Ipv4(_) | url::Host::Ipv6(_)) => true,
        Some(url::Host::Domain(host)) => valid_domain(host),
        None => false,
    };
    if !valid_host {
        return Err(format!(
            "{shown:?} has no valid host name; write it as https://www.example.gov/"
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(s: &str) -> Inventory {
        parse(Path::new("inv/agency.csv"), s.as_bytes()).expect("parses")
    }

    #[test]
    fn addresses_are_checked_like_dns_and_browsers_do() {
        for ok in [
            "https://[2001:db8::1]/",
            "http://10.1.2.3:8080/",
            "www.agency.gov",
            "https://a_b.agency.gov/",
        ] {
            assert!(parse_site_address(ok, true).is_ok(), "{ok}");
        }
        let long = format!("https://{}.gov/", "a".repeat(300));
        for bad in [
            "https://-.gov/",
            "https://a..b.gov/",
            long.as_str(),
            "mailto:help@agency.gov",
        ] {
            assert!(parse_site_address(bad, true).is_err(), "{bad}");
        }
        let e = parse_site_address("https://u:s3cret@bad..gov/", true).expect_err("bad host");
        assert!(!e.contains("s3cret"), "{e}");
        let inv =
            parse_str("url,name\nhttps://user:s3cret@www.agency.gov/,A\nhttps://www.b.gov/,B\n");
        assert_eq!(inv.sites.len(), 1);
        assert_eq!(inv.problems.len(), 1);
        assert_eq!(inv.problems[0].level, ProblemLevel::Warning);
        assert!(!inv.problems[0].message.contains("s3cret"));
    }

    #[test]
    fn utf16_inventories_are_read() {
        let text = "url,name\nhttps://www.agency.gov/,Agency\n";
        let mut bytes = vec![0xff, 0xfe];
        for u in text.encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        let inv = parse(Path::new("inv.csv"), &bytes).expect("parses");
        assert_eq!(inv.sites.len(), 1);
    }

    #[test]
    fn our_format_with_channels() {
        let inv = parse_str(
            "URL,Name,Agency,Office,Topics,channel,path,pageviews\n\
             https://www.example.gov/,Main,Dept,OPA,a; b,,,100\n\
             ,KB,Dept,CS,,kb,channels/kb.csv,\n",
        );
        assert!(inv.problems.is_empty(), "{:?}", inv.problems);
        assert_eq!(inv.sites.len(), 2);
        assert_eq!(inv.sites[0].origin, "https://www.example.gov");
        assert_eq!(inv.sites[0].topics, vec!["a", "b"]);
        assert_eq!(inv.sites[0].extra, vec![("pageviews".into(), "100".into())]);
        assert_eq!(inv.sites[1].origin, "kb:channels/kb.csv");
        assert_eq!(
            inv.sites[1].path,
            Some(PathBuf::from("inv/channels/kb.csv"))
        );
    }

    #[test]
    fn cisa_header_and_bare_domains() {
        let inv = parse_str(
            "Domain name,Domain type,Organization name,Suborganization name,City\n\
             acus.gov,Federal - Executive,Administrative Conference,,Washington\n",
        );
        assert_eq!(inv.sites[0].origin, "https://acus.gov");
        assert_eq!(
            inv.sites[0].agency.as_deref(),
            Some("Administrative Conference")
        );
        assert_eq!(inv.sites[0].office, None);
    }

    #[test]
    fn bad_rows_name_their_line_and_duplicates_are_reported_once() {
        let inv = parse_str(
            "url,name\nhttps://a.gov/,A\n,missing\nhttps://a.gov/about,A again\nftp://b.gov/,B\n",
        );
        assert_eq!(inv.sites.len(), 1);
        let lines: Vec<(u64, ProblemLevel)> =
            inv.problems.iter().map(|p| (p.line, p.level)).collect();
        assert_eq!(
            lines,
            vec![
                (3, ProblemLevel::Error),
                (4, ProblemLevel::Warning),
                (5, ProblemLevel::Error)
            ]
        );
        let err = load_from_str("url\nhttps://a.gov/\nnot a url\n").unwrap_err();
        assert!(err.to_string().starts_with("x.csv line 3: "), "{err}");
    }

    fn load_from_str(s: &str) -> Result<Inventory, Error> {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("x.csv");
        std::fs::write(&p, s).expect("write");
        load(&p).map_err(|e| match e {
            Error::BadRow {
                line,
                message,
                more,
                ..
            } => Error::BadRow {
                path: PathBuf::from("x.csv"),
                line,
                message,
                more,
            },
            other => other,
        })
    }

    #[test]
    fn no_site_column_is_an_error() {
        let err = parse(Path::new("a.csv"), b"foo,bar\n1,2\n").unwrap_err();
        assert!(matches!(err, Error::NoSiteColumn { .. }));
    }
}
