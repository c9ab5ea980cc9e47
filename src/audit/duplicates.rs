//! Duplicate and near-duplicate content across all of an agency's sites: the `duplicate` and
//! `near_duplicate` findings.
//!
//! Reads the main text of pages (template already removed by [`crate::extract::page`]) and the
//! [`DuplicateRules`]; returns groups and findings. Pure: no I/O, no store.
//!
//! # Method
//! 1. **Exact duplicates**: pages whose normalised words (see [`super::similarity`]) hash alike.
//! 2. **Near-duplicates**: one page of each exact group gets a MinHash signature of its word
//!    shingles; LSH banding makes pages that agree on all hashes of a band *candidates*; every
//!    candidate pair is then confirmed by its exact Jaccard similarity before it counts, so the
//!    estimates decide what gets compared, never what gets reported. Confirmed pairs are joined
//!    into groups (connected components); a group's similarity is that of its least alike pair
//!    of members (every pair is measured in groups of up to 64 distinct texts).
//! 3. **Ids**: an exact group is named by its content hash, a near group by its first member's
//!    URL, so re-running the audit on the same pages gives the same ids.
//!
//! Pages below `min_words` are never compared: short pages look alike everywhere.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde_json::{Map, Value};
use xxhash_rust::xxh3::xxh3_64;

use super::similarity;
use crate::model::{Finding, Severity};
use crate::rules::DuplicateRules;

/// What the comparison needs of one page's main text.
#[derive(Debug, Clone)]
pub struct Fingerprint {
    /// XXH3-128 of the normalised words, hex (the `content_hash` of `govaudit pages`).
    pub hash: String,
    /// Distinct shingle hashes, sorted.
    pub shingles: Vec<u64>,
    /// Distinct numbers in the text (hashes, sorted): with `ignore_numbers`, two pages whose
    /// wording matches but whose figures differ are told apart by these.
    pub figures: Vec<u64>,
}

impl Fingerprint {
    /// Fingerprints a main text as `rules` say (shingle size, numbers ignored or not).
    pub fn of(text: &str, rules: &DuplicateRules) -> Fingerprint {
        let mut words = similarity::words(text);
        let hash = similarity::text_hash(&words);
        let mut figures: Vec<u64> = words
            .iter()
            .filter(|w| w.bytes().all(|b| b.is_ascii_digit()))
            .map(|w| xxh3_64(w.as_bytes()))
            .collect();
        figures.sort_unstable();
        figures.dedup();
        if rules.ignore_numbers {
            for w in words.iter_mut() {
                if w.bytes().all(|b| b.is_ascii_digit()) {
                    "0".clone_into(w);
                }
            }
        }
        Fingerprint {
            hash,
            shingles: similarity::shingles(&words, rules.shingle_words),
            figures,
        }
    }
}

/// Pages with the same (or nearly the same) main content.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Indexes into the compared pages, ascending.
    pub members: Vec<usize>,
    /// 1.0 for exact duplicates; for near-duplicates the similarity of the least alike pair of
    /// members (groups of up to 64 texts), else the lowest confirmed pair that joined the group.
    pub similarity: f64,
}

/// What [`find_groups`] found, and how much work it took.
#[derive(Debug, Clone, Default)]
pub struct Groups {
    /// Exact duplicate groups (two or more members).
    pub exact: Vec<Group>,
    /// Near-duplicate groups; each includes every member of the exact groups it joins.
    pub near: Vec<Group>,
    /// Distinct texts (one per exact group) given MinHash signatures.
    pub distinct_texts: usize,
    /// Candidate pairs from LSH whose exact similarity was computed.
    pub verified_pairs: usize,
    /// Of those, pairs at or above the threshold.
    pub confirmed_pairs: usize,
}

/// How many earlier pages of one LSH bucket a page is compared with (see [`find_groups`]).
pub const MAX_BUCKET_PEERS: usize = 256;

/// Groups up to this many distinct texts get their similarity from every pair of members.
const ALL_PAIRS_UP_TO: usize = 64;

/// Finds exact and near-duplicate groups among `docs` (all of which should be compared: filter
/// short pages out first).
pub fn find_groups<D: std::borrow::Borrow<Fingerprint>>(
    docs: &[D],
    rules: &DuplicateRules,
) -> Groups {
    // 1. Exact groups; the first member of each stands for it from here on.
    let mut by_hash: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, d) in docs.iter().enumerate() {
        by_hash.entry(d.borrow().hash.as_str()).or_default().push(i);
    }
    let mut classes: Vec<Vec<usize>> = by_hash.into_values().collect();
    classes.sort_unstable_by_key(|c| c[0]);
    let exact: Vec<Group> = classes
        .iter()
        .filter(|c| c.len() > 1)
        .map(|c| Group {
            members: c.clone(),
            similarity: 1.0,
        })
        .collect();
    let reps: Vec<&[u64]> = classes
        .iter()
        .map(|c| docs[c[0]].borrow().shingles.as_slice())
        .collect();

    // 2. MinHash + LSH over the representatives, every candidate confirmed exactly.
    let sigs = signatures(&reps, rules.hashes);
    let rows = rules.rows();
    let n = reps.len();
    let mut sets = UnionFind::new(n);
    let mut lowest: Vec<f64> = vec![1.0; n];
    let mut tried: HashSet<(u32, u32), foldhash::fast::RandomState> = HashSet::default();
    let (mut verified, mut confirmed) = (0usize, 0usize);
    let mut keys: Vec<(u64, u32)> = Vec::with_capacity(n);
    let mut band_bytes: Vec<u8> = Vec::with_capacity(rows * 4);
    for band in 0..rules.bands {
        keys.clear();
        for d in 0..n {
            band_bytes.clear();
            let at = d * rules.hashes + band * rules.rows();
            for v in &sigs[at..at + rows] {
                band_bytes.extend_from_slice(&v.to_le_bytes());
            }
            keys.push((xxh3_64(&band_bytes), d as u32));
        }
        keys.sort_unstable();
        let mut start = 0;
        while start < keys.len() {
            let mut end = start + 1;
            while end < keys.len() && keys[end].0 == keys[start].0 {
                end += 1;
            }
            for x in start + 1..end {
                // A page is compared with at most MAX_BUCKET_PEERS earlier pages of a bucket, so
                // thousands of template pages sharing a band cannot make the work quadratic.
                for y in x.saturating_sub(MAX_BUCKET_PEERS).max(start)..x {
                    let (a, b) = (keys[y].1, keys[x].1);
                    let (ra, rb) = (sets.find(a as usize), sets.find(b as usize));
                    // Already in one group: another pair has joined them, no need to compare.
                    if ra == rb || !tried.insert((a.min(b), a.max(b))) {
                        continue;
                    }
                    verified += 1;
                    let j = similarity::jaccard(reps[a as usize], reps[b as usize]);
                    if j >= rules.threshold {
                        confirmed += 1;
                        let low = lowest[ra].min(lowest[rb]).min(j);
                        let root = sets.union(ra, rb);
                        lowest[root] = low;
                    }
                }
            }
            start = end;
        }
    }

    // 3. Components of two or more texts, expanded to every page with those texts.
    let mut components: HashMap<usize, Vec<usize>> = HashMap::new();
    for r in 0..n {
        components.entry(sets.find(r)).or_default().push(r);
    }
    let mut near: Vec<Group> = components
        .into_iter()
        .filter(|(_, c)| c.len() > 1)
        .map(|(root, c)| {
            let mut members: Vec<usize> = c.iter().flat_map(|&r| classes[r].clone()).collect();
            members.sort_unstable();
            // A group is joined pair by pair (A~B, B~C), so A and C may be less alike than
            // either link: small groups report their least alike pair.
            let similarity = if c.len() <= ALL_PAIRS_UP_TO {
                let mut low: f64 = 1.0;
                for (k, &a) in c.iter().enumerate() {
                    for &b in &c[..k] {
                        low = low.min(similarity::jaccard(reps[a], reps[b]));
                    }
                }
                low
            } else {
                lowest[root]
            };
            Group {
                members,
                similarity,
            }
        })
        .collect();
    near.sort_unstable_by_key(|g| g.members[0]);
    Groups {
        exact,
        near,
        distinct_texts: n,
        verified_pairs: verified,
        confirmed_pairs: confirmed,
    }
}

/// MinHash signatures, `hashes` values per text, flattened. Hash i of a shingle s is the high
/// half of `a_i * s + b_i` (multiply-shift hashing with fixed odd `a_i`), so signatures are the
/// same on every run and machine. Texts are split over the machine's cores.
fn signatures(texts: &[&[u64]], hashes: usize) -> Vec<u32> {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let params: Vec<(u64, u64)> = (0..hashes)
        .map(|_| (splitmix64(&mut seed) | 1, splitmix64(&mut seed)))
        .collect();
    let mut out = vec![u32::MAX; texts.len() * hashes];
    if hashes == 0 || texts.is_empty() {
        return out;
    }
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(16);
    let per = texts.len().div_ceil(threads);
    std::thread::scope(|scope| {
        for (chunk_texts, chunk_out) in texts.chunks(per).zip(out.chunks_mut(per * hashes)) {
            let params = &params;
            scope.spawn(move || {
                for (shingles, sig) in chunk_texts.iter().zip(chunk_out.chunks_mut(hashes)) {
                    for &s in shingles.iter() {
                        for (slot, &(a, b)) in sig.iter_mut().zip(params) {
                            let v = (a.wrapping_mul(s).wrapping_add(b) >> 32) as u32;
                            if v < *slot {
                                *slot = v;
                            }
                        }
                    }
                }
            });
        }
    });
    out
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

struct UnionFind {
    parent: Vec<usize>,
    size: Vec<usize>,
}

impl UnionFind {
    fn new(n: usize) -> UnionFind {
        UnionFind {
            parent: (0..n).collect(),
            size: vec![1; n],
        }
    }

    fn find(&mut self, mut x: usize) -> usize {
        let mut root = x;
        while self.parent[root] != root {
            root = self.parent[root];
        }
        while self.parent[x] != root {
            let next = self.parent[x];
            self.parent[x] = root;
            x = next;
        }
        root
    }

    /// Joins two roots; returns the new root.
    fn union(&mut self, a: usize, b: usize) -> usize {
        let (big, small) = if self.size[a] >= self.size[b] {
            (a, b)
        } else {
            (b, a)
        };
        self.parent[small] = big;
        self.size[big] += self.size[small];
        big
    }
}

/// A page the duplicate audit compares.
#[derive(Debug, Clone)]
pub struct ComparedPage {
    /// Public URL.
    pub url: String,
    /// Its site's origin.
    pub site: String,
    /// Its main text's fingerprint.
    pub fingerprint: Fingerprint,
}

/// The duplicate audit: one finding per group, on its first member (members sorted by URL).
///
/// One page reached under several spellings with the same content (`/page`, `/page?promo`,
/// `/page//`, `/page/index.html`) is one page to a reader, so only its shortest address is
/// compared. Pages with
/// no words to shingle are not compared.
pub fn audit(pages: &[ComparedPage], rules: &DuplicateRules) -> Vec<Finding> {
    let mut order: Vec<&ComparedPage> = pages
        .iter()
        .filter(|p| !p.fingerprint.shingles.is_empty())
        .collect();
    order.sort_by(|a, b| (a.url.len(), &a.url).cmp(&(b.url.len(), &b.url)));
    let mut seen: HashSet<(String, &str)> = HashSet::new();
    let pages: Vec<&ComparedPage> = order
        .into_iter()
        .filter(|p| {
            let key = page_key(&p.url).unwrap_or_else(|| p.url.clone());
            let without_query = key.split('?').next().unwrap_or(&key).to_string();
            seen.insert((without_query, p.fingerprint.hash.as_str()))
        })
        .collect();
    let fps: Vec<&Fingerprint> = pages.iter().map(|p| &p.fingerprint).collect();
    let groups = find_groups(&fps, rules);
    let mut out = Vec::new();
    for g in &groups.exact {
        let hash = &pages[g.members[0]].fingerprint.hash;
        let id = format!("dup-{}", hash.get(..12).unwrap_or(hash));
        out.push(group_finding("duplicate", id, g, &pages, rules));
    }
    for g in &groups.near {
        let first = g.members.iter().map(|&m| &pages[m].url).min();
        let id = format!(
            "near-{:012x}",
            xxh3_64(first.map(String::as_bytes).unwrap_or_default()) >> 16
        );
        out.push(group_finding("near_duplicate", id, g, &pages, rules));
    }
    out
}

fn group_finding(
    kind: &str,
    id: String,
    g: &Group,
    pages: &[&ComparedPage],
    rules: &DuplicateRules,
) -> Finding {
    let mut members: Vec<&ComparedPage> = g.members.iter().map(|&m| pages[m]).collect();
    members.sort_by(|a, b| a.url.cmp(&b.url));
    let first = members[0];
    let sites: BTreeSet<&str> = members.iter().map(|p| p.site.as_str()).collect();
    let others = members.len() - 1;
    let host = |s: &str| s.split("://").nth(1).unwrap_or(s).to_string();
    let mut places: Vec<String> = Vec::new();
    if members[1..].iter().any(|p| p.site == first.site) {
        places.push("the same site".into());
    }
    places.extend(sites.iter().filter(|s| **s != first.site).map(|s| host(s)));
    let where_ = format!("on {}", places.join(" and "));
    let pages_word = if others == 1 { "page" } else { "pages" };
    // Numbers compared as one word: copies whose wording matches but whose figures (amounts,
    // dates, phone numbers) differ are the outdated copies citizens get wrong answers from.
    let figures_differ = kind == "near_duplicate"
        && rules.ignore_numbers
        && members
            .iter()
            .any(|p| p.fingerprint.figures != first.fingerprint.figures);
    let percent = ((g.similarity * 100.0).floor() as u32).min(99);
    let message = if kind == "duplicate" {
        format!(
            "The same main content is published at {} addresses (this page and {others} other {pages_word} {where_}); keep one and redirect or link the others to it.",
            members.len()
        )
    } else if g.similarity >= 1.0 && figures_differ {
        format!(
            "This page and {others} other {pages_word} ({where_}) have the same wording with different figures (amounts, dates or phone numbers); if they describe the same thing, one of them is out of date."
        )
    } else if figures_differ {
        format!(
            "This page and {others} other {pages_word} ({where_}) are at least {percent}% the same and their figures (amounts, dates or phone numbers) differ; an outdated copy gives citizens a different answer, so keep one up-to-date page."
        )
    } else {
        format!(
            "This page and {others} other {pages_word} ({where_}) are at least {percent}% the same; keep one page and link or redirect the others to it."
        )
    };
    let severity = if sites.len() > 1 {
        Severity::Warning
    } else {
        Severity::Info
    };
    let mut extra = Map::new();
    extra.insert("group".into(), Value::String(id));
    extra.insert(
        "similarity".into(),
        serde_json::Number::from_f64((g.similarity * 1000.0).floor() / 1000.0)
            .map(Value::Number)
            .unwrap_or(Value::Null),
    );
    extra.insert(
        "urls".into(),
        Value::Array(
            members
                .iter()
                .map(|p| Value::String(p.url.clone()))
                .collect(),
        ),
    );
    extra.insert(
        "sites".into(),
        Value::Array(sites.iter().map(|s| Value::String(s.to_string())).collect()),
    );
    if kind == "near_duplicate" {
        extra.insert("figures_differ".into(), Value::Bool(figures_differ));
    }
    Finding {
        kind: kind.to_string(),
        severity,
        site: first.site.clone(),
        url: first.url.clone(),
        message,
        extra,
    }
}

/// A URL as a reader sees it: host without `www.`, path without `index.html` or a trailing
/// slash, and the query; no scheme, no fragment.
pub fn page_key(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    let host = u.host_str()?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    // `/a//b/` is `/a/b/` to a reader: collapse repeated slashes.
    let mut collapsed = String::with_capacity(u.path().len());
    for c in u.path().chars() {
        if !(c == '/' && collapsed.ends_with('/')) {
            collapsed.push(c);
        }
    }
    let path = collapsed.as_str();
    let path = path
        .strip_suffix("index.html")
        .or_else(|| path.strip_suffix("index.htm"))
        .unwrap_or(path)
        .trim_end_matches('/');
    Some(match u.query() {
        Some(q) => format!("{host}{path}?{q}"),
        None => format!("{host}{path}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> DuplicateRules {
        crate::rules::RuleSet::builtin().duplicates
    }

    /// A text of `n` distinct made-up words, seeded.
    fn text(seed: u64, n: usize) -> Vec<String> {
        let mut s = seed;
        (0..n)
            .map(|_| format!("w{}", splitmix64(&mut s) % 50_000))
            .collect()
    }

    #[test]
    fn changed_figures_still_match_when_numbers_are_ignored() {
        let current = "Call 1-800-555-0142 by June 30, 2025. The limit is $4,500 per person.";
        let old = "Call 1-800-555-0123 by June 30, 2010. The limit is $3,450 per person.";
        let r = rules();
        let (a, b) = (Fingerprint::of(current, &r), Fingerprint::of(old, &r));
        assert_ne!(a.hash, b.hash);
        assert_eq!(similarity::jaccard(&a.shingles, &b.shingles), 1.0);
        let strict = DuplicateRules {
            ignore_numbers: false,
            ..r
        };
        let (a, b) = (
            Fingerprint::of(current, &strict),
            Fingerprint::of(old, &strict),
        );
        assert!(similarity::jaccard(&a.shingles, &b.shingles) < 0.5);
    }

    fn fp(words: &[String]) -> Fingerprint {
        Fingerprint::of(&words.join(" "), &rules())
    }

    #[test]
    fn exact_near_and_distinct() {
        let base = text(1, 400);
        let mut edited = base.clone();
        edited[200] = "changed".into(); // 3 of ~398 shingles differ: similarity ~0.985
        let mut rewritten = base.clone();
        for w in rewritten.iter_mut().take(150) {
            *w = "other".into();
        }
        let docs = vec![
            fp(&base),
            fp(&text(2, 400)),
            fp(&edited),
            fp(&base),
            fp(&rewritten),
        ];
        let g = find_groups(&docs, &rules());
        assert_eq!(g.exact.len(), 1);
        assert_eq!(g.exact[0].members, vec![0, 3]);
        assert_eq!(g.near.len(), 1);
        assert_eq!(g.near[0].members, vec![0, 2, 3]);
        assert!(g.near[0].similarity > 0.98 && g.near[0].similarity < 1.0);
        assert_eq!(g.distinct_texts, 4);
    }

    #[test]
    fn ids_and_order_are_stable() {
        let base = text(7, 300);
        let mut edited = base.clone();
        edited[10] = "x".into();
        let page = |url: &str, site: &str, w: &[String]| ComparedPage {
            url: url.into(),
            site: site.into(),
            fingerprint: fp(w),
        };
        let pages = vec![
            page("https://b.gov/p", "https://b.gov", &edited),
            page("https://a.gov/p", "https://a.gov", &base),
        ];
        let f1 = audit(&pages, &rules());
        let reversed: Vec<ComparedPage> = pages.iter().rev().cloned().collect();
        let f2 = audit(&reversed, &rules());
        assert_eq!(f1.len(), 1);
        assert_eq!(f1[0].kind, "near_duplicate");
        assert_eq!(f1[0].url, "https://a.gov/p");
        assert_eq!(f1[0].extra["group"], f2[0].extra["group"]);
        assert_eq!(f1[0].extra["urls"], f2[0].extra["urls"]);
        assert_eq!(f1[0].severity, Severity::Warning);
    }

    #[test]
    fn query_string_variants_of_one_page_are_one_page() {
        let base = text(9, 300);
        let page = |url: &str| ComparedPage {
            url: url.into(),
            site: "https://a.gov".into(),
            fingerprint: fp(&base),
        };
        let one = vec![
            page("https://a.gov/p?promo"),
            page("https://a.gov/p"),
            page("https://a.gov/p//"),
            page("https://a.gov/p/index.html"),
        ];
        assert!(audit(&one, &rules()).is_empty());
        let two = vec![
            page("https://a.gov/p?promo"),
            page("https://a.gov/q"),
            page("https://a.gov/p"),
        ];
        let f = audit(&two, &rules());
        assert_eq!(
            f[0].extra["urls"],
            serde_json::json!(["https://a.gov/p", "https://a.gov/q"])
        );
    }

    #[test]
    fn a_chained_group_reports_its_least_alike_pair() {
        // B is A with 8 words changed at the start, C is B with 8 more changed at the end:
        // A~B and B~C pass 0.85, A~C does not.
        let a = text(11, 400);
        let mut b = a.clone();
        for w in b.iter_mut().take(8) {
            *w = "alpha".into();
        }
        let mut c = b.clone();
        for w in c.iter_mut().skip(390) {
            *w = "omega".into();
        }
        let docs = vec![fp(&a), fp(&b), fp(&c)];
        let ab = similarity::jaccard(&docs[0].shingles, &docs[1].shingles);
        let ac = similarity::jaccard(&docs[0].shingles, &docs[2].shingles);
        assert!(ab >= 0.85 && ac < ab, "{ab} {ac}");
        let g = find_groups(&docs, &rules());
        assert_eq!(g.near.len(), 1);
        assert_eq!(g.near[0].members, vec![0, 1, 2]);
        assert!((g.near[0].similarity - ac).abs() < 1e-12);
    }

    #[test]
    fn same_wording_with_other_figures_says_so() {
        let base = text(5, 200).join(" ");
        let page = |url: &str, site: &str, t: String| ComparedPage {
            url: url.into(),
            site: site.into(),
            fingerprint: Fingerprint::of(&t, &rules()),
        };
        let pages = vec![
            page(
                "https://a.gov/fees",
                "https://a.gov",
                format!("{base} the fee is 25 dollars"),
            ),
            page(
                "https://b.gov/fees",
                "https://b.gov",
                format!("{base} the fee is 40 dollars"),
            ),
            page(
                "https://a.gov/more",
                "https://a.gov",
                format!("{base} the fee is 25 dollars now"),
            ),
        ];
        let f = audit(&pages, &rules());
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].extra["figures_differ"], true);
        assert!(f[0].message.contains("figures"), "{}", f[0].message);
        assert!(
            f[0].message.contains("on the same site and b.gov"),
            "{}",
            f[0].message
        );
        assert!(!f[0].message.contains("100%"), "{}", f[0].message);
    }
}
