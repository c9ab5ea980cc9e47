//! Duplicate and near-duplicate content across all of an agency's sites: the `duplicate` and
//! `near_duplicate` findings, with what kind of copy each is and what differs.
//!
//! Reads the main text of pages (template and page furniture already removed by
//! [`crate::extract::page`]) and the [`DuplicateRules`]; returns groups and findings. Pure: no
//! I/O, no store.
//!
//! # Method
//! 1. **Exact duplicates**: pages whose normalised words (see [`super::similarity`]) hash alike.
//! 2. **Candidates**: one page of each exact group stands for it. Every run of `passage_words`
//!    words (numbers made one word, so changed figures still align) is hashed; one run in
//!    `sample`, chosen by its hash so that copies pick the same runs, goes into an inverted
//!    index. Pages that share two indexed runs are candidates. A run on more than
//!    `max_pages_per_passage` pages is boilerplate and gives no candidate, which also keeps the
//!    work linear in the pages.
//! 3. **Measure**: each candidate pair is measured exactly. A word of a page is *shared* when it
//!    stands in a run of `passage_words` words that the other page has too, wherever (a moved
//!    section still counts). `similarity` is the share of both pages' words that are shared
//!    (1.0 for the same text); `containment` is the share of the shorter page's words that are
//!    shared. A pair at `threshold` or more is a copy; nothing below it is reported.
//! 4. **Groups**: copies are joined into groups (connected components); a group's similarity is
//!    its least alike pair (every pair is measured in groups of up to 64 distinct texts).
//! 5. **Kinds** (`copy_kind`): a *series* is a group of one site's pages whose addresses or
//!    titles differ only in dates or numbers (office hours, monthly calls): one series, info.
//!    Otherwise a copy is *outdated* when its figures differ, *republished* when the shorter page
//!    stands almost whole in a longer one that adds text of its own, else *edited*; `differences`
//!    names what changed (figures, text added, text removed, sections reordered) and `older`
//!    the copy with the older date, when the pages' dates tell.
//! 6. **Ids**: an exact group is named by its content hash, a near group by its first member's
//!    URL, so re-running the audit on the same pages gives the same ids.
//!
//! Pages below `min_words` are never compared: short pages look alike everywhere.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use rayon::slice::ParallelSliceMut;
use serde_json::{json, Map, Value};
use xxhash_rust::xxh3::xxh3_64;

use crate::model::{Finding, Severity};
use crate::rules::DuplicateRules;

/// What the comparison needs of one page's main text.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Fingerprint {
    /// XXH3-128 of the normalised words (in hex, the `content_hash` of `govaudit pages`).
    pub hash: u128,
    /// Hashes of every run of `passage_words` words, in text order (numbers made one word when
    /// `ignore_numbers`).
    #[serde(with = "runs_as_bytes")]
    pub runs: Vec<u32>,
    /// Words in the text.
    pub words: usize,
    /// Distinct numbers in the text (hashes, sorted): with `ignore_numbers`, two pages whose
    /// wording matches but whose figures differ are told apart by these.
    pub figures: Vec<u64>,
    /// Where each number stands (word position) and its hash, by position: a shared passage
    /// whose numbers differ is a changed figure.
    pub numbers: Vec<(u32, u64)>,
    /// `runs` holds only the runs the index samples ([`Fingerprint::sample`]); the full list is
    /// kept elsewhere and read when a pair is measured (see [`audit_with`]).
    #[serde(default)]
    pub sampled: bool,
}

/// A fingerprint's passage hashes as the audit keeps them between runs: one base64 string of
/// their little-endian bytes (a third of the size of a JSON list of numbers).
mod runs_as_bytes {
    use base64::Engine;

    pub fn serialize<S: serde::Serializer>(runs: &[u32], s: S) -> Result<S::Ok, S::Error> {
        let bytes: Vec<u8> = runs.iter().flat_map(|r| r.to_le_bytes()).collect();
        s.serialize_str(&base64::engine::general_purpose::STANDARD_NO_PAD.encode(bytes))
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u32>, D::Error> {
        let text: String = serde::Deserialize::deserialize(d)?;
        let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(text)
            .map_err(serde::de::Error::custom)?;
        Ok(bytes
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }
}

impl Fingerprint {
    /// Fingerprints a main text as `rules` say (passage length, numbers ignored or not).
    ///
    /// One pass over the text, no word kept: each word (lower-cased, split on anything that is
    /// not a letter or digit, as [`super::similarity::words`] does) feeds the exact hash and a rolling
    /// hash of the last `passage_words` words.
    pub fn of(text: &str, rules: &DuplicateRules) -> Fingerprint {
        let k = rules.passage_words.max(1);
        let mut exact = xxhash_rust::xxh3::Xxh3::new();
        let mut figures: Vec<u64> = Vec::new();
        let mut numbers: Vec<(u32, u64)> = Vec::new();
        let mut window: std::collections::VecDeque<u64> =
            std::collections::VecDeque::with_capacity(k);
        let mut runs: Vec<u32> = Vec::with_capacity(text.len() / 6);
        let mut lower = String::new();
        let mut previous = String::new();
        let mut words = 0usize;
        for word in text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            lower.clear();
            lower.extend(word.chars().flat_map(char::to_lowercase));
            if words > 0 {
                exact.update(b" ");
            }
            exact.update(lower.as_bytes());
            words += 1;
            let number = lower.bytes().all(|b| b.is_ascii_digit());
            let h = xxh3_64(lower.as_bytes());
            if number {
                figures.push(h);
                // "Module 7", "Step 3": a label's number, not a figure that goes out of date.
                if !ORDINAL_WORDS.contains(&previous.as_str()) {
                    numbers.push((words as u32 - 1, h));
                }
            }
            std::mem::swap(&mut previous, &mut lower);
            let h = if number && rules.ignore_numbers {
                FOLDED_NUMBER
            } else {
                h
            };
            if window.len() == k {
                window.pop_front();
            }
            window.push_back(h);
            if window.len() == k {
                runs.push(run_hash(&window));
            }
        }
        figures.sort_unstable();
        figures.dedup();
        Fingerprint {
            hash: exact.digest128(),
            runs,
            words,
            figures,
            numbers,
            sampled: false,
        }
    }

    /// Keeps only the runs the candidate index reads (one in `sample`, by hash) and returns the
    /// full list as bytes (4 each, little-endian) to keep elsewhere: what a page costs in
    /// memory until its pairs are measured.
    pub fn sample(&mut self, sample: u32) -> Vec<u8> {
        let bytes = self.runs.iter().flat_map(|r| r.to_le_bytes()).collect();
        let sample = sample.max(1);
        self.runs.retain(|r| r % sample == 0);
        self.runs.shrink_to_fit();
        self.sampled = true;
        bytes
    }

    /// Whether the text has a run of `passage_words` words to compare.
    pub fn has_passages(&self, rules: &DuplicateRules) -> bool {
        self.words >= rules.passage_words.max(1)
    }
}

/// Passage hashes as [`Fingerprint::sample`] returns them, back to a list.
pub fn runs_from_bytes(bytes: &[u8]) -> Vec<u32> {
    bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// Reads the full passage hashes of a page whose fingerprint holds only the sampled ones.
pub type LoadRuns<'a> = dyn Fn(&ComparedPage) -> Option<Vec<u32>> + 'a;

/// The fingerprints the comparison measures with: each doc's own when it holds every run, else
/// loaded (and kept for the next pairs: candidate pairs come sorted, so a page's pairs are
/// measured together).
struct Full<'a, D> {
    docs: &'a [D],
    load: &'a dyn Fn(usize) -> Option<Vec<u32>>,
    cache: std::cell::RefCell<HashMap<usize, std::rc::Rc<Fingerprint>>>,
}

/// Loaded fingerprints kept at once (a few MB).
const FULL_CACHE: usize = 512;

impl<'a, D: std::borrow::Borrow<Fingerprint>> Full<'a, D> {
    fn get(&self, i: usize) -> Print<'a> {
        let doc: &'a Fingerprint = self.docs[i].borrow();
        if !doc.sampled {
            return Print::Own(doc);
        }
        if let Some(f) = self.cache.borrow().get(&i) {
            return Print::Loaded(f.clone());
        }
        let runs = (self.load)(i).unwrap_or_else(|| {
            log::warn!("a page's passage hashes are missing: it is compared by its sample only");
            doc.runs.clone()
        });
        let full = std::rc::Rc::new(Fingerprint {
            runs,
            sampled: false,
            ..doc.clone_without_runs()
        });
        let mut cache = self.cache.borrow_mut();
        if cache.len() >= FULL_CACHE {
            cache.clear();
        }
        cache.insert(i, full.clone());
        Print::Loaded(full)
    }

    fn overlap(&self, a: usize, b: usize, rules: &DuplicateRules) -> Overlap {
        overlap(&self.get(a), &self.get(b), rules)
    }
}

/// A fingerprint with every run: a doc's own, or loaded.
enum Print<'a> {
    Own(&'a Fingerprint),
    Loaded(std::rc::Rc<Fingerprint>),
}

impl std::ops::Deref for Print<'_> {
    type Target = Fingerprint;
    fn deref(&self) -> &Fingerprint {
        match self {
            Print::Own(f) => f,
            Print::Loaded(f) => f,
        }
    }
}

impl Fingerprint {
    fn clone_without_runs(&self) -> Fingerprint {
        Fingerprint {
            hash: self.hash,
            runs: Vec::new(),
            words: self.words,
            figures: self.figures.clone(),
            numbers: self.numbers.clone(),
            sampled: self.sampled,
        }
    }
}

/// Words whose number labels a part ("Module 7", "Step 3", "No. 5"): such numbers differ between
/// copies of a text placed in another sequence without being out of date.
const ORDINAL_WORDS: &[&str] = &[
    "module", "modules", "step", "steps", "part", "parts", "chapter", "chapters", "lesson",
    "lessons", "section", "sections", "no", "number", "item", "items", "page", "pages", "slide",
    "slides", "unit", "units", "phase", "volume", "issue", "episode", "session", "sessions",
    "week", "appendix", "figure", "table", "exhibit", "level", "tier", "round", "cohort", "video",
];

/// The hash every number gets when numbers are compared as one word (that of "0").
const FOLDED_NUMBER: u64 = 0x9c2d_3a8f_16b4_e7c1;

/// A run of word hashes as one 32-bit hash: each word's hash turned by its place in the run,
/// summed, then mixed (so "a b" and "b a" differ, and equal runs hash alike anywhere).
fn run_hash(window: &std::collections::VecDeque<u64>) -> u32 {
    let mut acc: u64 = 0;
    for (i, h) in window.iter().enumerate() {
        acc = acc.wrapping_add(
            h.rotate_left((i as u32 * 7) % 64)
                .wrapping_mul(0x9e37_79b9_7f4a_7c15 | (i as u64 * 2 + 1)),
        );
    }
    // splitmix64's finaliser spreads every input bit over the output.
    acc = (acc ^ (acc >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    acc = (acc ^ (acc >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (acc ^ (acc >> 31)) as u32
}

/// How much two texts share.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Overlap {
    /// Share of both texts' words that stand in shared passages (0..1).
    pub similarity: f64,
    /// Share of the shorter text's words that stand in shared passages (0..1).
    pub containment: f64,
    /// Words of the first text, and of the second, in shared passages.
    pub shared: (usize, usize),
    /// The shared passages come in another order in the second text.
    pub reordered: bool,
    /// Numbers of the first text that stand in a shared passage where the second has another
    /// number: changed figures (an outdated copy).
    pub figures_changed: usize,
}

/// How `a` stands in `b`: its words in runs `b` also has, where `b` has those runs (for the
/// order), and how many of its numbers stand in a shared run where `b` has another number.
fn covered(
    a: &Fingerprint,
    b: &Fingerprint,
    b_runs: &HashMap<u32, usize>,
    k: usize,
) -> (usize, Vec<usize>, usize) {
    if a.words == 0 {
        return (0, Vec::new(), 0);
    }
    let mut cover = vec![false; a.words];
    let mut order = Vec::new();
    let mut changed: HashSet<u32> = HashSet::new();
    let number_at = |f: &Fingerprint, pos: u32| -> Option<u64> {
        f.numbers
            .binary_search_by_key(&pos, |n| n.0)
            .ok()
            .map(|i| f.numbers[i].1)
    };
    for (i, r) in a.runs.iter().enumerate() {
        if let Some(&at) = b_runs.get(r) {
            for c in cover.iter_mut().skip(i).take(k) {
                *c = true;
            }
            order.push(at);
            // The same words around another figure: "$3,450" here, "$4,500" there.
            let first = a.numbers.partition_point(|n| (n.0 as usize) < i);
            for &(pos, h) in a.numbers[first..]
                .iter()
                .take_while(|n| (n.0 as usize) < i + k)
            {
                let there = (at + (pos as usize - i)) as u32;
                if number_at(b, there).is_some_and(|other| other != h) {
                    changed.insert(pos);
                }
            }
        }
    }
    (cover.iter().filter(|c| **c).count(), order, changed.len())
}

/// Length of the longest increasing subsequence (how much of a sequence keeps its order).
fn in_order(seq: &[usize]) -> usize {
    let mut tails: Vec<usize> = Vec::new();
    for &x in seq {
        match tails.binary_search(&x) {
            Ok(_) => {}
            Err(i) if i == tails.len() => tails.push(x),
            Err(i) => tails[i] = x,
        }
    }
    tails.len()
}

/// Measures how much two fingerprinted texts share (see the module docs).
pub fn overlap(a: &Fingerprint, b: &Fingerprint, rules: &DuplicateRules) -> Overlap {
    let k = rules.passage_words.max(1);
    let index = |f: &Fingerprint| -> HashMap<u32, usize> {
        let mut m = HashMap::with_capacity(f.runs.len());
        for (i, r) in f.runs.iter().enumerate() {
            m.entry(*r).or_insert(i);
        }
        m
    };
    if a.hash == b.hash {
        return Overlap {
            similarity: 1.0,
            containment: 1.0,
            shared: (a.words, b.words),
            reordered: false,
            figures_changed: 0,
        };
    }
    let (sa, order, changed) = covered(a, b, &index(b), k);
    let (sb, _, _) = covered(b, a, &index(a), k);
    let total = (a.words + b.words).max(1);
    let (short_words, short_shared) = if a.words <= b.words {
        (a.words, sa)
    } else {
        (b.words, sb)
    };
    Overlap {
        similarity: (sa + sb) as f64 / total as f64,
        containment: if short_words == 0 {
            0.0
        } else {
            short_shared as f64 / short_words as f64
        },
        shared: (sa, sb),
        // Shared runs found out of order beyond a tenth: sections were moved.
        reordered: !order.is_empty() && (in_order(&order) as f64) < 0.9 * order.len() as f64,
        figures_changed: changed,
    }
}

/// Pages with the same (or nearly the same) main content.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Indexes into the compared pages, ascending.
    pub members: Vec<usize>,
    /// 1.0 for exact duplicates; for near-duplicates the similarity of the least alike pair of
    /// members (never under the threshold: groups are split until every pair is a copy), or,
    /// for a series, of the least alike pair that links it.
    pub similarity: f64,
    /// The confirmed pairs of distinct texts that made the group: (page, page, how alike).
    pub pairs: Vec<(usize, usize, Overlap)>,
    /// The members are pages of one series (see [`find_groups_with`]).
    pub series: bool,
}

/// What [`find_groups`] found, and how much work it took.
#[derive(Debug, Clone, Default)]
pub struct Groups {
    /// Exact duplicate groups (two or more members).
    pub exact: Vec<Group>,
    /// Near-duplicate groups; each includes every member of the exact groups it joins.
    pub near: Vec<Group>,
    /// Distinct texts (one per exact group) indexed.
    pub distinct_texts: usize,
    /// Candidate pairs whose overlap was measured.
    pub verified_pairs: usize,
    /// Of those, pairs at or above the threshold.
    pub confirmed_pairs: usize,
}

/// Components of up to this many distinct texts are split so that every pair in a group is a
/// copy (every pair measured); larger ones are grouped by their linked pairs.
const MAX_CLIQUE_COMPONENT: usize = 200;

/// How the candidate index is split: in `2^bits` parts by the runs' top bits, built one at a
/// time, so that a part stays near a few million sampled runs (tens of MB) whatever the number
/// of pages. Where the index's sampled runs wait on disk, a file holds one part or, above
/// [`IndexParts::MAX_FILES`] parts, several neighbouring ones (read once for each of them):
/// the number of open scratch files stays within every system's default limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexParts {
    bits: u32,
}

impl IndexParts {
    /// Parts of a small audit: a few thousand pages' index is one part or a few.
    const MIN_BITS: u32 = 5;
    /// At most 2^12 parts: one per 250 pages at a million.
    const MAX_BITS: u32 = 12;
    /// Pages per part: a long page samples about a thousand runs, so a part is near 8 M
    /// runs (64 MB, and as much again for the pairs they make).
    const PAGES_PER_PART: usize = 8_000;
    /// Scratch files at most (macOS allows 256 open files by default).
    pub const MAX_FILES: usize = 128;

    /// The parts for an index of `pages` pages.
    pub fn for_pages(pages: usize) -> IndexParts {
        let wanted = pages.div_ceil(Self::PAGES_PER_PART).max(1);
        let bits = wanted.next_power_of_two().trailing_zeros();
        IndexParts {
            bits: bits.clamp(Self::MIN_BITS, Self::MAX_BITS),
        }
    }

    /// How many parts.
    pub fn count(self) -> u32 {
        1 << self.bits
    }

    /// The part a run is in.
    pub fn of(self, run: u32) -> u32 {
        run >> (32 - self.bits)
    }

    /// How many scratch files the parts are kept in.
    pub fn files(self) -> usize {
        self.count().min(Self::MAX_FILES as u32) as usize
    }

    /// The scratch file that holds part `part`.
    pub fn file_of_part(self, part: u32) -> usize {
        let shared = self.count() as usize / self.files();
        part as usize / shared
    }

    /// The scratch file that holds a run.
    pub fn file_of(self, run: u32) -> usize {
        self.file_of_part(self.of(run))
    }
}

/// Reads the sampled runs of the pages that hold none in memory (their fingerprint is sampled
/// and its `runs` empty) for one part of the index: each such page's `url_id` with its sampled
/// runs in that part (runs of other parts among them are ignored).
pub type SampledRuns<'a> = dyn Fn(u32, &mut dyn FnMut(i64, &[u32])) + 'a;

/// [`SampledRuns`] by doc index rather than url id.
pub type SampledDocs<'a> = dyn Fn(u32, &mut dyn FnMut(usize, &[u32])) + 'a;

/// Appends doc `d`'s distinct runs among `runs` that are in `part` and sampled to `index`, each
/// as `run << 32 | doc`: one integer sorts faster than a pair (the index is most of the
/// duplicate audit's time).
fn index_runs(
    index: &mut Vec<u64>,
    d: u32,
    runs: &[u32],
    (parts, part): (IndexParts, u32),
    sample: u32,
) {
    let start = index.len();
    index.extend(
        runs.iter()
            .filter(|&&r| r % sample == 0 && parts.of(r) == part)
            .map(|&r| u64::from(r) << 32 | u64::from(d)),
    );
    // A run a text repeats counts once for it.
    index[start..].sort_unstable();
    let mut kept = start;
    for i in start..index.len() {
        if i == start || index[i] >> 32 != index[kept - 1] >> 32 {
            index[kept] = index[i];
            kept += 1;
        }
    }
    index.truncate(kept);
}

/// Docs with the same text (their exact hash), each class's members in order and the classes
/// in the order of their first member: flat, as a million one-member lists were 50 MB.
struct Classes {
    members: Vec<usize>,
    /// Where each class starts in `members`, and its end.
    starts: Vec<usize>,
}

impl Classes {
    fn of<D: std::borrow::Borrow<Fingerprint>>(docs: &[D]) -> Classes {
        let hash = |i: usize| docs[i].borrow().hash;
        let mut order: Vec<usize> = (0..docs.len()).collect();
        order.sort_unstable_by_key(|&i| (hash(i), i));
        let mut same: Vec<&[usize]> = order.chunk_by(|&a, &b| hash(a) == hash(b)).collect();
        same.sort_unstable_by_key(|c| c[0]);
        let mut members = Vec::with_capacity(docs.len());
        let mut starts = Vec::with_capacity(same.len() + 1);
        for c in same {
            starts.push(members.len());
            members.extend_from_slice(c);
        }
        starts.push(members.len());
        Classes { members, starts }
    }

    /// Class `c`'s members.
    fn get(&self, c: usize) -> &[usize] {
        &self.members[self.starts[c]..self.starts[c + 1]]
    }

    /// The member that stands for class `c`.
    fn first(&self, c: usize) -> usize {
        self.members[self.starts[c]]
    }

    fn iter(&self) -> impl Iterator<Item = &[usize]> {
        self.starts.windows(2).map(|w| &self.members[w[0]..w[1]])
    }
}

/// Indexed runs two texts must share to be measured.
const MIN_SHARED_RUNS: u16 = 2;

/// Finds exact and near-duplicate groups among `docs` (all of which should be compared: filter
/// short pages out first).
pub fn find_groups<D: std::borrow::Borrow<Fingerprint>>(
    docs: &[D],
    rules: &DuplicateRules,
) -> Result<Groups, super::Error> {
    find_groups_with(docs, &[], rules)
}

/// [`find_groups`], where `series[i]` names the series doc `i` belongs to (office hours of one
/// site, dated posts of one kind), if any: copies in one series stay one group however long
/// the chain (its similarity is then the least alike linked pair); other groups are split so
/// that every pair in a group reaches the threshold.
pub fn find_groups_with<D: std::borrow::Borrow<Fingerprint>>(
    docs: &[D],
    series: &[Option<String>],
    rules: &DuplicateRules,
) -> Result<Groups, super::Error> {
    find_groups_loading(
        docs,
        series,
        rules,
        IndexParts::for_pages(docs.len()),
        &|_| None,
        &|_, _| {},
    )
}

/// [`find_groups_with`] where some docs hold only their sampled runs ([`Fingerprint::sample`]):
/// `load(i)` reads doc `i`'s full list when a pair of it is measured. Docs whose sampled runs
/// are not in memory either are given by `sampled(part, each)`: `each(i, runs)` with doc `i`'s
/// sampled runs in that part of the index (of `parts`).
pub fn find_groups_loading<D: std::borrow::Borrow<Fingerprint>>(
    docs: &[D],
    series: &[Option<String>],
    rules: &DuplicateRules,
    parts: IndexParts,
    load: &dyn Fn(usize) -> Option<Vec<u32>>,
    sampled: &SampledDocs<'_>,
) -> Result<Groups, super::Error> {
    let full = Full {
        docs,
        load,
        cache: Default::default(),
    };
    // 1. Exact groups; the first member of each stands for it from here on.
    let classes = Classes::of(docs);
    let exact: Vec<Group> = classes
        .iter()
        .filter(|c| c.len() > 1)
        .map(|c| Group {
            members: c.to_vec(),
            similarity: 1.0,
            pairs: Vec::new(),
            series: false,
        })
        .collect();
    let reps: Vec<&Fingerprint> = classes.iter().map(|c| docs[c[0]].borrow()).collect();
    let n = reps.len();

    // 2. The index of sampled runs (sorted (run, text) pairs: no map of small lists), then the
    // pairs of texts that share enough of them. Built in parts by the runs' top bits, one part
    // at a time: a run's texts are all in its part, so the counts are the same, and the index
    // of a million pages never stands whole in memory.
    let sample = rules.sample.max(1);
    // Each doc's text, when it stands for its exact group.
    let mut rep_of: Vec<Option<u32>> = vec![None; docs.len()];
    for (r, c) in classes.iter().enumerate() {
        rep_of[c[0]] = Some(r as u32);
    }
    // Each part's pairs of texts that share a run, counted and sorted, go to scratch files;
    // merged, they give each pair's total (a run is in one part only). Pairs sharing a single
    // run are most of them: held in a map, they were the duplicate audit's memory.
    let mut counts = super::scratch::Counts::new();
    let mut largest_part = 0;
    for part in 0..parts.count() {
        let mut index: Vec<u64> = Vec::new();
        for (d, f) in reps.iter().enumerate() {
            index_runs(&mut index, d as u32, &f.runs, (parts, part), sample);
        }
        sampled(part, &mut |doc, runs| {
            if let Some(d) = rep_of.get(doc).copied().flatten() {
                index_runs(&mut index, d, runs, (parts, part), sample);
            }
        });
        // On every core: sorting the index and the pairs is most of this audit's time.
        index.par_sort_unstable();
        largest_part = largest_part.max(index.len());
        let mut pairs: Vec<u64> = Vec::new();
        for same_run in index.chunk_by(|a, b| a >> 32 == b >> 32) {
            if same_run.len() < 2 || same_run.len() > rules.max_pages_per_passage {
                continue;
            }
            for (x, &a) in same_run.iter().enumerate() {
                let a = a as u32;
                for &b in &same_run[..x] {
                    let b = b as u32;
                    pairs.push(u64::from(b.min(a)) << 32 | u64::from(b.max(a)));
                }
            }
        }
        drop(index);
        pairs.par_sort_unstable();
        counts.add(
            pairs
                .chunk_by(|a, b| a == b)
                .map(|same| (same[0], u16::try_from(same.len()).unwrap_or(u16::MAX)))
                .collect(),
        );
    }
    let mut candidates: Vec<(u32, u32)> = Vec::new();
    let mut distinct = 0usize;
    counts.merge(&mut |pair, n| {
        distinct += 1;
        if n >= u32::from(MIN_SHARED_RUNS) {
            candidates.push(((pair >> 32) as u32, pair as u32));
        }
    })?;
    log::debug!(
        "duplicates: {n} texts, {distinct} pairs sharing a sampled passage, {} measured, largest of {} index parts {largest_part} runs",
        candidates.len(),
        parts.count()
    );

    // 3. Every candidate measured exactly.
    let mut sets = UnionFind::new(n);
    let mut confirmed_pairs: Vec<(usize, usize, Overlap)> = Vec::new();
    let verified = candidates.len();
    for (a, b) in candidates {
        let (a, b) = (a as usize, b as usize);
        let o = full.overlap(classes.first(a), classes.first(b), rules);
        if o.similarity >= rules.threshold {
            let (ra, rb) = (sets.find(a), sets.find(b));
            sets.union(ra, rb);
            confirmed_pairs.push((a, b, o));
        }
    }
    let confirmed = confirmed_pairs.len();

    // 4. Components of two or more texts, expanded to every page with those texts.
    let mut components: HashMap<usize, Vec<usize>> = HashMap::new();
    for r in 0..n {
        components.entry(sets.find(r)).or_default().push(r);
    }
    let mut pairs_of: HashMap<usize, Vec<(usize, usize, Overlap)>> = HashMap::new();
    for &(a, b, o) in &confirmed_pairs {
        pairs_of.entry(sets.find(a)).or_default().push((a, b, o));
    }
    let series_of = |rep: usize| series.get(classes.first(rep)).cloned().flatten();
    let mut near: Vec<Group> = Vec::new();
    let mut components: Vec<(usize, Vec<usize>)> = components
        .into_iter()
        .filter(|(_, c)| c.len() > 1)
        .collect();
    components.sort_unstable_by_key(|(_, c)| c[0]);
    for (root, c) in components {
        let pairs = pairs_of.remove(&root).unwrap_or_default();
        // The pages of one series in the component stay together.
        let mut by_series: HashMap<String, Vec<usize>> = HashMap::new();
        let mut rest: Vec<usize> = Vec::new();
        for &r in &c {
            match series_of(r) {
                Some(key) => by_series.entry(key).or_default().push(r),
                None => rest.push(r),
            }
        }
        let mut parts: Vec<(Vec<usize>, bool)> = Vec::new();
        for (_, members) in by_series {
            if members.len() > 1 {
                parts.push((members, true));
            } else {
                rest.extend(members);
            }
        }
        rest.sort_unstable();
        // The rest: groups in which every pair is a copy (complete linkage, in order), so a
        // group's similarity, its least alike pair, is never under the threshold.
        let mut cliques: Vec<Vec<usize>> = Vec::new();
        let mut alike: HashMap<(usize, usize), f64> = pairs
            .iter()
            .map(|&(a, b, o)| ((a.min(b), a.max(b)), o.similarity))
            .collect();
        let mut sim = |a: usize, b: usize| -> f64 {
            *alike.entry((a.min(b), a.max(b))).or_insert_with(|| {
                full.overlap(classes.first(a), classes.first(b), rules)
                    .similarity
            })
        };
        if rest.len() <= MAX_CLIQUE_COMPONENT {
            for &r in &rest {
                match cliques
                    .iter_mut()
                    .find(|q| q.iter().all(|&m| sim(m, r) >= rules.threshold))
                {
                    Some(q) => q.push(r),
                    None => cliques.push(vec![r]),
                }
            }
            // A copy the first pass left across two groups (A~B, B~C, A≁C) still stands: in a
            // group that takes it whole, else as a pair of its own.
            let in_rest: HashSet<usize> = rest.iter().copied().collect();
            for &(a, b, _) in &pairs {
                if !in_rest.contains(&a) || !in_rest.contains(&b) {
                    continue;
                }
                if cliques.iter().any(|q| q.contains(&a) && q.contains(&b)) {
                    continue;
                }
                let joined = cliques.iter_mut().find(|q| {
                    (q.contains(&a) || q.contains(&b))
                        && q.len() > 1
                        && [a, b].iter().all(|&x| {
                            q.contains(&x) || q.iter().all(|&m| sim(m, x) >= rules.threshold)
                        })
                });
                match joined {
                    Some(q) => {
                        for x in [a, b] {
                            if !q.contains(&x) {
                                q.push(x);
                            }
                        }
                        q.sort_unstable();
                    }
                    None => cliques.push(vec![a.min(b), a.max(b)]),
                }
            }
        } else {
            // Too many to measure every pair: the linked pairs make the group.
            cliques.push(rest);
        }
        parts.extend(
            cliques
                .into_iter()
                .filter(|q| q.len() > 1)
                .map(|q| (q, false)),
        );
        for (part, chained) in parts {
            let in_part: HashSet<usize> = part.iter().copied().collect();
            let linked: Vec<(usize, usize, Overlap)> = pairs
                .iter()
                .filter(|(a, b, _)| in_part.contains(a) && in_part.contains(b))
                .copied()
                .collect();
            let similarity = if chained || part.len() > MAX_CLIQUE_COMPONENT {
                linked.iter().map(|p| p.2.similarity).fold(1.0, f64::min)
            } else {
                let mut low: f64 = 1.0;
                for (k, &a) in part.iter().enumerate() {
                    for &b in &part[..k] {
                        low = low.min(sim(a, b));
                    }
                }
                low
            };
            let mut members: Vec<usize> = part
                .iter()
                .flat_map(|&r| classes.get(r).iter().copied())
                .collect();
            members.sort_unstable();
            near.push(Group {
                members,
                similarity,
                pairs: linked
                    .into_iter()
                    .map(|(a, b, o)| (classes.first(a), classes.first(b), o))
                    .collect(),
                series: chained,
            });
        }
    }
    near.sort_unstable_by_key(|g| g.members[0]);
    Ok(Groups {
        exact,
        near,
        distinct_texts: n,
        verified_pairs: verified,
        confirmed_pairs: confirmed,
    })
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
        if a == b {
            return a;
        }
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
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ComparedPage {
    /// Public URL (shared with the page's other records).
    pub url: Arc<str>,
    /// Its site's origin (one string for all the site's pages).
    pub site: Arc<str>,
    /// Its title.
    pub title: Option<Box<str>>,
    /// The newest date the page carries that means an edit (`YYYY-MM-DD`), if any: ten bytes
    /// in place, not a string of its own for each of a million pages.
    pub date: Option<crate::store::Day>,
    /// Its main text's fingerprint.
    pub fingerprint: Fingerprint,
    /// Its `urls` id, by which its full passage hashes are found when the fingerprint holds
    /// only a sample.
    #[serde(default)]
    pub url_id: Option<i64>,
}

/// The duplicate audit: one finding per group, on its first member (members sorted by URL).
///
/// One page reached under several spellings with the same content (`/page`, `/page?promo`,
/// `/page//`, `/page/index.html`) is one page to a reader, so only its shortest address is
/// compared. Pages with no words to compare are not compared.
pub fn audit(pages: &[ComparedPage], rules: &DuplicateRules) -> Result<Vec<Finding>, super::Error> {
    audit_with(pages, rules, &|_| None)
}

/// [`audit`] where pages may hold only their sampled passage hashes ([`Fingerprint::sample`]):
/// `load` reads a page's full list when one of its pairs is measured. The findings are the
/// same as with every fingerprint whole.
pub fn audit_with(
    pages: &[ComparedPage],
    rules: &DuplicateRules,
    load: &LoadRuns<'_>,
) -> Result<Vec<Finding>, super::Error> {
    audit_spilled(
        pages,
        rules,
        IndexParts::for_pages(pages.len()),
        load,
        &|_, _| {},
    )
}

/// [`audit_with`] where some pages' sampled runs are not in memory either (their fingerprint
/// is sampled and its runs empty): `sampled` gives them, one part of the index (of `parts`)
/// at a time.
pub fn audit_spilled(
    pages: &[ComparedPage],
    rules: &DuplicateRules,
    parts: IndexParts,
    load: &LoadRuns<'_>,
    sampled: &SampledRuns<'_>,
) -> Result<Vec<Finding>, super::Error> {
    let mut order: Vec<&ComparedPage> = pages
        .iter()
        .filter(|p| p.fingerprint.has_passages(rules) && !is_listing(&p.url))
        .collect();
    order.sort_by(|a, b| (a.url.len(), &a.url).cmp(&(b.url.len(), &b.url)));
    // (Dropped before the index is built: at a million pages it is a hundred MB.)
    let pages: Vec<&ComparedPage> = {
        let mut seen: HashSet<(String, u128)> = HashSet::new();
        order
            .into_iter()
            .filter(|p| {
                let key = page_key(&p.url).unwrap_or_else(|| p.url.to_string());
                let without_query = key.split('?').next().unwrap_or(&key).to_string();
                seen.insert((without_query, p.fingerprint.hash))
            })
            .collect()
    };
    let fps: Vec<&Fingerprint> = pages.iter().map(|p| &p.fingerprint).collect();
    let series = series_keys(&pages);
    // Sorted (url id, doc): a third of a map's memory.
    let mut doc_of: Vec<(i64, u32)> = pages
        .iter()
        .enumerate()
        .filter(|(_, p)| p.fingerprint.sampled && p.fingerprint.runs.is_empty())
        .filter_map(|(i, p)| Some((p.url_id?, i as u32)))
        .collect();
    doc_of.sort_unstable();
    let groups = find_groups_loading(
        &fps,
        &series,
        rules,
        parts,
        &|i| load(pages[i]),
        &|part, each| {
            sampled(part, &mut |url_id, runs| {
                if let Ok(at) = doc_of.binary_search_by_key(&url_id, |d| d.0) {
                    each(doc_of[at].1 as usize, runs);
                }
            })
        },
    )?;
    let mut out = Vec::new();
    for g in &groups.exact {
        // The hex hash's first 12 digits.
        let id = format!("dup-{:012x}", pages[g.members[0]].fingerprint.hash >> 80);
        out.push(exact_finding(id, g, &pages));
    }
    for g in &groups.near {
        let first = g.members.iter().map(|&m| &pages[m].url).min();
        let id = format!(
            "near-{:012x}",
            xxh3_64(first.map(|u| u.as_bytes()).unwrap_or_default()) >> 16
        );
        out.push(near_finding(id, g, &pages, rules));
    }
    Ok(out)
}

/// Where a group's pages are, for a message: "on the same site and b.gov".
fn places(members: &[&ComparedPage]) -> (BTreeSet<String>, String) {
    let first = members[0];
    let sites: BTreeSet<String> = members.iter().map(|p| p.site.to_string()).collect();
    let host = |s: &str| s.split("://").nth(1).unwrap_or(s).to_string();
    let mut places: Vec<String> = Vec::new();
    if members[1..].iter().any(|p| p.site == first.site) {
        places.push("the same site".into());
    }
    places.extend(sites.iter().filter(|s| **s != *first.site).map(|s| host(s)));
    (sites, format!("on {}", places.join(" and ")))
}

fn sorted_members<'a>(g: &Group, pages: &[&'a ComparedPage]) -> Vec<&'a ComparedPage> {
    let mut members: Vec<&ComparedPage> = g.members.iter().map(|&m| pages[m]).collect();
    members.sort_by(|a, b| a.url.cmp(&b.url));
    members
}

fn group_fields(
    id: String,
    similarity: f64,
    members: &[&ComparedPage],
    sites: &BTreeSet<String>,
) -> Map<String, Value> {
    let mut extra = Map::new();
    extra.insert("group".into(), Value::String(id));
    extra.insert("similarity".into(), share(similarity));
    extra.insert(
        "urls".into(),
        Value::Array(
            members
                .iter()
                .map(|p| Value::String(p.url.to_string()))
                .collect(),
        ),
    );
    extra.insert(
        "sites".into(),
        Value::Array(sites.iter().map(|s| Value::String(s.clone())).collect()),
    );
    extra
}

/// A share as findings show it: three decimals, rounded down (a pair at 0.6199 is not "0.62").
fn share(x: f64) -> Value {
    serde_json::Number::from_f64((x * 1000.0).floor() / 1000.0)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

fn exact_finding(id: String, g: &Group, pages: &[&ComparedPage]) -> Finding {
    let members = sorted_members(g, pages);
    let (sites, where_) = places(&members);
    let others = members.len() - 1;
    let pages_word = if others == 1 { "page" } else { "pages" };
    Finding {
        kind: crate::model::FindingKind::Duplicate,
        severity: if sites.len() > 1 {
            Severity::Warning
        } else {
            Severity::Info
        },
        site: members[0].site.to_string(),
        url: members[0].url.to_string(),
        message: format!(
            "The same main content is published at {} addresses (this page and {others} other {pages_word} {where_}); keep one and redirect or link the others to it.",
            members.len()
        ),
        extra: group_fields(id, 1.0, &members, &sites),
    }
}

/// An address or title with its dates made one token (`#`), and the dates it had: the pages of
/// one series (`/event/office-hours-01may2023/`, `/event/office-hours-05jun2023/`) share the
/// first. A date is a token with a month name (`may`, `01may2023`, `june`) or a year
/// (1990-2099); other numbers ("Module 2") stay.
fn series_key(s: &str) -> (String, String) {
    const MONTHS: &[&str] = crate::extract::MONTH_NAMES;
    let lower = s.to_lowercase();
    let mut out = String::with_capacity(lower.len());
    let mut dates = String::new();
    let mut word = String::new();
    let mut flush = |word: &mut String, out: &mut String| {
        if word.is_empty() {
            return;
        }
        let letters = word.trim_matches(|c: char| c.is_ascii_digit());
        let is_year = word.len() == 4
            && word.chars().all(|c| c.is_ascii_digit())
            && (1990..=2099).contains(&word.parse::<u32>().unwrap_or(0));
        let has_month = MONTHS.contains(&letters);
        if is_year || has_month {
            out.push('#');
            dates.push_str(word);
            dates.push(' ');
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in lower.chars() {
        if c.is_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    (out, dates)
}

/// The series a page may belong to, and its date in that series: a dated post
/// (`/event/2024/03/15/…`: the series is the section the dates follow), or an address or title
/// that carries a date (`/event/office-hours-01may2023/`, "Monthly call, June 2024": the series
/// is that address or title without its date).
fn series_of(p: &ComparedPage) -> Option<(String, String)> {
    let path = p.url.split_once("://").map_or(&*p.url, |(_, r)| r);
    let path = path.find('/').map_or("", |i| &path[i..]);
    if let Some(date) = super::freshness::address_date(&p.url) {
        let section: Vec<&str> = path
            .split('/')
            .filter(|s| !s.is_empty())
            .take_while(|s| !s.starts_with(|c: char| c.is_ascii_digit()))
            .collect();
        return Some((format!("{} dated /{}", p.site, section.join("/")), date));
    }
    let (url_key, dates) = series_key(path);
    if !dates.is_empty() {
        return Some((format!("{} {url_key}", p.site), dates));
    }
    let (title_key, dates) = series_key(p.title.as_deref()?);
    (!dates.is_empty()).then(|| (format!("{} title {title_key}", p.site), dates))
}

/// Series keys of the compared pages: a key that two or more pages share with different dates
/// (the same key and date twice is one page twice, not a series).
fn series_keys(pages: &[&ComparedPage]) -> Vec<Option<String>> {
    let of: Vec<Option<(String, String)>> = pages.iter().map(|p| series_of(p)).collect();
    let mut dates: HashMap<&str, HashSet<&str>> = HashMap::new();
    for (key, date) in of.iter().flatten() {
        dates.entry(key).or_default().insert(date);
    }
    of.iter()
        .map(|s| {
            let (key, _) = s.as_ref()?;
            (dates.get(key.as_str()).map_or(0, HashSet::len) > 1).then(|| key.clone())
        })
        .collect()
}

/// Taxonomy and paged listings (`/tags/…`, `/category/…`, `/author/…`, `…/page/2/`): their text
/// is other pages' teasers, whatever share of it is in links.
pub fn is_listing(url: &str) -> bool {
    let path = url.split_once("://").map_or(url, |(_, r)| r);
    let path = path.find('/').map_or("", |i| &path[i..]);
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    segments.windows(2).any(|w| {
        matches!(
            w[0].to_ascii_lowercase().as_str(),
            "tag" | "tags" | "category" | "categories" | "author" | "authors"
        ) || (w[0].eq_ignore_ascii_case("page") && w[1].chars().all(|c| c.is_ascii_digit()))
    }) || segments
        .windows(3)
        .any(|w| w[0].eq_ignore_ascii_case("taxonomy") && w[1].eq_ignore_ascii_case("term"))
}

fn near_finding(id: String, g: &Group, pages: &[&ComparedPage], rules: &DuplicateRules) -> Finding {
    let members = sorted_members(g, pages);
    let (sites, where_) = places(&members);
    let first = members[0];
    let others = members.len() - 1;
    let pages_word = if others == 1 { "page" } else { "pages" };
    let percent = ((g.similarity * 100.0).floor() as u32).min(99);
    // Numbers compared as one word: copies whose wording matches but whose figures (amounts,
    // dates, phone numbers) differ are the outdated copies citizens get wrong answers from.
    let figures_differ = rules.ignore_numbers && g.pairs.iter().any(|p| p.2.figures_changed > 0);
    let containment = g.pairs.iter().map(|p| p.2.containment).fold(1.0, f64::min);
    // What changed, over the pairs that made the group.
    let mut differences: Vec<&str> = Vec::new();
    if figures_differ {
        differences.push("figures");
    }
    let unshared = |words: usize, shared: usize| words.saturating_sub(shared);
    let mut added = false;
    let mut removed = false;
    for &(a, b, o) in &g.pairs {
        let (wa, wb) = (pages[a].fingerprint.words, pages[b].fingerprint.words);
        // A tenth of a page not found in the other: a passage of its own, not a changed word.
        if unshared(wa, o.shared.0) * 10 > wa || unshared(wb, o.shared.1) * 10 > wb {
            added |= unshared(wa, o.shared.0) * 10 > wa;
            removed |= unshared(wb, o.shared.1) * 10 > wb;
        }
        if o.reordered && !differences.contains(&"sections reordered") {
            differences.push("sections reordered");
        }
    }
    if added || removed {
        differences.push("paragraphs added or removed");
    }
    if differences.is_empty() {
        differences.push("wording");
    }
    let series = g.series;
    let longer_adds = g.pairs.iter().any(|&(a, b, o)| {
        let (wa, wb) = (pages[a].fingerprint.words, pages[b].fingerprint.words);
        o.containment >= rules.republished_containment
            && (wa.max(wb) as f64) >= 1.15 * wa.min(wb) as f64
    });
    let copy_kind = if series {
        "series"
    } else if figures_differ {
        "outdated"
    } else if longer_adds && sites.len() > 1 {
        "republished"
    } else {
        "edited"
    };
    // Which copy looks older, when the pages' dates tell.
    let dated: Vec<(&str, &str)> = members
        .iter()
        .filter_map(|p| Some((std::str::from_utf8(p.date.as_ref()?).ok()?, &*p.url)))
        .collect();
    let older = if dated.len() == members.len() {
        let oldest = dated.iter().min().map(|d| d.0);
        let newest = dated.iter().max().map(|d| d.0);
        (oldest != newest).then(|| {
            dated
                .iter()
                .filter(|d| Some(d.0) == oldest)
                .map(|d| d.1)
                .collect::<Vec<_>>()
        })
    } else {
        None
    };
    let message = match copy_kind {
        "series" => format!(
            "This page and {others} other {pages_word} of the same series ({where_}) are at least {percent}% the same, differing in dates or event details: one series, not copies; an archive or one page per series would do."
        ),
        "outdated" => format!(
            "This page and {others} other {pages_word} ({where_}) are copies of one text, at least {percent}% the same, and their figures (amounts, dates or phone numbers) differ: one of them is out of date; keep one up-to-date page."
        ),
        "republished" => format!(
            "This page and {others} other {pages_word} ({where_}) publish the same article, at least {percent}% the same (one adds an introduction or sections of its own); keep one and link to it."
        ),
        _ => format!(
            "This page and {others} other {pages_word} ({where_}) are edited copies of one text, at least {percent}% the same ({}); keep one page and link or redirect the others to it.",
            differences.join(", ")
        ),
    };
    let severity = if series || sites.len() == 1 {
        Severity::Info
    } else {
        Severity::Warning
    };
    let mut extra = group_fields(id, g.similarity, &members, &sites);
    extra.insert("containment".into(), share(containment));
    extra.insert("copy_kind".into(), Value::String(copy_kind.into()));
    extra.insert("differences".into(), json!(differences));
    extra.insert("figures_differ".into(), Value::Bool(figures_differ));
    if let Some(older) = older {
        extra.insert("older".into(), json!(older));
    }
    Finding {
        kind: crate::model::FindingKind::NearDuplicate,
        severity,
        site: first.site.to_string(),
        url: first.url.to_string(),
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

    fn splitmix64(state: &mut u64) -> u64 {
        *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

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
        let current = "Call 1-800-555-0142 by June 30, 2025. The limit is $4,500 per person and the form asks for your name and address.";
        let old = "Call 1-800-555-0123 by June 30, 2010. The limit is $3,450 per person and the form asks for your name and address.";
        let r = rules();
        let (a, b) = (Fingerprint::of(current, &r), Fingerprint::of(old, &r));
        assert_ne!(a.hash, b.hash);
        assert_eq!(overlap(&a, &b, &r).similarity, 1.0);
        assert_ne!(a.figures, b.figures);
        let strict = DuplicateRules {
            ignore_numbers: false,
            ..r
        };
        let (a, b) = (
            Fingerprint::of(current, &strict),
            Fingerprint::of(old, &strict),
        );
        assert!(overlap(&a, &b, &strict).similarity < 0.5);
    }

    fn fp(words: &[String]) -> Fingerprint {
        Fingerprint::of(&words.join(" "), &rules())
    }

    #[test]
    fn exact_near_and_distinct() {
        let base = text(1, 400);
        let mut edited = base.clone();
        edited[200] = "changed".into(); // 8 runs of 393 differ: similarity ~0.98
        let mut rewritten = base.clone();
        for w in rewritten.iter_mut().take(300) {
            *w = "other".into();
        }
        let docs = vec![
            fp(&base),
            fp(&text(2, 400)),
            fp(&edited),
            fp(&base),
            fp(&rewritten),
        ];
        let g = find_groups(&docs, &rules()).unwrap();
        assert_eq!(g.exact.len(), 1);
        assert_eq!(g.exact[0].members, vec![0, 3]);
        assert_eq!(g.near.len(), 1);
        assert_eq!(g.near[0].members, vec![0, 2, 3]);
        assert!(g.near[0].similarity > 0.97 && g.near[0].similarity < 1.0);
        assert_eq!(g.distinct_texts, 4);
    }

    #[test]
    fn edits_a_copy_survives() {
        let r = rules();
        let paragraphs: Vec<Vec<String>> = (0..6).map(|i| text(20 + i, 60)).collect();
        let join = |ps: &[&Vec<String>]| -> Fingerprint {
            fp(&ps
                .iter()
                .flat_map(|p| p.iter().cloned())
                .collect::<Vec<_>>())
        };
        let all: Vec<&Vec<String>> = paragraphs.iter().collect();
        let original = join(&all);
        // Sections moved: every passage still found, in another order.
        let moved = join(&[all[3], all[4], all[5], all[0], all[1], all[2]]);
        let o = overlap(&original, &moved, &r);
        assert!(o.similarity > 0.95 && o.reordered, "{o:?}");
        // A paragraph of its own added and one dropped.
        let own = text(99, 60);
        let edited = join(&[all[0], all[1], &own, all[2], all[3], all[4]]);
        let o = overlap(&original, &edited, &r);
        assert!(
            o.similarity > 0.75 && o.similarity < 0.9 && !o.reordered,
            "{o:?}"
        );
        // Republished with an introduction: the whole original stands in the longer page.
        let intro = text(77, 90);
        let republished = join(&[&intro, all[0], all[1], all[2], all[3], all[4], all[5]]);
        let o = overlap(&original, &republished, &r);
        assert_eq!(o.containment, 1.0);
        assert!(o.similarity > 0.85, "{o:?}");
        // Two pages that share one paragraph (a notice) are not copies.
        let notice = join(&[all[0], &text(55, 300)]);
        let other = join(&[all[0], &text(56, 300)]);
        assert!(overlap(&notice, &other, &r).similarity < 0.2);
    }

    #[test]
    fn boilerplate_passages_give_no_candidates() {
        // 150 pages carry the same notice; no two of them are compared for it.
        let notice = text(3, 60);
        let docs: Vec<Fingerprint> = (0..150)
            .map(|i| {
                let mut w = notice.clone();
                w.extend(text(1000 + i, 200));
                fp(&w)
            })
            .collect();
        let g = find_groups(&docs, &rules()).unwrap();
        assert!(g.near.is_empty());
        assert_eq!(g.verified_pairs, 0);
    }

    #[test]
    fn copy_kinds_and_series() {
        let r = rules();
        let body = text(40, 240);
        let page = |url: &str, site: &str, title: &str, words: Vec<String>| ComparedPage {
            url: url.into(),
            site: site.into(),
            title: Some(title.into()),
            date: None,
            fingerprint: Fingerprint::of(&words.join(" "), &r),
            url_id: None,
        };
        // The same post on a second site, with an introduction of its own.
        let mut with_intro = text(41, 60);
        with_intro.extend(body.clone());
        let f = audit(
            &[
                page(
                    "https://a.gov/2024/05/post/",
                    "https://a.gov",
                    "Post",
                    body.clone(),
                ),
                page(
                    "https://b.gov/news/post/",
                    "https://b.gov",
                    "Post",
                    with_intro,
                ),
            ],
            &r,
        )
        .unwrap();
        assert_eq!(f[0].extra["copy_kind"], "republished");
        assert_eq!(f[0].extra["containment"], 1.0);
        assert_eq!(f[0].severity, Severity::Warning);
        // Monthly event pages: the same text, another date; addresses alike but for the date.
        let month = |m: &str, d: &str| {
            let mut w = body.clone();
            w.push(m.to_string());
            w.push(d.to_string());
            page(
                &format!("https://a.gov/event/office-hours-{d}{m}2024/"),
                "https://a.gov",
                &format!("Office hours, {m} {d}, 2024"),
                w,
            )
        };
        let f = audit(
            &[month("may", "01"), month("june", "05"), month("july", "03")],
            &r,
        )
        .unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].extra["copy_kind"], "series");
        assert_eq!(f[0].severity, Severity::Info);
        assert!(f[0].message.contains("series"), "{}", f[0].message);
        assert_eq!(
            series_key("/event/office-hours-01may2024/").0,
            series_key("/event/office-hours-05jun2024/").0
        );
        assert!(series_key("Module 0: Introduction").1.is_empty());
        assert_eq!(series_key("Monthly call, June 2024").0, "monthly call, # #");
        assert!(is_listing("https://a.gov/tags/ai/"));
        assert!(is_listing("https://a.gov/blog/page/7/"));
        assert!(!is_listing(
            "https://a.gov/topics/emergency-dental-repairs/"
        ));
        assert!(!is_listing("https://a.gov/programs/page-one/"));
        assert_ne!(
            series_key("/programs/flood/").0,
            series_key("/programs/dunes/").0
        );
        // Two copies whose dates tell which is older.
        let mut old = page(
            "https://old.a.gov/grants.htm",
            "https://old.a.gov",
            "Grants",
            body.clone(),
        );
        old.date = Some(*b"2009-04-01");
        let mut new = page("https://a.gov/grants/", "https://a.gov", "Grants", {
            let mut w = body.clone();
            w[100] = "updated".into();
            w
        });
        new.date = Some(*b"2025-01-06");
        let f = audit(&[old, new], &r).unwrap();
        assert_eq!(f[0].extra["copy_kind"], "edited");
        assert_eq!(
            f[0].extra["older"],
            serde_json::json!(["https://old.a.gov/grants.htm"])
        );
    }

    #[test]
    fn ids_and_order_are_stable() {
        let base = text(7, 300);
        let mut edited = base.clone();
        edited[10] = "x".into();
        let page = |url: &str, site: &str, w: &[String]| ComparedPage {
            url: url.into(),
            site: site.into(),
            title: None,
            date: None,
            fingerprint: fp(w),
            url_id: None,
        };
        let pages = vec![
            page("https://b.gov/p", "https://b.gov", &edited),
            page("https://a.gov/p", "https://a.gov", &base),
        ];
        let f1 = audit(&pages, &rules()).unwrap();
        let reversed: Vec<ComparedPage> = pages.iter().rev().cloned().collect();
        let f2 = audit(&reversed, &rules()).unwrap();
        assert_eq!(f1.len(), 1);
        assert_eq!(f1[0].kind, crate::model::FindingKind::NearDuplicate);
        assert_eq!(f1[0].url, "https://a.gov/p");
        assert_eq!(f1[0].extra["group"], f2[0].extra["group"]);
        assert_eq!(f1[0].extra["urls"], f2[0].extra["urls"]);
        assert_eq!(f1[0].severity, Severity::Warning);
    }

    #[test]
    fn sampled_fingerprints_with_their_runs_loaded_give_the_same_findings() {
        let r = rules();
        let a = text(21, 400);
        let mut b = a.clone();
        for (i, w) in b.iter_mut().take(60).enumerate() {
            *w = format!("changed{i}");
        }
        let mut c = a.clone();
        c.truncate(250);
        let pages: Vec<ComparedPage> = [
            ("https://a.gov/x", &a),
            ("https://b.gov/x", &b),
            ("https://c.gov/x", &c),
            ("https://c.gov/other", &text(22, 300)),
        ]
        .iter()
        .enumerate()
        .map(|(i, (url, words))| ComparedPage {
            url: (*url).into(),
            site: crate::model::url_origin(url).unwrap_or_default().into(),
            title: None,
            date: None,
            fingerprint: Fingerprint::of(&words.join(" "), &r),
            url_id: Some(i as i64),
        })
        .collect();
        let whole = audit(&pages, &r).unwrap();
        assert!(!whole.is_empty());
        let mut kept: HashMap<i64, Vec<u8>> = HashMap::new();
        let mut sampled = pages.clone();
        for p in &mut sampled {
            let full = p.fingerprint.runs.len();
            kept.insert(p.url_id.unwrap_or_default(), p.fingerprint.sample(r.sample));
            assert!(p.fingerprint.runs.len() < full / 2, "only a sample stays");
        }
        let loads = std::cell::Cell::new(0);
        let load = |p: &ComparedPage| {
            loads.set(loads.get() + 1);
            kept.get(&p.url_id?).map(|b| runs_from_bytes(b))
        };
        assert_eq!(audit_with(&sampled, &r, &load).unwrap(), whole);
        assert!(loads.get() > 0, "pairs were measured on loaded runs");

        // The samples out of memory too, given back one scratch file at a time (as the audit's
        // files do), in any order within a file: a file is one part of the index or, with more
        // parts than files, several (the runs of the other parts are then ignored).
        let mut spilled = sampled.clone();
        let samples: Vec<(i64, Vec<u32>)> = spilled
            .iter_mut()
            .map(|p| {
                let mut runs = std::mem::take(&mut p.fingerprint.runs);
                runs.reverse();
                (p.url_id.unwrap_or_default(), runs)
            })
            .collect();
        for index in [
            IndexParts::for_pages(spilled.len()),
            IndexParts::for_pages(5_000_000),
        ] {
            let mut files: HashMap<usize, Vec<(i64, Vec<u32>)>> = HashMap::new();
            for (id, runs) in &samples {
                for &run in runs {
                    let file = files.entry(index.file_of(run)).or_default();
                    match file.iter_mut().find(|(i, _)| i == id) {
                        Some((_, runs)) => runs.push(run),
                        None => file.push((*id, vec![run])),
                    }
                }
            }
            assert!(files.len() > 1, "the runs fall in several files");
            let asked = std::cell::RefCell::new(Vec::new());
            let give = |part: u32, each: &mut dyn FnMut(i64, &[u32])| {
                asked.borrow_mut().push(part);
                for (id, runs) in files.get(&index.file_of_part(part)).into_iter().flatten() {
                    each(*id, runs);
                }
            };
            assert_eq!(
                audit_spilled(&spilled, &r, index, &load, &give).unwrap(),
                whole
            );
            assert_eq!(*asked.borrow(), (0..index.count()).collect::<Vec<_>>());
        }
        let index = IndexParts::for_pages(spilled.len());
        // Without them, the pages share nothing to be compared by.
        assert!(
            audit_spilled(&spilled, &r, index, &load, &|_, _| {})
                .unwrap()
                .len()
                < whole.len()
        );
    }

    #[test]
    fn the_index_has_more_parts_as_pages_grow_and_files_stay_few() {
        let small = IndexParts::for_pages(20_000);
        assert_eq!(small.count(), 32);
        assert_eq!(small.files(), 32);
        let million = IndexParts::for_pages(1_000_000);
        assert_eq!(million.count(), 128);
        assert_eq!(IndexParts::for_pages(2_000_000).count(), 256);
        let huge = IndexParts::for_pages(100_000_000);
        assert_eq!(huge.count(), 4096);
        assert_eq!(huge.files(), IndexParts::MAX_FILES);
        for parts in [small, million, huge] {
            for run in [0, 1, 0x7fff_ffff, 0x8000_0000, u32::MAX] {
                assert!(parts.of(run) < parts.count());
                assert!(parts.file_of(run) < parts.files());
            }
            // Neighbouring parts share a file; every file is used.
            assert_eq!(parts.file_of_part(parts.count() - 1), parts.files() - 1);
            assert_eq!(parts.file_of(u32::MAX), parts.files() - 1);
        }
    }

    #[test]
    fn query_string_variants_of_one_page_are_one_page() {
        let base = text(9, 300);
        let page = |url: &str| ComparedPage {
            url: url.into(),
            site: "https://a.gov".into(),
            title: None,
            date: None,
            fingerprint: fp(&base),
            url_id: None,
        };
        let one = vec![
            page("https://a.gov/p?promo"),
            page("https://a.gov/p"),
            page("https://a.gov/p//"),
            page("https://a.gov/p/index.html"),
        ];
        assert!(audit(&one, &rules()).unwrap().is_empty());
        let two = vec![
            page("https://a.gov/p?promo"),
            page("https://a.gov/q"),
            page("https://a.gov/p"),
        ];
        let f = audit(&two, &rules()).unwrap();
        assert_eq!(
            f[0].extra["urls"],
            serde_json::json!(["https://a.gov/p", "https://a.gov/q"])
        );
    }

    #[test]
    fn a_chain_is_split_so_every_pair_in_a_group_is_a_copy() {
        // B is A with its first 100 words changed, C is B with its last 100 changed:
        // A~B and B~C pass the threshold, A~C does not.
        let a = text(11, 400);
        let mut b = a.clone();
        for (i, w) in b.iter_mut().take(100).enumerate() {
            *w = format!("alpha{i}");
        }
        let mut c = b.clone();
        for (i, w) in c.iter_mut().skip(300).enumerate() {
            *w = format!("omega{i}");
        }
        let docs = vec![fp(&a), fp(&b), fp(&c)];
        let r = rules();
        let ab = overlap(&docs[0], &docs[1], &r).similarity;
        let bc = overlap(&docs[1], &docs[2], &r).similarity;
        let ac = overlap(&docs[0], &docs[2], &r).similarity;
        assert!(
            ab >= r.threshold && bc >= r.threshold && ac < r.threshold,
            "{ab} {bc} {ac}"
        );
        let g = find_groups(&docs, &r).unwrap();
        let groups: Vec<(Vec<usize>, f64)> = g
            .near
            .iter()
            .map(|g| (g.members.clone(), g.similarity))
            .collect();
        assert_eq!(groups, vec![(vec![0, 1], ab), (vec![1, 2], bc)]);
        // Pages of one series stay one group, the chain's weakest link its similarity.
        let series = vec![Some("s".to_string()); 3];
        let g = find_groups_with(&docs, &series, &r).unwrap();
        assert_eq!(g.near.len(), 1);
        assert_eq!(g.near[0].members, vec![0, 1, 2]);
        assert!(g.near[0].series);
        assert!((g.near[0].similarity - ab.min(bc)).abs() < 1e-12);
    }

    #[test]
    fn same_wording_with_other_figures_says_so() {
        let base = text(5, 200).join(" ");
        let page = |url: &str, site: &str, t: String| ComparedPage {
            url: url.into(),
            site: site.into(),
            title: None,
            date: None,
            fingerprint: Fingerprint::of(&t, &rules()),
            url_id: None,
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
        let f = audit(&pages, &rules()).unwrap();
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
