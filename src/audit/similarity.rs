//! How alike two texts are: normalised words, word shingles and their Jaccard similarity.
//!
//! Pure functions shared by the duplicate audit and the soft-404 check. Normalising lower-cases,
//! and splits on anything that is not a letter or digit, so markup spacing, punctuation and
//! capitalisation never make two copies differ, while changed words and figures do.

use xxhash_rust::xxh3::{xxh3_128, xxh3_64};

/// The words of a text, lower-cased, split on every character that is not a letter or digit.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// XXH3-128 of the normalised words (hex): equal for texts that differ only in spacing,
/// punctuation or case.
pub fn text_hash(words: &[String]) -> String {
    format!("{:032x}", xxh3_128(words.join(" ").as_bytes()))
}

/// The distinct shingles (runs of `k` words) of a text as sorted 64-bit hashes. A text shorter
/// than `k` words is one shingle.
pub fn shingles(words: &[String], k: usize) -> Vec<u64> {
    let k = k.max(1);
    let word_hashes: Vec<u64> = words.iter().map(|w| xxh3_64(w.as_bytes())).collect();
    let mut out: Vec<u64> = if word_hashes.len() < k {
        if word_hashes.is_empty() {
            Vec::new()
        } else {
            vec![combine(&word_hashes)]
        }
    } else {
        word_hashes.windows(k).map(combine).collect()
    };
    out.sort_unstable();
    out.dedup();
    out
}

fn combine(hashes: &[u64]) -> u64 {
    let mut bytes = Vec::with_capacity(hashes.len() * 8);
    for h in hashes {
        bytes.extend_from_slice(&h.to_le_bytes());
    }
    xxh3_64(&bytes)
}

/// Jaccard similarity of two sorted, distinct hash lists: shared / all. Two empty lists are equal.
pub fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let (mut i, mut j, mut shared) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    shared as f64 / (a.len() + b.len() - shared) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalising_ignores_case_spacing_and_punctuation() {
        let a = words("Apply  online, or call 1-800-555-0100.");
        let b = words("apply online or call 1 800 555 0100");
        assert_eq!(text_hash(&a), text_hash(&b));
        assert_ne!(
            text_hash(&a),
            text_hash(&words("Apply online or call 1-800-555-0199"))
        );
    }

    #[test]
    fn jaccard_of_shingles() {
        let a = shingles(&words("one two three four five"), 3);
        let b = shingles(&words("one two three four six"), 3);
        assert_eq!(a.len(), 3);
        assert!((jaccard(&a, &b) - 0.5).abs() < 1e-9);
        assert_eq!(jaccard(&a, &a), 1.0);
        assert_eq!(jaccard(&[], &[]), 1.0);
        assert_eq!(jaccard(&a, &[]), 0.0);
        assert_eq!(shingles(&words("two words"), 3).len(), 1);
    }
}
