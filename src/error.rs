//! The crate error: one variant per module boundary, each wrapping that module's own error type.
//!
//! A broken link, a timeout on one page or a 429 are *outcomes* and are stored as data; an `Error`
//! means the command cannot go on. The CLI maps [`Error::is_bad_input`] to exit code 2.

/// Everything that can stop a govaudit command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The inventory file could not be read or has a bad row.
    #[error(transparent)]
    Inventory(#[from] crate::inventory::Error),
    /// The database could not be opened, migrated, read or written.
    #[error(transparent)]
    Store(#[from] crate::store::Error),
    /// The crawl could not start or continue (not a per-page problem: those are stored).
    #[error(transparent)]
    Crawl(#[from] crate::crawl::Error),
    /// A rule folder (`--rules DIR`) could not be used.
    #[error(transparent)]
    Rules(#[from] crate::rules::Error),
    /// A draft could not be linted.
    #[error(transparent)]
    Lint(#[from] crate::lint::Error),
    /// An audit could not run.
    #[error(transparent)]
    Audit(#[from] crate::audit::Error),
    /// A report could not be written.
    #[error(transparent)]
    Report(#[from] crate::report::Error),
    /// A local file (demo output, export) could not be written.
    #[error("{what} {path}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The file or folder.
        path: std::path::PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// True when the user gave bad input (exit code 2), false for failures while running (exit 1).
    pub fn is_bad_input(&self) -> bool {
        match self {
            Error::Inventory(_) | Error::Rules(_) | Error::Lint(_) => true,
            Error::Crawl(e) => e.is_bad_input(),
            Error::Audit(e) => matches!(e, crate::audit::Error::NoCrawl),
            Error::Report(e) => matches!(e, crate::report::Error::NoCrawl),
            Error::Store(e) => matches!(
                e,
                crate::store::Error::NotOurs { .. } | crate::store::Error::Damaged { .. }
            ),
            Error::Io { .. } => false,
        }
    }
}

/// Shorthand for results whose error is the crate [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
