//! Turns fetched bytes into what the crawl needs: text in the right encoding, the title, the
//! `<base href>`, and every link with its anchor text.
//!
//! Pure: bytes in, values out; no I/O. Later audits read the stored HTML again for richer
//! extraction (headings, main text); the crawl only needs this fast pass.
//!
//! Design:
//! - [`decode`] picks the charset the way browsers do: byte-order mark, then the `Content-Type`
//!   header, then a `<meta charset>` in the first 1,024 bytes, then UTF-8 if the bytes are valid
//!   UTF-8, else windows-1252 (the web's legacy default).
//! - [`links`] runs html5ever's tokenizer (no tree), which accepts any malformed HTML the way a
//!   browser does, and switches it into raw-text mode inside `<script>`, `<style>`, `<title>`…
//!   so that markup-looking text there is not taken for links.

pub mod answers;
pub mod document;
pub mod facts;
pub mod html;
pub mod markdown;
pub mod page;
pub mod updated;

use std::cell::RefCell;

use encoding_rs::Encoding;
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

/// Month names and their abbreviations, lower case, as addresses and titles write them.
pub const MONTH_NAMES: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
];

/// Longest anchor text kept, in characters.
pub const MAX_ANCHOR_CHARS: usize = 300;

/// Decodes a body to text. Returns the text and the name of the encoding used. `cut` says the body
/// was cut short (size cap, dropped connection), so it may end inside a character.
pub fn decode(bytes: &[u8], header_charset: Option<&str>, cut: bool) -> (String, &'static str) {
    let encoding = sniff_encoding(bytes, header_charset, cut);
    // `decode` strips a BOM and replaces malformed sequences with U+FFFD: a bad byte never loses
    // the rest of the page.
    let (text, used, _had_errors) = encoding.decode(bytes);
    (text.into_owned(), used.name())
}

fn sniff_encoding(bytes: &[u8], header_charset: Option<&str>, cut: bool) -> &'static Encoding {
    if let Some((enc, _)) = Encoding::for_bom(bytes) {
        return enc;
    }
    if let Some(enc) = header_charset.and_then(|c| Encoding::for_label(c.trim().as_bytes())) {
        return html_override(enc);
    }
    if let Some(enc) = meta_charset(&bytes[..bytes.len().min(1024)]) {
        return html_override(enc);
    }
    let utf8 = match std::str::from_utf8(bytes) {
        Ok(_) => true,
        // A body cut short may end inside a character and still be UTF-8.
        Err(e) => cut && e.error_len().is_none(),
    };
    if utf8 {
        encoding_rs::UTF_8
    } else {
        encoding_rs::WINDOWS_1252
    }
}

/// The HTML standard reads a declared UTF-16 in a document without BOM as UTF-8, and ISO-8859-1
/// as windows-1252 (encoding_rs already maps the latter label).
fn html_override(enc: &'static Encoding) -> &'static Encoding {
    if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
        encoding_rs::UTF_8
    } else {
        enc
    }
}

/// Finds `charset=` inside a `<meta` tag in the document's first bytes (the HTML prescan, simplified:
/// it covers `<meta charset=...>` and `<meta http-equiv=Content-Type content="...; charset=...">`).
fn meta_charset(head: &[u8]) -> Option<&'static Encoding> {
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let mut from = 0;
    while let Some(pos) = find(&lower[from..], b"<meta") {
        let start = from + pos;
        let end = lower[start..]
            .iter()
            .position(|&b| b == b'>')
            .map_or(lower.len(), |e| start + e);
        let tag = &lower[start..end];
        if let Some(c) = find(tag, b"charset") {
            let rest = &tag[c + 7..];
            let rest = trim_start(rest);
            if let Some(rest) = rest.strip_prefix(b"=") {
                let rest = trim_start(rest);
                let rest = rest
                    .strip_prefix(b"\"")
                    .or_else(|| rest.strip_prefix(b"'"))
                    .unwrap_or(rest);
                let label_end = rest
                    .iter()
                    .position(|b| matches!(b, b'"' | b'\'' | b';' | b' ' | b'/' | b'>'))
                    .unwrap_or(rest.len());
                if let Some(enc) = Encoding::for_label(&rest[..label_end]) {
                    return Some(enc);
                }
            }
        }
        from = end;
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn trim_start(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

/// What kind of element a link came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    /// `<a href>`.
    A,
    /// `<area href>`.
    Area,
    /// `<iframe src>` or `<frame src>`.
    Frame,
    /// `<meta http-equiv="refresh" content="0; url=...">`.
    Refresh,
}

impl LinkKind {
    /// The name stored in the `links` table.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::A => "a",
            LinkKind::Area => "area",
            LinkKind::Frame => "frame",
            LinkKind::Refresh => "refresh",
        }
    }
}

/// A link as written in the page (not yet resolved against the base URL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawLink {
    /// The attribute value, whitespace-trimmed.
    pub href: String,
    /// The element it came from.
    pub kind: LinkKind,
    /// The visible text (or an image's `alt`), whitespace collapsed.
    pub anchor: Option<String>,
    /// The `rel` attribute.
    pub rel: Option<String>,
}

/// What the crawl extracts from an HTML page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageLinks {
    /// The first `<title>`, whitespace collapsed.
    pub title: Option<String>,
    /// The first `<base href>`.
    pub base_href: Option<String>,
    /// Links in document order.
    pub links: Vec<RawLink>,
    /// `<meta name="robots">` says `nofollow` (or `none`).
    pub nofollow: bool,
}

#[derive(Default)]
struct Sink {
    out: RefCell<PageLinks>,
    /// Index in `out.links` of the `<a>`/`<area>` whose text is being collected, and the text.
    open_anchor: RefCell<Option<(usize, String)>>,
    title: RefCell<Option<String>>,
    in_title: RefCell<bool>,
    /// Inside `<script>`, `<style>` and other raw-text elements (whose text is not anchor text).
    in_raw: RefCell<bool>,
}

fn attr<'a>(tag: &'a Tag, name: &str) -> Option<&'a str> {
    tag.attrs
        .iter()
        .find(|a| &*a.name.local == name)
        .map(|a| a.value.as_ref())
}

impl Sink {
    fn close_anchor(&self) {
        if let Some((idx, text)) = self.open_anchor.borrow_mut().take() {
            let text = collapse(&text);
            if !text.is_empty() {
                if let Some(link) = self.out.borrow_mut().links.get_mut(idx) {
                    link.anchor = Some(text);
                }
            }
        }
    }

    fn push_link(&self, href: &str, kind: LinkKind, rel: Option<&str>) -> usize {
        let mut out = self.out.borrow_mut();
        out.links.push(RawLink {
            href: href.trim().to_string(),
            kind,
            anchor: None,
            rel: rel.map(str::to_string),
        });
        out.links.len() - 1
    }

    fn start_tag(&self, tag: &Tag) -> TokenSinkResult<()> {
        match &*tag.name {
            "a" | "area" => {
                self.close_anchor();
                if let Some(href) = attr(tag, "href") {
                    let kind = if &*tag.name == "a" {
                        LinkKind::A
                    } else {
                        LinkKind::Area
                    };
                    let idx = self.push_link(href, kind, attr(tag, "rel"));
                    if kind == LinkKind::A && !tag.self_closing {
                        *self.open_anchor.borrow_mut() = Some((idx, String::new()));
                    } else if let Some(alt) = attr(tag, "alt") {
                        let alt = collapse(alt);
                        if !alt.is_empty() {
                            self.out.borrow_mut().links[idx].anchor = Some(alt);
                        }
                    }
                }
            }
            "img" => {
                if let (Some(alt), Some((_, text))) =
                    (attr(tag, "alt"), self.open_anchor.borrow_mut().as_mut())
                {
                    text.push(' ');
                    text.push_str(alt);
                }
            }
            "iframe" | "frame" => {
                if let Some(src) = attr(tag, "src") {
                    self.push_link(src, LinkKind::Frame, None);
                }
            }
            "base" => {
                let mut out = self.out.borrow_mut();
                if out.base_href.is_none() {
                    out.base_href = attr(tag, "href").map(|h| h.trim().to_string());
                }
            }
            "meta" => {
                let equiv = attr(tag, "http-equiv").unwrap_or("");
                if equiv.eq_ignore_ascii_case("refresh") {
                    if let Some(target) = attr(tag, "content").and_then(refresh_target) {
                        self.push_link(&target, LinkKind::Refresh, None);
                    }
                }
                let name = attr(tag, "name").unwrap_or("");
                if name.eq_ignore_ascii_case("robots") {
                    let content = attr(tag, "content").unwrap_or("").to_ascii_lowercase();
                    if content.contains("nofollow") || content.contains("none") {
                        self.out.borrow_mut().nofollow = true;
                    }
                }
            }
            "title" => {
                if self.title.borrow().is_none() {
                    *self.in_title.borrow_mut() = true;
                    *self.title.borrow_mut() = Some(String::new());
                }
                return TokenSinkResult::RawData(RawKind::Rcdata);
            }
            "textarea" => return TokenSinkResult::RawData(RawKind::Rcdata),
            "script" => {
                *self.in_raw.borrow_mut() = true;
                return TokenSinkResult::RawData(RawKind::ScriptData);
            }
            "style" | "xmp" | "noembed" | "noframes" => {
                *self.in_raw.borrow_mut() = true;
                return TokenSinkResult::RawData(RawKind::Rawtext);
            }
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

impl TokenSink for Sink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        match token {
            Token::TagToken(tag) => match tag.kind {
                TagKind::StartTag => return self.start_tag(&tag),
                TagKind::EndTag => match &*tag.name {
                    "a" => self.close_anchor(),
                    "title" => *self.in_title.borrow_mut() = false,
                    "script" | "style" | "xmp" | "noembed" | "noframes" => {
                        *self.in_raw.borrow_mut() = false
                    }
                    _ => {}
                },
            },
            Token::CharacterTokens(text) => {
                if *self.in_title.borrow() {
                    if let Some(t) = self.title.borrow_mut().as_mut() {
                        t.push_str(&text);
                    }
                } else if *self.in_raw.borrow() {
                    // Inline SVG logos carry <style>; that is not what the link says.
                } else if let Some((_, anchor)) = self.open_anchor.borrow_mut().as_mut() {
                    if anchor.len() < MAX_ANCHOR_CHARS * 4 {
                        anchor.push_str(&text);
                    }
                }
            }
            Token::EOFToken => self.close_anchor(),
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

/// Parses a meta refresh `content` (`5; url=/next/`, `0;URL='x'`) into its target.
pub(crate) fn refresh_target(content: &str) -> Option<String> {
    let (_, rest) = content.split_once([';', ','])?;
    let rest = rest.trim_start();
    let lower = rest.to_ascii_lowercase();
    let rest = if lower.starts_with("url") {
        let after = rest[3..].trim_start();
        after.strip_prefix('=')?.trim_start()
    } else {
        rest
    };
    let rest = rest
        .strip_prefix('\'')
        .map(|r| r.split('\'').next().unwrap_or(r))
        .or_else(|| {
            rest.strip_prefix('"')
                .map(|r| r.split('"').next().unwrap_or(r))
        })
        .unwrap_or(rest)
        .trim();
    (!rest.is_empty()).then(|| rest.to_string())
}

/// Collapses runs of whitespace to one space, trims, and cuts at [`MAX_ANCHOR_CHARS`].
pub fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(MAX_ANCHOR_CHARS));
    for (n, word) in s.split_whitespace().enumerate() {
        if n > 0 {
            out.push(' ');
        }
        out.push_str(word);
        if out.chars().count() >= MAX_ANCHOR_CHARS {
            return out.chars().take(MAX_ANCHOR_CHARS).collect();
        }
    }
    out
}

/// Extracts title, base href and links from an HTML document.
pub fn links(html: &str) -> PageLinks {
    let sink = Sink::default();
    let tokenizer = Tokenizer::new(sink, TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from(html));
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    let sink = tokenizer.sink;
    let mut out = sink.out.into_inner();
    out.title = sink
        .title
        .into_inner()
        .map(|t| collapse(&t))
        .filter(|t| !t.is_empty());
    out
}

/// A page of the bundled demo agency (`inventories/demo/sites/<path>`), for unit tests.
#[cfg(test)]
pub(crate) fn demo_page(path: &str) -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("inventories/demo/sites")
        .join(path);
    std::fs::read_to_string(p).expect("demo page")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_titles_and_base() {
        let html = r#"<!doctype html><html><head><title> Apply  for
            help </title><base href="https://www.example.gov/dir/">
            <meta http-equiv="Refresh" content="0; URL='/moved/'">
            <script>var s = "<a href='/not-a-link'>";</script></head>
            <body><a href="/a/" rel="nofollow">First <b>link</b></a>
            <a href=b.html><img alt="Logo"></a><area href="/map" alt="Map">
            <a name="anchor-only">x</a><iframe src="/embed"></iframe>
            <p><a href="/unclosed">unclosed <div>still text"#;
        let p = links(html);
        assert_eq!(p.title.as_deref(), Some("Apply for help"));
        assert_eq!(p.base_href.as_deref(), Some("https://www.example.gov/dir/"));
        let got: Vec<(&str, &str, Option<&str>)> = p
            .links
            .iter()
            .map(|l| (l.href.as_str(), l.kind.as_str(), l.anchor.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("/moved/", "refresh", None),
                ("/a/", "a", Some("First link")),
                ("b.html", "a", Some("Logo")),
                ("/map", "area", Some("Map")),
                ("/embed", "frame", None),
                ("/unclosed", "a", Some("unclosed still text")),
            ]
        );
        assert_eq!(p.links[1].rel.as_deref(), Some("nofollow"));
    }

    #[test]
    fn charset_from_header_meta_bom_or_guess() {
        let cp1252 = b"<html><head><meta charset=\"windows-1252\"></head><body>caf\xe9 \x93quoted\x94 \x97</body></html>";
        let (text, enc) = decode(cp1252, None, false);
        assert_eq!(enc, "windows-1252");
        assert!(text.contains("café “quoted” —"), "{text}");
        // The header wins over meta.
        let (_, enc) = decode(cp1252, Some("utf-8"), false);
        assert_eq!(enc, "UTF-8");
        // A BOM wins over everything.
        let (text, enc) = decode(b"\xef\xbb\xbfhi", Some("windows-1252"), false);
        assert_eq!((text.as_str(), enc), ("hi", "UTF-8"));
        // No declaration: valid UTF-8 stays UTF-8, invalid bytes fall back to windows-1252.
        assert_eq!(decode("é".as_bytes(), None, false).1, "UTF-8");
        assert_eq!(
            decode(b"caf\xe9", None, false),
            ("café".to_string(), "windows-1252")
        );
        let http_equiv =
            b"<meta http-equiv=Content-Type content='text/html; charset=ISO-8859-1'>\xe9";
        assert_eq!(decode(http_equiv, None, false).1, "windows-1252");
    }

    #[test]
    fn raw_text_is_not_anchor_text_and_cut_utf8_stays_utf8() {
        let p = links("<a href=\"/\"><svg><style>.a{fill:#fff}</style></svg>Home</a>");
        assert_eq!(p.links[0].anchor.as_deref(), Some("Home"));
        let cut = &"café".as_bytes()[..4];
        assert_eq!(decode(cut, None, true).1, "UTF-8");
    }

    #[test]
    fn refresh_forms() {
        assert_eq!(refresh_target("0; url=/x/").as_deref(), Some("/x/"));
        assert_eq!(
            refresh_target("5;URL=\"https://a.gov/\"").as_deref(),
            Some("https://a.gov/")
        );
        assert_eq!(refresh_target("0, /y").as_deref(), Some("/y"));
        assert_eq!(refresh_target("30"), None);
    }
}
