//! What a stored HTML page says, for the audits: title, language, description, canonical URL,
//! headings, the main content as blocks of text, and the ids a `#fragment` can target.
//!
//! Pure: HTML text in, a [`Page`] out; no I/O. The crawl uses the faster [`super::links`] pass;
//! audits read stored bodies again through this module.
//!
//! # Template boilerplate
//! Navigation, headers, footers, side menus, banners, cookie notices and "share this" blocks are
//! the same on every page of a site and differ between sites, so they must not count when pages
//! are compared. Two steps remove them:
//! 1. Markup ([`parse`]): the content root is `<main>` (or `role="main"`) when the page has one;
//!    subtrees that are template by their element (`nav`, `aside`, and `header`/`footer` outside
//!    `main`/`article`), ARIA role (`navigation`, `banner`, `contentinfo`, `complementary`,
//!    `search`), or a class or id token such as USWDS `usa-header`, `usa-footer`, `usa-banner`,
//!    `usa-nav`, `usa-sidenav`, `usa-identifier` or `sidebar`, `breadcrumb`, `cookie`, `share` are
//!    skipped, as are `script`, `style`, `svg`, `hidden` and `aria-hidden` content.
//! 2. Repetition ([`strip_site_boilerplate`]): blocks whose text recurs on a large share of one
//!    site's pages are removed, which catches table layouts and home-made templates.

use std::collections::{BTreeSet, HashMap, HashSet};

use scraper::{ElementRef, Html, Node};

/// What kind of block a piece of main text came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum BlockKind {
    /// `<h1>`…`<h6>`, with its level.
    Heading(u8),
    /// A paragraph or other run of text.
    Paragraph,
    /// `<li>`, `<dt>`, `<dd>`.
    ListItem,
    /// `<td>`, `<th>`, `<caption>`.
    Cell,
    /// `<pre>` or `<code>` blocks, kept as written.
    Code,
}

/// One block of main content: its boundaries are where a reader sees a new line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Block {
    /// Where it came from.
    pub kind: BlockKind,
    /// Its text, whitespace collapsed.
    pub text: String,
    /// Byte ranges of `text` set as inline code (`<code>`, `<kbd>`, `<samp>`, `<var>`): names of
    /// commands and fields, not the writer's prose.
    pub code: Vec<(usize, usize)>,
    /// Words of `text` that are the text of links (`<a href>`).
    pub link_words: usize,
}

/// A page as the audits see it.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Page {
    /// `<title>`.
    pub title: Option<String>,
    /// `<html lang>`.
    pub lang: Option<String>,
    /// `<meta name="description">`.
    pub description: Option<String>,
    /// `<link rel="canonical">` as written.
    pub canonical: Option<String>,
    /// Where a `<meta http-equiv="refresh" content="N; url=…">` sends the reader, as written,
    /// and after how many seconds.
    pub refresh_to: Option<String>,
    /// The seconds of that refresh (`N`).
    pub refresh_after: Option<f64>,
    /// An inline script writes into the page (`innerHTML`, `createElement`…): parts of what a
    /// reader sees, ids included, may exist only after it runs.
    pub script_builds_content: bool,
    /// Main content, template removed, in document order.
    pub blocks: Vec<Block>,
    /// Every `id` and `<a name>` in the whole page: the targets a `#fragment` may name.
    pub anchors: BTreeSet<String>,
}

impl Page {
    /// Headings of the main content: (level, text).
    pub fn headings(&self) -> impl Iterator<Item = (u8, &str)> {
        self.blocks.iter().filter_map(|b| match b.kind {
            BlockKind::Heading(l) => Some((l, b.text.as_str())),
            _ => None,
        })
    }

    /// The main content as text, one block a paragraph.
    pub fn main_text(&self) -> String {
        let mut s = String::new();
        for b in &self.blocks {
            if !s.is_empty() {
                s.push_str("\n\n");
            }
            s.push_str(&b.text);
        }
        s
    }

    /// Share of main-content words that are link text: near 1 on an index, a tag or archive
    /// listing, a table of links (whose text is other pages' titles), low on an article.
    pub fn link_share(&self) -> f64 {
        let words = self.word_count();
        if words == 0 {
            return 0.0;
        }
        self.blocks.iter().map(|b| b.link_words).sum::<usize>() as f64 / words as f64
    }

    /// Whether the main content is an index of other pages: at least `max_link_share` of its
    /// words are link text, or it is a list of teasers (five or more headings, two thirds of its
    /// headings, that are nothing but a link: the titles of the pages it lists).
    pub fn is_index(&self, max_link_share: f64) -> bool {
        let headings: Vec<&Block> = self
            .blocks
            .iter()
            .filter(|b| matches!(b.kind, BlockKind::Heading(_)))
            .collect();
        let linked = headings
            .iter()
            .filter(|b| b.link_words > 0 && b.link_words * 10 >= count_words(&b.text) * 8)
            .count();
        self.link_share() >= max_link_share || (linked >= 5 && linked * 3 >= headings.len() * 2)
    }

    /// Words in the main content.
    pub fn word_count(&self) -> usize {
        self.blocks.iter().map(|b| count_words(&b.text)).sum()
    }
}

/// `text.split_whitespace().count()`, byte by byte where the text is ASCII: a page's words are
/// counted several times over (not-a-page checks, measurement, index test), and decoding every
/// character for it was about 4 % of the audit's page pass.
pub fn count_words(text: &str) -> usize {
    let bytes = text.as_bytes();
    let (mut words, mut in_word, mut i) = (0, false, 0);
    while i < bytes.len() {
        let b = bytes[i];
        let (space, len) = if b.is_ascii() {
            // `char::is_whitespace` on ASCII: tab, line feed, vertical tab, form feed, carriage
            // return, space.
            (matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' '), 1)
        } else {
            match text[i..].chars().next() {
                Some(c) => (c.is_whitespace(), c.len_utf8()),
                None => break,
            }
        };
        if !space && !in_word {
            words += 1;
        }
        in_word = !space;
        i += len;
    }
    words
}

/// Class and id tokens that mark template parts (compared lower-case, whole token).
const TEMPLATE_TOKENS: &[&str] = &[
    "usa-banner",
    "usa-header",
    "usa-footer",
    "usa-nav",
    "usa-sidenav",
    "usa-identifier",
    "usa-skipnav",
    "usa-menu-btn",
    "usa-overlay",
    "header",
    "site-header",
    "page-header-nav",
    "footer",
    "site-footer",
    "site-foot",
    "nav",
    "navbar",
    "navigation",
    "menu",
    "main-menu",
    "sidebar",
    "side-nav",
    "sidenav",
    "breadcrumb",
    "breadcrumbs",
    "cookie",
    "cookie-banner",
    "cookie-notice",
    "share",
    "share-this",
    "social",
    "social-share",
    "skip-link",
    "skipnav",
    "skip-nav",
    // Page furniture inside the content: feedback widgets, "last updated" lines, pagers.
    "page-feedback",
    "feedback",
    "usa-feedback",
    "last-updated",
    "page-updated",
    "date-modified",
    "page-last-updated",
    "pagination",
    "usa-pagination",
    "pager",
];

const TEMPLATE_ROLES: &[&str] = &[
    "navigation",
    "banner",
    "contentinfo",
    "complementary",
    "search",
];

/// Elements whose text never is content.
const SKIPPED: &[&str] = &[
    "script", "style", "noscript", "template", "svg", "iframe", "object", "head", "button",
    "select", "option", "input", "textarea", "canvas", "map",
];

fn block_kind(name: &str) -> Option<BlockKind> {
    Some(match name {
        "h1" => BlockKind::Heading(1),
        "h2" => BlockKind::Heading(2),
        "h3" => BlockKind::Heading(3),
        "h4" => BlockKind::Heading(4),
        "h5" => BlockKind::Heading(5),
        "h6" => BlockKind::Heading(6),
        "li" | "dt" | "dd" => BlockKind::ListItem,
        "td" | "th" | "caption" => BlockKind::Cell,
        "pre" => BlockKind::Code,
        "p" | "div" | "section" | "article" | "blockquote" | "figcaption" | "figure"
        | "summary" | "details" | "address" | "legend" | "fieldset" | "form" | "table" | "tr"
        | "ul" | "ol" | "dl" | "main" | "header" | "footer" | "hr" | "br" | "body" => {
            BlockKind::Paragraph
        }
        _ => return None,
    })
}

fn is_template(el: &ElementRef<'_>, inside_content: bool) -> bool {
    let e = el.value();
    match e.name() {
        "nav" | "aside" => return true,
        "header" | "footer" if !inside_content => return true,
        _ => {}
    }
    if let Some(role) = e.attr("role") {
        if TEMPLATE_ROLES.contains(&role.trim().to_ascii_lowercase().as_str()) {
            return true;
        }
    }
    if e.attr("hidden").is_some()
        || e.attr("aria-hidden")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        return true;
    }
    let token_hit = |t: &str| TEMPLATE_TOKENS.contains(&t.to_ascii_lowercase().as_str());
    e.classes().any(token_hit) || e.id().is_some_and(token_hit)
}

/// Page furniture recognised by what it says, wherever the template puts it: "Last updated:
/// January 6, 2025", "Page last reviewed or updated: 03/14/2024", "Was this page helpful? Yes No",
/// "Back to top", "Share this page", "Print this page". Such a line is about the page, not
/// content: left in, it makes the same article under two templates differ.
pub fn is_furniture(text: &str) -> bool {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(
            r"(?ix)^(
                (this\s+)?(page|content|site|article)?\s*(was\s+)?(last\s+)?(updated|reviewed|modified|revised)
                  (\s+or\s+(updated|reviewed))?(\s+on)?\s*[:\-–—]?\s*
                  [\w.,/\-]*\s*\d[\w.,/\-\s]{0,24}
              | (was|is)\s+this\s+(page|information|article|content)\s+(helpful|useful)\??(\s+(yes|no))*
              | (back|return)\s+to\s+top
              | (share|print|email)\s+this\s+(page|article)
            )[.!]?$",
        )
        .expect("a valid pattern")
    });
    text.split_whitespace().count() <= 12 && re.is_match(text.trim())
}

/// Marks around inline code while a block's text is gathered (never left in a block's text).
const CODE_START: char = '\u{1}';
const CODE_END: char = '\u{2}';

struct Walker {
    blocks: Vec<Block>,
    current: String,
    kind: BlockKind,
    /// How many `<a href>` the walk is inside.
    in_link: usize,
    /// Link words of the block being gathered.
    link_words: usize,
}

impl Walker {
    fn flush(&mut self) {
        // Words joined by single spaces; inline code arrives between CODE_START and CODE_END
        // marks, which are dropped with their byte range in the text kept.
        let mut text = String::with_capacity(self.current.len());
        let mut code = Vec::new();
        let mut open: Option<usize> = None;
        for word in self.current.split_whitespace() {
            let mut wrote = false;
            for c in word.chars() {
                match c {
                    CODE_START => {
                        open = open.or(Some(text.len() + usize::from(!wrote && !text.is_empty())))
                    }
                    CODE_END => {
                        if let Some(start) = open.take() {
                            if text.len() > start {
                                code.push((start, text.len()));
                            }
                        }
                    }
                    _ => {
                        if !wrote && !text.is_empty() {
                            text.push(' ');
                        }
                        wrote = true;
                        text.push(c);
                    }
                }
            }
        }
        if !text.is_empty() && !is_furniture(&text) {
            self.blocks.push(Block {
                kind: self.kind,
                text,
                code,
                link_words: self.link_words,
            });
        }
        self.link_words = 0;
        self.current.clear();
        self.kind = BlockKind::Paragraph;
    }

    /// Gathers the blocks under `el`. Iterative, with an explicit stack: a page nested 50,000
    /// elements deep is read like any other, not a stack overflow that stops the audit.
    fn walk(&mut self, el: ElementRef<'_>, inside_content: bool) {
        enum Step<'a> {
            /// Read this node's children, inside `<main>`/`<article>` or not.
            Enter(ego_tree::NodeRef<'a, Node>, bool),
            /// After a block element's children: its kind, restored for trailing text.
            EndBlock(BlockKind),
            EndCode,
            /// After an inline element: whether it was a link, whether it separates words.
            EndInline(bool, bool),
        }
        fn push_children<'a>(
            stack: &mut Vec<Step<'a>>,
            node: ego_tree::NodeRef<'a, Node>,
            inside: bool,
        ) {
            // Children in reverse, so the first is read first.
            let children: Vec<_> = node.children().collect();
            for child in children.into_iter().rev() {
                stack.push(Step::Enter(child, inside));
            }
        }
        let mut stack: Vec<Step<'_>> = Vec::new();
        push_children(&mut stack, *el, inside_content);
        while let Some(step) = stack.pop() {
            let (child, inside_content) = match step {
                Step::EndBlock(kind) => {
                    // Text after a nested block belongs to the parent, as a paragraph.
                    if self.kind != kind {
                        self.kind = kind;
                    }
                    self.flush();
                    continue;
                }
                Step::EndCode => {
                    self.current.push(CODE_END);
                    continue;
                }
                Step::EndInline(link, separates) => {
                    self.in_link -= usize::from(link);
                    // Inline elements: keep words apart where markup separated them.
                    if separates {
                        self.current.push(' ');
                    }
                    continue;
                }
                Step::Enter(child, inside) => (child, inside),
            };
            match child.value() {
                Node::Text(t) => {
                    if self.in_link > 0 {
                        self.link_words += count_words(t);
                    }
                    self.current.push_str(t)
                }
                Node::Element(e) => {
                    let Some(child_el) = ElementRef::wrap(child) else {
                        continue;
                    };
                    let name = e.name();
                    if SKIPPED.contains(&name) || is_template(&child_el, inside_content) {
                        // A skipped element still separates the text around it.
                        self.current.push(' ');
                        continue;
                    }
                    let inside = inside_content || matches!(name, "main" | "article");
                    match block_kind(name) {
                        Some(kind) => {
                            self.flush();
                            self.kind = kind;
                            stack.push(Step::EndBlock(kind));
                        }
                        None if matches!(name, "code" | "kbd" | "samp" | "var" | "tt") => {
                            self.current.push(CODE_START);
                            stack.push(Step::EndCode);
                        }
                        None => {
                            let link = name == "a" && e.attr("href").is_some();
                            self.in_link += usize::from(link);
                            let separates = matches!(name, "img" | "td" | "span" | "a");
                            stack.push(Step::EndInline(link, separates));
                        }
                    }
                    push_children(&mut stack, child, inside);
                }
                _ => {}
            }
        }
    }
}

fn collapse(s: &str) -> Option<String> {
    let t = s.split_whitespace().collect::<Vec<_>>().join(" ");
    (!t.is_empty()).then_some(t)
}

/// Parses an HTML page (any HTML: malformed markup is repaired as browsers do).
pub fn parse(html: &str) -> Page {
    from_document(&crate::extract::html::parse_document(html))
}

/// A page from an already parsed document (audits that read other markup from the same
/// document parse it once).
pub fn from_document(doc: &Html) -> Page {
    let root = doc.root_element();
    let mut page = Page {
        lang: root.value().attr("lang").and_then(collapse),
        ..Page::default()
    };
    let mut main: Option<ElementRef<'_>> = None;
    let mut body: Option<ElementRef<'_>> = None;
    for el in root.descendent_elements() {
        let e = el.value();
        if let Some(id) = e.id() {
            page.anchors.insert(id.to_string());
        }
        match e.name() {
            "a" => {
                if let Some(n) = e.attr("name") {
                    page.anchors.insert(n.to_string());
                }
            }
            "title" if page.title.is_none() => {
                page.title = collapse(&el.text().collect::<String>())
            }
            "meta" => {
                if page.description.is_none()
                    && e.attr("name")
                        .is_some_and(|n| n.eq_ignore_ascii_case("description"))
                {
                    page.description = e.attr("content").and_then(collapse);
                }
                if page.refresh_to.is_none()
                    && e.attr("http-equiv")
                        .is_some_and(|v| v.eq_ignore_ascii_case("refresh"))
                {
                    page.refresh_to = e.attr("content").and_then(super::refresh_target);
                    page.refresh_after = e
                        .attr("content")
                        .and_then(|c| c.split([';', ',']).next()?.trim().parse::<f64>().ok());
                }
            }
            "link" if page.canonical.is_none() => {
                let canonical = e.attr("rel").is_some_and(|r| {
                    r.split_whitespace()
                        .any(|t| t.eq_ignore_ascii_case("canonical"))
                });
                if canonical {
                    page.canonical = e.attr("href").and_then(collapse);
                }
            }
            "script" if !page.script_builds_content => {
                page.script_builds_content = writes_to_page(&el)
            }
            "main" if main.is_none() => main = Some(el),
            "body" if body.is_none() => body = Some(el),
            _ => {
                if main.is_none()
                    && e.attr("role")
                        .is_some_and(|r| r.eq_ignore_ascii_case("main"))
                {
                    main = Some(el);
                }
            }
        }
    }
    let content_root = main.or(body).unwrap_or(root);
    let mut walker = Walker {
        blocks: Vec::new(),
        current: String::new(),
        kind: BlockKind::Paragraph,
        in_link: 0,
        link_words: 0,
    };
    walker.walk(content_root, main.is_some());
    walker.flush();
    page.blocks = walker.blocks;
    page
}

/// DOM-writing calls that build content a static read cannot see.
const DOM_WRITES: &[&str] = &[
    "innerHTML",
    "outerHTML",
    "insertAdjacentHTML",
    "document.write",
    "createElement",
    "appendChild",
    "replaceChildren",
    ".append(",
    ".html(",
];

/// An inline JavaScript block that writes into the page. Analytics loaders (which create a
/// `<script>` element and nothing a reader sees) do not count.
fn writes_to_page(script: &ElementRef<'_>) -> bool {
    let e = script.value();
    if e.attr("src").is_some() {
        return false;
    }
    let js = e.attr("type").is_none_or(|t| {
        let t = t.trim().to_ascii_lowercase();
        t.is_empty() || t.contains("javascript") || t == "module"
    });
    if !js {
        return false;
    }
    let code: String = script.text().collect();
    let analytics = [
        "googletagmanager",
        "google-analytics",
        "gtag(",
        "dataLayer",
        "_paq",
    ]
    .iter()
    .any(|a| code.contains(a));
    !analytics && DOM_WRITES.iter().any(|w| code.contains(w))
}

/// Plain text as paragraph blocks: blank lines separate paragraphs, whitespace is collapsed.
pub fn paragraphs(text: &str) -> Vec<Block> {
    text.replace("\r\n", "\n")
        .split("\n\n")
        .filter_map(collapse)
        .map(|text| Block {
            kind: BlockKind::Paragraph,
            text,
            code: Vec::new(),
            link_words: 0,
        })
        .collect()
}

/// Share of a site's pages a block must appear on to count as template.
pub const DEFAULT_TEMPLATE_SHARE: f64 = 0.5;
/// A block must appear on at least this many pages to count as template (two pages sharing a
/// sentence is content, not a template).
pub const MIN_TEMPLATE_PAGES: usize = 3;

/// A block's identity across a site's pages: its lower-case text, hashed (what template
/// removal and shared blocks compare).
pub fn block_key(b: &Block) -> u128 {
    xxhash_rust::xxh3::xxh3_128(b.text.to_lowercase().as_bytes())
}

/// Removes blocks that recur on at least `share` of one site's pages (and on at least
/// [`MIN_TEMPLATE_PAGES`]); returns how many distinct template blocks were found.
/// Call it once per site with that site's pages. (The audit, which hashes each block once,
/// calls [`template_keys`] itself.)
pub fn strip_site_boilerplate(pages: &mut [Page], share: f64) -> usize {
    let keys: Vec<Vec<u128>> = pages
        .iter()
        .map(|p| p.blocks.iter().map(block_key).collect())
        .collect();
    let template = template_keys(keys.iter().map(Vec::as_slice), pages.len(), share);
    if template.is_empty() {
        return 0;
    }
    for (p, keys) in pages.iter_mut().zip(&keys) {
        let mut keep = keys.iter().map(|k| !template.contains(k));
        p.blocks.retain(|_| keep.next().unwrap_or(true));
    }
    template.len()
}

/// Block keys looked up for every block of every page of a site: hashed by foldhash (the keys
/// are hashes already; SipHash made the template step a tenth of a re-audit).
pub type KeySet = HashSet<u128, foldhash::fast::RandomState>;

/// Shared blocks by key ([`shared_keys`]): the indexes of the pages each is on.
pub type SharedBlocks = HashMap<u128, Vec<usize>, foldhash::fast::RandomState>;

/// Each page's distinct keys, paired with `tag(page index)`, all in one list sorted by key: what
/// [`template_keys`] and [`shared_keys`] count runs of. (One sort of a site's keys instead of a
/// map entry, and for shared blocks a list, per distinct key: most keys are on one page.)
fn sorted_distinct<'a, T: Copy + Ord>(
    keys: impl Iterator<Item = &'a [u128]>,
    keep: impl Fn(&u128) -> bool,
    tag: impl Fn(usize) -> T,
) -> Vec<(u128, T)> {
    let mut all: Vec<(u128, T)> = Vec::new();
    let mut page: Vec<u128> = Vec::new();
    for (i, keys) in keys.enumerate() {
        page.clear();
        page.extend(keys.iter().copied().filter(|k| keep(k)));
        page.sort_unstable();
        page.dedup();
        all.extend(page.iter().map(|&k| (k, tag(i))));
    }
    all.sort_unstable();
    all
}

/// The template of a site whose pages' blocks are given by key ([`block_key`], one list per
/// page): the keys on at least `share` of the `pages` pages (and on [`MIN_TEMPLATE_PAGES`] at
/// least).
pub fn template_keys<'a>(
    keys: impl Iterator<Item = &'a [u128]>,
    pages: usize,
    share: f64,
) -> KeySet {
    if pages < MIN_TEMPLATE_PAGES {
        return KeySet::default();
    }
    let threshold = ((share * pages as f64).ceil() as usize).max(MIN_TEMPLATE_PAGES);
    sorted_distinct(keys, |_| true, |_| ())
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|run| run.len() >= threshold)
        .map(|run| run[0].0)
        .collect()
}

/// Blocks of main content that recur on at least `min_pages` of one site's pages (a notice, an
/// "About the agency" paragraph, an archive banner), by key ([`block_key`], one list per page;
/// the `template`'s keys are left out): each key -> the indexes of the pages it is on, in page
/// order. These are the shared blocks the template does not explain.
pub fn shared_keys<'a>(
    keys: impl Iterator<Item = &'a [u128]>,
    template: &KeySet,
    min_pages: usize,
) -> SharedBlocks {
    sorted_distinct(keys, |k| !template.contains(k), |i| i)
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|run| run.len() >= min_pages.max(2))
        .map(|run| (run[0].0, run.iter().map(|(_, i)| *i).collect()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_counted_as_split_whitespace_counts_them() {
        let texts = [
            "",
            " ",
            "one",
            "  two  words ",
            "tab\tline\nfeed\rcr\x0bvt\x0cff",
            "no\u{a0}break\u{2003}em\u{3000}ideographic\u{85}nel\u{2028}ls",
            "café — déjà vu, naïve 日本語 テキスト",
            "\u{1c}\u{1f} control chars are not spaces",
            "emoji 🎉 and\u{200b}zero-width",
        ];
        for t in texts {
            assert_eq!(count_words(t), t.split_whitespace().count(), "{t:?}");
        }
    }

    use crate::extract::demo_page as demo;

    #[test]
    fn uswds_template_is_removed_by_markup() {
        let page = parse(&demo("www.fhaa.gov/how-to-apply/index.html"));
        let text = page.main_text();
        assert!(page.title.as_deref().unwrap_or("").contains("How to apply"));
        assert_eq!(page.lang.as_deref(), Some("en"));
        assert!(page.description.is_some());
        assert!(
            !text.contains("An official website of the United States government"),
            "{text}"
        );
        assert!(
            !text.to_lowercase().contains("vulnerability disclosure"),
            "{text}"
        );
        assert!(page.headings().next().is_some());
        assert!(page.word_count() > 100);
    }

    #[test]
    fn same_content_under_two_templates_extracts_the_same() {
        let www = parse(&demo("www.fhaa.gov/how-to-apply/index.html"));
        let help = parse(&demo(
            "help.fhaa.gov/articles/how-to-apply-for-rental-assistance/index.html",
        ));
        assert_eq!(www.main_text(), help.main_text());
    }

    #[test]
    fn inline_code_is_marked() {
        let page =
            parse("<main><p>Run <code>utilize --all</code> then <kbd> Enter </kbd>.</p></main>");
        let b = &page.blocks[0];
        assert_eq!(b.text, "Run utilize --all then Enter .");
        let spans: Vec<&str> = b.code.iter().map(|&(s, e)| &b.text[s..e]).collect();
        assert_eq!(spans, ["utilize --all", "Enter"]);
    }

    #[test]
    fn table_layout_template_is_removed() {
        let files = [
            "index.html",
            "about.html",
            "programs.html",
            "eligibility.html",
            "faq.html",
            "news.html",
            "regulations.html",
        ];
        let mut pages: Vec<Page> = files
            .iter()
            .map(|f| parse(&demo(&format!("legacy.fhaa.gov/{f}"))))
            .collect();
        assert!(pages[1].main_text().contains("Congress set up"));
        strip_site_boilerplate(&mut pages, DEFAULT_TEMPLATE_SHARE);
        let about = pages[1].main_text();
        assert!(
            about.starts_with("About the Federal Housing Assistance Agency"),
            "{about}"
        );
        assert!(!about.contains("All rights reserved"), "{about}");
        assert!(about.contains("Over 540,000 households received rental assistance"));
    }

    #[test]
    fn blocks_anchors_and_malformed_markup() {
        let page = parse(
            "<html><body><nav><a href=/>Home</a></nav><div class=\"usa-banner\">Official</div>\
             <p id=intro>First <b>para</b><p>Second<ul><li>one<li>two</ul>\
             <table><tr><td>cell A<td>cell B</table><a name=old-anchor></a>\
             <script>var x = '<p>not text</p>';</script><h2 id=\"faq\">Question?</h2>tail text",
        );
        let blocks: Vec<(BlockKind, &str)> = page
            .blocks
            .iter()
            .map(|b| (b.kind, b.text.as_str()))
            .collect();
        assert_eq!(
            blocks,
            vec![
                (BlockKind::Paragraph, "First para"),
                (BlockKind::Paragraph, "Second"),
                (BlockKind::ListItem, "one"),
                (BlockKind::ListItem, "two"),
                (BlockKind::Cell, "cell A"),
                (BlockKind::Cell, "cell B"),
                (BlockKind::Heading(2), "Question?"),
                (BlockKind::Paragraph, "tail text"),
            ]
        );
        assert!(
            page.anchors.contains("intro")
                && page.anchors.contains("faq")
                && page.anchors.contains("old-anchor")
        );
    }

    #[test]
    fn unmarked_template_is_removed_by_repetition() {
        let mk = |body: &str| {
            parse(&format!(
                "<body><div class=\"top\">Agency of Examples | Home | Programs | Contact</div>\
                 <div class=\"x\"><p>{body}</p></div><div class=\"bottom\">Updated by the web team</div></body>"
            ))
        };
        let mut pages = vec![mk("one"), mk("two"), mk("three"), mk("four")];
        assert_eq!(
            strip_site_boilerplate(&mut pages, DEFAULT_TEMPLATE_SHARE),
            2
        );
        assert_eq!(pages[2].main_text(), "three");
    }

    #[test]
    fn furniture_is_not_content() {
        for line in [
            "Last updated: January 6, 2025",
            "Page last reviewed or updated: 03/14/2024",
            "Last reviewed: March 3, 2025",
            "Updated on 2024-11-05",
            "Page last updated: June 2012.",
            "Was this page helpful? Yes No",
            "Was this page helpful?",
            "Back to top",
            "Share this page",
        ] {
            assert!(is_furniture(line), "{line}");
        }
        for line in [
            "Applications are reviewed within 30 days of receipt.",
            "Last updated rules for the 2025 program year take effect in July, and they change the income limits for every family.",
            "Back to the program overview",
            "We updated our fees on July 1.",
        ] {
            assert!(!is_furniture(line), "{line}");
        }
        let page = parse(
            "<main><h1>Records</h1><p>Ask for your record.</p><div class=\"page-feedback\"><p>Was this page helpful?</p><button>Yes</button></div><p class=\"x\">Last updated: January 6, 2025</p></main>",
        );
        assert_eq!(page.main_text(), "Records\n\nAsk for your record.");
    }

    #[test]
    fn two_pages_sharing_a_line_keep_it() {
        let mk = |extra: &str| {
            parse(&format!(
                "<main><p>Welcome to our agency.</p><p>{extra}</p></main>"
            ))
        };
        let mut pages = vec![
            mk("alpha"),
            mk("beta"),
            parse("<main><p>gamma</p></main>"),
            parse("<main><p>delta</p></main>"),
        ];
        strip_site_boilerplate(&mut pages, DEFAULT_TEMPLATE_SHARE);
        assert_eq!(pages[0].main_text(), "Welcome to our agency.\n\nalpha");
    }
}
