//! `govaudit lint`: the plain-writing audits on draft files, before they are published.
//!
//! Reads the files given (nothing else: no database, no network) and returns, per file, the
//! readability counts and scores and the findings. `.txt` is scored exactly as textstat scores a
//! string; `.md` (Markdown, front matter skipped) and `.html` are read block by block like crawled
//! pages, so headings, list items and table cells end sentences, and an HTML page's template
//! (navigation, header, footer) is left out as on a crawled page.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::audit::plain_language::{self, TextBlock};
use crate::audit::readability;
use crate::extract::{markdown, page};
use crate::model::Finding;
use crate::readability::{Counts, Scores};
use crate::rules::RuleSet;

/// Why a file could not be linted.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be read.
    #[error("reading {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Not a format lint reads.
    #[error(
        "{path}: lint reads .txt, .md and .html files; save the draft in one of these formats"
    )]
    Unsupported {
        /// The file.
        path: PathBuf,
    },
}

/// How a draft is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Plain text, scored as one string (textstat's way).
    Text,
    /// Markdown, read block by block.
    Markdown,
    /// HTML, template removed, read block by block.
    Html,
}

impl Format {
    /// The format a file name says, if lint reads it.
    pub fn of(path: &Path) -> Option<Format> {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "txt" | "text" => Some(Format::Text),
            "md" | "markdown" => Some(Format::Markdown),
            "html" | "htm" | "xhtml" => Some(Format::Html),
            _ => None,
        }
    }
}

/// One linted file.
#[derive(Debug, Clone, Serialize)]
pub struct LintReport {
    /// The file as given.
    pub file: String,
    /// Readability counts.
    pub counts: Counts,
    /// Readability scores.
    pub scores: Scores,
    /// Findings, without `site` and `url`.
    pub findings: Vec<Finding>,
}

/// Lints one file.
pub fn lint_file(path: &Path, rules: &RuleSet) -> Result<LintReport, Error> {
    let format = Format::of(path).ok_or_else(|| Error::Unsupported {
        path: path.to_path_buf(),
    })?;
    let bytes = crate::read_user_file(path, 64 << 20).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let (text, _) = crate::extract::decode(&bytes, None, false);
    Ok(lint_text(&path.display().to_string(), &text, format, rules))
}

/// Lints text already in memory.
pub fn lint_text(name: &str, text: &str, format: Format, rules: &RuleSet) -> LintReport {
    let page = match format {
        Format::Text => None,
        Format::Markdown => Some(page::parse(&markdown::to_html(text))),
        Format::Html => Some(page::parse(text)),
    };
    // Plain text is scored as one string (textstat's way); plain-language rules read it
    // paragraph by paragraph (blank lines separate paragraphs).
    let text_blocks = if page.is_none() {
        page::paragraphs(text)
    } else {
        Vec::new()
    };
    let (counts, blocks): (Counts, Vec<TextBlock>) = match &page {
        None => (
            Counts::of_text(text),
            text_blocks.iter().map(TextBlock::from).collect(),
        ),
        Some(p) => (
            Counts::of_page(p),
            p.blocks.iter().map(TextBlock::from).collect(),
        ),
    };
    let names: Vec<&str> = page
        .as_ref()
        .and_then(|p| p.title.as_deref())
        .into_iter()
        .collect();
    let mut findings = plain_language::Checker::new(&rules.plain_language).check(&blocks, &names);
    findings.extend(readability::check(&counts, &rules.readability, "this text"));
    LintReport {
        file: name.to_string(),
        counts,
        scores: counts.scores(),
        findings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_extension() {
        assert_eq!(Format::of(Path::new("a/draft.MD")), Some(Format::Markdown));
        assert_eq!(Format::of(Path::new("notice.txt")), Some(Format::Text));
        assert_eq!(Format::of(Path::new("page.htm")), Some(Format::Html));
        assert_eq!(Format::of(Path::new("memo.docx")), None);
    }

    #[test]
    fn markdown_lists_end_sentences_and_code_is_not_prose() {
        let rules = RuleSet::builtin();
        let md = "# What you need\n\n- Your most recent federal tax return\n- A list of damaged property\n- Your insurance policy number\n\n```\nrun --this very-long-command with many many many words in it\n```\n";
        let r = lint_text("d.md", md, Format::Markdown, &rules);
        assert_eq!(r.counts.sentence_count(), 4);
        assert_eq!(r.counts.words, 18);
        let t = lint_text("d.txt", md, Format::Text, &rules);
        assert!(t.counts.words > r.counts.words);
    }
}
