//! Near-duplicate benchmark: generated documents with planted copies edited the way web pages
//! are (words replaced, a paragraph added or dropped, sections moved, an introduction added),
//! run through govaudit's duplicate engine (the one `govaudit audit` uses).
//!
//! ```text
//! cargo run --release --example bench_dups -- [--docs 100000] [--pairs 2000] [--words 300]
//!     [--threshold 0.62] [--write DIR]
//! ```
//! Prints time (fingerprints + grouping), peak memory, and recall and precision twice: for the
//! engine's measure (the share of both texts' words in shared 8-word passages) at `--threshold`,
//! against that measure computed here on word strings, independently of the engine's hashes; and
//! for planted pairs whose word-triple Jaccard is at least 0.9 (the old measure's scale, for
//! comparison with datasketch). `--write DIR` also writes `docs.txt` (one document a line) and
//! `pairs.tsv` for `bench/dups_datasketch.py`.

use std::collections::HashSet;
use std::io::Write;
use std::time::Instant;

use govaudit::audit::duplicates::{find_groups, Fingerprint};
use govaudit::rules::RuleSet;

struct Args {
    docs: usize,
    pairs: usize,
    words: usize,
    threshold: f64,
    write: Option<std::path::PathBuf>,
}

fn args() -> Args {
    let mut a = Args {
        docs: 100_000,
        pairs: 2_000,
        words: 300,
        threshold: 0.62,
        write: None,
    };
    let v: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i + 1 < v.len() {
        let val = &v[i + 1];
        match v[i].as_str() {
            "--docs" => a.docs = val.parse().expect("--docs N"),
            "--pairs" => a.pairs = val.parse().expect("--pairs N"),
            "--words" => a.words = val.parse().expect("--words N"),
            "--threshold" => a.threshold = val.parse().expect("--threshold X"),
            "--write" => a.write = Some(val.into()),
            other => panic!("unknown argument {other}"),
        }
        i += 2;
    }
    a
}

/// xorshift-multiply PRNG: deterministic documents on every machine.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A word from a 60,000-word vocabulary with a Zipf-like skew (common words repeat, as in
/// real text), spelled with letters only.
fn word(rng: &mut Rng) -> String {
    let u = (rng.below(1_000_000) as f64 + 1.0) / 1_000_000.0;
    let rank = (60_000f64.powf(u)) as u64; // log-uniform: rank r has weight ~ 1/r
    let mut n = rank;
    let mut s = String::new();
    loop {
        s.push((b'a' + (n % 26) as u8) as char);
        n /= 26;
        if n == 0 {
            break;
        }
    }
    s
}

fn triples(doc: &[String]) -> HashSet<String> {
    doc.windows(3).map(|w| w.join(" ")).collect()
}

/// The engine's measure, computed on word strings: the share of both texts' words that stand in
/// a run of `k` words the other text has too.
fn passage_similarity(a: &[String], b: &[String], k: usize) -> f64 {
    let runs = |d: &[String]| -> HashSet<String> { d.windows(k).map(|w| w.join(" ")).collect() };
    let covered = |d: &[String], other: &HashSet<String>| -> usize {
        let mut c = vec![false; d.len()];
        for (i, w) in d.windows(k).enumerate() {
            if other.contains(&w.join(" ")) {
                for x in c.iter_mut().skip(i).take(k) {
                    *x = true;
                }
            }
        }
        c.iter().filter(|x| **x).count()
    };
    let (ra, rb) = (runs(a), runs(b));
    (covered(a, &rb) + covered(b, &ra)) as f64 / (a.len() + b.len()).max(1) as f64
}

fn exact_jaccard(a: &[String], b: &[String]) -> f64 {
    let (x, y) = (triples(a), triples(b));
    let inter = x.intersection(&y).count() as f64;
    inter / ((x.len() + y.len()) as f64 - inter)
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn main() {
    let a = args();
    let mut rng = Rng(42);

    // Documents: random text; the last 2 * pairs form planted pairs (an original and a copy
    // edited one of five ways, so similarities spread over about 0.5..1.0).
    let t0 = Instant::now();
    let mut texts: Vec<String> = (0..a.docs.saturating_sub(2 * a.pairs))
        .map(|_| {
            (0..a.words)
                .map(|_| word(&mut rng))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let mut planted: Vec<(usize, usize, f64, f64)> = Vec::with_capacity(a.pairs);
    let mut edit_kinds = [0usize; 5];
    for _ in 0..a.pairs {
        let original: Vec<String> = (0..a.words).map(|_| word(&mut rng)).collect();
        let mut copy = original.clone();
        let para = (a.words / 6).max(1);
        let kind = rng.below(5) as usize;
        edit_kinds[kind] += 1;
        match kind {
            // A few words changed here and there.
            0 => {
                for _ in 0..rng.below(15) {
                    let at = rng.below(a.words as u64) as usize;
                    copy[at] = format!("edit{}", rng.below(1_000_000_000));
                }
            }
            // A paragraph of its own added (up to two).
            1 => {
                for _ in 0..=rng.below(2) {
                    let at = rng.below(copy.len() as u64) as usize;
                    let own: Vec<String> = (0..para).map(|_| word(&mut rng)).collect();
                    copy.splice(at..at, own);
                }
            }
            // A paragraph (or two) dropped.
            2 => {
                for _ in 0..=rng.below(2) {
                    let at = rng.below((copy.len() - para) as u64) as usize;
                    copy.drain(at..at + para);
                }
            }
            // Sections moved: the second half first.
            3 => copy.rotate_left(a.words / 2),
            // An introduction of its own, then the whole text.
            _ => {
                let intro: Vec<String> = (0..para + rng.below(para as u64) as usize)
                    .map(|_| word(&mut rng))
                    .collect();
                copy.splice(0..0, intro);
            }
        }
        let j = exact_jaccard(&original, &copy);
        let sim = passage_similarity(&original, &copy, 8);
        planted.push((texts.len(), texts.len() + 1, j, sim));
        texts.push(original.join(" "));
        texts.push(copy.join(" "));
    }
    let words_of = |i: usize| -> Vec<String> { texts[i].split(' ').map(str::to_string).collect() };
    let generated = t0.elapsed();

    if let Some(dir) = &a.write {
        std::fs::create_dir_all(dir).expect("create --write dir");
        let mut f =
            std::io::BufWriter::new(std::fs::File::create(dir.join("docs.txt")).expect("docs.txt"));
        for t in &texts {
            writeln!(f, "{t}").expect("write docs.txt");
        }
        let mut p = std::fs::File::create(dir.join("pairs.tsv")).expect("pairs.tsv");
        for (x, y, j, _) in &planted {
            writeln!(p, "{x}\t{y}\t{j}").expect("write pairs.tsv");
        }
    }

    let mut rules = RuleSet::builtin().duplicates;
    rules.threshold = a.threshold;
    rules.ignore_numbers = true;
    // Restart the peak-memory count (Linux: "5" resets VmHWM) so it measures the engine's run.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let rss_before = peak_rss_mb();
    let t1 = Instant::now();
    let fps: Vec<Fingerprint> = texts.iter().map(|t| Fingerprint::of(t, &rules)).collect();
    let fingerprinted = t1.elapsed();
    let groups = match find_groups(&fps, &rules) {
        Ok(groups) => groups,
        Err(e) => {
            eprintln!("bench_dups: {e}");
            std::process::exit(1);
        }
    };
    let total = t1.elapsed();
    let rss_after = peak_rss_mb();

    // Reported pairs: every pair inside a group.
    let mut group_of = vec![usize::MAX; texts.len()];
    let mut reported: Vec<(usize, usize)> = Vec::new();
    for (gi, g) in groups.exact.iter().chain(&groups.near).enumerate() {
        for (k, &m) in g.members.iter().enumerate() {
            group_of[m] = gi;
            for &n in &g.members[..k] {
                reported.push((n, m));
            }
        }
    }
    let together = |x: usize, y: usize| group_of[x] != usize::MAX && group_of[x] == group_of[y];

    println!(
        "documents            {} ({} words each, {} planted pairs; generated in {:.1} s)",
        texts.len(),
        a.words,
        a.pairs,
        generated.as_secs_f64()
    );
    println!(
        "edits                {} words replaced, {} paragraphs added, {} dropped, {} sections moved, {} introductions added",
        edit_kinds[0], edit_kinds[1], edit_kinds[2], edit_kinds[3], edit_kinds[4]
    );
    println!(
        "rules                passages of {} words, one run in {} indexed, threshold {}",
        rules.passage_words, rules.sample, rules.threshold
    );
    println!(
        "time                 {:.2} s (fingerprints {:.2} s, index + candidates + measuring {:.2} s)",
        total.as_secs_f64(),
        fingerprinted.as_secs_f64(),
        (total - fingerprinted).as_secs_f64()
    );
    println!(
        "peak memory          {:.0} MB (documents held as text before the run: {:.0} MB)",
        rss_after, rss_before
    );
    println!(
        "candidates verified  {} (confirmed {})",
        groups.verified_pairs, groups.confirmed_pairs
    );
    // The engine's measure, checked on strings.
    let relevant: Vec<_> = planted.iter().filter(|p| p.3 >= a.threshold).collect();
    let found = relevant.iter().filter(|p| together(p.0, p.1)).count();
    println!(
        "planted pairs, passage similarity >= {}: {}; found {}: recall {:.4}",
        a.threshold,
        relevant.len(),
        found,
        found as f64 / relevant.len().max(1) as f64
    );
    let correct = reported
        .iter()
        .filter(|(x, y)| {
            passage_similarity(&words_of(*x), &words_of(*y), rules.passage_words) >= a.threshold
        })
        .count();
    println!(
        "reported pairs       {}; passage similarity >= {} on strings: {}: precision {:.4}",
        reported.len(),
        a.threshold,
        correct,
        correct as f64 / reported.len().max(1) as f64
    );
    // On the old scale: planted pairs at word-triple Jaccard 0.9 or more.
    let high: Vec<_> = planted.iter().filter(|p| p.2 >= 0.9).collect();
    let found_high = high.iter().filter(|p| together(p.0, p.1)).count();
    println!(
        "planted pairs, triple Jaccard >= 0.9: {}; found {}: recall {:.4}",
        high.len(),
        found_high,
        found_high as f64 / high.len().max(1) as f64
    );
    println!("found by passage similarity  (planted pairs found / planted)");
    for b in 0..10 {
        let lo = b as f64 / 10.0;
        let in_bucket: Vec<_> = planted
            .iter()
            .filter(|p| p.3 >= lo && p.3 < lo + 0.1 + if b == 9 { 0.01 } else { 0.0 })
            .collect();
        if in_bucket.is_empty() {
            continue;
        }
        let hits = in_bucket.iter().filter(|p| together(p.0, p.1)).count();
        println!(
            "  {:.1}..{:.1}         {}/{}",
            lo,
            lo + 0.1,
            hits,
            in_bucket.len()
        );
    }
}
