//! Inconsistent answers: the same question answered with different facts across sites and
//! channels (a website, the call centre's knowledge base, a brochure).
//!
//! Pure: sources (pages and channel documents, already read) and rules in, findings out.
//!
//! A careful reviewer asks *who* says *what* about *which thing* under *which conditions*; so
//! does this audit:
//! 1. [`claims`]: every fact of every answer unit (an FAQ entry, a heading's section, a label, a
//!    table cell, a kb row) becomes a claim with its subject words, its attribute (fee, deadline,
//!    processing time… from `rules/answers.toml`), its qualifiers (a fiscal year, an audience, a
//!    term) and the sentence that says it.
//! 2. [`compare`]: claims with one attribute, alike subjects and compatible qualifiers from
//!    different sources answer one question; when their values differ, the finding lists every
//!    value with its sources and their sentences, and the majority when there is one.

mod claims;
mod compare;

use crate::extract::answers::{self, AnswerUnit};
use crate::extract::page::{Block, BlockKind};
use crate::model::Finding;
use crate::rules::AnswerRules;

/// Where an answer was read: a page or a channel document.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Source {
    /// The member name: a page URL, or `kb:<path>#row=N`, `publication:<path>#page=N`.
    pub name: String,
    /// The site origin (or channel origin) it belongs to.
    pub site: String,
    /// Its answer units.
    pub units: Vec<AnswerUnit>,
    /// Words that scope every answer of the source (its main heading: a program's page).
    pub scope: String,
    /// A dated article (a news release: a date line under its title; a dated or event
    /// address): it reports what was true on its day, so only its contacts are answers.
    pub article: bool,
    /// The year its address says it is about (`/assessment/2023/…`), a period for all its claims.
    pub period: Option<String>,
}

impl Source {
    /// A page (or document): the units of its FAQ markup and tables (`marked`, from
    /// [`answers::from_document`]) and of its main-content blocks. Its subject is its main
    /// heading, else its title.
    pub fn page(
        name: &str,
        site: &str,
        title: Option<&str>,
        marked: Vec<AnswerUnit>,
        blocks: &[Block],
    ) -> Source {
        let mut units = marked;
        // A marked unit (a definition, an accordion, a table cell) sits in a section of the
        // page: its heading says what the unit's short label is about. The block it starts is
        // found in the blocks sorted by text (a page of 60,000 table cells is not searched
        // once per cell), the earliest of the first few that start with its first line.
        let mut by_text: Vec<(&str, usize)> = blocks
            .iter()
            .enumerate()
            .map(|(i, b)| (b.text.as_str(), i))
            .collect();
        by_text.sort_unstable();
        // The nearest heading before each block.
        let mut heading_before: Vec<Option<usize>> = Vec::with_capacity(blocks.len());
        let mut last = None;
        for (i, b) in blocks.iter().enumerate() {
            heading_before.push(last);
            if matches!(b.kind, BlockKind::Heading(_)) {
                last = Some(i);
            }
        }
        for u in &mut units {
            let first_line = u.answer.lines().next().unwrap_or("");
            if first_line.is_empty() {
                continue;
            }
            let from = by_text.partition_point(|(t, _)| *t < first_line);
            let Some(at) = by_text[from..]
                .iter()
                .take(64)
                .take_while(|(t, _)| t.starts_with(first_line))
                .map(|&(_, i)| i)
                .min()
            else {
                continue;
            };
            if let Some(h) = heading_before[at]
                .map(|h| &blocks[h])
                .filter(|h| !matches!(h.kind, BlockKind::Heading(1)) && h.text != u.question)
            {
                u.section = h.text.clone();
            }
        }
        units.extend(answers::from_blocks(blocks));
        let scope = blocks
            .iter()
            .find(|b| matches!(b.kind, BlockKind::Heading(1)))
            .or_else(|| {
                blocks
                    .iter()
                    .find(|b| matches!(b.kind, BlockKind::Heading(_)))
            })
            .map(|b| b.text.clone())
            .or_else(|| title.map(str::to_string))
            .unwrap_or_default();
        // Blocks before the first heading answer the page's own topic.
        let lead: Vec<&str> = blocks
            .iter()
            .take_while(|b| !matches!(b.kind, BlockKind::Heading(_)))
            .filter(|b| b.kind != BlockKind::Cell)
            .map(|b| b.text.as_str())
            .collect();
        if !lead.is_empty() {
            units.push(AnswerUnit {
                question: scope.clone(),
                answer: lead.join("\n"),
                source: answers::Source::Heading,
                is_question: false,
                section: String::new(),
            });
        }
        Source {
            name: name.to_string(),
            site: site.to_string(),
            units,
            scope,
            article: is_article(blocks) || dated_address(name),
            period: address_period(name),
        }
    }
}

/// An address that carries a day or a month: a dated post (`/2024/03/15/…`) or an event
/// (`/event/office-hours-11july2024/`, `/uswds-monthly-call-march-2021/`).
fn dated_address(url: &str) -> bool {
    const MONTHS: &[&str] = crate::extract::MONTH_NAMES;
    if crate::audit::freshness::address_date(url).is_some() {
        return true;
    }
    let path = url.split_once("://").map_or(url, |(_, r)| r);
    let path = path.find('/').map_or("", |i| &path[i..]);
    path.split('/').any(|segment| {
        let tokens: Vec<&str> = segment
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|t| !t.is_empty())
            .collect();
        let year = |t: &str| {
            t.len() >= 4
                && t[t.len() - 4..]
                    .parse::<u32>()
                    .is_ok_and(|y| (1990..=2099).contains(&y))
        };
        let month = |t: &str| {
            let letters: String = t
                .chars()
                .filter(char::is_ascii_alphabetic)
                .collect::<String>()
                .to_ascii_lowercase();
            MONTHS.contains(&letters.as_str())
        };
        // "11july2024" in one token, or "march" and "2021" side by side.
        tokens
            .iter()
            .any(|t| month(t) && t.chars().any(|c| c.is_ascii_digit()) && year(t))
            || (tokens
                .iter()
                .any(|t| month(t) && t.chars().all(|c| c.is_ascii_alphabetic()))
                && tokens.iter().any(|t| year(t)))
    })
}

/// The year an address says a page is about: a path segment that is a year or a fiscal year
/// (`/assessment/2023/introduction/`, `/fy2024/`).
fn address_period(url: &str) -> Option<String> {
    let path = url.split_once("://").map_or(url, |(_, r)| r);
    let path = path.find('/').map_or("", |i| &path[i..]);
    path.split('/').find_map(|segment| {
        let s = segment.to_ascii_lowercase();
        let digits = s
            .strip_prefix("fy")
            .map(|d| d.trim_start_matches('-'))
            .unwrap_or(&s);
        match digits.len() {
            4 if digits
                .parse::<u32>()
                .is_ok_and(|y| (1990..=2099).contains(&y)) =>
            {
                Some(digits.to_string())
            }
            2 if s.starts_with("fy") && digits.parse::<u32>().is_ok() => {
                Some(format!("20{digits}"))
            }
            _ => None,
        }
    })
}

/// A dated article: the first block under its main heading is a date line ("August 22, 2023",
/// "Posted on March 3, 2024").
fn is_article(blocks: &[Block]) -> bool {
    let Some(h1) = blocks
        .iter()
        .position(|b| matches!(b.kind, BlockKind::Heading(1)))
    else {
        return false;
    };
    blocks.get(h1 + 1).is_some_and(|b| {
        b.text.split_whitespace().count() <= 8
            && crate::extract::facts::facts(&b.text).iter().any(|f| {
                f.kind == crate::extract::facts::FactType::Date && !f.value.starts_with("--")
            })
    })
}

/// The sources of a kb or publication entry: one per kb row (`kb:<path>#row=N`, 1-based data
/// row), one per PDF page (`publication:<path>#page=N`), else one for the document.
///
/// A kb's columns are found by their headers: the one naming a question ("Caller question") is
/// the question, the one naming an answer ("Approved answer") the answer, and one naming a topic,
/// category or program is the row's subject; without such headers the first two columns are
/// question and answer.
pub fn channel_sources(doc: &crate::store::ChannelDoc) -> Vec<Source> {
    let Some(text) = doc.text.as_deref() else {
        return Vec::new();
    };
    let base = format!("{}:{}", doc.channel, doc.path);
    match doc.format.as_str() {
        "csv" => kb_sources(&base, &doc.site, text),
        "pdf" => text
            .split('\u{c}')
            .enumerate()
            .map(|(i, page)| {
                let name = format!("{base}#page={}", i + 1);
                Source::page(&name, &doc.site, None, Vec::new(), &printed_blocks(page))
            })
            .collect(),
        "markdown" | "html" => {
            let html = if doc.format == "markdown" {
                crate::extract::markdown::to_html(text)
            } else {
                text.to_string()
            };
            let parsed = crate::extract::html::parse_document(&html);
            let page = crate::extract::page::from_document(&parsed);
            let marked = answers::from_document(&parsed);
            vec![Source::page(
                &base,
                &doc.site,
                page.title.as_deref(),
                marked,
                &page.blocks,
            )]
        }
        _ => vec![Source::page(
            &base,
            &doc.site,
            None,
            Vec::new(),
            &printed_blocks(text),
        )],
    }
}

fn kb_sources(base: &str, site: &str, text: &str) -> Vec<Source> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map(|h| h.iter().map(|c| c.trim().to_lowercase()).collect())
        .unwrap_or_default();
    let find = |words: &[&str]| {
        headers.iter().position(|h| {
            words
                .iter()
                .any(|w| h.split_whitespace().any(|x| x.starts_with(w)))
        })
    };
    let question = find(&["question", "q"]);
    let answer = find(&["answer", "response", "script", "a"]);
    let topic = find(&["topic", "category", "subject", "program", "service"]);
    let (q, a) = match (question, answer) {
        (Some(q), Some(a)) if q != a => (q, a),
        _ => (0, 1),
    };
    reader
        .records()
        .enumerate()
        .filter_map(|(i, r)| {
            let r = r.ok()?;
            let question = r.get(q)?.trim();
            Some(Source {
                name: format!("{base}#row={}", i + 1),
                site: site.to_string(),
                units: vec![AnswerUnit {
                    question: question.to_string(),
                    answer: r.get(a)?.trim().to_string(),
                    source: answers::Source::Definition,
                    is_question: answers::is_question(question),
                    section: String::new(),
                }],
                scope: topic
                    .filter(|&t| t != q && t != a)
                    .and_then(|t| r.get(t))
                    .unwrap_or("")
                    .trim()
                    .to_string(),
                article: false,
                period: None,
            })
        })
        .collect()
}

/// Blocks of printed text (a PDF page, a plain-text document): paragraphs split at blank lines;
/// a paragraph's first line is a heading when it is short and ends without punctuation
/// ("Caregiver Support"), and a line ending a sentence or a label ends a block, so "Burial
/// allowance: $2,000…" on its own line reads as a label.
fn printed_blocks(text: &str) -> Vec<Block> {
    let block = |kind: BlockKind, text: String| Block {
        kind,
        text,
        code: Vec::new(),
        link_words: 0,
    };
    let mut out = Vec::new();
    let text = text.replace("\r\n", "\n");
    // A sentence the layout broke across a blank line ("Applications are due" | "March 31.")
    // is one paragraph: a long line without an end joins the next paragraph.
    let mut paragraphs: Vec<String> = Vec::new();
    for para in text.split("\n\n").filter(|p| !p.trim().is_empty()) {
        match paragraphs.last_mut() {
            Some(prev)
                if prev.lines().last().is_some_and(|l| {
                    l.split_whitespace().count() > 8
                        && !l.trim_end().ends_with(['.', '?', '!', ':', ';'])
                }) =>
            {
                prev.push('\n');
                prev.push_str(para.trim());
            }
            _ => paragraphs.push(para.trim().to_string()),
        }
    }
    for para in &paragraphs {
        // A wide gap inside a line separates columns ("E-mail: ask@…    Survivor line: …").
        let lines: Vec<String> = para
            .lines()
            .map(|l| {
                l.split("   ")
                    .map(|part| part.split_whitespace().collect::<Vec<_>>().join(" "))
                    .filter(|part| !part.is_empty())
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .filter(|l| !l.is_empty())
            .collect();
        let mut rest = &lines[..];
        if let Some(first) = lines.first() {
            let words = first.split_whitespace().count();
            let bare = !first.ends_with(['.', ',', ':', ';', '?', '!']);
            if bare && (1..=8).contains(&words) {
                out.push(block(BlockKind::Heading(2), first.clone()));
                rest = &lines[1..];
            }
        }
        let mut current: Vec<&str> = Vec::new();
        for line in rest {
            current.push(line.as_str());
            if line.ends_with(['.', '?', '!', ':']) {
                out.push(block(BlockKind::Paragraph, current.join(" ")));
                current.clear();
            }
        }
        if !current.is_empty() {
            out.push(block(BlockKind::Paragraph, current.join(" ")));
        }
    }
    out
}

/// The inconsistent-answers audit of a set of sources; `names` are the organisation's own names
/// (agency and site names from the inventory), which say nothing of what a fact is about.
pub fn audit(sources: &[Source], rules: &AnswerRules, names: &[String]) -> Vec<Finding> {
    let mut c = Collector::new(rules, names);
    for s in sources {
        c.add(s);
    }
    c.findings()
}

/// Gathers the claims of sources one at a time, so only the claims (not the pages' text) stay in
/// memory until the comparison.
pub struct Collector<'r> {
    vocabulary: claims::Vocabulary<'r>,
    skip: Vec<regex::Regex>,
    names: Vec<Named>,
    claims: Vec<claims::Claim>,
}

/// The claims of one source, found but not yet added (see [`Collector::claims_for`]).
#[derive(Debug, Clone)]
pub struct SourceClaims {
    name: String,
    site: String,
    claims: Vec<claims::Claim>,
}

impl SourceClaims {
    /// How many claims the source makes.
    pub fn len(&self) -> usize {
        self.claims.len()
    }

    /// Whether it makes none.
    pub fn is_empty(&self) -> bool {
        self.claims.is_empty()
    }
}

/// A source's name and site.
struct Named {
    name: String,
    site: String,
}

impl<'r> Collector<'r> {
    /// An empty collector; `names` are the organisation's own names.
    pub fn new(rules: &'r AnswerRules, names: &[String]) -> Collector<'r> {
        Collector {
            vocabulary: claims::Vocabulary::new(rules, names),
            skip: rules
                .skip_urls
                .iter()
                .filter_map(|p| regex::Regex::new(p).ok())
                .collect(),
            names: Vec::new(),
            claims: Vec::new(),
        }
    }

    /// Adds a source's claims (none for pages whose address `skip_urls` excludes).
    pub fn add(&mut self, source: &Source) {
        if let Some(found) = self.claims_for(source) {
            self.add_claims(found);
        }
    }

    /// A source's claims, if it makes any: the reading [`Collector::add`] does, on any thread,
    /// for [`Collector::add_claims`] to add in source order.
    pub fn claims_for(&self, source: &Source) -> Option<SourceClaims> {
        // A dated article reports what was true on its day, its contacts included (a mailbox
        // since renamed is history there, not a wrong answer).
        if source.article || self.skip.iter().any(|r| r.is_match(&source.name)) {
            return None;
        }
        let found = claims::claims_of(0, source, &self.vocabulary);
        for c in &found {
            log::trace!(
                "claim {} {:?} {:?} attribute {:?} subject {:?} topic {:?} qualifiers {:?}",
                source.name,
                c.raw,
                c.evidence,
                c.attribute
                    .and_then(|i| self.vocabulary.rules.attributes.get(i))
                    .map(|a| a.id.as_str()),
                c.subject,
                c.topic,
                c.qualifiers
            );
        }
        (!found.is_empty()).then(|| SourceClaims {
            name: source.name.clone(),
            site: source.site.clone(),
            claims: found,
        })
    }

    /// Adds the claims [`Collector::claims_for`] found.
    pub fn add_claims(&mut self, found: SourceClaims) {
        let si = self.names.len();
        self.names.push(Named {
            name: found.name,
            site: found.site,
        });
        self.claims.extend(found.claims.into_iter().map(|mut c| {
            c.source = si;
            c
        }));
    }

    /// Compares the claims and returns the disputes.
    pub fn findings(self) -> Vec<Finding> {
        compare::compare(&self.claims, &self.names, &self.vocabulary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn rules() -> AnswerRules {
        crate::rules::RuleSet::builtin().answers
    }

    fn source(name: &str, units: &[(&str, &str)]) -> Source {
        Source {
            name: name.into(),
            site: name.split('/').take(3).collect::<Vec<_>>().join("/"),
            units: units
                .iter()
                .map(|(q, a)| AnswerUnit {
                    question: q.to_string(),
                    answer: a.to_string(),
                    source: answers::Source::Heading,
                    is_question: answers::is_question(q),
                    section: String::new(),
                })
                .collect(),
            scope: String::new(),
            article: false,
            period: None,
        }
    }

    #[test]
    fn same_question_different_values_is_one_finding() {
        let sources = vec![
            source(
                "https://a.gov/contact",
                &[("Contact us", "The benefits hotline is 1-800-555-0142.")],
            ),
            source(
                "https://b.gov/faq",
                &[(
                    "What is the phone number for the benefits hotline?",
                    "Call (800) 555-0199.",
                )],
            ),
            source(
                "https://c.gov/help",
                &[("Get help", "Call the benefits hotline at 800.555.0142.")],
            ),
            // Another role: not compared.
            source(
                "https://a.gov/oig",
                &[("Report fraud", "The OIG fraud hotline is 1-800-555-0188.")],
            ),
        ];
        let f = audit(&sources, &rules(), &[]);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].extra["fact_type"], "phone");
        assert_eq!(f[0].extra["majority"], "1-800-555-0142");
        assert_eq!(
            f[0].extra["values"][1]["urls"],
            json!(["https://b.gov/faq"])
        );
        assert!(
            f[0].message
                .contains("most give 1-800-555-0142 (2 sources)"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn same_value_written_differently_is_consistent() {
        let sources = vec![
            source(
                "https://a.gov/x",
                &[("How long does it take?", "We decide within 30 days.")],
            ),
            source(
                "publication:b.md",
                &[("How long it takes", "We decide within thirty days.")],
            ),
        ];
        assert!(audit(&sources, &rules(), &[]).is_empty());
    }

    #[test]
    fn a_page_listing_two_values_does_not_disagree_with_itself() {
        let sources = vec![
            source(
                "https://a.gov/x",
                &[(
                    "Contact",
                    "Call the hotline at 1-800-555-0142 or 1-800-555-0143.",
                )],
            ),
            source(
                "https://b.gov/y",
                &[("Contact", "Call the hotline at 1-800-555-0143.")],
            ),
        ];
        assert!(
            audit(&sources, &rules(), &[]).is_empty(),
            "{:#?}",
            audit(&sources, &rules(), &[])
        );
    }

    fn scoped(name: &str, scope: &str, units: &[(&str, &str)]) -> Source {
        Source {
            scope: scope.into(),
            ..source(name, units)
        }
    }

    /// The values of each finding, as (value, sources) pairs, most sources first.
    fn values(found: &[Finding]) -> Vec<Vec<(String, Vec<String>)>> {
        found
            .iter()
            .map(|f| {
                f.extra["values"]
                    .as_array()
                    .expect("values")
                    .iter()
                    .map(|v| {
                        let urls = v["urls"]
                            .as_array()
                            .expect("urls")
                            .iter()
                            .map(|u| u.as_str().unwrap_or("").to_string())
                            .collect();
                        (v["normalized"].as_str().unwrap_or("").to_string(), urls)
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn every_value_comes_with_the_sentence_that_gives_it() {
        let sources = vec![
            scoped(
                "https://a.gov/fees",
                "Library card",
                &[("Fees", "A replacement card costs $5.")],
            ),
            scoped(
                "https://b.gov/card",
                "Library card",
                &[("Fees", "Replacing a card costs $5.")],
            ),
            scoped(
                "https://c.gov/help",
                "Library card",
                &[("Fees", "A replacement card costs $7.")],
            ),
        ];
        let f = audit(&sources, &rules(), &[]);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].extra["attribute"], "fee");
        let deviant = &f[0].extra["values"][1];
        assert_eq!(deviant["evidence"][0]["url"], "https://c.gov/help");
        assert_eq!(
            deviant["evidence"][0]["text"],
            "A replacement card costs $7."
        );
        // Two against one: the majority is named; one against one is a tie, with no majority.
        assert_eq!(f[0].extra["majority"], "$5");
        let tie = audit(&sources[1..], &rules(), &[]);
        assert_eq!(tie[0].extra["majority"], Value::Null);
        assert!(
            tie[0].message.contains("no value has a majority"),
            "{}",
            tie[0].message
        );
    }

    #[test]
    fn weeks_months_and_days_are_one_scale() {
        let sources = vec![
            scoped(
                "https://a.gov/x",
                "Permits",
                &[("Processing", "We decide within three weeks.")],
            ),
            scoped(
                "https://b.gov/y",
                "Permits",
                &[("Processing", "We decide within 21 days.")],
            ),
        ];
        assert!(audit(&sources, &rules(), &[]).is_empty());
    }

    #[test]
    fn last_years_figure_beside_this_years_is_history() {
        let mut table = scoped("https://a.gov/fund", "Relief fund", &[]);
        for (year, limit) in [("FY2025", "$48,000"), ("FY2024", "$45,000")] {
            table.units.push(AnswerUnit {
                question: format!("{year} — Household income limit"),
                answer: limit.into(),
                source: answers::Source::Table,
                is_question: false,
                section: String::new(),
            });
        }
        let sources = vec![
            table,
            scoped(
                "https://b.gov/fund",
                "Relief fund",
                &[(
                    "Who can apply",
                    "Household income must be under $45,000 a year.",
                )],
            ),
            scoped(
                "https://c.gov/fund",
                "Relief fund",
                &[(
                    "Who can apply",
                    "Household income must be under $48,000 a year.",
                )],
            ),
        ];
        let found = values(&audit(&sources, &rules(), &[]));
        assert_eq!(
            found,
            [[
                (
                    "$48000".to_string(),
                    vec![
                        "https://a.gov/fund".to_string(),
                        "https://c.gov/fund".to_string()
                    ]
                ),
                ("$45000".to_string(), vec!["https://b.gov/fund".to_string()]),
            ]],
        );
    }

    #[test]
    fn audiences_and_variants_are_other_questions() {
        let grant = |name: &str, text: &str| scoped(name, "Education grant", &[("How much", text)]);
        let agree = vec![
            grant(
                "https://a.gov/g",
                "The grant is $4,000 for veterans and $2,500 for dependents.",
            ),
            grant("https://b.gov/g", "Dependents can get a grant of $2,500."),
            grant("https://c.gov/g", "Veterans can get a grant of $4,000."),
        ];
        assert!(audit(&agree, &rules(), &[]).is_empty());
        let mut differ = agree.clone();
        differ.push(grant(
            "https://d.gov/g",
            "Dependents can get a grant of $3,000.",
        ));
        let found = values(&audit(&differ, &rules(), &[]));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0][1],
            ("$3000".to_string(), vec!["https://d.gov/g".to_string()])
        );
        // A case and its negation.
        let burial = vec![
            scoped(
                "https://b.gov/b",
                "Burial allowance",
                &[("Allowance for a non-service-connected death?", "$800.")],
            ),
            scoped(
                "https://c.gov/b",
                "Burial allowance",
                &[("Allowance for a service-connected death?", "$2,000.")],
            ),
        ];
        assert!(
            audit(&burial, &rules(), &[]).is_empty(),
            "{:#?}",
            audit(&burial, &rules(), &[])
        );
        // A variant learned from a page that gives both values: "$800 for other deaths" answers
        // the other variant's question, not the service-connected one; a page that names no
        // variant ("$700") gives the general case, which is the other one's.
        let learned = vec![
            scoped("https://a.gov/b", "Burial allowance", &[("Amounts", "The allowance is $2,000 for a service-connected death and $800 for other deaths.")]),
            scoped("https://d.gov/b", "Burial allowance", &[("Amounts", "The allowance is $1,500 for a service-connected death.")]),
            scoped("https://e.gov/b", "Burial allowance", &[("Amounts", "The allowance is $700.")]),
        ];
        let found = values(&audit(&learned, &rules(), &[]));
        assert_eq!(
            found,
            [
                [
                    ("$1500".to_string(), vec!["https://d.gov/b".to_string()]),
                    ("$2000".to_string(), vec!["https://a.gov/b".to_string()]),
                ],
                [
                    ("$700".to_string(), vec!["https://e.gov/b".to_string()]),
                    ("$800".to_string(), vec!["https://a.gov/b".to_string()]),
                ]
            ],
        );
    }

    #[test]
    fn mailboxes_disagree_only_for_one_purpose() {
        let m = |name: &str, q: &str, text: &str| scoped(name, "", &[(q, text)]);
        let different = vec![
            m(
                "https://a.gov/contact",
                "Contact us",
                "Write to info@a.gov.",
            ),
            m(
                "https://a.gov/press",
                "Press",
                "Reporters write to press@a.gov.",
            ),
            m(
                "https://x.gov/c",
                "Community",
                "Email community@x.gov to unsubscribe from the list.",
            ),
            // A section's own mailbox, given on that section's pages.
            m(
                "https://s.gov/docs/dns",
                "Issues",
                "If you run into issues, email support@s.gov.",
            ),
            m(
                "https://s.gov/docs/tls",
                "Issues",
                "If you run into issues, email support@s.gov.",
            ),
            m(
                "https://s.gov/pages/tls",
                "Issues",
                "If you run into issues, email pages-support@s.gov.",
            ),
            m(
                "https://y.gov/c",
                "Community",
                "Email digital@y.gov to unsubscribe from the list.",
            ),
        ];
        assert!(
            audit(&different, &rules(), &[]).is_empty(),
            "{:#?}",
            audit(&different, &rules(), &[])
        );
        let same = vec![
            m(
                "https://a.gov/records",
                "Records",
                "Send records requests to records@a.gov.",
            ),
            m(
                "https://b.gov/records",
                "Records",
                "Send records requests to vetrecords@a.gov.",
            ),
            m(
                "https://c.gov/records",
                "Records",
                "Send records requests to records@a.gov.",
            ),
            // One team's mailbox, moved to a new domain on some pages only.
            m(
                "https://a.gov/dap",
                "Analytics",
                "Email the analytics team at dap@new.gov.",
            ),
            m(
                "https://b.gov/dap",
                "Analytics",
                "Email the analytics team at dap@old.gov.",
            ),
        ];
        let found = values(&audit(&same, &rules(), &[]));
        assert_eq!(found.len(), 2, "{found:?}");
    }

    #[test]
    fn regions_and_sibling_pages_answer_for_themselves() {
        let p = |name: &str, scope: &str, text: &str| scoped(name, scope, &[("Questions?", text)]);
        let sources = vec![
            p(
                "https://r.gov/north/caregivers.html",
                "Caregiver support",
                "Call the caregiver line at 603-555-0121.",
            ),
            p(
                "https://r.gov/south/caregivers.html",
                "Caregiver support",
                "Call the caregiver line at 616-555-0144.",
            ),
            p(
                "https://r.gov/north/counseling.html",
                "Counseling",
                "Call 603-555-0122.",
            ),
            p(
                "https://r.gov/south/counseling.html",
                "Counseling",
                "Call 616-555-0145.",
            ),
            // Two services of one section: their own lines.
            p(
                "https://a.gov/partners/plates/",
                "License plates",
                "The Motor Vehicle Division answers at 800-555-0138.",
            ),
            p(
                "https://a.gov/partners/designation/",
                "License designation",
                "The Motor Vehicle Division answers at 800-555-0131.",
            ),
        ];
        assert!(
            audit(&sources, &rules(), &[]).is_empty(),
            "{:#?}",
            audit(&sources, &rules(), &[])
        );
    }

    #[test]
    fn articles_templates_and_frequencies_are_no_answers() {
        let mut post = scoped(
            "https://a.gov/news/2019/05/02/fund/",
            "Fund update",
            &[("Fund", "The fund pays up to $2,000.")],
        );
        post.article = dated_address(&post.name);
        let sources = vec![
            post,
            scoped(
                "https://b.gov/fund",
                "Fund",
                &[("Fund", "The fund pays up to $2,500.")],
            ),
            scoped(
                "https://c.gov/kpi",
                "Complaints",
                &[(
                    "Goal",
                    "In FY2X, decide on XX% of complaints within 60 days.",
                )],
            ),
            scoped(
                "https://d.gov/kpi",
                "Complaints",
                &[("Goal", "We decide on complaints within 30 days.")],
            ),
            scoped(
                "https://e.gov/kpi",
                "Complaints",
                &[("Review", "We review complaints every 90 days.")],
            ),
        ];
        assert!(
            audit(&sources, &rules(), &[]).is_empty(),
            "{:#?}",
            audit(&sources, &rules(), &[])
        );
    }

    #[test]
    fn ranges_and_dated_entries() {
        let g = |name: &str, text: &str| scoped(name, "Community grants", &[("Award size", text)]);
        let same = vec![
            g(
                "https://a.gov/grants",
                "Awards range from $500,000 to $3 million.",
            ),
            g(
                "https://b.gov/grants",
                "Awards range from $500,000 to $3 million over five years.",
            ),
            g(
                "https://c.gov/news",
                "October 1, 2009 - The office awards $285 million in community grants.",
            ),
            g("https://d.gov/grants", "Community grants are $3 million."),
        ];
        assert!(
            audit(&same, &rules(), &[]).is_empty(),
            "{:#?}",
            audit(&same, &rules(), &[])
        );
        let mut other = same.clone();
        other.push(g(
            "https://e.gov/grants",
            "Awards range from $500,000 to $2 million.",
        ));
        let found = values(&audit(&other, &rules(), &[]));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0],
            [
                (
                    "$3000000".to_string(),
                    vec![
                        "https://a.gov/grants".to_string(),
                        "https://b.gov/grants".to_string()
                    ]
                ),
                (
                    "$2000000".to_string(),
                    vec!["https://e.gov/grants".to_string()]
                ),
            ]
        );
    }

    #[test]
    fn addresses_that_carry_dates_and_years() {
        assert!(dated_address("https://a.gov/2024/03/15/post/"));
        assert!(dated_address(
            "https://a.gov/event/office-hours-11july2024/"
        ));
        assert!(dated_address(
            "https://a.gov/event/uswds-monthly-call-march-2021/"
        ));
        assert!(!dated_address(
            "https://a.gov/assessment/2023/introduction/"
        ));
        assert!(!dated_address("https://a.gov/programs/mayor-office/"));
        assert_eq!(
            address_period("https://a.gov/assessment/2023/introduction/"),
            Some("2023".into())
        );
        assert_eq!(
            address_period("https://a.gov/budget/fy24/"),
            Some("2024".into())
        );
        assert_eq!(address_period("https://a.gov/programs/x/"), None);
    }

    #[test]
    fn kb_columns_are_found_by_their_headers() {
        let doc = crate::store::ChannelDoc {
            site: "kb:kb.csv".into(),
            channel: "kb".into(),
            path: "kb.csv".into(),
            format: "csv".into(),
            text: Some("\u{feff}Topic,Caller question,Approved answer,Last reviewed\nCaregivers,How much is the stipend?,$1250 a month.,2025-01-02\n".into()),
            error: None,
        };
        let s = channel_sources(&doc);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].name, "kb:kb.csv#row=1");
        assert_eq!(s[0].scope, "Caregivers");
        assert_eq!(s[0].units[0].question, "How much is the stipend?");
        assert_eq!(s[0].units[0].answer, "$1250 a month.");
    }

    #[test]
    fn printed_pages_have_headings_and_labels() {
        let text = "Caregiver Support\nFamily caregivers can receive a monthly stipend\nof up to $1,150. Caregiver Support Line: 1-877-555-0136.\n\nApplications for the grant are due on the first\n\nof March.\n\nContact us\nE-mail: ask@a.gov    Survivor Line: 855-555-0192";
        let blocks = printed_blocks(text);
        let texts: Vec<(&BlockKind, &str)> =
            blocks.iter().map(|b| (&b.kind, b.text.as_str())).collect();
        assert_eq!(texts[0], (&BlockKind::Heading(2), "Caregiver Support"));
        assert_eq!(texts[1].1, "Family caregivers can receive a monthly stipend of up to $1,150. Caregiver Support Line: 1-877-555-0136.");
        assert_eq!(
            texts[2].1,
            "Applications for the grant are due on the first of March."
        );
        assert_eq!(texts[3], (&BlockKind::Heading(2), "Contact us"));
        assert_eq!(texts[4].1, "E-mail: ask@a.gov; Survivor Line: 855-555-0192");
    }
}
