//! govaudit audits a government agency's many websites: it reads an **inventory** of the agency's
//! sites, **crawls** them politely and resumably into SQLite, finds broken links, duplicated
//! content, inconsistent answers, hard-to-read pages and missing governance elements, recommends
//! for each site keep, fix, merge or retire, and writes reports for people.
//!
//! The library does all the work; the `govaudit` binary only turns arguments into configs. Data
//! flows one way: [`inventory`] → [`crawl`] (→ [`extract`]) → [`store`] → [`audit`] (with
//! [`rules`]) → [`report`].
//!
//! ```
//! use std::path::Path;
//! let csv = "url,name,agency\nhttps://www.example.gov/,Example,Department of Examples\n";
//! let inv = govaudit::inventory::parse(Path::new("agency.csv"), csv.as_bytes()).unwrap();
//! assert_eq!(inv.sites[0].origin, "https://www.example.gov");
//! assert!(inv.problems.is_empty());
//! ```
#![warn(missing_docs)]

pub mod audit;
pub mod crawl;
pub mod demo;
pub mod error;
pub mod extract;
pub mod inventory;
pub mod lint;
pub mod model;
pub mod readability;
pub mod report;
pub mod rules;
pub mod serve;
pub mod store;

pub use crawl::{crawl, CrawlConfig, CrawlSummary, Progress};
pub use error::{Error, Result};
pub use inventory::Inventory;
pub use model::{Channel, Finding, FindingKind, Severity, Site};
pub use store::Store;

/// Reads a file the user named (an inventory, a draft), refusing what is not a regular file
/// (`/dev/zero` or a FIFO would be read without end or block forever) and anything over `max`
/// bytes, so a wrong path costs an error message, not the machine's memory.
pub(crate) fn read_user_file(path: &std::path::Path, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Error, ErrorKind, Read};
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            "not a regular file (a device, pipe or folder); name the file itself",
        ));
    }
    if meta.len() > max {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!("{} bytes is over the {} MiB limit", meta.len(), max >> 20),
        ));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(max)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}
