//! Whether a fetched "text/html" answer is a page a person reads, and whether its main content
//! is prose: what page-level audits (governance elements, readability, plain language,
//! duplicates, answers) may judge.
//!
//! Reads: the decoded body, its parsed document and the [`Page`] extracted from it. Writes
//! nothing. Never guesses from the URL alone: every verdict rests on what the body holds.
//!
//! Servers label many things `text/html`: JSON and XML feeds built by static-site generators,
//! search-engine verification files, directory listings, client-side redirect stubs and empty
//! files. Held to page rules they produce findings nobody can act on ("the JSON feed has no
//! banner"), so they are recognised here and listed with the reason in `govaudit pages`.

use scraper::{Html, Node};

use super::page::{count_words, BlockKind, Page};

/// Why a `text/html` answer is not a page a person reads.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum NotAPage {
    /// JSON data (a feed or an API answer) served as HTML.
    Json,
    /// XML (an RSS or Atom feed, a sitemap) served as HTML.
    Xml,
    /// Text with no HTML at all, such as a search-engine verification file.
    PlainText,
    /// A web server's automatic listing of a folder's files.
    DirectoryListing,
    /// A client-side redirect (`<meta http-equiv="refresh">`): at once, or with next to no text
    /// of its own.
    RedirectStub,
    /// Nothing a reader would see: an empty file or a body without words.
    Empty,
    /// A "not found" page answered with 200 (a soft 404).
    NotFound,
    /// The same page as another address of the site (the same body under another query string).
    SameAs(String),
}

impl NotAPage {
    /// The reason in a few words, as `govaudit pages` lists it.
    pub fn reason(&self) -> String {
        match self {
            NotAPage::Json => "JSON data served as a web page".into(),
            NotAPage::Xml => "XML (a feed or sitemap) served as a web page".into(),
            NotAPage::PlainText => {
                "plain text without HTML (such as a site-verification file)".into()
            }
            NotAPage::DirectoryListing => "a web server's directory listing".into(),
            NotAPage::RedirectStub => {
                "a redirect stub that sends readers to another address".into()
            }
            NotAPage::Empty => "an empty page (no visible text)".into(),
            NotAPage::NotFound => "a \"not found\" page answered with 200 OK".into(),
            NotAPage::SameAs(url) => format!("the same page as {url} (another query string)"),
        }
    }
}

/// A refresh this soon sends the reader on before they read anything: the page is a redirect,
/// whatever it holds (Hugo aliases keep the whole layout).
const REDIRECT_SECONDS: f64 = 5.0;

/// Most words a redirect stub may show ("Redirecting… Click here if you are not redirected.").
const STUB_MAX_WORDS: usize = 40;

/// Why the body is not a readable page, or `None` when it is one.
pub fn not_a_page(body: &str, doc: &Html, page: &Page) -> Option<NotAPage> {
    let trimmed = body.trim_start_matches('\u{feff}').trim();
    if trimmed.is_empty() {
        return Some(NotAPage::Empty);
    }
    if looks_like_json(trimmed) {
        return Some(NotAPage::Json);
    }
    if xml_root(trimmed) {
        return Some(NotAPage::Xml);
    }
    if !has_markup(trimmed) {
        return Some(NotAPage::PlainText);
    }
    if page.title.as_deref().is_some_and(is_listing_title) {
        return Some(NotAPage::DirectoryListing);
    }
    let words = page.word_count();
    let at_once = page.refresh_after.is_some_and(|s| s <= REDIRECT_SECONDS);
    if page.refresh_to.is_some() && (at_once || words <= STUB_MAX_WORDS) {
        return Some(NotAPage::RedirectStub);
    }
    // Main content can be empty on a real page whose content a script fills in; a body with no
    // visible word at all is nothing to read.
    if words == 0 && body_words(doc) == 0 {
        return Some(NotAPage::Empty);
    }
    None
}

/// JSON, or what a template meant to be JSON (generators leave empty values behind, so the
/// text need not parse): an object or array with quoted keys.
fn looks_like_json(t: &str) -> bool {
    let (first, last) = (t.chars().next(), t.chars().next_back());
    matches!(
        (first, last),
        (Some('{'), Some('}')) | (Some('['), Some(']'))
    ) && (serde_json::from_str::<serde::de::IgnoredAny>(t).is_ok()
        || ((t.contains("\":") || t.contains("\" :")) && !has_markup(t)))
}

/// The document's root element is not `<html>` (an XML declaration alone does not decide:
/// XHTML pages start with one too).
fn xml_root(t: &str) -> bool {
    let mut rest = t;
    loop {
        let Some(lt) = rest.find('<') else {
            return false;
        };
        rest = &rest[lt + 1..];
        if rest.starts_with('?') || rest.starts_with('!') {
            // Declarations, comments and the doctype come before the root element.
            let close = if rest.starts_with("!--") {
                rest.find("-->").map(|i| i + 3)
            } else {
                rest.find('>').map(|i| i + 1)
            };
            match close {
                Some(i) => rest = &rest[i..],
                None => return false,
            }
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == ':' || *c == '-')
            .collect::<String>()
            .to_ascii_lowercase();
        let local = name.rsplit(':').next().unwrap_or("");
        return matches!(
            local,
            "rss" | "feed" | "rdf" | "urlset" | "sitemapindex" | "opml" | "kml" | "gpx"
        ) || (t.starts_with("<?xml") && !matches!(local, "html" | "head" | "body" | ""));
    }
}

/// Any tag at all (`<p`, `</div`, `<!doctype`)?
fn has_markup(t: &str) -> bool {
    t.as_bytes()
        .windows(2)
        .any(|w| w[0] == b'<' && (w[1].is_ascii_alphabetic() || w[1] == b'/' || w[1] == b'!'))
}

fn is_listing_title(title: &str) -> bool {
    let t = title.trim().to_ascii_lowercase();
    ["index of /", "directory listing for /", "listing of /"]
        .iter()
        .any(|p| t.starts_with(p))
}

/// Words of visible text in the whole body (scripts, styles and templates left out).
fn body_words(doc: &Html) -> usize {
    let mut n = 0;
    for node in doc.root_element().descendants() {
        let Node::Text(t) = node.value() else {
            continue;
        };
        let hidden = node
            .parent()
            .and_then(|p| p.value().as_element().map(|e| e.name()))
            .is_some_and(|n| matches!(n, "script" | "style" | "noscript" | "template" | "title"));
        if !hidden {
            n += count_words(t);
        }
    }
    n
}

/// Share of main-content words in blocks that read as sentences: paragraphs and list items of
/// at least [`SENTENCE_WORDS`] words. Headings, table cells and short labels are not prose.
pub fn prose_share(page: &Page) -> f64 {
    let (mut prose, mut all) = (0usize, 0usize);
    for b in &page.blocks {
        let n = count_words(&b.text);
        all += n;
        if matches!(b.kind, BlockKind::Paragraph | BlockKind::ListItem) && n >= SENTENCE_WORDS {
            prose += n;
        }
    }
    if all == 0 {
        0.0
    } else {
        prose as f64 / all as f64
    }
}

/// Words a block needs to read as a sentence rather than a label.
pub const SENTENCE_WORDS: usize = 8;

/// Below this [`prose_share`] a page is labels, figures and empty cells (a dashboard, a table
/// a script fills in): writing advice about it would be noise.
pub const MIN_PROSE_SHARE: f64 = 0.25;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::page;

    fn verdict(body: &str) -> Option<NotAPage> {
        let doc = Html::parse_document(body);
        let p = page::from_document(&doc);
        not_a_page(body, &doc, &p)
    }

    #[test]
    fn non_pages_are_recognised() {
        assert_eq!(verdict(""), Some(NotAPage::Empty));
        assert_eq!(verdict("\n"), Some(NotAPage::Empty));
        assert_eq!(
            verdict(r#"[{"alt":"x","uid":"y"},{"alt":"z"}]"#),
            Some(NotAPage::Json)
        );
        // A feed template that left values out is still JSON, not text.
        assert_eq!(
            verdict(r#"{ "content" : "topics", "items" : [{ "filename" :, "length" :55 }] }"#),
            Some(NotAPage::Json)
        );
        assert_eq!(
            verdict("<?xml version=\"1.0\"?><rss><channel><title>News</title></channel></rss>"),
            Some(NotAPage::Xml)
        );
        assert_eq!(
            verdict("google-site-verification: google16a62a069d0c4fa4.html"),
            Some(NotAPage::PlainText)
        );
        assert_eq!(
            verdict("<html><head><title>Directory listing for /overview/</title></head><body><h1>Directory listing for /overview/</h1><ul><li><a href=\"a/\">a/</a></li></ul></body></html>"),
            Some(NotAPage::DirectoryListing)
        );
        assert_eq!(
            verdict(
                r#"<!DOCTYPE html><html lang="en-US"><meta charset="utf-8"><title>Redirecting…</title><meta http-equiv="refresh" content="0; url=https://www.a.gov/x/"><h1>Redirecting…</h1><a href="https://www.a.gov/x/">Click here if you are not redirected.</a></html>"#
            ),
            Some(NotAPage::RedirectStub)
        );
        assert_eq!(
            verdict(
                "<html><head><title>T</title><script>var a=1;</script></head><body> </body></html>"
            ),
            Some(NotAPage::Empty)
        );
    }

    #[test]
    fn pages_stay_pages() {
        // XHTML with an XML declaration, a bare fragment without template, a script-filled page.
        assert_eq!(
            verdict("<?xml version=\"1.0\" encoding=\"UTF-8\"?><!DOCTYPE html><html xmlns=\"http://www.w3.org/1999/xhtml\"><body><p>Apply for benefits online.</p></body></html>"),
            None
        );
        assert_eq!(
            verdict("<h1 id=\"security-policy\">Security Policy</h1><p>If you find a vulnerability, tell us.</p>"),
            None
        );
        assert_eq!(
            verdict("<html><body><main><div id=app></div></main><p>Loading the dashboard</p></body></html>"),
            None
        );
        // A page that refreshes after a while but has its own content is a page.
        let long = format!(
            "<html><head><meta http-equiv=refresh content=\"300; url=/\"></head><body><main><p>{}</p></main></body></html>",
            "word ".repeat(60)
        );
        assert_eq!(verdict(&long), None);
    }

    #[test]
    fn labels_are_not_prose() {
        let skeleton = page::parse(
            "<main><h2>Overall Performance</h2><div>Maturity: <span></span></div><div>Conformance:</div><table><tr><th>Dimension</th><th>Score</th></tr><tr><td></td><td></td></tr></table></main>",
        );
        assert!(prose_share(&skeleton) < MIN_PROSE_SHARE);
        let article = page::parse(
            "<main><h1>Apply</h1><p>You can apply for rental help online, by phone or at any of our offices.</p></main>",
        );
        assert!(prose_share(&article) > 0.8);
    }
}
