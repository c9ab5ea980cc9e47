//! Markdown (drafts, publications) to HTML, so it is read block by block like a web page.
//!
//! Pure: text in, HTML out. YAML (`---`) or TOML (`+++`) front matter is skipped; the result is
//! wrapped in `<main>` so [`super::page::parse`] takes all of it as main content.

/// Markdown to HTML, after skipping YAML (`---`) or TOML (`+++`) front matter.
pub fn to_html(text: &str) -> String {
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
    fn front_matter_is_skipped() {
        let md = "---\ntitle: Apply now\ndate: 2025-01-01\n---\n# Apply\n\nCall us today.\n";
        assert_eq!(strip_front_matter(md), "# Apply\n\nCall us today.\n");
        assert_eq!(
            strip_front_matter("--- not front matter"),
            "--- not front matter"
        );
    }
}
