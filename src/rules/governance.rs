//! The governance rule file (`rules/governance.toml`): the links and elements every federal
//! public website must have, each with where the requirement comes from and how it is detected.
//!
//! Reads: the parsed TOML. Writes nothing. Validation compiles every pattern and selector once,
//! so a bad one stops the command with the rule's id before any audit runs.

use serde::Deserialize;

use crate::model::Severity;

/// How a governance rule is detected (see the comments at the top of `rules/governance.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// A link whose text and address match: on the home page or in the template.
    Link,
    /// An element (or a phrase) on every page.
    Element,
    /// An element on the home page or in the template.
    SiteElement,
    /// The site is served over https only.
    Https,
    /// The home page sends Strict-Transport-Security.
    Hsts,
    /// robots.txt answers 200 with text.
    RobotsTxt,
    /// The sitemap answers 200 and lists URLs.
    Sitemap,
    /// A made-up address answers 404 or 410.
    NotFound,
}

/// One governance rule.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GovernanceRule {
    /// The id findings carry.
    pub id: String,
    /// What a web manager calls the thing checked.
    pub name: String,
    /// The requirement it comes from.
    pub source: String,
    /// Severity of its findings.
    pub severity: Severity,
    /// How it is detected.
    pub check: Check,
    /// Link text patterns (`link`), or phrases in the page text (`element`).
    #[serde(default)]
    pub text: Vec<String>,
    /// Link address patterns (`link`).
    #[serde(default)]
    pub target: Vec<String>,
    /// CSS selector (`element`, `site_element`).
    #[serde(default)]
    pub selector: Option<String>,
    /// `site_element`: a link whose words match one of these also counts (a "Search" button
    /// that is a link to a search page), when its address matches `link_target`.
    #[serde(default)]
    pub link_text: Vec<String>,
    /// `site_element`: the addresses such a link may go to.
    #[serde(default)]
    pub link_target: Vec<String>,
    /// The matched element must have text (`element`).
    #[serde(default)]
    pub require_text: bool,
    /// Least HSTS max-age in seconds (`hsts`).
    #[serde(default)]
    pub min_max_age: Option<u64>,
    /// What the site should have, as findings show it.
    pub expected: String,
    /// Off when false.
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

/// Settings of the governance audit (`rules/governance.toml`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GovernanceRules {
    /// Share of pages that makes a link or element part of the template.
    pub template_share: f64,
    /// Share of a site's pages that must lack a page element for the site to fail the rule;
    /// fewer are stray pages, listed at info severity.
    pub site_fail_share: f64,
    /// The rules, in report order.
    #[serde(rename = "rule")]
    pub rules: Vec<GovernanceRule>,
}

impl GovernanceRules {
    /// Checks every value and compiles every pattern and selector once.
    pub(crate) fn validate(&self) -> Result<(), String> {
        if !(self.template_share > 0.0 && self.template_share <= 1.0) {
            return Err(format!(
                "template_share = {} is out of range; use a share above 0 and at most 1 (e.g. 0.5)",
                self.template_share
            ));
        }
        if !(self.site_fail_share > 0.0 && self.site_fail_share <= 1.0) {
            return Err(format!(
                "site_fail_share = {} is out of range; use a share above 0 and at most 1 (e.g. 0.1)",
                self.site_fail_share
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for r in &self.rules {
            if !seen.insert(r.id.as_str()) {
                return Err(format!(
                    "rule \"{}\" appears twice; give each rule its own id",
                    r.id
                ));
            }
            for p in r
                .text
                .iter()
                .chain(&r.target)
                .chain(&r.link_text)
                .chain(&r.link_target)
            {
                if let Err(e) = regex::RegexBuilder::new(p).case_insensitive(true).build() {
                    return Err(format!(
                        "rule \"{}\": {p:?} is not a valid regular expression: {e}",
                        r.id
                    ));
                }
            }
            if let Some(sel) = &r.selector {
                if let Err(e) = scraper::Selector::parse(sel) {
                    return Err(format!(
                        "rule \"{}\": selector {sel:?} is not valid CSS: {e}",
                        r.id
                    ));
                }
            }
            match r.check {
                Check::Link if r.text.is_empty() || r.target.is_empty() => {
                    return Err(format!(
                        "rule \"{}\": a link rule needs both text = [...] and target = [...] patterns",
                        r.id
                    ));
                }
                Check::Element | Check::SiteElement
                    if r.selector.is_none() && r.text.is_empty() =>
                {
                    return Err(format!(
                        "rule \"{}\": an element rule needs a selector (e.g. selector = \"meta[name=viewport]\") or text phrases",
                        r.id
                    ));
                }
                Check::SiteElement if r.link_text.is_empty() != r.link_target.is_empty() => {
                    return Err(format!(
                        "rule \"{}\": give both link_text = [...] and link_target = [...], or neither",
                        r.id
                    ));
                }
                Check::Hsts if r.min_max_age.is_none() => {
                    return Err(format!(
                        "rule \"{}\": set min_max_age (e.g. min_max_age = 31536000)",
                        r.id
                    ));
                }
                _ => {}
            }
        }
        Ok(())
    }
}
