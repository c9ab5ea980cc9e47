//! The consolidation rule file (`rules/consolidation.toml`): the weights and thresholds that turn
//! a site's figures into keep, fix, merge or retire. The decision itself is documented at the top
//! of that file and made by `audit::consolidation`.
//!
//! Reads: the parsed TOML. Writes nothing.

use serde::Deserialize;

/// When a site merges into another.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MergeRules {
    /// Weight of the page overlap in the merge score.
    pub page_overlap_weight: f64,
    /// Weight of the topic similarity in the merge score.
    pub topic_weight: f64,
    /// Added to the merge score of a stale site.
    pub stale_weight: f64,
    /// Added to the merge score of a site with little traffic.
    pub low_traffic_weight: f64,
    /// Merge score at which a site merges into the other.
    pub merge_score: f64,
    /// Share of its pages a live, maintained site (not stale, not low on traffic) must have
    /// copied on the other site to merge: topic similarity alone never merges such sites.
    pub min_copied_share: f64,
}

/// When a site is retired.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetireRules {
    /// Share of the site's pages copied on one other site that leaves nothing of its own.
    pub retire_page_overlap: f64,
}

/// Staleness and traffic.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaleRules {
    /// Days since the newest update after which a site is stale.
    pub stale_days: u32,
    /// Traffic share under which a site has little traffic.
    pub low_traffic_share: f64,
}

/// When a site needs fixing.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixRules {
    /// Governance score (passed / checked) under which a site needs fixing.
    pub fix_governance_score: f64,
    /// Broken-link rate at which a site needs fixing.
    pub fix_broken_link_rate: f64,
    /// Median Flesch-Kincaid grade above which a site needs fixing.
    pub fix_median_grade: f64,
    /// Inconsistent answers at which a site needs fixing.
    pub fix_inconsistent_answers: u32,
}

/// Settings of the consolidation analysis (`rules/consolidation.toml`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsolidationRules {
    /// Merge weights and threshold.
    pub merge: MergeRules,
    /// Retire threshold.
    pub retire: RetireRules,
    /// Staleness and traffic.
    pub stale: StaleRules,
    /// Fix thresholds.
    pub fix: FixRules,
}

impl ConsolidationRules {
    pub(crate) fn validate(&self) -> Result<(), String> {
        let shares = [
            ("merge.page_overlap_weight", self.merge.page_overlap_weight),
            ("merge.topic_weight", self.merge.topic_weight),
            ("merge.stale_weight", self.merge.stale_weight),
            ("merge.low_traffic_weight", self.merge.low_traffic_weight),
            ("merge.merge_score", self.merge.merge_score),
            ("merge.min_copied_share", self.merge.min_copied_share),
            (
                "retire.retire_page_overlap",
                self.retire.retire_page_overlap,
            ),
            ("stale.low_traffic_share", self.stale.low_traffic_share),
            ("fix.fix_governance_score", self.fix.fix_governance_score),
            ("fix.fix_broken_link_rate", self.fix.fix_broken_link_rate),
        ];
        for (name, v) in shares {
            if !(0.0..=1.0).contains(&v) {
                return Err(format!(
                    "{name} = {v} is out of range; use a number from 0 to 1"
                ));
            }
        }
        if self.merge.merge_score <= 0.0 {
            return Err("merge.merge_score must be above 0, or every site would merge".into());
        }
        Ok(())
    }
}
