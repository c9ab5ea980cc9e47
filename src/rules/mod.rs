//! Rule files: every threshold and word list the audits use, as TOML a user can read and edit.
//!
//! Reads the defaults compiled in from the repository's `rules/` folder, or a folder given with
//! `--rules DIR` (a copy of `rules/`, edited). Writes nothing. Audits receive a [`RuleSet`] value
//! and never open a file themselves.
//!
//! A rule folder may leave files out (the built-in file is used, and the log says so), but every
//! `.toml` file in it must be one govaudit knows and every field must be one the file's rules
//! have: a typo is an error that names the file, the line and the expected names, never a rule
//! silently ignored.

mod answers;
mod consolidation;
mod governance;

use std::path::{Path, PathBuf};

use serde::Deserialize;

pub use answers::{AnswerRules, AttributeRule, QualifierRule};
pub use consolidation::{ConsolidationRules, FixRules, MergeRules, RetireRules, StaleRules};
pub use governance::{Check, GovernanceRule, GovernanceRules};

/// The rule files govaudit reads, with their built-in text.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "duplicates.toml",
        include_str!("../../rules/duplicates.toml"),
    ),
    (
        "readability.toml",
        include_str!("../../rules/readability.toml"),
    ),
    (
        "plain_language.toml",
        include_str!("../../rules/plain_language.toml"),
    ),
    ("answers.toml", include_str!("../../rules/answers.toml")),
    (
        "governance.toml",
        include_str!("../../rules/governance.toml"),
    ),
    (
        "consolidation.toml",
        include_str!("../../rules/consolidation.toml"),
    ),
];

/// Why a rule folder could not be used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The folder or a file in it could not be read.
    #[error(
        "reading rules {path}: {source}; pass a folder made by copying govaudit's rules/ folder"
    )]
    Read {
        /// The folder or file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A file is not valid TOML or has a field its rules do not have.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What the TOML reader said (with line and column).
        message: String,
    },
    /// A value is out of range.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A `.toml` file in the folder is not one govaudit reads.
    #[error("{path}: not a govaudit rule file{hint}; the rule files are {known}")]
    UnknownFile {
        /// The file.
        path: PathBuf,
        /// ` (did you mean "x"?)`, or empty.
        hint: String,
        /// The known file names.
        known: String,
    },
}

/// Settings of the duplicate-content audit (`rules/duplicates.toml`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DuplicateRules {
    /// Pages with fewer main-content words are not compared.
    pub min_words: usize,
    /// Words a shared passage has at least (the length of the word runs compared).
    pub passage_words: usize,
    /// Near-duplicates treat every number as the same word.
    pub ignore_numbers: bool,
    /// Near-duplicate threshold on the similarity: the share of both pages' words that stand in
    /// passages they share.
    pub threshold: f64,
    /// A copy is "republished" when at least this share of the shorter page stands in the
    /// longer one and the longer adds text of its own.
    pub republished_containment: f64,
    /// One word run in this many is indexed to find candidate pairs.
    pub sample: u32,
    /// A word run on more pages than this is boilerplate, not evidence of a copy.
    pub max_pages_per_passage: usize,
    /// Pages with at least this share of their words in links (indexes, listings) are not
    /// compared.
    pub max_link_share: f64,
}

impl DuplicateRules {
    fn validate(&self) -> Result<(), String> {
        if self.min_words == 0 {
            return Err(
                "min_words = 0 would compare empty pages; use at least 1 (50 is usual)".into(),
            );
        }
        if self.passage_words == 0 || self.passage_words > 30 {
            return Err(format!(
                "passage_words = {} is out of range; use 1 to 30 (8 is usual)",
                self.passage_words
            ));
        }
        for (name, v) in [
            ("threshold", self.threshold),
            ("republished_containment", self.republished_containment),
            ("max_link_share", self.max_link_share),
        ] {
            if !(v > 0.0 && v <= 1.0) {
                return Err(format!(
                    "{name} = {v} is out of range; use a share above 0 and at most 1 (e.g. 0.6)"
                ));
            }
        }
        if self.sample == 0 || self.sample > 64 {
            return Err(format!(
                "sample = {} is out of range; use 1 to 64 (4 is usual: one word run in four is indexed)",
                self.sample
            ));
        }
        if self.max_pages_per_passage < 2 {
            return Err(format!(
                "max_pages_per_passage = {} would find no pair; use 2 or more (100 is usual)",
                self.max_pages_per_passage
            ));
        }
        Ok(())
    }
}

/// A readability metric a rule can limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Flesch Reading Ease (higher is easier).
    FleschReadingEase,
    /// Flesch-Kincaid Grade.
    FleschKincaidGrade,
    /// Gunning Fog index.
    GunningFog,
    /// SMOG index.
    SmogIndex,
    /// Coleman-Liau index.
    ColemanLiauIndex,
    /// Automated Readability Index.
    AutomatedReadabilityIndex,
    /// Dale-Chall score.
    DaleChall,
    /// Average words per sentence.
    WordsPerSentence,
}

impl Metric {
    /// The name in rule files and findings.
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::FleschReadingEase => "flesch_reading_ease",
            Metric::FleschKincaidGrade => "flesch_kincaid_grade",
            Metric::GunningFog => "gunning_fog",
            Metric::SmogIndex => "smog_index",
            Metric::ColemanLiauIndex => "coleman_liau_index",
            Metric::AutomatedReadabilityIndex => "automated_readability_index",
            Metric::DaleChall => "dale_chall",
            Metric::WordsPerSentence => "words_per_sentence",
        }
    }

    /// How people name it in a sentence.
    pub fn label(self) -> &'static str {
        match self {
            Metric::FleschReadingEase => "Flesch Reading Ease",
            Metric::FleschKincaidGrade => "Flesch-Kincaid grade",
            Metric::GunningFog => "Gunning Fog index",
            Metric::SmogIndex => "SMOG grade",
            Metric::ColemanLiauIndex => "Coleman-Liau index",
            Metric::AutomatedReadabilityIndex => "Automated Readability Index",
            Metric::DaleChall => "Dale-Chall score",
            Metric::WordsPerSentence => "average sentence length (words)",
        }
    }
}

fn yes() -> bool {
    true
}

/// One readability limit (`[[rule]]` in `rules/readability.toml`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadabilityRule {
    /// Rule id, reported as the finding's `rule`.
    pub id: String,
    /// Off rules are skipped.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Severity of its findings.
    pub severity: crate::model::Severity,
    /// The metric limited.
    pub metric: Metric,
    /// Highest acceptable value.
    pub max: Option<f64>,
    /// Lowest acceptable value.
    pub min: Option<f64>,
    /// What to write instead.
    pub suggestion: Option<String>,
}

/// Settings of the readability audit (`rules/readability.toml`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadabilityRules {
    /// Texts with fewer words get no findings.
    pub min_words: usize,
    /// Grade the site view counts pages against.
    pub target_grade: f64,
    /// The limits.
    #[serde(rename = "rule", default)]
    pub rules: Vec<ReadabilityRule>,
}

impl ReadabilityRules {
    fn validate(&self) -> Result<(), String> {
        let mut ids = std::collections::HashSet::new();
        for r in &self.rules {
            if !ids.insert(r.id.as_str()) {
                return Err(format!(
                    "rule \"{}\" is defined twice; give each rule its own id",
                    r.id
                ));
            }
            if r.max.is_none() == r.min.is_none() {
                return Err(format!(
                    "rule \"{}\": give exactly one of max (for grades and lengths) or min (for reading ease)",
                    r.id
                ));
            }
        }
        Ok(())
    }
}

/// A word or phrase to avoid (`[[phrase]]` in `rules/plain_language.toml`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhraseRule {
    /// Rule id (`category/name`), reported as the finding's `rule`.
    pub id: String,
    /// Words or phrases; "a ... b" for "a" followed later in the sentence by "b".
    pub find: Vec<String>,
    /// What to write instead.
    pub suggestion: Option<String>,
    /// The finding's message; `{found}`, `{count}`, `{times}` and `{suggestion}` are filled in.
    /// Without it, a message is made from the rule's category (the part of the id before `/`).
    pub message: Option<String>,
    /// Severity of its findings.
    pub severity: crate::model::Severity,
    /// Off rules are skipped.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Whether the first word also matches its inflections (off for words whose inflected forms
    /// mean something else: "elected officials", "initials").
    #[serde(default = "yes")]
    pub inflect: bool,
    /// Where the rule comes from.
    pub source: Option<String>,
}

/// The built-in plain-language checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckKind {
    /// "shall".
    Shall,
    /// A form of "to be" with a past participle.
    PassiveVoice,
    /// "make a decision": a weak verb and a noun made from a verb.
    HiddenVerb,
    /// "the implementation of".
    HiddenVerbOf,
    /// Sentences over `max_words`.
    LongSentence,
    /// Paragraphs over `max_words`.
    LongParagraph,
    /// Capitalised abbreviations never spelled out on the page.
    UndefinedAcronym,
}

/// A built-in check with its settings (`[[check]]` in `rules/plain_language.toml`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckRule {
    /// Rule id.
    pub id: String,
    /// Which check.
    pub check: CheckKind,
    /// Off rules are skipped.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Severity of its findings.
    pub severity: crate::model::Severity,
    /// What to do instead.
    pub suggestion: Option<String>,
    /// The finding's message; `{found}`, `{count}`, `{times}`, `{suggestion}`, `{max_words}`,
    /// `{longest}` and `{terms}` are filled in. Without it, the check's built-in message is used.
    pub message: Option<String>,
    /// The limit of long-sentence and long-paragraph.
    pub max_words: Option<usize>,
    /// passive-voice: report only when more than this share of sentences is passive.
    pub max_share: Option<f64>,
}

/// Settings of the plain-language audit (`rules/plain_language.toml`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlainLanguageRules {
    /// Acronyms that need no definition.
    #[serde(default)]
    pub known_acronyms: Vec<String>,
    /// Built-in checks.
    #[serde(rename = "check", default)]
    pub checks: Vec<CheckRule>,
    /// Words and phrases to avoid.
    #[serde(rename = "phrase", default)]
    pub phrases: Vec<PhraseRule>,
}

impl PlainLanguageRules {
    fn validate(&self) -> Result<(), String> {
        let mut ids = std::collections::HashSet::new();
        let all = self
            .checks
            .iter()
            .map(|c| c.id.as_str())
            .chain(self.phrases.iter().map(|p| p.id.as_str()));
        for id in all {
            if !ids.insert(id) {
                return Err(format!(
                    "rule \"{id}\" is defined twice; give each rule its own id"
                ));
            }
        }
        for p in &self.phrases {
            if p.find.iter().all(|f| f.trim().is_empty()) {
                return Err(format!(
                    "rule \"{}\": find is empty; list the words to look for",
                    p.id
                ));
            }
        }
        for c in &self.checks {
            let needs_limit = matches!(c.check, CheckKind::LongSentence | CheckKind::LongParagraph);
            if c.max_words == Some(0) {
                return Err(format!("rule \"{}\": max_words = 0 would flag every sentence; use 1 or more (40 is usual)", c.id));
            }
            if c.max_share.is_some_and(|s| !(0.0..=1.0).contains(&s)) {
                return Err(format!(
                    "rule \"{}\": max_share is a share of sentences between 0 and 1 (e.g. 0.1)",
                    c.id
                ));
            }
            if needs_limit && c.max_words.is_none() {
                return Err(format!(
                    "rule \"{}\": set max_words (e.g. max_words = 40)",
                    c.id
                ));
            }
        }
        Ok(())
    }
}

/// Every rule the audits use.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSet {
    /// Duplicate-content settings.
    pub duplicates: DuplicateRules,
    /// Readability limits.
    pub readability: ReadabilityRules,
    /// Plain-language rules.
    pub plain_language: PlainLanguageRules,
    /// Inconsistent-answers settings.
    pub answers: AnswerRules,
    /// Governance checks.
    pub governance: GovernanceRules,
    /// Consolidation weights and thresholds.
    pub consolidation: ConsolidationRules,
}

impl RuleSet {
    /// The rules compiled into govaudit (the repository's `rules/` folder).
    pub fn builtin() -> RuleSet {
        Self::from_sources(|_| Ok(None)).expect("the built-in rule files are valid (unit-tested)")
    }

    /// A hash of every rule: equal for rule sets that judge alike, whatever files they came from
    /// (an audit keeps results computed with the same rules).
    pub fn fingerprint(&self) -> u64 {
        // Debug output is deterministic: the rules hold no hash maps.
        xxhash_rust::xxh3::xxh3_64(format!("{self:?}").as_bytes())
    }

    /// Reads a rule folder: each known file from `dir` when present, else the built-in one.
    pub fn load(dir: &Path) -> Result<RuleSet, Error> {
        let entries = std::fs::read_dir(dir).map_err(|source| Error::Read {
            path: dir.to_path_buf(),
            source,
        })?;
        for entry in entries {
            let entry = entry.map_err(|source| Error::Read {
                path: dir.to_path_buf(),
                source,
            })?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".toml") && !BUILTIN.iter().any(|(n, _)| *n == name) {
                return Err(unknown_file(dir.join(&name), &name));
            }
        }
        Self::from_sources(|name| {
            let path = dir.join(name);
            match std::fs::read_to_string(&path) {
                Ok(text) => Ok(Some((path, text))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    log::info!("{} not found; using the built-in {name}", path.display());
                    Ok(None)
                }
                Err(source) => Err(Error::Read { path, source }),
            }
        })
    }

    /// Builds the set from each file's text: `source(name)` gives a user's file or None for the
    /// built-in one.
    fn from_sources(
        mut source: impl FnMut(&str) -> Result<Option<(PathBuf, String)>, Error>,
    ) -> Result<RuleSet, Error> {
        let (_, duplicates) = load(&mut source, "duplicates.toml", DuplicateRules::validate)?;
        let (_, readability) = load(&mut source, "readability.toml", ReadabilityRules::validate)?;
        let (_, plain_language) = load(
            &mut source,
            "plain_language.toml",
            PlainLanguageRules::validate,
        )?;
        let (_, answers) = load(&mut source, "answers.toml", AnswerRules::validate)?;
        let (_, governance) = load(&mut source, "governance.toml", GovernanceRules::validate)?;
        let (_, consolidation) = load(
            &mut source,
            "consolidation.toml",
            ConsolidationRules::validate,
        )?;
        Ok(RuleSet {
            duplicates,
            readability,
            plain_language,
            answers,
            governance,
            consolidation,
        })
    }
}

/// Reads one rule file (the user's, else the built-in one), parses and validates it.
fn load<T: serde::de::DeserializeOwned>(
    source: &mut impl FnMut(&str) -> Result<Option<(PathBuf, String)>, Error>,
    name: &str,
    validate: fn(&T) -> Result<(), String>,
) -> Result<(PathBuf, T), Error> {
    let (path, text) = match source(name)? {
        Some(found) => found,
        None => (PathBuf::from("rules").join(name), builtin_text(name)),
    };
    let rules: T = parse(&path, &text)?;
    validate(&rules).map_err(|message| Error::Invalid {
        path: path.clone(),
        message,
    })?;
    Ok((path, rules))
}

fn builtin_text(name: &str) -> String {
    BUILTIN
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| t.to_string())
        .unwrap_or_default()
}

fn parse<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> Result<T, Error> {
    toml::from_str(text).map_err(|e| Error::Parse {
        path: path.to_path_buf(),
        message: e.to_string().trim_end().replace('\n', " "),
    })
}

fn unknown_file(path: PathBuf, name: &str) -> Error {
    let best = BUILTIN
        .iter()
        .map(|(n, _)| (strsim::jaro_winkler(n, name), *n))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let hint = match best {
        Some((score, n)) if score > 0.8 => format!(" (did you mean \"{n}\"?)"),
        _ => String::new(),
    };
    let known = BUILTIN
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ");
    Error::UnknownFile { path, hint, known }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_load() {
        let r = RuleSet::builtin();
        assert_eq!(r.duplicates.passage_words, 8);
        assert_eq!(r.readability.rules[0].metric, Metric::FleschKincaidGrade);
        assert!(!r.readability.rules[3].enabled);
    }

    #[test]
    fn folder_overrides_and_falls_back() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join("duplicates.toml"),
            "min_words = 10\npassage_words = 5\nignore_numbers = false\nthreshold = 0.8\nrepublished_containment = 0.9\nsample = 2\nmax_pages_per_passage = 10\nmax_link_share = 0.5\n",
        )
        .expect("write");
        let r = RuleSet::load(dir.path()).expect("valid folder");
        assert_eq!(r.duplicates.min_words, 10);
        assert_eq!(r.duplicates.passage_words, 5);
        let empty = tempfile::tempdir().expect("temp dir");
        assert_eq!(
            RuleSet::load(empty.path()).expect("defaults"),
            RuleSet::builtin()
        );
    }

    #[test]
    fn typos_are_errors_that_say_where() {
        let dir = tempfile::tempdir().expect("temp dir");
        let f = dir.path().join("duplicates.toml");
        std::fs::write(&f, "min_words = 10\ntreshold = 0.8\n").expect("write");
        let msg = RuleSet::load(dir.path()).expect_err("typo").to_string();
        assert!(msg.contains("duplicates.toml"), "{msg}");
        assert!(msg.contains("treshold") && msg.contains("line 2"), "{msg}");

        std::fs::write(&f, BUILTIN[0].1.replace("sample = 4", "sample = 0")).expect("write");
        let msg = RuleSet::load(dir.path())
            .expect_err("bad sample")
            .to_string();
        assert!(msg.contains("sample = 0 is out of range"), "{msg}");

        std::fs::remove_file(&f).expect("remove");
        std::fs::write(dir.path().join("duplicate.toml"), "").expect("write");
        let msg = RuleSet::load(dir.path())
            .expect_err("unknown file")
            .to_string();
        assert!(msg.contains("did you mean \"duplicates.toml\""), "{msg}");

        let missing = RuleSet::load(&dir.path().join("nope")).expect_err("no folder");
        assert!(matches!(missing, Error::Read { .. }));
    }
}
