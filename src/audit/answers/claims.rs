//! Claims: who says what about which thing, under which conditions. Every fact of an answer
//! unit becomes a [`Claim`] with its subject words, its attribute, its qualifiers and the sentence
//! that says it.
//!
//! Pure: sources and rules in, claims out. The comparison is in [`super::compare`].
//!
//! # How a fact becomes a claim
//! - Its **sentence** is the evidence a reader checks; its **clause** is the part of the sentence
//!   that belongs to it alone: from the previous fact (or the sentence start) to the next one,
//!   the words between two facts going to the first up to a comma or "and"/"or"
//!   ("$2,000 for a service-connected death | and $800 for other deaths").
//! - Its **attribute** (fee, deadline, processing time…) is the rules' attribute whose words stand
//!   nearest the value: in its clause, then the rest of the sentence, then the question or
//!   heading it answers, then the page's subject.
//! - Its **subject** is the words that name the thing: its clause, the question or heading, and
//!   the page's, row's or section's subject, weighted in that order (the clause most), with stop
//!   words, words that name nothing, attribute words and the organisation's own names left out.
//! - Its **qualifiers**: fiscal years and years, and the rules' audience and term words, in its
//!   clause and question.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use regex::Regex;

use super::Source;
use crate::extract::answers::{self, AnswerUnit};
use crate::extract::facts::{self, FactType};
use crate::rules::AnswerRules;

/// One fact with what it is about.
#[derive(Debug, Clone)]
pub struct Claim {
    /// Index of its source.
    pub source: usize,
    /// Its type.
    pub kind: FactType,
    /// Its normal form.
    pub value: String,
    /// As written.
    pub raw: String,
    /// The question, heading or label of the unit it answers (shared by the unit's claims: a
    /// kb of 800,000 rows makes millions of claims).
    pub question: Arc<str>,
    /// That is a question ("How much…?").
    pub is_question: bool,
    /// The sentence that says it (shared by the sentence's claims).
    pub evidence: Arc<str>,
    /// Index of its attribute in the rules, if one was recognised.
    pub attribute: Option<usize>,
    /// Subject words with their weights.
    pub subject: Vec<(String, f64)>,
    /// The subject words of what its page, kb row or table row is about (its main heading, the
    /// row's topic or name): two claims whose topics share no word, each absent from the other's
    /// subject, are about different things.
    pub topic: Arc<BTreeSet<String>>,
    /// Qualifier tokens by class (`period`, `audience`, `term`, `variant`).
    pub qualifiers: BTreeMap<String, BTreeSet<String>>,
    /// Content words of its clause, for telling apart values one source gives side by side.
    pub own: BTreeSet<String>,
    /// How precisely its unit names what it answers (label, question, table cell: 2; a heading's
    /// section: 1): when two units give one fact of one sentence, the precise one is kept.
    pub precision: u8,
    /// The length of its unit's answer text.
    pub unit_len: usize,
}

const STOP_WORDS: &[&str] = &[
    "a",
    "an",
    "the",
    "and",
    "or",
    "of",
    "to",
    "in",
    "on",
    "for",
    "at",
    "by",
    "with",
    "from",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "it",
    "its",
    "this",
    "that",
    "these",
    "those",
    "you",
    "your",
    "we",
    "our",
    "us",
    "they",
    "their",
    "i",
    "my",
    "me",
    "do",
    "does",
    "did",
    "can",
    "could",
    "will",
    "would",
    "should",
    "may",
    "must",
    "if",
    "as",
    "about",
    "up",
    "out",
    "what",
    "how",
    "when",
    "where",
    "who",
    "which",
    "why",
    "there",
    "here",
    "than",
    "then",
    "so",
    "not",
    "no",
    "yes",
    "all",
    "any",
    "some",
    "more",
    "most",
    "also",
    "just",
    "only",
    "into",
    "after",
    "before",
    "within",
    "over",
    "under",
    "per",
    "each",
    "every",
    "have",
    "has",
    "had",
    "give",
    "ask",
    "please",
    "contact",
    "reach",
    "dial",
    "send",
    "visit",
    "go",
    "use",
    "need",
    "want",
    "them",
    "him",
    "her",
    "his",
    "she",
    "he",
    "one",
    "once",
    "both",
    "same",
    "very",
    "much",
    "many",
    "such",
    "via",
    "e",
    "g",
    "ie",
    "eg",
    "etc",
    "am",
    "pm",
    "et",
    "est",
    "edt",
    "call",
    "through",
    "thru",
    "until",
    "till",
    "from",
    "between",
    "around",
    "while",
    "during",
    "since",
    "least",
    "higher",
    "lower",
    "less",
    "fewer",
    "greater",
    "first",
    "last",
    "still",
    "even",
    "take",
    "make",
    "made",
    "let",
    "allow",
    "expect",
    "plan",
    "tell",
    "keep",
    "say",
    "said",
    "see",
    "find",
    "like",
    "able",
    "sure",
    "new",
    "now",
    "usually",
    "often",
    "need",
    "needs",
    "ask",
    "asks",
    "asked",
    "given",
    "got",
    "put",
    "come",
    "comes",
    "came",
    "goes",
    "went",
    "want",
    "wants",
    "pay",
    "pays",
    "paid",
    "part",
    "straight",
    "give",
    "gives",
    "year",
    "years",
    "month",
    "months",
    "everything",
    "something",
    "anything",
    "nothing",
    "everyone",
    "anyone",
    "someone",
    "week",
    "weeks",
    "day",
    "days",
    "receive",
    "received",
    "receiving",
    "gets",
    "getting",
    "sending",
];

/// The weight of a clause's words in a subject.
const CLAUSE_WEIGHT: f64 = 1.0;
/// The weight of the question's and the page heading's words.
const CONTEXT_WEIGHT: f64 = 0.8;

/// Time zones, as written after office hours.
const TIME_ZONES: &[&str] = &[
    "eastern", "central", "mountain", "pacific", "alaska", "hawaii", "atlantic", "et", "ct", "mt",
    "pt", "est", "cst", "mst", "pst", "edt", "cdt", "mdt", "pdt",
];

/// The words of a type of fact that say nothing of its subject ("the phone number").
fn type_words(kind: FactType) -> &'static [&'static str] {
    match kind {
        FactType::Phone => &[
            "phone",
            "number",
            "line",
            "hotline",
            "telephone",
            "tel",
            "toll",
            "free",
            "toll-free",
            "tollfree",
        ],
        FactType::Email => &["email", "mail", "address", "mailbox", "inbox", "write"],
        FactType::Age => &[
            "age", "aged", "old", "older", "young", "younger", "year", "years",
        ],
        FactType::Percent => &["percent", "percentage"],
        FactType::Date => &["date", "day"],
        FactType::Duration => &[
            "day", "days", "week", "weeks", "month", "months", "year", "years",
        ],
        FactType::Hours => &[
            "hours",
            "hour",
            "open",
            "opens",
            "closed",
            "weekday",
            "weekdays",
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
            "mon",
            "tue",
            "wed",
            "thu",
            "fri",
            "sat",
            "sun",
            "daily",
            "day",
            "time",
            "local",
            "answer",
            "staff",
            "staffed",
            "phone",
            "line",
            "hotline",
            "telephone",
            "call",
            "number",
        ],
        _ => &[],
    }
}

/// A light suffix trim (no dictionary): "applications" → "application", "processed" →
/// "process", "deaths" → "death".
pub fn stem(w: &str) -> String {
    if w.contains('-') || w.contains('@') {
        return w.to_string();
    }
    let mut out = w.to_string();
    // "rental" and "rent" are one word here, as are "caregivers" and "caregiver".
    for suffix in ["ing", "ed", "es", "al", "s"] {
        if let Some(base) = w.strip_suffix(suffix) {
            let shortest = if suffix.len() == 1 { 3 } else { 4 };
            if base.len() >= shortest && !(suffix == "s" && base.ends_with('s')) {
                out = base.to_string();
                // "getting" → "get", "planned" → "plan" (but "called", "passed" keep theirs).
                let doubled = base.len() >= 2 && {
                    let b = base.as_bytes();
                    b[b.len() - 1] == b[b.len() - 2] && !b"aeioulsz".contains(&b[b.len() - 1])
                };
                if doubled && (suffix == "ing" || suffix == "ed") {
                    out.pop();
                }
                break;
            }
        }
    }
    // "receive" and "received", "service" and "services" meet at "receiv", "servic".
    if out.len() > 4 && out.ends_with('e') && !out.ends_with("ee") {
        out.pop();
    }
    out
}

/// Lower-case word tokens of a text with their byte offsets; hyphenated words stay whole
/// ("service-connected", "non-service-connected").
fn tokens(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let bytes: Vec<(usize, char)> = text.char_indices().collect();
    for (k, &(i, c)) in bytes.iter().enumerate() {
        let inner_hyphen = c == '-'
            && start.is_some()
            && bytes.get(k + 1).is_some_and(|&(_, n)| n.is_alphanumeric());
        if c.is_alphanumeric() || c == '\'' || inner_hyphen {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            out.push((s, text[s..i].trim_matches('\'').to_lowercase()));
        }
    }
    if let Some(s) = start {
        out.push((s, text[s..].trim_matches('\'').to_lowercase()));
    }
    out.retain(|(_, w)| !w.is_empty());
    out
}

/// The rules' words, prepared once: stems, attribute phrases, qualifier words.
pub struct Vocabulary<'r> {
    pub(super) rules: &'r AnswerRules,
    stop: HashSet<String>,
    generic: HashSet<String>,
    /// Per fact type: its own words ("phone", "hotline"), which name no subject.
    type_words: HashMap<FactType, HashSet<String>>,
    /// Synonyms by stem, to the stem of the word they mean.
    synonyms: HashMap<String, String>,
    /// The organisation's own names and initials (from the inventory), which name no subject.
    names: HashSet<String>,
    /// Per attribute: its phrases as stem sequences.
    attribute_phrases: Vec<Vec<Vec<String>>>,
    /// Every attribute word, which names no subject.
    /// Per fact type: the words of its attributes, which name no subject ("fee" for money).
    attribute_words: HashMap<String, HashSet<String>>,
    /// Qualifier words: stem → class.
    qualifier_words: Vec<(Vec<String>, String)>,
}

impl<'r> Vocabulary<'r> {
    /// Prepares the rules' words; `names` are the inventory's site, agency and office names.
    pub fn new(rules: &'r AnswerRules, names: &[String]) -> Vocabulary<'r> {
        let stems =
            |t: &str| -> Vec<String> { tokens(t).into_iter().map(|(_, w)| stem(&w)).collect() };
        let attribute_phrases: Vec<Vec<Vec<String>>> = rules
            .attributes
            .iter()
            .map(|a| a.words.iter().map(|w| stems(w)).collect())
            .collect();
        let mut attribute_words: HashMap<String, HashSet<String>> = HashMap::new();
        for (a, phrases) in rules.attributes.iter().zip(&attribute_phrases) {
            for t in &a.types {
                attribute_words
                    .entry(t.clone())
                    .or_default()
                    .extend(phrases.iter().flatten().cloned());
            }
        }
        let mut name_words: HashSet<String> = HashSet::new();
        for n in names {
            for (_, w) in tokens(n) {
                if w.len() > 1 {
                    name_words.insert(stem(&w));
                }
            }
            // Initials of a multi-word name ("Office of Veterans and Family Services" → ovfs).
            let initials: String = tokens(n)
                .iter()
                .filter(|(_, w)| !STOP_WORDS.contains(&w.as_str()))
                .filter_map(|(_, w)| w.chars().next())
                .collect();
            if initials.len() >= 2 {
                name_words.insert(initials);
            }
        }
        Vocabulary {
            rules,
            stop: STOP_WORDS
                .iter()
                .map(|w| stem(w))
                .chain(rules.stop_words.iter().map(|w| stem(&w.to_lowercase())))
                .collect(),
            type_words: [
                FactType::Phone,
                FactType::Email,
                FactType::Hours,
                FactType::Money,
                FactType::Percent,
                FactType::Duration,
                FactType::Date,
                FactType::Age,
                FactType::Url,
            ]
            .into_iter()
            .map(|k| (k, type_words(k).iter().map(|w| stem(w)).collect()))
            .collect(),
            synonyms: rules
                .synonyms
                .iter()
                .map(|(w, head)| (stem(w), stem(head)))
                .collect(),
            generic: rules
                .generic_words
                .iter()
                .map(|w| stem(&w.to_lowercase()))
                .collect(),
            attribute_phrases,
            attribute_words,
            // Words of the organisation's own name qualify nothing: every page of a veterans'
            // agency is for veterans.
            qualifier_words: rules
                .qualifiers
                .iter()
                .flat_map(|q| q.words.iter().map(move |w| (stems(w), q.class.clone())))
                .filter(|(phrase, _)| !phrase.iter().all(|w| name_words.contains(w)))
                .collect(),
            names: name_words,
        }
    }

    /// A token as subjects and qualifiers compare it: stemmed, synonyms mapped.
    fn norm(&self, w: &str) -> String {
        let s = stem(w);
        self.synonyms.get(&s).cloned().unwrap_or(s)
    }

    /// Whether a (normalised) word can name a subject.
    fn names_something(&self, w: &str, kind: FactType) -> bool {
        w.len() > 1
            && !w.chars().all(|c| c.is_ascii_digit())
            && !self.stop.contains(w)
            && !self.generic.contains(w)
            && !self.names.contains(w)
            && !self
                .attribute_words
                .get(kind.as_str())
                .is_some_and(|words| words.contains(w))
            && !self.type_words.get(&kind).is_some_and(|t| t.contains(w))
    }

    /// Whether a subject word is also a qualifier ("caregiver", "adult"): said on one side only,
    /// it does not make two subjects less alike, since qualifiers are compared on their own.
    pub(super) fn is_qualifier(&self, w: &str) -> bool {
        self.qualifier_words
            .iter()
            .any(|(phrase, _)| phrase.len() == 1 && phrase[0] == w)
    }

    /// Whether a word of a claim's clause can tell two values of one source apart (a variant:
    /// "service-connected", "other"): a content word, not a figure.
    pub(super) fn can_tell_apart(&self, w: &str, kind: FactType) -> bool {
        self.names_something(w, kind) && !w.chars().any(|c| c.is_ascii_digit())
    }

    /// The subject words of a text.
    fn subject_words(&self, text: &str, kind: FactType) -> Vec<String> {
        tokens(text)
            .into_iter()
            .map(|(_, w)| self.norm(&w))
            .filter(|w| self.names_something(w, kind))
            .collect()
    }

    /// The attribute of a fact: the one whose words stand nearest it. `levels` are texts to
    /// look in, in order (the clause, the sentence, the question), each as stems with their byte
    /// offsets and the fact's byte range in that text, if it is there: a match at an earlier
    /// level wins, and within a level the match nearest the fact.
    fn attribute(&self, kind: FactType, levels: &[Level<'_>]) -> Option<usize> {
        let candidates: Vec<usize> = self
            .rules
            .attributes
            .iter()
            .enumerate()
            .filter(|(_, a)| a.types.iter().any(|t| t == kind.as_str()))
            .map(|(i, _)| i)
            .collect();
        if candidates.len() == 1 {
            return Some(candidates[0]);
        }
        let silent: Vec<usize> = candidates
            .iter()
            .copied()
            .filter(|&i| self.rules.attributes[i].words.is_empty())
            .collect();
        let mut best: Option<(usize, usize)> = None;
        for (level, (words, fact)) in levels.iter().enumerate() {
            // A type with a default attribute (an ordinary phone line) takes it before the
            // wider sentence: "call 1-800-555-0123 (TTY 711)" is a phone line, whatever "TTY"
            // says of the other number.
            if level == levels.len() - 1 && silent.len() == 1 {
                return Some(silent[0]);
            }
            for &i in &candidates {
                for phrase in &self.attribute_phrases[i] {
                    if phrase.is_empty() || phrase.len() > words.len() {
                        continue;
                    }
                    for (p, window) in words.windows(phrase.len()).enumerate() {
                        if !window.iter().map(|(_, w)| w).eq(phrase.iter()) {
                            continue;
                        }
                        let (start, end) = (words[p].0, words[p + phrase.len() - 1].0);
                        let distance = match fact {
                            Some((fs, _)) if end < *fs => fs - end,
                            Some((_, fe)) => start.saturating_sub(*fe),
                            None => start,
                        };
                        let rank = level * 1_000_000 + distance;
                        if best.is_none_or(|(r, _)| rank < r) {
                            best = Some((rank, i));
                        }
                    }
                }
            }
            if best.is_some() {
                break;
            }
        }
        best.map(|(_, i)| i)
            .or_else(|| (silent.len() == 1).then(|| silent[0]))
    }

    /// Qualifier tokens of a text: fiscal years, years, and the rules' classes.
    fn qualifiers(&self, text: &str, out: &mut BTreeMap<String, BTreeSet<String>>) {
        static FY: OnceLock<Regex> = OnceLock::new();
        let fy = FY.get_or_init(|| {
            Regex::new(r"(?i)\b(?:FY|fiscal year)\s?'?(\d{2}(?:\d{2})?)\b")
                .expect("a valid pattern")
        });
        for c in fy.captures_iter(text) {
            let y = &c[1];
            let year = if y.len() == 2 {
                format!("20{y}")
            } else {
                y.to_string()
            };
            out.entry("period".into()).or_default().insert(year);
        }
        static YEAR: OnceLock<Regex> = OnceLock::new();
        let year = YEAR.get_or_init(|| {
            Regex::new(r"\b(?:in|for|during|of)\s+((?:19|20)\d{2})\b").expect("a valid pattern")
        });
        for c in year.captures_iter(text) {
            out.entry("period".into())
                .or_default()
                .insert(c[1].to_string());
        }
        let stems: Vec<String> = tokens(text).into_iter().map(|(_, w)| stem(&w)).collect();
        for (phrase, class) in &self.qualifier_words {
            if !phrase.is_empty() && stems.windows(phrase.len()).any(|w| w == phrase.as_slice()) {
                out.entry(class.clone())
                    .or_default()
                    .insert(phrase.join(" "));
            }
        }
    }
}

/// Where a sentence starts and ends around a byte range: at `.`, `?`, `!` followed by a space
/// and not part of an abbreviation ("a.m.", "Dec."), or at a line break or `;`.
/// How far a sentence is looked for on each side of a fact, in bytes.
const SENTENCE_REACH: usize = 1_000;

fn sentence_bounds(text: &str, start: usize, end: usize) -> (usize, usize) {
    let is_end = |i: usize, c: char| -> bool {
        match c {
            '\n' | ';' => true,
            '.' | '?' | '!' => {
                let next = text[i + c.len_utf8()..].chars().next();
                if !next.is_none_or(char::is_whitespace) {
                    return false;
                }
                if c != '.' {
                    return true;
                }
                // "a.m.", "U.S.", "Dec.", "No.": not a sentence end.
                let before = &text[..i];
                let word: String = before
                    .chars()
                    .rev()
                    .take_while(|ch| ch.is_alphanumeric() || *ch == '.')
                    .collect::<String>()
                    .chars()
                    .rev()
                    .collect();
                let bare = word.trim_end_matches('.');
                // "U.S.", "a.m.": short parts; "agency.gov." ends a sentence.
                let abbreviation =
                    bare.contains('.') && bare.split('.').all(|part| part.chars().count() <= 2);
                !(abbreviation
                    || bare.len() == 1
                    || [
                        "dec", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
                        "oct", "nov", "no", "st", "mr", "mrs", "ms", "dr", "vs", "etc", "inc",
                    ]
                    .contains(&bare.to_ascii_lowercase().as_str()))
            }
            _ => false,
        }
    };
    // A "sentence" is looked for within 1,000 bytes each side: a page of figures with no full
    // stop is cut into windows, not read whole once per figure.
    let mut from = start.saturating_sub(SENTENCE_REACH);
    while !text.is_char_boundary(from) {
        from -= 1;
    }
    let mut to = (end + SENTENCE_REACH).min(text.len());
    while !text.is_char_boundary(to) {
        to += 1;
    }
    let s = text[from..start]
        .char_indices()
        .rev()
        .find(|&(i, c)| is_end(from + i, c))
        .map_or(from, |(i, c)| from + i + c.len_utf8());
    let e = text[end..to]
        .char_indices()
        .find(|&(i, c)| is_end(end + i, c))
        .map_or(to, |(i, c)| end + i + c.len_utf8());
    (s, e)
}

/// Where the words between two facts divide: the first part belongs to the earlier fact, up to
/// a comma, a semicolon or "and"/"or"/"but"; the rest to the later one.
fn divide(between: &str) -> usize {
    let lower = between.to_lowercase();
    [
        ", ", "; ", " and ", " or ", " but ", " while ", " and/or ", " if ", " unless ", " when ",
        " where ", " which ",
    ]
    .iter()
    .filter_map(|sep| lower.find(sep))
    .min()
    // "ask@x.gov Survivor line: 855-…": a label before the later fact is the later fact's.
    .unwrap_or(if between.trim_end().ends_with(':') {
        0
    } else {
        between.len()
    })
}

/// A text to look for attribute words in: its stems with their byte offsets, and the fact's
/// byte range in it when the fact is there.
type Level<'a> = (&'a [(usize, String)], Option<(usize, usize)>);

/// Words that say a sentence reports history, not today's answer.
const PAST: &[&str] = &[
    "was",
    "were",
    "had",
    "did",
    "announced",
    "awarded",
    "launched",
    "used to",
];

/// The claims of a source.
pub fn claims_of(si: usize, s: &Source, v: &Vocabulary<'_>) -> Vec<Claim> {
    let mut out: Vec<Claim> = Vec::new();
    for u in &s.units {
        claims_of_unit(si, s, u, v, &mut out);
    }
    // One fact of one sentence, read through two units (a heading's section and the label or
    // accordion inside it): the claim of the unit that names it most precisely stays.
    // Of two units of equal precision, the smaller is the nearer section ("Income limits for
    // 2010" inside "Eligibility and income limits").
    out.sort_by(|a, b| {
        (
            a.kind,
            &a.value,
            &a.evidence,
            std::cmp::Reverse(a.precision),
            a.unit_len,
        )
            .cmp(&(
                b.kind,
                &b.value,
                &b.evidence,
                std::cmp::Reverse(b.precision),
                b.unit_len,
            ))
    });
    out.dedup_by(|b, a| a.kind == b.kind && a.value == b.value && a.evidence == b.evidence);
    out
}

fn claims_of_unit(si: usize, s: &Source, u: &AnswerUnit, v: &Vocabulary<'_>, out: &mut Vec<Claim>) {
    let rules = v.rules;
    let text = u.answer.as_str();
    let found: Vec<facts::Fact> = facts::facts(text)
        .into_iter()
        .filter(|f| rules.fact_types.iter().any(|t| t == f.kind.as_str()))
        .collect();
    if found.is_empty() {
        return;
    }
    let question: Arc<str> = Arc::from(u.question.as_str());
    let mut topics: HashMap<FactType, Arc<BTreeSet<String>>> = HashMap::new();
    let mut last_evidence: Option<((usize, usize), Arc<str>)> = None;
    let precision = match u.source {
        answers::Source::Heading if !u.is_question => 1,
        _ => 2,
    };
    for (k, f) in found.iter().enumerate() {
        let (ss, se) = sentence_bounds(text, f.start, f.end);
        let sentence = text[ss..se].trim();
        let lower_sentence = sentence.to_lowercase();
        // What a sentence tells of the past ("The fund was $2,000 in 2019") is no answer today.
        let sentence_words: Vec<String> = tokens(sentence).into_iter().map(|(_, w)| w).collect();
        if PAST.iter().any(|p| {
            let p: Vec<&str> = p.split(' ').collect();
            sentence_words
                .windows(p.len())
                .any(|w| w.iter().map(String::as_str).eq(p.iter().copied()))
        }) {
            continue;
        }
        // "October 1, 2009 - FHAA Awards $285 Million…": a dated entry (a news item, a change
        // log line, a past event) says what was true that day, not today's answer.
        if found[..=k]
            .iter()
            .rev()
            .take_while(|d| d.start >= ss)
            .any(|d| {
                d.kind == FactType::Date
                    && d.start >= ss
                    && d.end <= se
                    && text[ss..d.start].trim().is_empty()
                    && text[d.end..se]
                        .trim_start()
                        .starts_with(['-', '\u{2013}', '\u{2014}', ':', '|'])
            })
        {
            continue;
        }
        // A template's placeholders ("In FY2X, resolve XX% of complaints") are an example, not
        // an answer.
        if sentence_words.iter().any(|w| is_placeholder(w)) {
            continue;
        }
        // "Every two years", "each 30 days", "24 hours a day, seven days a week": how often or
        // when, not how long.
        if f.kind == FactType::Duration
            && (tokens(&text[ss..f.start])
                .last()
                .is_some_and(|(_, w)| w == "every" || w == "each")
                || matches!(
                    tokens(&text[f.end..se]).as_slice(),
                    [(_, a), (_, unit), ..]
                        if (a == "a" || a == "per" || a == "each")
                            && ["day", "week", "month", "year"].contains(&unit.as_str())
                ))
        {
            continue;
        }
        // The clause: from the previous fact of the sentence to the next, divided between them.
        // Only the neighbouring facts can share the sentence (facts are in text order).
        let prev_end = k.checked_sub(1).map(|p| found[p].end).filter(|&e| e > ss);
        let next_start = found.get(k + 1).map(|n| n.start).filter(|&st| st < se);
        let before_start = match prev_end {
            Some(pe) if pe <= f.start => pe + divide(&text[pe..f.start]),
            _ => ss,
        };
        let after_end = match next_start {
            Some(ns) if ns >= f.end => f.end + divide(&text[f.end..ns]),
            _ => se,
        };
        // "1-800-555-0123 (TTY 711)": a parenthesis that gives another number is that number's.
        let after_end = match text[f.end..after_end].find('(') {
            Some(open)
                if text[f.end + open..after_end]
                    .split(')')
                    .next()
                    .is_some_and(|inside| inside.chars().any(|c| c.is_ascii_digit())) =>
            {
                f.end + open
            }
            _ => after_end,
        };
        let before = &text[before_start.min(f.start)..f.start];
        let after = &text[f.end..after_end.max(f.end)];
        let clause = format!("{before} {after}");
        // Attribute cues by distance from the value: its clause, then the question or heading it
        // answers, then the rest of its sentence.
        let sentence_stems: Vec<(usize, String)> = tokens(&text[ss..se])
            .into_iter()
            .map(|(i, w)| (ss + i, stem(&w)))
            .collect();
        let clause_start = before_start.min(f.start);
        let clause_end = after_end.max(f.end);
        let clause_stems: Vec<(usize, String)> = sentence_stems
            .iter()
            .filter(|(i, _)| (clause_start..clause_end).contains(i))
            .cloned()
            .collect();
        let question_stems: Vec<(usize, String)> = tokens(&u.question)
            .into_iter()
            .map(|(i, w)| (i, stem(&w)))
            .collect();
        let range = Some((f.start, f.end));
        let attribute = v.attribute(
            f.kind,
            &[
                (&clause_stems, range),
                (&question_stems, None),
                (&sentence_stems, range),
            ],
        );
        let mut subject: Vec<(String, f64)> = Vec::new();
        let mut add = |text: &str, weight: f64| {
            for w in v.subject_words(text, f.kind) {
                // "8 a.m. to 6 p.m. Eastern time": the zone belongs to the hours, not to what
                // they are the hours of (a "Pacific Regional Office" heading still counts).
                if f.kind == FactType::Hours
                    && weight == CLAUSE_WEIGHT
                    && TIME_ZONES.contains(&w.as_str())
                {
                    continue;
                }
                match subject.iter_mut().find(|(x, _)| *x == w) {
                    Some(e) => e.1 = e.1.max(weight),
                    None => subject.push((w, weight)),
                }
            }
        };
        // The words around the value name its thing most precisely ("the caregiver support
        // line"); the question and the page's heading say what the text is about.
        add(&clause, CLAUSE_WEIGHT);
        add(&u.question, CONTEXT_WEIGHT);
        add(&u.section, CONTEXT_WEIGHT);
        add(&s.scope, CONTEXT_WEIGHT);
        // The thing the page (or kb row, or table row) is about.
        let topic = topics
            .entry(f.kind)
            .or_insert_with(|| {
                let mut topic: BTreeSet<String> =
                    v.subject_words(&s.scope, f.kind).into_iter().collect();
                // A table row names its own thing; on a page about nothing in particular (an
                // FAQ, "Top questions") so do the question and the section.
                if u.source == answers::Source::Table || topic.is_empty() {
                    topic.extend(v.subject_words(&u.question, f.kind));
                    topic.extend(v.subject_words(&u.section, f.kind));
                }
                Arc::new(topic)
            })
            .clone();
        let mut qualifiers: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        // "From $500,000 to $3 million": each end answers only for the same end of a range.
        if let Some(end) = range_end(text, &found, k) {
            qualifiers.insert(BOUND.into(), BTreeSet::from([end.to_string()]));
        }
        v.qualifiers(&clause, &mut qualifiers);
        v.qualifiers(&u.question, &mut qualifiers);
        // The value's own year is no qualifier ("July 15, 2025" is a date, not "in 2025").
        if let Some(years) = qualifiers.get_mut("period") {
            years.retain(|y| {
                !f.raw.contains(y.as_str()) || lower_sentence.matches(y.as_str()).count() > 1
            });
            if years.is_empty() {
                qualifiers.remove("period");
            }
        }
        if let Some(year) = &s.period {
            qualifiers
                .entry("period".into())
                .or_insert_with(|| BTreeSet::from([year.clone()]));
        }
        let own: BTreeSet<String> = tokens(&clause)
            .into_iter()
            .map(|(_, w)| v.norm(&w))
            .filter(|w| {
                w.len() > 1 && !v.stop.contains(w) && !w.chars().all(|c| c.is_ascii_digit())
            })
            .collect();
        out.push(Claim {
            source: si,
            kind: f.kind,
            value: f.value.clone(),
            raw: f.raw.clone(),
            question: question.clone(),
            is_question: u.is_question,
            evidence: match &last_evidence {
                Some((at, e)) if *at == (ss, se) => e.clone(),
                _ => {
                    let e: Arc<str> = Arc::from(evidence(sentence));
                    last_evidence = Some(((ss, se), e.clone()));
                    e
                }
            },
            attribute,
            subject,
            topic,
            qualifiers,
            own,
            precision,
            unit_len: text.len(),
        });
    }
}

/// The qualifier class of a range's ends ("low", "high"): unlike the other classes it must be
/// on both claims or neither, since a range's end is no answer to "how much".
pub(crate) const BOUND: &str = "bound";

/// Whether fact `k` is the low or high end of a range of two facts of one kind: "$500,000 to
/// $3 million", "between 3 and 5 days", "$10–$20".
fn range_end(text: &str, found: &[facts::Fact], k: usize) -> Option<&'static str> {
    let joined = |a: &facts::Fact, b: &facts::Fact| {
        if a.kind != b.kind || b.start < a.end {
            return false;
        }
        let between = text[a.end..b.start].trim().to_lowercase();
        match between.as_str() {
            "to" | "-" | "\u{2013}" | "\u{2014}" | "through" | "up to" => true,
            "and" => {
                let before = text[..a.start].trim_end().as_bytes();
                before.len() >= 7 && before[before.len() - 7..].eq_ignore_ascii_case(b"between")
            }
            _ => false,
        }
    };
    let f = &found[k];
    // "3 to 5 business days": the low end is a bare number, no fact of its own.
    let mut from = f.start.saturating_sub(40);
    while !text.is_char_boundary(from) {
        from -= 1;
    }
    let before: Vec<(usize, String)> = tokens(&text[from..f.start]);
    if let [.., (_, n), (_, link)] = before.as_slice() {
        let linked = ["to", "through", "and"].contains(&link.as_str())
            || text[..f.start].trim_end().ends_with(['-', '\u{2013}']);
        if n.chars().all(|c| c.is_ascii_digit()) && linked {
            return Some("high");
        }
    }
    if found.get(k + 1).is_some_and(|n| joined(f, n)) {
        return Some("low");
    }
    if k > 0 && joined(&found[k - 1], f) {
        return Some("high");
    }
    None
}

/// A placeholder a template leaves for the reader to fill: "XX", "XXX", "FY2X", "20XX".
fn is_placeholder(w: &str) -> bool {
    let lower = w.to_ascii_lowercase();
    let xs = lower.chars().rev().take_while(|&c| c == 'x').count();
    (xs >= 2 && xs == lower.chars().count())
        || (xs >= 1
            && lower.len() > xs
            && lower.chars().any(|c| c.is_ascii_digit())
            && lower[..lower.len() - xs]
                .chars()
                .last()
                .is_some_and(|c| c.is_ascii_digit()))
}

/// The sentence as findings show it: whitespace collapsed, at most 300 characters.
fn evidence(sentence: &str) -> String {
    let t: String = sentence.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.chars().count() <= 300 {
        t
    } else {
        let mut cut: String = t.chars().take(299).collect();
        cut.push('…');
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab(rules: &AnswerRules) -> Vocabulary<'_> {
        Vocabulary::new(rules, &["Office of Coastal Resilience".to_string()])
    }

    fn one_unit(scope: &str, question: &str, answer: &str) -> Source {
        Source {
            name: "https://a.gov/x".into(),
            site: "https://a.gov".into(),
            units: vec![AnswerUnit {
                question: question.into(),
                answer: answer.into(),
                source: answers::Source::Heading,
                is_question: answers::is_question(question),
                section: String::new(),
            }],
            scope: scope.into(),
            article: false,
            period: None,
        }
    }

    #[test]
    fn clauses_attributes_and_qualifiers() {
        let rules = crate::rules::RuleSet::builtin().answers;
        let v = vocab(&rules);
        let s = one_unit(
            "Burial Allowance",
            "How much is it?",
            "The allowance is $2,000 for a service-connected death and $800 for other deaths. Call the memorial desk at (855) 555-0147.",
        );
        let c = claims_of(0, &s, &v);
        let by_value = |val: &str| c.iter().find(|c| c.value == val).expect(val);
        let sc = by_value("$2000");
        let other = by_value("$800");
        assert!(sc.own.contains("service-connected"), "{:?}", sc.own);
        assert!(!other.own.contains("service-connected"), "{:?}", other.own);
        assert!(other.own.contains("other"), "{:?}", other.own);
        let amount = rules.attributes.iter().position(|a| a.id == "amount");
        assert_eq!(sc.attribute, amount);
        assert_eq!(other.attribute, amount);
        let phone = by_value("+1-855-555-0147");
        assert_eq!(
            &*phone.evidence,
            "Call the memorial desk at (855) 555-0147."
        );
        let words: Vec<&str> = phone.subject.iter().map(|(w, _)| w.as_str()).collect();
        assert!(
            words.contains(&stem("memorial").as_str()) && words.contains(&"desk"),
            "{words:?}"
        );
        assert!(
            !words.contains(&"coastal"),
            "the organisation's name names nothing"
        );
        // Fiscal years and audiences qualify a value; a date's own year does not.
        let s = one_unit(
            "Relief fund",
            "Income limit",
            "For FY2024 the limit for veterans is $45,000. Apply by July 15, 2025.",
        );
        let c = claims_of(0, &s, &v);
        let limit = c.iter().find(|c| c.value == "$45000").expect("limit");
        assert_eq!(
            limit.qualifiers["period"],
            BTreeSet::from(["2024".to_string()])
        );
        assert!(limit.qualifiers["audience"].contains("veteran"));
        let date = c.iter().find(|c| c.kind == FactType::Date).expect("date");
        assert!(
            !date.qualifiers.contains_key("period"),
            "{:?}",
            date.qualifiers
        );
        // History is no answer, nor is a dated entry.
        let s = one_unit("Fund", "Amounts", "In 2019 the grant was $1,000.");
        assert!(claims_of(0, &s, &v).is_empty());
        let s = one_unit(
            "News",
            "Releases",
            "October 1, 2009 - The office awards $285 million in grants.",
        );
        assert!(claims_of(0, &s, &v).is_empty());
        // When and how often are no durations.
        let s = one_unit(
            "Help desk",
            "Tickets",
            "Submit a ticket 24 hours a day, 7 days a week, or every 30 days.",
        );
        assert!(
            claims_of(0, &s, &v).is_empty(),
            "{:?}",
            claims_of(0, &s, &v)
        );
        // The ends of a range say which end they are.
        let s = one_unit(
            "Grants",
            "Award size",
            "Awards range from $500,000 to $3 million; we decide in 3 to 5 days.",
        );
        let mut ends: Vec<(String, String)> = claims_of(0, &s, &v)
            .iter()
            .map(|c| {
                let end = c.qualifiers.get(BOUND).and_then(|b| b.first()).cloned();
                (c.value.clone(), end.unwrap_or_default())
            })
            .collect();
        ends.sort();
        let want = [("$3000000", "high"), ("$500000", "low"), ("5 days", "high")];
        assert_eq!(ends, want.map(|(a, b)| (a.to_string(), b.to_string())),);
    }

    #[test]
    fn sentences_end_where_readers_see_them_end() {
        let t = "Open 8 a.m. to 6 p.m. Eastern time. Call 1-800-555-0100 by Dec. 5 for help.";
        let at = t.find("1-800").expect("phone");
        let (s, e) = sentence_bounds(t, at, at + 14);
        assert_eq!(&t[s..e], " Call 1-800-555-0100 by Dec. 5 for help.");
    }
}
