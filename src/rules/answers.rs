//! The inconsistent-answers rule file (`rules/answers.toml`): what a claim's attribute is called
//! and recognised by, which words qualify a value (who, when, which term), which mailboxes are
//! general, and the words that name nothing.
//!
//! Reads: the parsed TOML. Writes nothing. Validation compiles every pattern once, so a bad one
//! stops the command with the rule's name before any audit runs.

use std::collections::BTreeMap;

use serde::Deserialize;

/// What a fact says about its subject ("fee", "deadline", "processing time"), and how to tell.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeRule {
    /// The attribute's id, as findings show it.
    pub id: String,
    /// The fact types it takes (`money`, `duration`, …).
    pub types: Vec<String>,
    /// Words or phrases near a value that name the attribute (compared after a light suffix
    /// trim: "fees" and "fee" are one word).
    #[serde(default)]
    pub words: Vec<String>,
}

/// A kind of qualifier: words that make two different values both right ("veterans" and
/// "survivors", "fall" and "spring").
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QualifierRule {
    /// The kind (`audience`, `term`, …).
    pub class: String,
    /// Its words; a word's plural or other ending counts too.
    pub words: Vec<String>,
}

/// Settings of the inconsistent-answers audit (`rules/answers.toml`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerRules {
    /// Subject similarity at which two claims are about the same thing.
    pub threshold: f64,
    /// Fact types compared (`phone`, `email`, …).
    pub fact_types: Vec<String>,
    /// A dispute is reported only when one of its values is given by at least this many
    /// sources.
    pub min_majority: usize,
    /// Extra stop words.
    #[serde(default)]
    pub stop_words: Vec<String>,
    /// Words that name no subject ("contact", "program", "faq").
    #[serde(default)]
    pub generic_words: Vec<String>,
    /// Regular expressions: pages whose URL matches one are not sources of answers.
    #[serde(default)]
    pub skip_urls: Vec<String>,
    /// Mailbox names that mean "write to us" (info@, help@): a general mailbox is compared only
    /// with general mailboxes of the same domain.
    #[serde(default)]
    pub general_mailboxes: Vec<String>,
    /// The attributes claims are sorted into.
    #[serde(default, rename = "attribute")]
    pub attributes: Vec<AttributeRule>,
    /// Qualifier words by kind.
    #[serde(default, rename = "qualifier")]
    pub qualifiers: Vec<QualifierRule>,
    /// word → the word it means, built from the file's `[synonyms]` lists.
    #[serde(rename = "synonyms", deserialize_with = "invert_synonyms", default)]
    pub synonyms: BTreeMap<String, String>,
}

fn invert_synonyms<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    let lists: BTreeMap<String, Vec<String>> = Deserialize::deserialize(d)?;
    let mut out = BTreeMap::new();
    for (head, words) in lists {
        for w in words {
            out.insert(w.to_lowercase(), head.clone());
        }
        out.insert(head.to_lowercase(), head.clone());
    }
    Ok(out)
}

/// The fact types the audit knows.
const KNOWN: &[&str] = &[
    "phone", "email", "money", "percent", "duration", "date", "age", "url", "hours",
];

impl AnswerRules {
    pub(crate) fn validate(&self) -> Result<(), String> {
        if !(self.threshold > 0.0 && self.threshold <= 1.0) {
            return Err(format!(
                "threshold = {} is out of range; use a similarity above 0 and at most 1 (e.g. 0.5)",
                self.threshold
            ));
        }
        if self.min_majority == 0 {
            return Err("min_majority = 0 would report values nobody gives; use 1 or more".into());
        }
        for p in &self.skip_urls {
            if let Err(e) = regex::Regex::new(p) {
                return Err(format!(
                    "skip_urls: {p:?} is not a valid regular expression: {e}"
                ));
            }
        }
        let check_type = |t: &str, what: &str| {
            if KNOWN.contains(&t) {
                Ok(())
            } else {
                Err(format!(
                    "{what}: unknown fact type \"{t}\"; use any of {}",
                    KNOWN.join(", ")
                ))
            }
        };
        for t in &self.fact_types {
            check_type(t, "fact_types")?;
        }
        let mut seen = std::collections::HashSet::new();
        for a in &self.attributes {
            if !seen.insert(a.id.as_str()) {
                return Err(format!(
                    "attribute \"{}\" appears twice; give each attribute its own id",
                    a.id
                ));
            }
            if a.types.is_empty() {
                return Err(format!(
                    "attribute \"{}\": list the fact types it takes (e.g. types = [\"money\"])",
                    a.id
                ));
            }
            for t in &a.types {
                check_type(t, &format!("attribute \"{}\"", a.id))?;
            }
        }
        for q in &self.qualifiers {
            if q.words.is_empty() {
                return Err(format!(
                    "qualifier \"{}\": list its words (e.g. words = [\"veteran\", \"survivor\"])",
                    q.class
                ));
            }
        }
        Ok(())
    }
}
