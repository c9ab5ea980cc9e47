//! Readability scores with the definitions of Python's `textstat` 0.7.13, the reference most users
//! compare against: Flesch Reading Ease, Flesch-Kincaid Grade, Gunning Fog, SMOG, Coleman-Liau,
//! ARI and Dale-Chall, with their sentence, word and syllable counts.
//!
//! Pure: text in, numbers out. [`Counts::of_text`] scores plain text exactly as textstat does
//! (same tokenisation, sentence split, syllables and difficult-word list, see [`syllables`]).
//! [`Counts::of_blocks`] is for web pages and drafts with structure: each block (heading, list
//! item, table cell, paragraph) is counted on its own and the counts are added, so a block
//! boundary always ends a sentence and a bulleted page does not read as one 400-word sentence.
//!
//! # textstat's definitions, as implemented here
//! - Punctuation removal keeps letters, digits, `_`, whitespace and an ASCII apostrophe followed by
//!   `t`, `s`, `d`, `ve`, `ll` or `re` (contractions); everything else goes, hyphens included
//!   ("e-mail" is one word, "$4,500" is the word "4500").
//! - Words: whitespace-separated tokens after punctuation removal. ARI divides characters by
//!   tokens *before* punctuation removal.
//! - Sentences: runs matching `\b[^.!?]+[.!?]*`; runs of two words or fewer do not count; at
//!   least one sentence in a non-empty text.
//! - Difficult words: not on the Dale-Chall easy list (lower-cased; inflections are not folded);
//!   Gunning Fog counts only those with 3+ syllables; SMOG counts every 3+ syllable word.

pub mod syllables;

use serde::Serialize;

/// The counts every score is computed from. Counts of parts add up ([`Counts::add`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Sentences (textstat's rule, before the "at least one" floor).
    pub sentences: usize,
    /// Words after punctuation removal.
    pub words: usize,
    /// Whitespace-separated tokens before punctuation removal (ARI's denominator).
    pub tokens: usize,
    /// Syllables.
    pub syllables: usize,
    /// Non-whitespace characters (ARI).
    pub chars: usize,
    /// Letters and digits (Coleman-Liau).
    pub letters: usize,
    /// Words of 3+ syllables (SMOG).
    pub polysyllables: usize,
    /// Words not on the easy list with 3+ syllables (Gunning Fog).
    pub difficult_fog: usize,
    /// Words not on the easy list (Dale-Chall).
    pub difficult_dale_chall: usize,
    /// Whether any text was counted (textstat gives an empty text 0 sentences, others 1+).
    pub nonempty: bool,
}

/// The scores of `govaudit pages` and `govaudit lint`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct Scores {
    /// Flesch Reading Ease (higher is easier; 60–70 is plain English).
    pub flesch_reading_ease: f64,
    /// Flesch-Kincaid Grade (US school grade).
    pub flesch_kincaid_grade: f64,
    /// Gunning Fog index.
    pub gunning_fog: f64,
    /// SMOG index.
    pub smog_index: f64,
    /// Coleman-Liau index.
    pub coleman_liau_index: f64,
    /// Automated Readability Index.
    pub automated_readability_index: f64,
    /// Dale-Chall readability score.
    pub dale_chall: f64,
}

impl Scores {
    /// The scores with their output names (`govaudit pages` and `lint` fields), in output order.
    pub fn named(&self) -> [(&'static str, f64); 7] {
        [
            ("flesch_reading_ease", self.flesch_reading_ease),
            ("flesch_kincaid_grade", self.flesch_kincaid_grade),
            ("gunning_fog", self.gunning_fog),
            ("smog_index", self.smog_index),
            ("coleman_liau_index", self.coleman_liau_index),
            (
                "automated_readability_index",
                self.automated_readability_index,
            ),
            ("dale_chall", self.dale_chall),
        ]
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Python's `\s` and `str.split()` whitespace (Unicode White_Space plus the separators U+1C–U+1F).
fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Whether an ASCII apostrophe at byte `i` of `text` survives textstat's punctuation removal:
/// only before `t`, `s`, `d`, `ve`, `ll` or `re` (case-sensitive, as textstat's regex is).
fn apostrophe_kept(text: &str, i: usize) -> bool {
    let rest = &text.as_bytes()[i + 1..];
    matches!(rest.first(), Some(b't' | b's' | b'd'))
        || rest.starts_with(b"ve")
        || rest.starts_with(b"ll")
        || rest.starts_with(b"re")
}

/// textstat's sentence count before its floor of one: matches of `\b[^.!?]+[.!?]*` with more
/// than two words (words counted as textstat's `count_words` counts them: whitespace-separated
/// tokens with a character its punctuation removal keeps, in the same pass).
fn count_sentences_raw(text: &str) -> usize {
    let end_mark = |c: char| matches!(c, '.' | '!' | '?');
    let mut count = 0;
    let mut prev_word = false;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let word = is_word_char(c);
        let boundary = prev_word != word;
        prev_word = word;
        if !boundary || end_mark(c) {
            continue;
        }
        // A match: up to the next end mark, then every end mark that follows.
        let (mut words, mut in_word, mut last) = (0usize, false, c);
        let mut step = |i: usize, ch: char| {
            if is_space(ch) {
                in_word = false;
            } else if !in_word && (is_word_char(ch) || (ch == '\'' && apostrophe_kept(text, i))) {
                in_word = true;
                words += 1;
            }
        };
        step(i, c);
        while let Some(&(j, ch)) = chars.peek() {
            if end_mark(ch) {
                break;
            }
            step(j, ch);
            last = ch;
            chars.next();
        }
        while let Some(&(_, ch)) = chars.peek() {
            if !end_mark(ch) {
                break;
            }
            last = ch;
            chars.next();
        }
        prev_word = is_word_char(last);
        if words > 2 {
            count += 1;
        }
    }
    count
}

impl Counts {
    /// Counts a plain text exactly as textstat 0.7.13 does.
    pub fn of_text(text: &str) -> Counts {
        let mut c = Counts {
            sentences: count_sentences_raw(text),
            nonempty: !text.is_empty(),
            ..Counts::default()
        };
        // One pass: tokens and characters of the raw text, and the words punctuation removal
        // leaves (kept characters, split at whitespace), each lower-cased and looked up.
        let mut in_token = false;
        let mut word = String::new();
        let mut lower = String::new();
        let mut plain = true; // the word so far is ASCII without capitals
        let mut finish = |word: &mut String, plain: &mut bool, c: &mut Counts| {
            if word.is_empty() {
                return;
            }
            c.words += 1;
            let key: &str = if *plain {
                word
            } else {
                lower.clear();
                lower.push_str(&word.to_lowercase());
                &lower
            };
            let (syl, easy) = syllables::lookup(key);
            c.syllables += syl;
            if syl >= 3 {
                c.polysyllables += 1;
            }
            if !easy {
                c.difficult_dale_chall += 1;
                if syl >= 3 {
                    c.difficult_fog += 1;
                }
            }
            word.clear();
            *plain = true;
        };
        for (i, ch) in text.char_indices() {
            if is_space(ch) {
                in_token = false;
                finish(&mut word, &mut plain, &mut c);
                continue;
            }
            c.chars += 1;
            let word_char = is_word_char(ch);
            c.letters += usize::from(word_char);
            if !in_token {
                c.tokens += 1;
                in_token = true;
            }
            if word_char || (ch == '\'' && apostrophe_kept(text, i)) {
                plain &= ch.is_ascii() && !ch.is_ascii_uppercase();
                word.push(ch);
            }
        }
        finish(&mut word, &mut plain, &mut c);
        c
    }

    /// Counts blocks of text (headings, paragraphs, list items, cells) each on its own and adds
    /// them: every block boundary ends a sentence, and every block with words is at least one
    /// sentence, as textstat would score it alone (a table of two-word cells must not make the
    /// page's sentences look long).
    pub fn of_blocks<'a>(blocks: impl IntoIterator<Item = &'a str>) -> Counts {
        blocks.into_iter().fold(Counts::default(), |acc, b| {
            let mut c = Counts::of_text(b);
            if c.words > 0 {
                c.sentences = c.sentences.max(1);
            }
            acc.add(&c)
        })
    }

    /// Counts a page's main content block by block; code blocks are not prose.
    pub fn of_page(page: &crate::extract::page::Page) -> Counts {
        use crate::extract::page::BlockKind;
        Counts::of_blocks(
            page.blocks
                .iter()
                .filter(|b| b.kind != BlockKind::Code)
                .map(|b| b.text.as_str()),
        )
    }

    /// The counts of two texts together.
    pub fn add(&self, o: &Counts) -> Counts {
        Counts {
            sentences: self.sentences + o.sentences,
            words: self.words + o.words,
            tokens: self.tokens + o.tokens,
            syllables: self.syllables + o.syllables,
            chars: self.chars + o.chars,
            letters: self.letters + o.letters,
            polysyllables: self.polysyllables + o.polysyllables,
            difficult_fog: self.difficult_fog + o.difficult_fog,
            difficult_dale_chall: self.difficult_dale_chall + o.difficult_dale_chall,
            nonempty: self.nonempty || o.nonempty,
        }
    }

    /// Sentences as textstat reports them: 0 for an empty text, else at least 1.
    pub fn sentence_count(&self) -> usize {
        if self.nonempty {
            self.sentences.max(1)
        } else {
            0
        }
    }

    /// The seven scores (0.0 where textstat gives 0.0 for lack of words or sentences).
    pub fn scores(&self) -> Scores {
        let sentences = self.sentence_count() as f64;
        let words = self.words as f64;
        let ratio = |a: f64, b: f64| if b == 0.0 { 0.0 } else { a / b };
        let wps = ratio(words, sentences);
        let spw = ratio(self.syllables as f64, words);
        let flesch = |f: &dyn Fn() -> f64| if wps == 0.0 || spw == 0.0 { 0.0 } else { f() };
        let fre = flesch(&|| 206.835 - 1.015 * wps - 84.6 * spw);
        let fkg = flesch(&|| 0.39 * wps + 11.8 * spw - 15.59);
        let smog = if sentences == 0.0 {
            0.0
        } else {
            1.043 * (30.0 * (self.polysyllables as f64 / sentences)).powf(0.5) + 3.1291
        };
        let letters = ratio(self.letters as f64, words) * 100.0;
        let sents = ratio(sentences, words) * 100.0;
        let cli = if letters == 0.0 || sents == 0.0 {
            0.0
        } else {
            0.058 * letters - 0.296 * sents - 15.8
        };
        let cpw = ratio(self.chars as f64, self.tokens as f64);
        let ari = if cpw == 0.0 || wps == 0.0 {
            0.0
        } else {
            4.71 * cpw + 0.5 * wps - 21.43
        };
        let dale_chall = if words == 0.0 {
            0.0
        } else {
            let per = 100.0 * self.difficult_dale_chall as f64 / words;
            let mut s = 0.1579 * per + 0.0496 * wps;
            if per > 5.0 {
                s += 3.6365;
            }
            s
        };
        let fog = if words == 0.0 {
            0.0
        } else {
            0.4 * (wps + 100.0 * self.difficult_fog as f64 / words)
        };
        Scores {
            flesch_reading_ease: fre,
            flesch_kincaid_grade: fkg,
            gunning_fog: fog,
            smog_index: smog,
            coleman_liau_index: cli,
            automated_readability_index: ari,
            dale_chall,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn punctuation_contractions_and_hyphens() {
        // textstat removes punctuation before it counts: "Don't email the agency's US office"
        // (6 words, the apostrophes before t and s kept, the hyphen and periods dropped).
        let c = Counts::of_text("Don't e-mail the agency's U.S. office!");
        assert_eq!(c.words, 6);
        // A leading quote is removed; a quote before "s" is kept as a contraction.
        assert_eq!(Counts::of_text("'Quoted' words").words, 2);
        assert_eq!(Counts::of_text("$4,500 per person, 3.5% of 1,000").words, 6);
        assert_eq!(Counts::of_text(" .? - ").words, 0);
    }

    #[test]
    fn sentences_follow_textstat() {
        // Checked against textstat 0.7.13: "U.S." and "3.5" split like any other period, and
        // runs of one or two words ("S.", "Right.") do not count.
        let cases = [
            ("Apply by June 30. Call us today!", 2),
            ("Visit the U.S. Department of Labor website today.", 2),
            ("We pay 3.5 percent interest on the loan.", 2),
            ("Is this right? Yes it is. Right.", 2),
            ("See the list:\n- one\n- two items here\n", 1),
        ];
        for (text, n) in cases {
            assert_eq!(count_sentences_raw(text), n, "{text}");
        }
        assert_eq!(Counts::of_text("").sentence_count(), 0);
        assert_eq!(Counts::of_text("Hello.").sentence_count(), 1);
    }

    /// Edge cases, each checked against textstat 0.7.13 (words, sentences, syllables, FK grade):
    /// abbreviations, money, decimals, percentages, URLs and phone numbers, lists, capitalised
    /// headings, quotes and contractions, accented words.
    #[test]
    fn tokenisation_edge_cases_match_textstat() {
        let cases: &[(&str, usize, usize, usize, f64)] = &[
            (
                "The U.S. Department of Labor, e.g. its Wage and Hour Division, enforces the law.",
                14,
                2,
                22,
                5.682857,
            ),
            (
                "Pay $1,250.50 by March 3. Late fees are 2.5% per month.",
                11,
                3,
                11,
                -2.36,
            ),
            (
                "Apply online at www.example.gov or call 1-800-555-0100.",
                7,
                2,
                12,
                6.003571,
            ),
            (
                "Bring:\n- your ID\n- a pay stub\n- proof of address\n",
                9,
                1,
                10,
                1.031111,
            ),
            (
                "HOW TO APPLY\nFill out the form and mail it to us.",
                12,
                1,
                13,
                1.873333,
            ),
            (
                "She said, \"Don't wait.\" We agreed! Isn't that right?",
                9,
                2,
                11,
                0.587222,
            ),
            ("Visit us Mon.–Fri., 8 a.m.–5 p.m. ET.", 7, 1, 10, 3.997143),
            (
                "Résumé writing and naïve café décor aren't covered.",
                8,
                1,
                13,
                6.705,
            ),
        ];
        for &(text, words, sentences, syllables, grade) in cases {
            let c = Counts::of_text(text);
            assert_eq!(c.words, words, "{text}");
            assert_eq!(c.sentence_count(), sentences, "{text}");
            assert_eq!(c.syllables, syllables, "{text}");
            assert!(
                (c.scores().flesch_kincaid_grade - grade).abs() < 1e-5,
                "{text}"
            );
        }
    }

    #[test]
    fn blocks_end_sentences() {
        let list = [
            "You need these documents",
            "Your most recent tax return",
            "A list of damaged property with costs",
            "Your insurance policy number",
        ];
        let as_text = Counts::of_text(&list.join("\n"));
        let as_blocks = Counts::of_blocks(list);
        assert_eq!(as_text.sentence_count(), 1);
        assert_eq!(as_blocks.sentence_count(), 4);
        // Short cells are sentences of their own, as textstat scores each alone.
        let table = Counts::of_blocks(["Fee", "$35", "Deadline", "June 30"]);
        assert_eq!(table.sentence_count(), 4);
        assert_eq!(as_text.words, as_blocks.words);
        assert!(as_blocks.scores().flesch_kincaid_grade < as_text.scores().flesch_kincaid_grade);
    }

    #[test]
    fn empty_text_scores_zero() {
        let s = Counts::of_text("").scores();
        assert_eq!(s.flesch_reading_ease, 0.0);
        assert_eq!(s.dale_chall, 0.0);
        assert_eq!(s.smog_index, 0.0);
    }
}
