//! The inventory's other channels: reads each `kb` CSV and `publication` file into the store at
//! crawl time, so the audits compare the call centre's and the brochures' answers with the web's
//! from the database alone.
//!
//! Reads the local files the inventory names (never the network). Writes one `channel_docs` row
//! per entry: the text, or why it could not be read (a missing file or a PDF without text is an
//! outcome stored for the report, not a reason to stop the crawl).

use std::path::Path;

use crate::model::{Channel, Site};

/// The largest channel file read (a bigger one is recorded as an error).
const MAX_FILE: u64 = 64 * 1024 * 1024;

/// How a channel file is read, by its extension.
pub fn format_of(path: &Path, channel: Channel) -> &'static str {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "csv" => "csv",
        "md" | "markdown" => "markdown",
        "html" | "htm" | "xhtml" => "html",
        "pdf" => "pdf",
        _ if channel == Channel::Kb => "csv",
        _ => "text",
    }
}

/// The text of one channel entry: Ok(text) or Err(why not), and its format.
pub fn read(site: &Site) -> (&'static str, Result<String, String>) {
    let Some(path) = site.path.as_deref() else {
        return ("text", Err("the inventory row names no file".into()));
    };
    let format = format_of(path, site.channel);
    let size = match std::fs::metadata(path) {
        Ok(m) => m.len(),
        Err(e) => return (format, Err(format!("{}: {e}", path.display()))),
    };
    if size > MAX_FILE {
        return (
            format,
            Err(format!(
                "{}: {size} bytes is over the 64 MiB limit",
                path.display()
            )),
        );
    }
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => return (format, Err(format!("{}: {e}", path.display()))),
    };
    if format == "pdf" {
        return (
            format,
            pdf_text(&bytes).map_err(|e| format!("{}: {e}", path.display())),
        );
    }
    let (text, _) = crate::extract::decode(&bytes, None, false);
    (format, Ok(text))
}

/// The text of a PDF, pages separated by form feeds (`\u{c}`), so answers can name their page.
pub fn pdf_text(bytes: &[u8]) -> Result<String, String> {
    // The PDF parser can panic on malformed files: a bad brochure must not stop the crawl.
    let pages = std::panic::catch_unwind(|| pdf_extract::extract_text_from_mem_by_pages(bytes))
        .map_err(|_| "the PDF could not be parsed (malformed file)".to_string())?
        .map_err(|e| format!("the PDF could not be read: {e}"))?;
    let text = pages.join("\u{c}");
    if text.trim().is_empty() {
        return Err(
            "the PDF has no text layer (a scan?); add a text version to the inventory".into(),
        );
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_extension() {
        assert_eq!(format_of(Path::new("kb.csv"), Channel::Kb), "csv");
        assert_eq!(
            format_of(Path::new("b.MD"), Channel::Publication),
            "markdown"
        );
        assert_eq!(format_of(Path::new("b.pdf"), Channel::Publication), "pdf");
        assert_eq!(format_of(Path::new("notes"), Channel::Publication), "text");
    }

    #[test]
    fn bad_pdfs_are_errors_not_panics() {
        assert!(pdf_text(b"not a pdf").is_err());
        assert!(pdf_text(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF").is_err());
    }
}
