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
use crate::extract::page::{self, BlockKind, Page};
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
    let bytes = std::fs::read(path).map_err(|source| Error::Read {
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
        Format::Markdown => Some(page::parse(&markdown_to_html(text))),
        Format::Html => Some(page::parse(text)),
    };
    let (counts, blocks): (Counts, Vec<TextBlock>) = match &page {
        // Plain text is scored as one string (textstat's way); plain-language rules read it
        // paragraph by paragraph (blank lines separate paragraphs).
        None => (
            Counts::of_text(text),
            paragraphs(text)
                .map(|p| TextBlock::plain(BlockKind::Paragraph, p))
                .collect(),
        ),
        Some(p) => (
            block_counts(p),
            p.blocks
                .iter()
                .map(|b| TextBlock {
                    kind: b.kind,
                    text: &b.text,
                    code: &b.code,
                })
                .collect(),
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

/// Paragraphs of plain text: runs of lines between blank lines.
fn paragraphs(text: &str) -> impl Iterator<Item = &str> {
    text.split("\n\n")
        .flat_map(|p| p.split("\r\n\r\n"))
        .map(str::trim)
        .filter(|p| !p.is_empty())
}

/// Readability counts of a page's main-content blocks (code left out).
pub fn block_counts(page: &Page) -> Counts {
    Counts::of_blocks(
        page.blocks
            .iter()
            .filter(|b| b.kind != BlockKind::Code)
            .map(|b| b.text.as_str()),
    )
}

/// Markdown to HTML, after skipping YAML (`---`) or TOML (`+++`) front matter.
pub(crate) fn markdown_to_html(text: &str) -> String {
    let body = strip_front_matter(text);
    let options = pulldown_cmark::Options::ENABLE_TABLES
        | pulldown_cmark::Options::ENABLE_STRIKETHROUGH
        | pulldown_cmark::Options::ENABLE_FOOTNOTES;
    let mut html = String::with_capacity(body.len() * 2);
    pulldown_cmark::html::push_html(&mut html, pulldown_cmark::Parser::new_ext(body, options));
    format!("<main>{html}</main>")
}

fn strip_front_matter(text: &str) -> &str {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for fence in ["---", "+++"] {
        let Some(rest) = text.strip_prefix(fence) else {
            continue;
        };
        if !rest.starts_with('\n') && !rest.starts_with("\r\n") {
            continue;
        }
        let mut offset = 0;
        for line in rest.split_inclusive('\n') {
            offset += line.len();
            if offset > line.len() && line.trim_end() == fence {
                return &rest[offset..];
            }
        }
    }
    text
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
    fn front_matter_is_skipped() {
        let md = "---\ntitle: Apply now\ndate: 2025-01-01\n---\n# Apply\n\nCall us today.\n";
        assert_eq!(strip_front_matter(md), "# Apply\n\nCall us today.\n");
        assert_eq!(
            strip_front_matter("--- not front matter"),
            "--- not front matter"
        );
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
