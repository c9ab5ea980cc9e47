//! Syllables and easy words, as Python's `textstat` 0.7.13 counts them: the CMU Pronouncing
//! Dictionary first (stressed phones of a word's first pronunciation), then Liang hyphenation with
//! the `hyph_en_US` patterns the way Pyphen 0.18.1 applies them (hyphen points + 1).
//!
//! Reads only the data files compiled in from `data/` (see its README for sources and licences);
//! each table is built once, on first use.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

const CMUDICT: &str = include_str!("data/cmudict-syllables.tsv");
const HYPHENATION: &str = include_str!("data/hyph_en_US.dic");
const EASY_WORDS: &str = include_str!("data/easy_words.txt");

type Fast = foldhash::fast::FixedState;

fn cmudict() -> &'static HashMap<&'static str, u8, Fast> {
    static TABLE: OnceLock<HashMap<&'static str, u8, Fast>> = OnceLock::new();
    TABLE.get_or_init(|| {
        CMUDICT
            .lines()
            .filter_map(|l| {
                let (w, n) = l.split_once('\t')?;
                Some((w, n.parse().ok()?))
            })
            .collect()
    })
}

/// The Dale-Chall easy words (lower-case).
pub fn is_easy_word(lower: &str) -> bool {
    static TABLE: OnceLock<HashSet<&'static str, Fast>> = OnceLock::new();
    TABLE
        .get_or_init(|| EASY_WORDS.lines().map(str::trim).collect())
        .contains(lower)
}

/// Syllables of one lower-case word and whether it is on the easy list, with one table lookup
/// for dictionary words (the hot path of readability scoring).
pub fn lookup(word: &str) -> (usize, bool) {
    static TABLE: OnceLock<HashMap<&'static str, (u8, bool), Fast>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t: HashMap<&'static str, (u8, bool), Fast> = cmudict()
            .iter()
            .map(|(w, n)| (*w, (*n, is_easy_word(w))))
            .collect();
        for w in EASY_WORDS.lines().map(str::trim) {
            t.entry(w)
                .or_insert_with(|| (count(w).min(255) as u8, true));
        }
        t
    });
    match table.get(word) {
        Some(&(n, easy)) => (n as usize, easy),
        None => (count(word), false),
    }
}

/// Syllables in one lower-case word (punctuation already removed).
pub fn count(word: &str) -> usize {
    if word.is_empty() {
        return 0;
    }
    if let Some(&n) = cmudict().get(word) {
        return n as usize;
    }
    // Words outside the dictionary recur (names, new terms): hyphenate each once per thread.
    thread_local! {
        static SEEN: std::cell::RefCell<HashMap<String, usize, Fast>> = Default::default();
    }
    SEEN.with(|seen| {
        if let Some(&n) = seen.borrow().get(word) {
            return n;
        }
        let n = Hyphenator::get().points(word) + 1;
        let mut seen = seen.borrow_mut();
        if seen.len() > 100_000 {
            seen.clear();
        }
        seen.insert(word.to_string(), n);
        n
    })
}

/// Hyphenation patterns: letters → (offset of the first value, values).
struct Hyphenator {
    patterns: HashMap<String, (usize, Vec<u8>), Fast>,
    max_len: usize,
}

impl Hyphenator {
    fn get() -> &'static Hyphenator {
        static H: OnceLock<Hyphenator> = OnceLock::new();
        H.get_or_init(|| Hyphenator::parse(HYPHENATION))
    }

    /// Reads a `hyph_*.dic` as Pyphen does: skip the encoding line, comments and settings;
    /// split each pattern into letters and the digit before each letter (and after the last).
    fn parse(text: &str) -> Hyphenator {
        const IGNORED: &[&str] = &[
            "%",
            "#",
            "LEFTHYPHENMIN",
            "RIGHTHYPHENMIN",
            "COMPOUNDLEFTHYPHENMIN",
            "COMPOUNDRIGHTHYPHENMIN",
        ];
        let mut patterns = HashMap::default();
        for line in text.split('\n').skip(1) {
            let line = line.trim();
            if line.is_empty() || IGNORED.iter().any(|p| line.starts_with(p)) {
                continue;
            }
            let line = line.split('/').next().unwrap_or(line);
            let mut tags = String::new();
            let mut values: Vec<u8> = Vec::new();
            let mut pending: Option<u8> = None;
            for c in line.chars() {
                if let Some(d) = c.to_digit(10) {
                    if pending.is_some() {
                        // Two digits in a row: the first stands alone before an empty tag.
                        values.push(pending.unwrap_or(0));
                    }
                    pending = Some(d as u8);
                } else {
                    values.push(pending.take().unwrap_or(0));
                    tags.push(c);
                }
            }
            values.push(pending.take().unwrap_or(0));
            if values.iter().all(|&v| v == 0) {
                continue;
            }
            let start = values.iter().position(|&v| v != 0).unwrap_or(0);
            let end = values.iter().rposition(|&v| v != 0).map_or(0, |e| e + 1);
            patterns.insert(tags, (start, values[start..end].to_vec()));
        }
        let max_len = patterns
            .keys()
            .map(|k| k.chars().count())
            .max()
            .unwrap_or(1);
        Hyphenator { patterns, max_len }
    }

    /// Hyphenation points of a word at least 2 letters from either end (Pyphen's defaults).
    fn points(&self, word: &str) -> usize {
        let lower = word.to_lowercase();
        let pointed: Vec<char> = format!(".{lower}.").chars().collect();
        let n = pointed.len();
        let mut refs = vec![0u8; n + 1];
        let mut key = String::new();
        for i in 0..n.saturating_sub(1) {
            key.clear();
            let stop = (i + self.max_len).min(n);
            for (j, &c) in pointed.iter().enumerate().take(stop).skip(i) {
                key.push(c);
                let _ = j;
                if let Some((offset, values)) = self.patterns.get(key.as_str()) {
                    for (k, &v) in values.iter().enumerate() {
                        let at = i + offset + k;
                        if at < refs.len() && v > refs[at] {
                            refs[at] = v;
                        }
                    }
                }
            }
        }
        let len = word.chars().count();
        refs.iter()
            .enumerate()
            .filter(|(_, &r)| r % 2 == 1)
            .map(|(i, _)| i as isize - 1)
            .filter(|&p| p >= 2 && p <= len as isize - 2)
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dictionary_words() {
        assert_eq!(count("government"), 3);
        assert_eq!(count("the"), 1);
        assert_eq!(count("don't"), 1);
        assert_eq!(count("regulations"), 4);
    }

    #[test]
    fn words_outside_the_dictionary_are_hyphenated() {
        // Pyphen 0.18.1 with hyph_en_US: "cybersecurity" -> cy-ber-se-cu-ri-ty (5 points).
        assert!(!cmudict().contains_key("cybersecurity"));
        assert_eq!(count("cybersecurity"), 6);
        assert_eq!(count("2025"), 1);
        assert_eq!(count("x"), 1);
    }

    #[test]
    fn easy_words() {
        assert!(is_easy_word("able"));
        assert!(!is_easy_word("regulation"));
    }
}
