//! Parses HTML into a tree with bounded cost, whatever the page.
//!
//! html5ever builds the tree the way browsers do, and like them it checks the stack of open
//! elements for each new tag ("is a `<p>` in button scope?"): on a page nested 50,000 elements
//! deep that is 50,000 × 50,000 steps (9 s; 100,000 levels took 41 s). Real pages nest a few
//! dozen levels. So before parsing, elements deeper than [`MAX_DEPTH`] lose their tags (their text
//! stays, read as part of the element at the limit): a hostile page costs at most
//! `MAX_DEPTH` steps per tag, and every other page is parsed untouched.

use std::borrow::Cow;

use scraper::Html;

/// Deepest element nesting parsed as markup.
pub const MAX_DEPTH: usize = 1_000;

/// Elements with no content (never open) and elements whose end tag may be left out (a list of
/// 2,000 unclosed `<li>` is not 2,000 levels deep): neither counts as a level.
const NOT_A_LEVEL: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr", "param", "keygen", "p", "li", "dt", "dd", "option", "tr", "td", "th", "thead", "tbody",
    "tfoot", "colgroup", "caption",
];

/// Elements whose content is raw text: tags inside them are text.
const RAW_TEXT: &[&str] = &[
    "script",
    "style",
    "textarea",
    "title",
    "xmp",
    "iframe",
    "noembed",
    "noframes",
    "plaintext",
];

/// Parses a whole document, with nesting bounded (see the module docs).
pub fn parse_document(html: &str) -> Html {
    Html::parse_document(&bound_nesting(html))
}

/// The document with the tags of elements nested deeper than [`MAX_DEPTH`] removed, or the
/// document itself when none is (the usual case: nothing is copied).
pub fn bound_nesting(html: &str) -> Cow<'_, str> {
    let bytes = html.as_bytes();
    // The elements open (counted ones), and per name the opening tags removed and not yet
    // closed, whose end tags are removed too. An end tag closes the nearest open element of its
    // name and everything opened after it, as the parser does; one that matches nothing is
    // ignored, as the parser does (so `</b>` cannot lower the count).
    let mut open: Vec<String> = Vec::new();
    let mut dropped: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut out: Option<String> = None;
    // Bytes of `html` already copied to `out`.
    let mut copied = 0usize;
    let mut i = 0usize;
    while let Some(off) = memchr(b'<', &bytes[i..]) {
        let start = i + off;
        let Some(end) = memchr(b'>', &bytes[start..]).map(|e| start + e + 1) else {
            break;
        };
        let tag = &html[start + 1..end - 1];
        i = end;
        if tag.starts_with('!') || tag.starts_with('?') {
            // Comments may hold '>': skip to their real end; an unclosed one runs to the end
            // of the document, as the parser reads it.
            if tag.starts_with("!--") {
                match html[start + 4..].find("-->") {
                    Some(e) => i = (start + 4 + e + 3).max(end),
                    None => break,
                }
            }
            continue;
        }
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect::<String>()
            .to_ascii_lowercase();
        if name.is_empty() {
            continue;
        }
        if !closing && RAW_TEXT.contains(&name.as_str()) {
            let close = format!("</{name}");
            if let Some(e) = find_ascii_ci(&html[i..], &close) {
                i += e;
            } else {
                break;
            }
            continue;
        }
        if NOT_A_LEVEL.contains(&name.as_str()) {
            continue;
        }
        // `<div/>` opens a div in HTML; only inside SVG and MathML does the slash close it.
        if !closing && tag.ends_with('/') && open.iter().any(|n| n == "svg" || n == "math") {
            continue;
        }
        let drop = if closing {
            match dropped.get_mut(&name).filter(|n| **n > 0) {
                Some(n) => {
                    *n -= 1;
                    true
                }
                None => {
                    if let Some(at) = open.iter().rposition(|n| *n == name) {
                        open.truncate(at);
                    }
                    false
                }
            }
        } else if open.len() >= MAX_DEPTH {
            *dropped.entry(name).or_default() += 1;
            true
        } else {
            open.push(name);
            false
        };
        if drop {
            let o = out.get_or_insert_with(|| String::with_capacity(html.len()));
            o.push_str(&html[copied..start]);
            // The tag still separates the words around it.
            o.push(' ');
            copied = end;
        }
    }
    match out {
        None => Cow::Borrowed(html),
        Some(mut o) => {
            o.push_str(&html[copied..]);
            Cow::Owned(o)
        }
    }
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

fn find_ascii_ci(haystack: &str, needle: &str) -> Option<usize> {
    let n = needle.as_bytes();
    haystack
        .as_bytes()
        .windows(n.len())
        .position(|w| w.eq_ignore_ascii_case(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_pages_are_untouched() {
        let html = "<html><body><ul><li>a<li>b</ul><script>if (a<b) x='<div>'</script><p>x</p></body></html>";
        assert!(matches!(bound_nesting(html), Cow::Borrowed(_)));
    }

    #[test]
    fn the_bound_cannot_be_talked_around() {
        for hostile in ["<div/>", "<div></b>", "<rt>", "<span><!-- x --></i>"] {
            let html = format!("<main>{}Text.</main>", hostile.repeat(5_000));
            let bounded = bound_nesting(&html);
            let doc = Html::parse_document(&bounded);
            let depth = doc
                .root_element()
                .descendent_elements()
                .map(|e| e.ancestors().count())
                .max()
                .unwrap_or(0);
            assert!(depth <= MAX_DEPTH + 5, "{hostile}: depth {depth}");
        }
        // An unclosed comment ends the scan at once.
        let html = "<!-- >".repeat(10_000);
        assert!(matches!(bound_nesting(&html), Cow::Borrowed(_)));
        // SVG's self-closed shapes are no levels.
        let svg = format!("<svg>{}</svg><p>x</p>", "<path d=\"M0\"/>".repeat(3_000));
        assert!(matches!(bound_nesting(&svg), Cow::Borrowed(_)));
    }

    #[test]
    fn deep_nesting_keeps_its_text() {
        let html = format!(
            "<main>{}Call us today.{}</main>",
            "<div>".repeat(5_000),
            "</div>".repeat(5_000)
        );
        let bounded = bound_nesting(&html);
        assert!(matches!(bounded, Cow::Owned(_)));
        assert_eq!(bounded.matches("<div>").count(), MAX_DEPTH - 1);
        assert_eq!(bounded.matches("</div>").count(), MAX_DEPTH - 1);
        let doc = parse_document(&html);
        let text: String = doc.root_element().text().collect();
        assert_eq!(text.trim(), "Call us today.");
    }
}
