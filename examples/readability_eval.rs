//! Readability agreement and speed: scores the 70 passages of `../shared/eval/readability/` and
//! compares every score with textstat 0.7.13's reference values.
//!
//! ```text
//! cargo run --release --example readability_eval -- [DIR] [--repeat N]
//! ```
//! Prints, per score, how many passages are within 0.01 / 0.1 / 0.5 of the reference, the largest
//! difference, then throughput in MB/s of text (all passages scored N times, default 200).
//! `bench/readability.sh` runs this and textstat on the same texts for the speed ratio.

use std::time::Instant;

use govaudit::readability::Counts;

fn main() {
    let mut dir = std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/eval/readability"
    ));
    let mut repeat = 200usize;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        if args[i] == "--repeat" {
            repeat = args
                .get(i + 1)
                .and_then(|v| v.parse().ok())
                .expect("--repeat N");
            i += 2;
        } else {
            dir = args[i].clone().into();
            i += 1;
        }
    }
    let reference_file = dir.join("textstat_reference.json");
    let text = match std::fs::read_to_string(&reference_file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!(
                "readability_eval: cannot read {} ({e}).\n\
                 It needs a folder with textstat_reference.json (textstat 0.7.13's scores) and the\n\
                 passages it names: the project's shared data at ../shared/eval/readability, or\n\
                 give the folder as the first argument.",
                reference_file.display()
            );
            std::process::exit(2);
        }
    };
    let reference: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        eprintln!(
            "readability_eval: {}: not JSON ({e})",
            reference_file.display()
        );
        std::process::exit(2);
    });
    let texts = reference["texts"].as_object().expect("texts");
    let fields = [
        "flesch_reading_ease",
        "flesch_kincaid_grade",
        "gunning_fog",
        "smog_index",
        "coleman_liau_index",
        "automated_readability_index",
        "dale_chall_readability_score",
        "lexicon_count",
        "sentence_count",
        "syllable_count",
    ];
    let mut within = vec![[0usize; 3]; fields.len()];
    let mut worst = vec![(0.0f64, String::new()); fields.len()];
    let mut corpus: Vec<String> = Vec::new();
    for (id, r) in texts {
        let text =
            std::fs::read_to_string(dir.join(r["file"].as_str().expect("file"))).expect("passage");
        let c = Counts::of_text(&text);
        let s = c.scores();
        let mut ours: Vec<f64> = s.named().iter().map(|(_, v)| *v).collect();
        ours.extend([
            c.words as f64,
            c.sentence_count() as f64,
            c.syllables as f64,
        ]);
        for (k, f) in fields.iter().enumerate() {
            let want = r[*f].as_f64().expect("number");
            let d = (ours[k] - want).abs();
            for (t, tol) in [0.01, 0.1, 0.5].iter().enumerate() {
                if d <= *tol {
                    within[k][t] += 1;
                }
            }
            if d > worst[k].0 {
                worst[k] = (d, format!("{id}: {} vs {want}", ours[k]));
            }
        }
        corpus.push(text);
    }
    println!(
        "{} passages, textstat {} reference",
        texts.len(),
        reference["textstat_version"]
    );
    println!(
        "{:<30} {:>6} {:>6} {:>6}  largest difference",
        "score", "<=0.01", "<=0.1", "<=0.5"
    );
    for (k, f) in fields.iter().enumerate() {
        println!(
            "{:<30} {:>6} {:>6} {:>6}  {:.6} {}",
            f, within[k][0], within[k][1], within[k][2], worst[k].0, worst[k].1
        );
    }
    let bytes: usize = corpus.iter().map(String::len).sum();
    let t = Instant::now();
    let mut sink = 0.0;
    for _ in 0..repeat {
        for text in &corpus {
            sink += Counts::of_text(text).scores().flesch_kincaid_grade;
        }
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "throughput: {:.1} MB/s ({} passes over {:.0} KB in {:.2} s; checksum {sink:.1})",
        (bytes * repeat) as f64 / secs / 1e6,
        repeat,
        bytes as f64 / 1e3,
        secs
    );
}
