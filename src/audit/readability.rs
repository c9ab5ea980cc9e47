//! Readability findings: a page's (or a draft's) scores against the limits of
//! `rules/readability.toml`.
//!
//! Pure: counts and rules in, findings out. The scores come from [`crate::readability`]; this
//! module only decides which of them miss their target and says so in words a web manager reads.

use serde_json::{Map, Value};

use crate::model::Finding;
use crate::readability::Counts;
use crate::rules::{Metric, ReadabilityRules};

/// The value of a metric for some counted text.
pub fn metric_value(counts: &Counts, metric: Metric) -> f64 {
    let s = counts.scores();
    match metric {
        Metric::FleschReadingEase => s.flesch_reading_ease,
        Metric::FleschKincaidGrade => s.flesch_kincaid_grade,
        Metric::GunningFog => s.gunning_fog,
        Metric::SmogIndex => s.smog_index,
        Metric::ColemanLiauIndex => s.coleman_liau_index,
        Metric::AutomatedReadabilityIndex => s.automated_readability_index,
        Metric::DaleChall => s.dale_chall,
        Metric::WordsPerSentence => match counts.sentence_count() {
            0 => 0.0,
            n => counts.words as f64 / n as f64,
        },
    }
}

fn number(v: f64) -> Value {
    serde_json::Number::from_f64(v)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

/// The readability findings of one text (`what` names it in messages: "this page", "this draft").
/// `site` and `url` are left empty for the caller to fill.
pub fn check(counts: &Counts, rules: &ReadabilityRules, what: &str) -> Vec<Finding> {
    if counts.words < rules.min_words {
        return Vec::new();
    }
    let mut out = Vec::new();
    // The most severe missed rule of each metric speaks for it.
    let mut ordered: Vec<&crate::rules::ReadabilityRule> =
        rules.rules.iter().filter(|r| r.enabled).collect();
    ordered.sort_by_key(|r| r.severity);
    let mut reported: Vec<Metric> = Vec::new();
    for rule in ordered {
        if reported.contains(&rule.metric) {
            continue;
        }
        let value = metric_value(counts, rule.metric);
        let (threshold, missed, aim) = match (rule.max, rule.min) {
            (Some(max), _) => (max, value > max, "or below"),
            (None, Some(min)) => (min, value < min, "or above"),
            (None, None) => continue,
        };
        if !missed {
            continue;
        }
        reported.push(rule.metric);
        // One decimal, unless that would print the limit itself ("8.0; aim for 8 or below").
        let mut shown = format!("{value:.1}");
        for digits in 2..=4 {
            if shown.parse::<f64>().ok() != Some(threshold) {
                break;
            }
            shown = format!("{value:.digits$}");
        }
        let mut message = format!(
            "The {} of {what} is {shown}; aim for {threshold} {aim}.",
            rule.metric.label()
        );
        if let Some(s) = &rule.suggestion {
            message.push(' ');
            message.push_str(s);
        }
        let mut extra = Map::new();
        extra.insert("rule".into(), Value::String(rule.id.clone()));
        extra.insert("metric".into(), Value::String(rule.metric.as_str().into()));
        extra.insert("value".into(), number(value));
        extra.insert("threshold".into(), number(threshold));
        out.push(Finding {
            kind: crate::model::FindingKind::Readability,
            severity: rule.severity,
            site: String::new(),
            url: String::new(),
            message,
            extra,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Severity;

    fn rules() -> ReadabilityRules {
        crate::rules::RuleSet::builtin().readability
    }

    #[test]
    fn hard_text_misses_the_target_and_easy_text_does_not() {
        let hard = "Notwithstanding the aforementioned considerations, the administration's \
            determination regarding eligibility necessitates comprehensive documentation of \
            household composition, income verification, and residency authentication prior to \
            the commencement of benefit disbursement. "
            .repeat(6);
        let found = check(&Counts::of_text(&hard), &rules(), "this page");
        let ids: Vec<&str> = found
            .iter()
            .filter_map(|f| f.extra["rule"].as_str())
            .collect();
        assert_eq!(ids, ["hard-to-read", "average-sentence-length"]);
        assert!(found[0]
            .message
            .starts_with("The Flesch-Kincaid grade of this page is"));
        assert_eq!(found[0].extra["threshold"], 12.0);

        let easy =
            "You can get help with rent. Call us or apply online. We will answer in ten days. "
                .repeat(10);
        assert!(check(&Counts::of_text(&easy), &rules(), "this page").is_empty());
        // Too short to judge.
        assert!(check(&Counts::of_text(&hard[..200]), &rules(), "this page").is_empty());
        assert_eq!(
            rules()
                .rules
                .iter()
                .find(|r| r.id == "hard-to-read")
                .map(|r| r.severity),
            Some(Severity::Warning)
        );
        // Over the target but not hard: one info finding.
        // textstat: grade 9.32 over 160 words.
        let middling = "We review each application to see if you qualify for help with your \
            rent and your utility bills this year. "
            .repeat(8);
        let found = check(&Counts::of_text(&middling), &rules(), "this page");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].extra["rule"], "target-grade");
        assert_eq!(found[0].severity, Severity::Info);
    }
}
