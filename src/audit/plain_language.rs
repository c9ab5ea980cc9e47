//! Plain-language findings: words and phrases to avoid, `shall`, passive voice, hidden verbs,
//! long sentences and paragraphs, and acronyms never spelled out, by the rules of
//! `rules/plain_language.toml`.
//!
//! Pure: blocks of main content (the same blocks readability reads) and rules in, findings out.
//! One finding per rule per text, with how often it fired (`count`), the first sentence it fired
//! in (`excerpt`) and the rule's `suggestion`.
//!
//! # Matching
//! - Words are compared lower-case, whole word. A rule's first word also matches its
//!   inflections (utilize, utilizes, utilized, utilizing; accompany, accompanies, accompanied).
//! - Nothing matches inside a URL, an e-mail address, a code block, or a short quoted title
//!   (up to 12 words between double quotes): those are names, not the writer's words.
//! - Sentences end at `.`, `!` or `?` followed by a space, except after abbreviations such as
//!   "U.S.", "e.g." or "No." (our own split: textstat's split is kept for its scores only).

use std::collections::{BTreeSet, HashMap};

use serde_json::{Map, Value};

use crate::extract::page::BlockKind;
use crate::model::{Finding, Severity};
use crate::rules::{CheckKind, CheckRule, PhraseRule, PlainLanguageRules};

/// A set looked up for every word of every page: hashed by foldhash, not SipHash (whose
/// resistance to chosen keys nothing here needs: the keys are rules and a page's own words).
type FastSet<T> = std::collections::HashSet<T, foldhash::fast::RandomState>;

/// A block of text to check: its kind, its text, and the byte ranges set as inline code.
#[derive(Debug, Clone, Copy)]
pub struct TextBlock<'a> {
    /// Heading, paragraph, list item, cell or code.
    pub kind: BlockKind,
    /// The text.
    pub text: &'a str,
    /// Inline code in `text` (never matched).
    pub code: &'a [(usize, usize)],
}

impl<'a> From<&'a crate::extract::page::Block> for TextBlock<'a> {
    fn from(b: &'a crate::extract::page::Block) -> TextBlock<'a> {
        TextBlock {
            kind: b.kind,
            text: &b.text,
            code: &b.code,
        }
    }
}

/// A word of the text, with where it is.
#[derive(Debug, Clone)]
struct Token<'a> {
    /// Lower-case (most words are written so: borrowed then, as a page has thousands).
    lower: std::borrow::Cow<'a, str>,
    /// As written.
    text: &'a str,
    /// Byte range in the block.
    start: usize,
    end: usize,
    /// Sentence index within the block.
    sentence: usize,
}

/// A block cut into sentences and words, with protected parts left out.
struct Block<'a> {
    kind: BlockKind,
    text: &'a str,
    sentences: Vec<(usize, usize)>,
    tokens: Vec<Token<'a>>,
}

/// Abbreviations after which a period does not end a sentence (lower-case, without the dot).
const ABBREVIATIONS: &[&str] = &[
    "u.s", "e.g", "i.e", "etc", "no", "nos", "sec", "secs", "mr", "mrs", "ms", "dr", "st", "jr",
    "sr", "vs", "v", "inc", "co", "corp", "ltd", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
    "sep", "sept", "oct", "nov", "dec", "a.m", "p.m", "approx", "dept", "gov", "fig", "p", "pp",
    "u.s.c", "c.f.r", "cfr", "pub", "l", "ch", "para", "art", "vol", "est",
];

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '\'' || c == '\u{2019}'
}

/// Byte ranges not to match in: URLs, e-mail addresses, short quoted titles.
fn protected_ranges(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for chunk in text.split_whitespace() {
        // `chunk` is a slice of `text`: its offset is where it starts in memory.
        let start = chunk.as_ptr() as usize - text.as_ptr() as usize;
        let end = start + chunk.len();
        if !chunk.contains(['.', '@', ':']) {
            continue;
        }
        let lower = chunk.to_ascii_lowercase();
        let domain = [".gov", ".mil", ".com", ".org", ".net", ".edu", ".us", ".io"]
            .iter()
            .any(|tld| {
                lower.match_indices(tld).any(|(i, _)| {
                    let after = lower[i + tld.len()..].chars().next();
                    i > 0 && after.is_none_or(|c| c == '/' || c == ':' || !c.is_alphanumeric())
                })
            });
        let url = lower.contains("://") || lower.starts_with("www.") || domain;
        let email = chunk.find('@').is_some_and(|i| chunk[i..].contains('.'));
        if url || email {
            out.push((start, end));
        }
    }
    // Short quoted spans: "…" or “…”.
    let mut open: Option<(usize, char)> = None;
    for (i, c) in text.char_indices() {
        match (open, c) {
            (None, '"' | '\u{201c}') => open = Some((i, c)),
            (Some((s, o)), '"' | '\u{201d}')
                if o == '"' && c == '"' || o == '\u{201c}' && c == '\u{201d}' =>
            {
                let inner = &text[s..i];
                if inner.split_whitespace().count() <= 12 {
                    out.push((s, i + c.len_utf8()));
                }
                open = None;
            }
            _ => {}
        }
    }
    out
}

impl<'a> Block<'a> {
    fn new(kind: BlockKind, text: &'a str, code: &[(usize, usize)]) -> Block<'a> {
        let sentences = split_sentences(text);
        let mut protected = protected_ranges(text);
        protected.extend_from_slice(code);
        let mut tokens = Vec::new();
        let mut start: Option<usize> = None;
        let push = |s: usize, e: usize, tokens: &mut Vec<Token<'a>>| {
            let raw = &text[s..e];
            let trimmed = raw.trim_matches(|c| c == '\'' || c == '\u{2019}');
            if trimmed.is_empty() {
                return;
            }
            // `trimmed` is a slice of `raw`: its offset, without searching for it.
            let off = s + (trimmed.as_ptr() as usize - raw.as_ptr() as usize);
            if protected.iter().any(|&(ps, pe)| off >= ps && off < pe) {
                return;
            }
            // Sentences are in order: the last one starting at or before the word holds it.
            let sentence = sentences
                .partition_point(|&(ss, _)| ss <= off)
                .saturating_sub(1);
            tokens.push(Token {
                lower: if trimmed
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'\'')
                {
                    std::borrow::Cow::Borrowed(trimmed)
                } else {
                    let lower = trimmed.to_lowercase();
                    std::borrow::Cow::Owned(if lower.contains('\u{2019}') {
                        lower.replace('\u{2019}', "'")
                    } else {
                        lower
                    })
                },
                text: trimmed,
                start: off,
                end: off + trimmed.len(),
                sentence,
            });
        };
        for (i, c) in text.char_indices() {
            match (start, is_word_char(c)) {
                (None, true) => start = Some(i),
                (Some(s), false) => {
                    push(s, i, &mut tokens);
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            push(s, text.len(), &mut tokens);
        }
        Block {
            kind,
            text,
            sentences,
            tokens,
        }
    }

    fn sentence_text(&self, i: usize) -> &str {
        self.sentences
            .get(i)
            .map_or(self.text, |&(s, e)| self.text[s..e].trim())
    }
}

/// Whether token `i` is part of a name: capitalised, next to another capitalised word of the same
/// sentence (small connector words between are skipped), as in "Rental Assistance Program" or
/// "Frequently Asked Questions". A lone capital at the start of a sentence is not a name.
fn in_name(toks: &[Token], i: usize) -> bool {
    let cap = |t: &Token| t.text.chars().next().is_some_and(char::is_uppercase);
    let connector =
        |t: &Token| ["of", "and", "the", "for", "on", "in", "to"].contains(&t.lower.as_ref());
    if !cap(&toks[i]) {
        return false;
    }
    let s = toks[i].sentence;
    let neighbour = |mut j: isize, step: isize| -> bool {
        let mut adjacent = true;
        loop {
            j += step;
            let Some(t) = usize::try_from(j).ok().and_then(|j| toks.get(j)) else {
                return false;
            };
            if t.sentence != s {
                return false;
            }
            // A sentence's first word is capitalised by its position, not as a name.
            let first_of_sentence = usize::try_from(j)
                .ok()
                .filter(|&j| j > 0)
                .is_none_or(|j| toks[j - 1].sentence != s);
            // …unless it stands right next to this word ("Technical Assistance").
            if cap(t) && (!first_of_sentence || adjacent) {
                return true;
            }
            if !connector(t) {
                return false;
            }
            adjacent = false;
        }
    };
    neighbour(i as isize, -1) || neighbour(i as isize, 1)
}

/// Sentence byte ranges: a sentence ends at `.`, `!` or `?` (and closing quotes or brackets)
/// followed by whitespace, unless the word before the period is a known abbreviation or a single
/// letter ("J. Smith").
fn split_sentences(text: &str) -> Vec<(usize, usize)> {
    // Closers that may follow the end mark: quotes (straight and curly) and brackets.
    let closer = |c: char| {
        matches!(
            c,
            '.' | '!' | '?' | '"' | '\'' | ')' | '\u{201d}' | '\u{2019}'
        )
    };
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if !matches!(c, '.' | '!' | '?') {
            continue;
        }
        let mut end = i + 1;
        while let Some(&(j, d)) = chars.peek() {
            if !closer(d) {
                break;
            }
            end = j + d.len_utf8();
            chars.next();
        }
        let at_space = text[end..].chars().next().is_none_or(char::is_whitespace);
        let mut before = text[start..i].rsplit(|c: char| c.is_whitespace() || c == '(');
        let word_before = before.next().unwrap_or("").to_lowercase();
        let word_before_that = before.next().unwrap_or("").to_lowercase();
        // "J. Smith" is an initial; "Part B." and "Form W." end sentences.
        let labelled = [
            "part", "plan", "form", "appendix", "schedule", "title", "section", "grade", "type",
            "class", "option", "step", "unit", "phase", "tier", "group",
        ]
        .contains(&word_before_that.as_str());
        let initial = word_before.chars().count() == 1
            && word_before.chars().all(char::is_alphabetic)
            && !labelled;
        let abbreviation = c == '.' && (ABBREVIATIONS.contains(&word_before.as_str()) || initial);
        if at_space && !abbreviation {
            out.push((start, end));
            start = end;
        }
    }
    if start < text.len() && !text[start..].trim().is_empty() {
        out.push((start, text.len()));
    }
    out
}

/// The forms of a word: itself, and its regular inflections (-s/-es, -ed/-d, -ing, y→ies/ied,
/// doubled final consonant).
fn inflections(word: &str) -> Vec<String> {
    let mut out = vec![word.to_string()];
    let n = word.chars().count();
    if n < 3 || !word.chars().all(char::is_alphabetic) {
        return out;
    }
    let vowel = |c: char| "aeiou".contains(c);
    let chars: Vec<char> = word.chars().collect();
    let last = chars[n - 1];
    let stem: String = chars[..n - 1].iter().collect();
    if last == 'y' && !vowel(chars[n - 2]) {
        out.extend([
            format!("{stem}ies"),
            format!("{stem}ied"),
            format!("{word}ing"),
        ]);
    } else if last == 'e' {
        out.extend([format!("{word}s"), format!("{word}d"), format!("{stem}ing")]);
    } else if word.ends_with('s')
        || word.ends_with('x')
        || word.ends_with("ch")
        || word.ends_with("sh")
    {
        out.extend([
            format!("{word}es"),
            format!("{word}ed"),
            format!("{word}ing"),
        ]);
    } else {
        out.extend([
            format!("{word}s"),
            format!("{word}ed"),
            format!("{word}ing"),
        ]);
        // commit → committed; admit → admitting
        if !vowel(last) && !"wxy".contains(last) && vowel(chars[n - 2]) && !vowel(chars[n - 3]) {
            out.extend([format!("{word}{last}ed"), format!("{word}{last}ing")]);
        }
    }
    out
}

fn phrase_tokens(s: &str) -> Vec<String> {
    Block::new(BlockKind::Paragraph, s, &[])
        .tokens
        .into_iter()
        .map(|t| t.lower.into_owned())
        .collect()
}

/// One way a phrase rule matches.
#[derive(Debug, Clone)]
struct Pattern {
    rule: usize,
    /// Words after the first.
    rest: Vec<String>,
    /// For "a ... b": the words of b, found later in the same sentence.
    then: Vec<String>,
}

/// The phrase rules compiled for matching, and the checks.
pub struct Checker<'r> {
    rules: &'r PlainLanguageRules,
    phrases: Vec<&'r PhraseRule>,
    by_first: HashMap<String, Vec<Pattern>, foldhash::fast::RandomState>,
    slash_rules: Vec<usize>,
    known_acronyms: FastSet<String>,
    /// The forms of the weak verbs that hide verbs in nouns.
    linking: FastSet<String>,
}

/// Linking verbs that hide a verb in a noun ("make a decision"), in their forms.
/// ("have" is left out: "have a payment plan" is a plain way to say it.)
const LINKING_VERBS: &[&str] = &["achieve", "effect", "give", "make", "reach", "take"];

/// Nouns made from verbs, with the verb to use (for the suggestion).
const NOMINALIZATIONS: &[(&str, &str)] = &[
    ("decision", "decide"),
    ("consideration", "consider"),
    ("agreement", "agree"),
    ("application", "apply"),
    ("assessment", "assess"),
    ("determination", "determine"),
    ("payment", "pay"),
    ("recommendation", "recommend"),
    ("requirement", "require"),
    ("submission", "submit"),
    ("assistance", "assist"),
    ("performance", "perform"),
    ("reduction", "reduce"),
    ("investigation", "investigate"),
    ("completion", "complete"),
    ("announcement", "announce"),
    ("adjustment", "adjust"),
    ("allocation", "allocate"),
    ("analysis", "analyze"),
    ("approval", "approve"),
    ("arrangement", "arrange"),
    ("contribution", "contribute"),
    ("correction", "correct"),
    ("distribution", "distribute"),
    ("evaluation", "evaluate"),
    ("implementation", "implement"),
    ("improvement", "improve"),
    ("modification", "modify"),
    ("notification", "notify"),
    ("observation", "observe"),
    ("preparation", "prepare"),
    ("provision", "provide"),
    ("reference", "refer"),
    ("revision", "revise"),
    ("selection", "select"),
    ("statement", "state"),
    ("utilization", "use"),
    ("verification", "verify"),
    ("action", "act"),
    ("inspection", "inspect"),
    ("change", "change"),
];

const NOUN_ENDINGS: &[&str] = &["ment", "tion", "sion", "ance", "ence"];

const IRREGULAR_PARTICIPLES: &[&str] = &[
    "given",
    "taken",
    "made",
    "done",
    "seen",
    "known",
    "shown",
    "written",
    "paid",
    "sent",
    "held",
    "found",
    "kept",
    "told",
    "brought",
    "bought",
    "built",
    "chosen",
    "drawn",
    "driven",
    "eaten",
    "forgotten",
    "forgiven",
    "frozen",
    "gotten",
    "hidden",
    "laid",
    "led",
    "left",
    "lost",
    "meant",
    "met",
    "put",
    "read",
    "run",
    "said",
    "set",
    "shut",
    "sold",
    "spent",
    "spoken",
    "stolen",
    "struck",
    "sworn",
    "taught",
    "thought",
    "thrown",
    "understood",
    "won",
    "withdrawn",
    "begun",
    "broken",
    "cut",
    "dealt",
    "fed",
    "felt",
    "fought",
    "heard",
    "hit",
    "hurt",
    "let",
    "lent",
    "quit",
    "sought",
    "split",
    "spread",
    "upheld",
    "overseen",
    "undertaken",
];

const BE_FORMS: &[&str] = &["am", "is", "are", "was", "were", "be", "been", "being"];

/// Adjectives ending in -ed that follow "to be" without being passive ("is interested").
const NOT_PARTICIPLES: &[&str] = &[
    "interested",
    "concerned",
    "supposed",
    "used",
    "based",
    "located",
    "tired",
    "excited",
    "married",
    "qualified",
    "limited",
    "related",
    "needed",
    "required",
    "scheduled",
    "expected",
    "allowed",
    "involved",
    "prepared",
    "exposed",
    "experienced",
    "advanced",
    "detailed",
];

/// Where a rule first fired on a text, and how often.
struct Hit {
    count: usize,
    block: usize,
    sentence: usize,
    matched: String,
    terms: BTreeSet<String>,
    longest: usize,
}

impl Hit {
    /// A rule's first hit (counted by the caller).
    fn first(block: usize, sentence: usize, matched: &str) -> Hit {
        Hit {
            count: 0,
            block,
            sentence,
            matched: matched.to_string(),
            terms: BTreeSet::new(),
            longest: 0,
        }
    }
}

impl<'r> Checker<'r> {
    /// Compiles the rules (once per command).
    pub fn new(rules: &'r PlainLanguageRules) -> Checker<'r> {
        let phrases: Vec<&PhraseRule> = rules.phrases.iter().filter(|p| p.enabled).collect();
        let mut by_first: HashMap<String, Vec<Pattern>, foldhash::fast::RandomState> =
            HashMap::default();
        let mut slash_rules = Vec::new();
        for (ri, rule) in phrases.iter().enumerate() {
            for find in &rule.find {
                let find = find.trim();
                if find == "/" {
                    slash_rules.push(ri);
                    continue;
                }
                let (head, then) = match find.split_once("...") {
                    Some((a, b)) => (phrase_tokens(a), phrase_tokens(b)),
                    None => (phrase_tokens(find), Vec::new()),
                };
                let Some(first) = head.first() else {
                    continue;
                };
                let forms = if rule.inflect {
                    inflections(first)
                } else {
                    vec![first.clone()]
                };
                for form in forms {
                    by_first.entry(form).or_default().push(Pattern {
                        rule: ri,
                        rest: head[1..].to_vec(),
                        then: then.clone(),
                    });
                }
            }
        }
        let linking = LINKING_VERBS
            .iter()
            .flat_map(|v| inflections(v))
            .chain(["made", "took", "taken", "gave", "given"].map(String::from))
            .collect();
        Checker {
            rules,
            phrases,
            by_first,
            slash_rules,
            linking,
            known_acronyms: rules
                .known_acronyms
                .iter()
                .map(|a| a.replace('.', "").to_uppercase())
                .collect(),
        }
    }

    /// Whether a rule judges a whole page (the share of passive sentences, acronyms never
    /// spelled out on the page) rather than a place in its text.
    pub fn judges_whole_page(&self, rule: &str) -> bool {
        self.rules.checks.iter().any(|c| {
            c.id == rule
                && matches!(
                    c.check,
                    crate::rules::CheckKind::PassiveVoice
                        | crate::rules::CheckKind::UndefinedAcronym
                )
        })
    }

    /// The findings of one text given as blocks (`site` and `url` left empty). `names` are
    /// names the reader has in front of them besides the text (the page title, the site's and
    /// agency's names): an acronym of their initials ("FHAA" for "Federal Housing Assistance
    /// Agency") counts as spelled out.
    pub fn check(&self, blocks: &[TextBlock<'_>], names: &[&str]) -> Vec<Finding> {
        let blocks: Vec<Block> = blocks
            .iter()
            .filter(|b| b.kind != BlockKind::Code)
            .map(|b| Block::new(b.kind, b.text, b.code))
            .collect();
        let own_words: FastSet<String> = names
            .iter()
            .flat_map(|n| n.split(|c: char| !c.is_alphanumeric()))
            .filter(|w| w.len() > 3)
            .map(str::to_lowercase)
            .collect();
        let mut phrase_hits: Vec<Option<Hit>> = (0..self.phrases.len()).map(|_| None).collect();
        let mut check_hits: Vec<Option<Hit>> = (0..self.rules.checks.len()).map(|_| None).collect();
        let note = |hits: &mut Vec<Option<Hit>>, i: usize, b: usize, s: usize, m: &str| {
            let h = hits[i].get_or_insert_with(|| Hit::first(b, s, m));
            h.count += 1;
        };
        for (bi, block) in blocks.iter().enumerate() {
            let toks = &block.tokens;
            // Every pattern that matches here: (first token, tokens it covers, rule, text end).
            let mut found: Vec<(usize, usize, usize, usize)> = Vec::new();
            for (i, t) in toks.iter().enumerate() {
                let Some(patterns) = self.by_first.get(&*t.lower) else {
                    continue;
                };
                for p in patterns {
                    let end = i + 1 + p.rest.len();
                    let same = toks.get(i + 1..end).is_some_and(|next| {
                        next.iter()
                            .zip(&p.rest)
                            .all(|(a, b)| a.lower == *b && a.sentence == t.sentence)
                    });
                    if !same {
                        continue;
                    }
                    let mut last = end - 1;
                    if !p.then.is_empty() {
                        let later = (end..toks.len())
                            .take_while(|&k| toks[k].sentence == t.sentence)
                            .find(|&k| {
                                toks.get(k..k + p.then.len()).is_some_and(|w| {
                                    w.iter().zip(&p.then).all(|(a, b)| a.lower == *b)
                                })
                            });
                        match later {
                            Some(k) => last = k + p.then.len() - 1,
                            None => continue,
                        }
                    }
                    found.push((i, end - i, p.rule, toks[last].end));
                }
            }
            // The longest match at a place wins, and words already matched are not matched
            // again: "prior to" is one finding, not also "prior".
            found.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
            let mut covered_to = 0;
            let mut covered: Vec<(usize, usize)> = Vec::new();
            for (i, len, rule, text_end) in found {
                if i < covered_to || in_name(toks, i) {
                    continue;
                }
                // The organisation's own words ("assistance" for the Housing Assistance
                // Agency) are its vocabulary, not the writer's choice.
                if toks[i..i + len]
                    .iter()
                    .all(|t| own_words.contains(&*t.lower))
                {
                    continue;
                }
                covered_to = i + len;
                covered.push((i, i + len));
                let t = &toks[i];
                note(
                    &mut phrase_hits,
                    rule,
                    bi,
                    t.sentence,
                    &block.text[t.start..text_end],
                );
            }
            if !self.slash_rules.is_empty() {
                for (a, b) in toks.iter().zip(toks.iter().skip(1)) {
                    let between = &block.text[a.end..b.start];
                    let words = a.lower.chars().all(char::is_alphabetic)
                        && b.lower.chars().all(char::is_alphabetic);
                    if between == "/" && words {
                        for &r in &self.slash_rules {
                            note(
                                &mut phrase_hits,
                                r,
                                bi,
                                a.sentence,
                                &block.text[a.start..b.end],
                            );
                        }
                    }
                }
            }
            for (ci, rule) in self.rules.checks.iter().enumerate() {
                if rule.enabled {
                    self.run_check(rule, ci, bi, block, &covered, &mut check_hits);
                }
            }
        }
        // Acronyms need the whole text: a definition may come anywhere.
        for (ci, rule) in self.rules.checks.iter().enumerate() {
            if rule.enabled && rule.check == CheckKind::UndefinedAcronym {
                check_hits[ci] = self.undefined_acronyms(&blocks, names);
            }
        }
        // Passive voice is a finding when it is a habit, not when it is used once.
        for (ci, rule) in self.rules.checks.iter().enumerate() {
            if rule.check == CheckKind::PassiveVoice {
                let sentences: usize = blocks.iter().map(|b| b.sentences.len()).sum();
                let share = rule.max_share.unwrap_or(0.0);
                if check_hits[ci]
                    .as_ref()
                    .is_some_and(|h| (h.count as f64) <= share * sentences as f64)
                {
                    check_hits[ci] = None;
                }
            }
        }
        let mut out = Vec::new();
        for (rule, hit) in self.phrases.iter().zip(phrase_hits) {
            if let Some(h) = hit {
                out.push(self.phrase_finding(rule, &h, &blocks));
            }
        }
        for (rule, hit) in self.rules.checks.iter().zip(check_hits) {
            if let Some(h) = hit {
                out.push(check_finding(rule, &h, &blocks));
            }
        }
        out
    }

    fn run_check(
        &self,
        rule: &CheckRule,
        ci: usize,
        bi: usize,
        block: &Block,
        covered: &[(usize, usize)],
        hits: &mut [Option<Hit>],
    ) {
        let toks = &block.tokens;
        let mut note = |s: usize, m: &str, n: usize| {
            let h = hits[ci].get_or_insert_with(|| Hit::first(bi, s, m));
            h.count += 1;
            h.longest = h.longest.max(n);
        };
        match rule.check {
            CheckKind::Shall => {
                for t in toks.iter().filter(|t| t.lower == "shall") {
                    note(t.sentence, t.text, 0);
                }
            }
            CheckKind::PassiveVoice => {
                let mut last_sentence = usize::MAX;
                for (i, t) in toks.iter().enumerate() {
                    if !BE_FORMS.contains(&t.lower.as_ref()) || t.sentence == last_sentence {
                        continue;
                    }
                    let mut j = i + 1;
                    // One adverb or "not" may sit between: "is not required", "was quickly sent".
                    if toks.get(j).is_some_and(|n| {
                        n.lower == "not" || (n.lower.ends_with("ly") && n.lower.len() > 4)
                    }) {
                        j += 1;
                    }
                    let Some(p) = toks.get(j).filter(|p| p.sentence == t.sentence) else {
                        continue;
                    };
                    let w = p.lower.as_ref();
                    let participle =
                        (w.len() > 4 && w.ends_with("ed") && !NOT_PARTICIPLES.contains(&w))
                            || IRREGULAR_PARTICIPLES.contains(&w);
                    if participle {
                        last_sentence = t.sentence;
                        note(t.sentence, &block.text[t.start..p.end], 0);
                    }
                }
            }
            CheckKind::HiddenVerb => {
                let linking = &self.linking;
                for (i, t) in toks.iter().enumerate() {
                    // A phrase rule already said it ("make a decision" is on the lists).
                    let said = covered.iter().any(|&(a, b)| i >= a && i < b);
                    if said || !linking.contains(&*t.lower) {
                        continue;
                    }
                    let mut j = i + 1;
                    if toks
                        .get(j)
                        .is_some_and(|n| matches!(n.lower.as_ref(), "a" | "an" | "the"))
                    {
                        j += 1;
                    }
                    let Some(n) = toks.get(j).filter(|n| n.sentence == t.sentence) else {
                        continue;
                    };
                    // One phrase: only spaces between its words ("taking, preparation" is two).
                    let phrase = &block.text[t.start..n.end];
                    if phrase
                        .chars()
                        .any(|c| !(c.is_alphanumeric() || c.is_whitespace() || c == '\''))
                    {
                        continue;
                    }
                    // Only nouns known to be made from a verb: "had the option" or "reached a
                    // collection" hide nothing.
                    if nominalization_verb(&n.lower).is_some() {
                        note(t.sentence, &block.text[t.start..n.end], 0);
                    }
                }
            }
            CheckKind::HiddenVerbOf => {
                for w in toks.windows(3) {
                    let noun = &w[1].lower;
                    if w[0].lower == "the"
                        && w[2].lower == "of"
                        && noun.len() >= 9
                        && NOUN_ENDINGS.iter().any(|e| noun.ends_with(e))
                    {
                        note(w[0].sentence, &block.text[w[0].start..w[2].end], 0);
                    }
                }
            }
            CheckKind::LongSentence => {
                let max = rule.max_words.unwrap_or(40);
                for (si, &(s, e)) in block.sentences.iter().enumerate() {
                    let n = block.text[s..e]
                        .split_whitespace()
                        .filter(|w| w.chars().any(char::is_alphanumeric))
                        .count();
                    if n > max {
                        note(si, "", n);
                    }
                }
            }
            CheckKind::LongParagraph => {
                let max = rule.max_words.unwrap_or(150);
                let n = block
                    .text
                    .split_whitespace()
                    .filter(|w| w.chars().any(char::is_alphanumeric))
                    .count();
                if block.kind == BlockKind::Paragraph && n > max {
                    note(0, "", n);
                }
            }
            CheckKind::UndefinedAcronym => {}
        }
    }

    fn undefined_acronyms(&self, blocks: &[Block], names: &[&str]) -> Option<Hit> {
        let all_text: String = blocks.iter().map(|b| b.text).collect::<Vec<_>>().join("\n");
        let spelled: FastSet<String> = names
            .iter()
            .copied()
            .chain(std::iter::once(all_text.as_str()))
            .flat_map(initialisms)
            .collect();
        let mut hit: Option<Hit> = None;
        for (bi, block) in blocks.iter().enumerate() {
            // A heading or line set in capitals is emphasis, not acronyms.
            let words: Vec<&Token> = block
                .tokens
                .iter()
                .filter(|t| t.text.chars().any(char::is_alphabetic))
                .collect();
            let caps = words
                .iter()
                .filter(|t| !t.text.chars().any(char::is_lowercase))
                .count();
            if words.len() >= 3 && caps * 10 >= words.len() * 6 {
                continue;
            }
            for (ti, t) in block.tokens.iter().enumerate() {
                let Some(acronym) = acronym_of(t.text) else {
                    continue;
                };
                // "NEW", "FREE": an everyday word in capitals; "No FEAR Act": part of a name.
                let everyday = crate::readability::syllables::is_easy_word(&acronym.to_lowercase());
                if everyday || in_name(&block.tokens, ti) {
                    continue;
                }
                if self.known_acronyms.contains(&acronym)
                    || spelled.contains(&acronym)
                    || defined(&all_text, &acronym)
                {
                    continue;
                }
                let h = hit.get_or_insert_with(|| Hit::first(bi, t.sentence, &acronym));
                if h.terms.insert(acronym) {
                    h.count += 1;
                }
            }
        }
        hit
    }

    fn phrase_finding(&self, rule: &PhraseRule, h: &Hit, blocks: &[Block]) -> Finding {
        let category = rule.id.split('/').next().unwrap_or("");
        let m = &h.matched;
        let times = times(h.count);
        let say = rule.suggestion.as_deref().unwrap_or("a plainer word");
        let message = match category {
            "legal" => format!("\"{m}\" is legal jargon{times}; write {say} instead."),
            "simple-words" => format!("\"{m}\" has a simpler word{times}: {say}."),
            "wordy" => format!("\"{m}\" is wordy{times}; write \"{say}\"."),
            "doublet" | "redundancy" => {
                format!("\"{m}\" says the same thing twice{times}; write \"{say}\".")
            }
            "double-negative" => format!("\"{m}\" is a double negative{times}; write \"{say}\"."),
            "hidden-verbs" => format!("\"{m}\" hides a verb{times}; write \"{say}\"."),
            _ => format!("\"{m}\"{times}: {say}."),
        };
        let message = match &rule.message {
            Some(template) => fill(template, m, h.count, say),
            None => message,
        };
        finding(
            rule.severity,
            &rule.id,
            message,
            h,
            blocks,
            rule.suggestion.clone(),
        )
    }
}

/// A rule's own message: `{found}` (the words as written), `{count}`, `{times}` (" (3 times)" or
/// nothing) and `{suggestion}` are filled in.
fn fill(template: &str, found: &str, count: usize, suggestion: &str) -> String {
    template
        .replace("{found}", found)
        .replace("{count}", &count.to_string())
        .replace("{times}", &times(count))
        .replace("{suggestion}", suggestion)
}

fn times(n: usize) -> String {
    if n == 1 {
        String::new()
    } else {
        format!(" ({n} times)")
    }
}

fn check_finding(rule: &CheckRule, h: &Hit, blocks: &[Block]) -> Finding {
    let n = h.count;
    let s = if n == 1 { "" } else { "s" };
    let message = match rule.check {
        CheckKind::Shall => format!(
            "\"shall\" is used{}; it can mean must, may or should, so readers cannot tell which.",
            times(n)
        ),
        CheckKind::PassiveVoice => format!(
            "{n} sentence{s} in the passive voice (\"{}\"); say who does what.",
            h.matched
        ),
        CheckKind::HiddenVerb => format!(
            "\"{}\" hides a verb{}{}.",
            h.matched,
            times(n),
            hidden_verb_hint(&h.matched)
        ),
        CheckKind::HiddenVerbOf => format!("\"{}\" hides a verb{}.", h.matched, times(n)),
        CheckKind::LongSentence => format!(
            "{n} sentence{s} longer than {} words (the longest has {}).",
            rule.max_words.unwrap_or(40),
            h.longest
        ),
        CheckKind::LongParagraph => format!(
            "{n} paragraph{s} longer than {} words (the longest has {}).",
            rule.max_words.unwrap_or(150),
            h.longest
        ),
        CheckKind::UndefinedAcronym => {
            let list: Vec<&str> = h.terms.iter().map(String::as_str).take(12).collect();
            let more = if h.terms.len() > 12 { ", …" } else { "" };
            format!(
                "{n} acronym{s} used without being spelled out: {}{more}.",
                list.join(", ")
            )
        }
    };
    let message = match &rule.message {
        Some(template) => fill(
            template,
            &h.matched,
            h.count,
            rule.suggestion.as_deref().unwrap_or(""),
        )
        .replace("{max_words}", &rule.max_words.unwrap_or(0).to_string())
        .replace("{longest}", &h.longest.to_string())
        .replace(
            "{terms}",
            &h.terms
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", "),
        ),
        None => message,
    };
    let mut f = finding(
        rule.severity,
        &rule.id,
        message,
        h,
        blocks,
        rule.suggestion.clone(),
    );
    if rule.check == CheckKind::UndefinedAcronym {
        f.extra.insert(
            "terms".into(),
            Value::Array(h.terms.iter().map(|t| Value::String(t.clone())).collect()),
        );
    }
    f
}

/// The verb a noun is made from, if it is on the list ("decisions" → "decide").
fn nominalization_verb(noun: &str) -> Option<&'static str> {
    NOMINALIZATIONS
        .iter()
        .find(|(n, _)| noun == *n || noun.strip_suffix('s') == Some(n))
        .map(|(_, v)| *v)
}

fn hidden_verb_hint(matched: &str) -> String {
    let noun = matched
        .split_whitespace()
        .last()
        .unwrap_or("")
        .to_lowercase();
    nominalization_verb(&noun)
        .map(|v| format!("; write \"{v}\""))
        .unwrap_or_default()
}

fn finding(
    severity: Severity,
    id: &str,
    message: String,
    h: &Hit,
    blocks: &[Block],
    suggestion: Option<String>,
) -> Finding {
    let sentence = blocks
        .get(h.block)
        .map(|b| b.sentence_text(h.sentence))
        .unwrap_or("");
    let mut extra = Map::new();
    extra.insert("rule".into(), Value::String(id.to_string()));
    extra.insert("excerpt".into(), Value::String(excerpt(sentence)));
    extra.insert(
        "suggestion".into(),
        suggestion.map(Value::String).unwrap_or(Value::Null),
    );
    extra.insert("count".into(), Value::from(h.count));
    Finding {
        kind: crate::model::FindingKind::PlainLanguage,
        severity,
        site: String::new(),
        url: String::new(),
        message,
        extra,
    }
}

/// A sentence, cut to about 300 characters at a word boundary.
fn excerpt(sentence: &str) -> String {
    let one_line: String = sentence.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= 300 {
        return one_line;
    }
    let cut: String = one_line.chars().take(300).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(a, _)| a);
    format!("{cut} …")
}

/// The acronym a word is, if it is one: 2 to 8 capitals (digits allowed after the first letter),
/// a plural "s" dropped ("VSPs" → "VSP").
fn acronym_of(word: &str) -> Option<String> {
    let base = word
        .strip_suffix('s')
        .filter(|b| b.len() >= 2)
        .unwrap_or(word);
    let caps = base.chars().filter(char::is_ascii_uppercase).count();
    let ok = base.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && base
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && caps >= 2
        && base.len() <= 8;
    ok.then(|| base.to_string())
}

/// Small words skipped when taking the initials of a name ("Department of Labor" → "DOL" or "DL").
const CONNECTORS: &[&str] = &["of", "and", "the", "for", "on", "in", "to", "&"];

/// The initialisms of the runs of capitalised words in a text: "Federal Emergency Management
/// Agency" gives FEMA (and the initials of every shorter window of the run: EMA, FE…), with and
/// without connector initials ("Department of Labor" gives DOL and DL). Runs stop at sentence
/// and line ends and are cut at 10 words, so a title-case index costs linear work.
fn initialisms(text: &str) -> Vec<String> {
    const MAX_RUN: usize = 10;
    let mut out = Vec::new();
    // ASCII words compare without the lower-case copy (the connectors are ASCII).
    let is_connector = |w: &str| {
        if w.is_ascii() {
            CONNECTORS.iter().any(|c| c.eq_ignore_ascii_case(w))
        } else {
            CONNECTORS.contains(&w.to_lowercase().as_str())
        }
    };
    let emit = |run: &[&str], out: &mut Vec<String>| {
        for start in 0..run.len() {
            if is_connector(run[start]) {
                continue;
            }
            for end in start + 1..=run.len() {
                if is_connector(run[end - 1]) {
                    continue;
                }
                let words = &run[start..end];
                let all: String = words.iter().filter_map(|w| w.chars().next()).collect();
                let caps: String = words
                    .iter()
                    .filter(|w| !is_connector(w))
                    .filter_map(|w| w.chars().next())
                    .collect();
                for i in [all, caps] {
                    if i.chars().count() >= 2 {
                        out.push(i.to_uppercase());
                    }
                }
            }
        }
    };
    for piece in text.split(['.', '!', '?', '\n', ';', ':', '(', ')']) {
        let mut run: Vec<&str> = Vec::new();
        for w in piece.split(|c: char| !(c.is_alphanumeric() || c == '&')) {
            if w.is_empty() {
                continue;
            }
            let capitalised = w.chars().next().is_some_and(char::is_uppercase);
            if (capitalised || (!run.is_empty() && is_connector(w))) && run.len() < MAX_RUN {
                run.push(w);
            } else {
                emit(&run, &mut out);
                run.clear();
                if capitalised {
                    run.push(w);
                }
            }
        }
        emit(&run, &mut out);
    }
    out
}

/// Whether the text spells an acronym out: "(NOFO)", "(NOFOs)" after the long form, or
/// "NOFO (Notice of Funding Opportunity)".
fn defined(text: &str, acronym: &str) -> bool {
    text.contains(&format!("({acronym})"))
        || text.contains(&format!("({acronym}s)"))
        || text.contains(&format!("{acronym} ("))
}

#[cfg(test)]
mod tests {
    use super::*;

    impl<'a> TextBlock<'a> {
        /// A block without inline code.
        fn plain(kind: BlockKind, text: &'a str) -> TextBlock<'a> {
            TextBlock {
                kind,
                text,
                code: &[],
            }
        }
    }

    fn check(text: &str) -> Vec<Finding> {
        let rules = crate::rules::RuleSet::builtin().plain_language;
        let c = Checker::new(&rules);
        c.check(
            &[TextBlock::plain(BlockKind::Paragraph, text)],
            &["Example Agency"],
        )
    }

    fn ids(found: &[Finding]) -> Vec<String> {
        let mut v: Vec<String> = found
            .iter()
            .filter_map(|f| f.extra["rule"].as_str().map(String::from))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn inflections_of_words() {
        assert!(inflections("utilize").contains(&"utilizing".to_string()));
        assert!(inflections("utilize").contains(&"utilized".to_string()));
        assert!(inflections("accompany").contains(&"accompanied".to_string()));
        assert!(inflections("commit").contains(&"committed".to_string()));
        assert!(inflections("assess").contains(&"assesses".to_string()));
    }

    #[test]
    fn words_match_with_inflections_and_case() {
        let found =
            check("Applicants utilized the portal. We are UTILIZING it again and she Utilizes it.");
        let f = found
            .iter()
            .find(|f| f.extra["rule"] == "simple-words/utilize")
            .expect("utilize");
        assert_eq!(f.extra["count"], 3);
        assert_eq!(f.extra["excerpt"], "Applicants utilized the portal.");
        assert_eq!(f.extra["suggestion"], "use");
        assert_eq!(f.severity, Severity::Warning);
    }

    #[test]
    fn no_matches_in_urls_emails_or_quoted_titles() {
        let found = check(
            "Read \"How to Utilize the Portal\" at https://example.gov/utilize-portal or write to utilize@example.gov today.",
        );
        assert!(
            !ids(&found).contains(&"simple-words/utilize".to_string()),
            "{found:?}"
        );
        // "utility" is not a form of "utilize".
        assert!(check("Pay your utility bills on time each month.").is_empty());
    }

    #[test]
    fn phrases_gaps_and_legal_words() {
        let found = check("In accordance with the rules set forth herein, the applicant may not apply until June. You shall notify us.");
        let got = ids(&found);
        for want in [
            "simple-words/in-accordance-with",
            "legal/set-forth-herein",
            "double-negative/may-not-until",
            "shall",
        ] {
            assert!(
                got.contains(&want.to_string()),
                "{want} missing from {got:?}"
            );
        }
    }

    #[test]
    fn checks_passive_hidden_verbs_long_sentences_and_acronyms() {
        let long = format!("This sentence {} ends here.", "goes on and on ".repeat(12));
        let text = format!(
            "Your application was reviewed by our staff. We will take action soon. {long} \
             Submit the NOFO through SAM. The Notice of Funding Opportunity (NOFO) explains it. \
             Call the FAQ line. Read the GAO report."
        );
        let found = check(&text);
        let got = ids(&found);
        for want in [
            "passive-voice",
            "hidden-verb",
            "long-sentence",
            "undefined-acronym",
        ] {
            assert!(
                got.contains(&want.to_string()),
                "{want} missing from {got:?}"
            );
        }
        let acr = found
            .iter()
            .find(|f| f.extra["rule"] == "undefined-acronym")
            .expect("acronyms");
        assert_eq!(acr.extra["terms"], serde_json::json!(["GAO", "SAM"]));
        let hv = found
            .iter()
            .find(|f| f.extra["rule"] == "hidden-verb")
            .expect("hidden verb");
        assert!(hv.message.contains("write \"act\""), "{}", hv.message);
        // "make a decision" is on the phrase lists: one finding, from the list, not two.
        let both = check("We will make a decision by Friday and tell you what we decided.");
        assert_eq!(ids(&both), ["hidden-verbs/make-a-decision"]);
    }

    #[test]
    fn abbreviations_do_not_end_sentences() {
        let s = split_sentences(
            "The U.S. Department of Labor, e.g. its Wage Division, helps. Call No. 5 today.",
        );
        assert_eq!(s.len(), 2);
        assert_eq!(split_sentences("Apply now! Then wait. Done").len(), 3);
        assert_eq!(split_sentences("He said, “Apply now.” Then wait.").len(), 2);
        assert_eq!(
            split_sentences("It covers Medicare Part B. You pay less.").len(),
            2
        );
        assert_eq!(split_sentences("Ask J. Smith today.").len(), 1);
    }

    #[test]
    fn names_and_their_acronyms_are_not_findings() {
        let found = check(
            "The Federal Housing Assistance Agency runs the Rental Assistance Program. \
             FHAA answers Frequently Asked Questions. Ask the EA office or the DOL. \
             The Department of Labor helps too. Assistance is available.",
        );
        let got = ids(&found);
        let assist = found
            .iter()
            .find(|f| f.extra["rule"] == "simple-words/assist");
        assert_eq!(
            assist.map(|f| f.extra["count"].clone()),
            Some(1.into()),
            "{got:?}"
        );
        assert!(
            !got.contains(&"simple-words/frequently".to_string()),
            "{got:?}"
        );
        assert!(!got.contains(&"undefined-acronym".to_string()), "{found:?}");
    }

    #[test]
    fn a_rule_message_from_the_rule_file_is_used() {
        let mut rules = crate::rules::RuleSet::builtin().plain_language;
        let r = rules
            .phrases
            .iter_mut()
            .find(|p| p.id == "simple-words/utilize")
            .expect("utilize rule");
        r.message = Some("Say {suggestion}, not \"{found}\"{times}.".into());
        let found = Checker::new(&rules).check(
            &[TextBlock::plain(
                BlockKind::Paragraph,
                "We utilize it. They utilized it.",
            )],
            &[],
        );
        assert_eq!(found[0].message, "Say use, not \"utilize\" (2 times).");
    }

    #[test]
    fn the_longest_match_wins() {
        let found = check("Prior to the hearing, pursuant to the rule, we met.");
        let got = ids(&found);
        assert!(
            got.contains(&"simple-words/prior-to".to_string()),
            "{got:?}"
        );
        assert!(!got.contains(&"simple-words/prior".to_string()), "{got:?}");
        assert!(got.contains(&"legal/pursuant-to".to_string()), "{got:?}");
        assert!(
            !got.contains(&"simple-words/pursuant".to_string()),
            "{got:?}"
        );
    }

    #[test]
    fn plain_text_has_no_findings() {
        let text =
            "You can get help paying rent. Apply online or call us. We answer within ten days. \
                    Bring your lease and a recent pay stub.";
        assert!(check(text).is_empty(), "{:?}", check(text));
    }
}
