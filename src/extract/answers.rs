//! Answer units: the question (or topic) a piece of text answers, and the text. The
//! inconsistent-answers audit compares the facts of units that answer the same question.
//!
//! Pure: HTML or main-content blocks in, units out; no I/O. Units come from
//! - schema.org `FAQPage` JSON-LD (`name` → `acceptedAnswer.text`);
//! - `<details>`/`<summary>` and USWDS accordions (`usa-accordion__button` → its panel);
//! - definition lists (`<dt>` → `<dd>`);
//! - headings and the blocks under them, up to the next heading of the same or a higher level
//!   (a heading that asks a question is marked as one; other headings name a topic, as in a
//!   brochure's "What it costs to apply");
//! - labelled statements ("Benefits hotline: 1-800-555-0142"): a short label before a colon;
//! - tables, cell by cell: a cell answers "<its row's first cell> — <its column's header>"
//!   ("FY2025 — Household income limit": "$48,000"), so a row's figures stay with their row.

use scraper::{ElementRef, Html, Selector};

use super::page::{Block, BlockKind};

/// Where a unit came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Source {
    /// schema.org FAQPage JSON-LD.
    FaqJsonLd,
    /// `<details>` or an accordion.
    Disclosure,
    /// `<dt>`/`<dd>`.
    Definition,
    /// A heading and the text under it.
    Heading,
    /// "Label: value".
    Label,
    /// A table cell, named by its row's first cell and its column's header.
    Table,
}

/// A question (or topic) and the text that answers it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AnswerUnit {
    /// The question or topic, as written.
    pub question: String,
    /// The answer text (blocks joined with newlines).
    pub answer: String,
    /// Where it came from.
    pub source: Source,
    /// The question is phrased as a question ("How much…?"), not a topic.
    pub is_question: bool,
    /// The heading of the page section it sits in, when that is not its question ("Quick facts
    /// about travel pay" above a definition list's "Claim deadline").
    pub section: String,
}

const QUESTION_WORDS: &[&str] = &[
    "how", "what", "when", "where", "who", "whom", "whose", "why", "which", "can", "could", "do",
    "does", "did", "is", "are", "was", "were", "will", "would", "should", "may", "must", "am",
];

/// Whether a heading or label asks a question.
pub fn is_question(text: &str) -> bool {
    let t = text.trim();
    let first = t
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    t.ends_with('?') || QUESTION_WORDS.contains(&first.as_str())
}

fn text_of(el: ElementRef<'_>) -> String {
    el.text()
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn sel(s: &str) -> Option<Selector> {
    Selector::parse(s).ok()
}

fn unit(question: String, answer: String, source: Source) -> Option<AnswerUnit> {
    let question = question.split_whitespace().collect::<Vec<_>>().join(" ");
    let answer = answer.trim().to_string();
    (!question.is_empty() && !answer.is_empty()).then(|| AnswerUnit {
        is_question: is_question(&question),
        section: String::new(),
        question,
        answer,
        source,
    })
}

/// Units marked up in a parsed HTML document: FAQPage JSON-LD, details and accordions,
/// definition lists.
pub fn from_document(doc: &Html) -> Vec<AnswerUnit> {
    let mut out = Vec::new();
    if let Some(s) = sel(r#"script[type="application/ld+json"]"#) {
        for script in doc.select(&s) {
            let json = script.text().collect::<String>();
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&json) {
                faq_json_ld(&v, &mut out);
            }
        }
    }
    if let (Some(details), Some(summary)) = (sel("details"), sel("summary")) {
        for d in doc.select(&details) {
            let Some(q) = d.select(&summary).next() else {
                continue;
            };
            let question = text_of(q);
            let all = text_of(d);
            let answer = all
                .strip_prefix(question.as_str())
                .unwrap_or(&all)
                .to_string();
            out.extend(unit(question, answer, Source::Disclosure));
        }
    }
    if let Some(buttons) = sel(".usa-accordion__button, [aria-controls][aria-expanded]") {
        for b in doc.select(&buttons) {
            let Some(id) = b.value().attr("aria-controls") else {
                continue;
            };
            let Some(panel) = sel(&format!("[id=\"{}\"]", id.replace('"', ""))) else {
                continue;
            };
            if let Some(p) = doc.select(&panel).next() {
                out.extend(unit(text_of(b), text_of(p), Source::Disclosure));
            }
        }
    }
    if let (Some(tables), Some(rows), Some(cells)) = (sel("table"), sel("tr"), sel("th, td")) {
        for table in doc.select(&tables) {
            table_units(table, &rows, &cells, &mut out);
        }
    }
    if let Some(dl) = sel("dl") {
        for list in doc.select(&dl) {
            let mut question: Option<String> = None;
            for child in list.descendants().filter_map(ElementRef::wrap) {
                match child.value().name() {
                    "dt" => question = Some(text_of(child)),
                    "dd" => {
                        if let Some(q) = question.clone() {
                            out.extend(unit(q, text_of(child), Source::Definition));
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    out
}

/// A table's cells as units. The column headers are the first row's cells when that row is all
/// `<th>` (or sits in `<thead>`); a row's name is its first cell.
fn table_units(
    table: ElementRef<'_>,
    rows: &Selector,
    cells: &Selector,
    out: &mut Vec<AnswerUnit>,
) {
    // Rows of this table only, not of a table nested in a cell.
    let own_rows: Vec<ElementRef<'_>> = table
        .select(rows)
        .filter(|r| {
            r.ancestors()
                .filter_map(ElementRef::wrap)
                .find(|a| a.value().name() == "table")
                .is_some_and(|t| t.id() == table.id())
        })
        .collect();
    // Layout tables (a legacy page's sidebar and body side by side) hold pages, not data.
    let layout = table.value().attr("role") == Some("presentation")
        || table
            .descendants()
            .filter_map(ElementRef::wrap)
            .skip(1)
            .any(|e| {
                matches!(
                    e.value().name(),
                    "table" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "ul" | "ol" | "form"
                )
            })
        || own_rows.iter().any(|r| {
            r.select(cells)
                .any(|c| text_of(c).split_whitespace().count() > 60)
        });
    if layout || own_rows.len() < 2 {
        return;
    }
    let Some(first) = own_rows.first() else {
        return;
    };
    let first_cells: Vec<ElementRef<'_>> = first.select(cells).collect();
    let in_head = first
        .ancestors()
        .filter_map(ElementRef::wrap)
        .any(|a| a.value().name() == "thead");
    let is_header = in_head || first_cells.iter().all(|c| c.value().name() == "th");
    let headers: Vec<String> = if is_header {
        first_cells.iter().map(|c| text_of(*c)).collect()
    } else {
        Vec::new()
    };
    let caption = sel("caption")
        .and_then(|c| table.select(&c).next())
        .map(text_of)
        .unwrap_or_default();
    for row in own_rows.iter().skip(usize::from(is_header)) {
        let row_cells: Vec<String> = row.select(cells).map(text_of).collect();
        let Some(name) = row_cells.first() else {
            continue;
        };
        for (i, cell) in row_cells.iter().enumerate().skip(1) {
            let column = headers
                .get(i)
                .map(String::as_str)
                .unwrap_or(caption.as_str());
            let question = if column.is_empty() {
                name.clone()
            } else {
                format!("{name} — {column}")
            };
            out.extend(unit(question, cell.clone(), Source::Table));
        }
    }
}

fn faq_json_ld(v: &serde_json::Value, out: &mut Vec<AnswerUnit>) {
    use serde_json::Value;
    match v {
        Value::Array(items) => items.iter().for_each(|i| faq_json_ld(i, out)),
        Value::Object(o) => {
            if let Some(graph) = o.get("@graph") {
                faq_json_ld(graph, out);
            }
            let is_faq = o.get("@type").is_some_and(|t| {
                t == "FAQPage"
                    || t.as_array()
                        .is_some_and(|a| a.iter().any(|x| x == "FAQPage"))
            });
            if !is_faq {
                return;
            }
            let entities = match o.get("mainEntity") {
                Some(Value::Array(a)) => a.clone(),
                Some(one) => vec![one.clone()],
                None => Vec::new(),
            };
            for e in entities {
                let q = e.get("name").and_then(Value::as_str).unwrap_or("");
                let a = e
                    .get("acceptedAnswer")
                    .and_then(|a| a.get("text"))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                // Answers may carry HTML.
                let a = Html::parse_fragment(&crate::extract::html::bound_nesting(a))
                    .root_element()
                    .text()
                    .collect::<Vec<_>>()
                    .join(" ");
                out.extend(unit(q.to_string(), a, Source::FaqJsonLd));
            }
        }
        _ => {}
    }
}

/// Units from main-content blocks: heading sections and labelled statements.
pub fn from_blocks(blocks: &[Block]) -> Vec<AnswerUnit> {
    let mut out = Vec::new();
    for (i, b) in blocks.iter().enumerate() {
        if let BlockKind::Heading(level) = b.kind {
            let body: Vec<&str> = blocks[i + 1..]
                .iter()
                .take_while(|n| !matches!(n.kind, BlockKind::Heading(l) if l <= level))
                // Table cells are read row by row ([`from_document`]), not as lines of prose.
                .filter(|n| !matches!(n.kind, BlockKind::Heading(_) | BlockKind::Cell))
                .map(|n| n.text.as_str())
                .collect();
            out.extend(unit(b.text.clone(), body.join("\n"), Source::Heading));
        } else if let Some((label, rest)) = b.text.split_once(": ") {
            // "Benefits hotline: 1-800-555-0142": a short label, then the statement.
            let words = label.split_whitespace().count();
            // "Q:" and "A:" mark a question and its answer; they label nothing.
            let label_like = (1..=6).contains(&words)
                && !label.contains(['.', '?', '!'])
                && label.chars().filter(|c| c.is_alphanumeric()).count() > 1;
            if label_like && !rest.trim().is_empty() && !rest.starts_with("//") {
                out.extend(unit(label.to_string(), rest.to_string(), Source::Label));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from_markup(html: &str) -> Vec<AnswerUnit> {
        from_document(&Html::parse_document(html))
    }

    use crate::extract::demo_page as demo;

    #[test]
    fn questions_are_recognised() {
        assert!(is_question("How much does it cost to apply?"));
        assert!(is_question(
            "What is the phone number for the benefits hotline"
        ));
        // A brochure's topic heading reads as the question it answers.
        assert!(is_question("What it costs to apply"));
        assert!(!is_question("Application fee"));
    }

    #[test]
    fn headings_sections_and_labels() {
        let page = super::super::page::parse(&demo("help.fhaa.gov/faq/applying/index.html"));
        let units = from_blocks(&page.blocks);
        let fee = units
            .iter()
            .find(|u| u.question == "How much does it cost to apply?")
            .expect("fee question");
        assert!(fee.is_question);
        assert!(fee.answer.contains("$45"), "{}", fee.answer);
        assert!(!fee.answer.contains("30 days"), "{}", fee.answer);
        let labelled = from_blocks(&[Block {
            kind: BlockKind::ListItem,
            text: "Benefits hotline: 1-800-555-0142".into(),
            code: Vec::new(),
            link_words: 0,
        }]);
        assert_eq!(labelled[0].question, "Benefits hotline");
        assert_eq!(labelled[0].source, Source::Label);
        assert!(from_blocks(&[Block {
            kind: BlockKind::Paragraph,
            text: "See https://www.fhaa.gov for more. Note: this is long.".into(),
            code: Vec::new(),
            link_words: 0,
        }])
        .is_empty());
    }

    #[test]
    fn definition_lists_and_faq_json_ld() {
        let units = from_markup(&demo("www.fhaa.gov/programs/rental-assistance/index.html"));
        assert!(
            units
                .iter()
                .any(|u| u.source == Source::Definition && u.answer.starts_with("$35")),
            "{units:?}"
        );
        let faq = from_markup(&demo("help.fhaa.gov/faq/vouchers/index.html"));
        assert!(
            faq.iter()
                .any(|u| u.source == Source::FaqJsonLd && u.answer.contains("1-800-555-0142")),
            "{faq:?}"
        );
        let html = "<details><summary>Is there a fee?</summary><p>Yes, $35.</p></details>\
            <button class=\"usa-accordion__button\" aria-controls=\"a1\" aria-expanded=\"false\">Hours</button>\
            <div id=\"a1\">8 a.m. to 5 p.m.</div>";
        let u = from_markup(html);
        assert_eq!(u[0].question, "Is there a fee?");
        assert_eq!(u[0].answer, "Yes, $35.");
        assert_eq!(u[1].question, "Hours");
        assert_eq!(u[1].answer, "8 a.m. to 5 p.m.");
    }

    #[test]
    fn tables_are_read_row_by_row() {
        let html = "<table><caption>Income limits</caption>\
            <tr><th>Fiscal year</th><th>Household income limit</th></tr>\
            <tr><td>FY2025</td><td>$48,000</td></tr><tr><td>FY2024</td><td>$45,000</td></tr></table>\
            <table><tr><td>Main line</td><td>1-800-555-0100</td></tr>\
            <tr><td>Fax</td><td>1-800-555-0101</td></tr></table>\
            <table><tr><td><ul><li>Home</li></ul></td><td>Call 1-800-555-0102.</td></tr>\
            <tr><td>Footer</td><td>x</td></tr></table>";
        let u = from_markup(html);
        let q: Vec<(&str, &str)> = u
            .iter()
            .map(|u| (u.question.as_str(), u.answer.as_str()))
            .collect();
        assert_eq!(
            q,
            [
                ("FY2025 — Household income limit", "$48,000"),
                ("FY2024 — Household income limit", "$45,000"),
                ("Main line", "1-800-555-0100"),
                ("Fax", "1-800-555-0101"),
            ]
        );
        assert!(u.iter().all(|u| u.source == Source::Table));
    }
}
