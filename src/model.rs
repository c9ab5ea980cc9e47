//! The nouns every stage shares: a site from the inventory, the channel it belongs to, and how a
//! fetched URL turned out.
//!
//! These are plain data. They carry no I/O and no SQL; the store maps them to rows.

use serde::Serialize;

/// Where citizens get answers: a website, or another channel the inventory names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// A website, crawled over HTTP.
    Web,
    /// A question/answer export from a call centre or chat (`question,answer` CSV).
    Kb,
    /// A brochure or other publication (HTML, Markdown, text or PDF file).
    Publication,
}

impl Channel {
    /// The inventory spelling (`web`, `kb`, `publication`).
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::Kb => "kb",
            Channel::Publication => "publication",
        }
    }

    /// Parses the inventory spelling, case-insensitively; `None` for an unknown channel.
    pub fn parse(s: &str) -> Option<Channel> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "web" | "website" => Some(Channel::Web),
            "kb" | "knowledge base" | "knowledgebase" => Some(Channel::Kb),
            "publication" | "pub" => Some(Channel::Publication),
            _ => None,
        }
    }
}

/// One entry of an inventory: a website (with its origin) or a local channel file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Site {
    /// For web sites, the origin every page is reported under (`https://www.example.gov`).
    /// For other channels, `<channel>:<path as written>`.
    pub origin: String,
    /// Where the crawl starts (the inventory's URL, which may carry a path).
    pub start_url: Option<String>,
    /// Web, kb or publication.
    pub channel: Channel,
    /// For kb and publication rows: the file, resolved against the inventory's folder.
    pub path: Option<std::path::PathBuf>,
    /// The `path` value as written in the inventory (used to name channel members).
    pub path_as_written: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// Agency (department).
    pub agency: Option<String>,
    /// Office, bureau or sub-organisation.
    pub office: Option<String>,
    /// Contact owner.
    pub owner: Option<String>,
    /// Topics, from a `;`-separated column.
    pub topics: Vec<String>,
    /// Audiences, from a `;`-separated column.
    pub audiences: Vec<String>,
    /// Columns the tool does not interpret (e.g. `pageviews`), kept for reports, in file order.
    pub extra: Vec<(String, String)>,
    /// Every column of the inventory row as written (header, value), in file order, for
    /// reports in the inventory's own shape (`survey.csv`).
    pub row: Vec<(String, String)>,
    /// The inventory file and the 1-based line the row starts on.
    pub source_line: u64,
}

impl Site {
    /// The host of a web site's origin (`www.example.gov`), if it has one.
    pub fn host(&self) -> Option<String> {
        url::Url::parse(&self.origin)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
    }
}

/// The host of an origin as people write it: `https://www.a.gov` -> `www.a.gov` (anything without
/// a scheme, such as `kb:channels/kb.csv`, is returned whole).
pub fn origin_host(origin: &str) -> &str {
    origin.split_once("://").map_or(origin, |(_, rest)| rest)
}

/// The origin of an absolute URL as stored (`https://www.a.gov/x?y` -> `https://www.a.gov`):
/// everything before the first `/` after `scheme://`.
pub fn url_origin(url: &str) -> Option<&str> {
    let start = url.find("://")? + 3;
    let end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i);
    Some(&url[..end])
}

/// How much a finding matters.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Broken for citizens: fix first.
    Error,
    /// Works, but costs citizens time or trust.
    Warning,
    /// Worth knowing.
    Info,
}

impl Severity {
    /// The spelling in outputs and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            _ => None,
        }
    }
}

/// What kind of problem a finding is: the `kind` field of every finding, and `findings --kind`.
///
/// Not `Ord` on purpose: outputs sort kinds by their spelling ([`FindingKind::as_str`]), which
/// the variant order does not follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// A link whose target fails (4xx, 5xx, no answer).
    BrokenLink,
    /// A link to a `#fragment` the target page does not have.
    BrokenFragment,
    /// A link to an id only the target page's scripts may create (info).
    UnverifiedFragment,
    /// A link that goes through redirects (or a redirect loop).
    RedirectChain,
    /// A link to a "not found" page served with status 200.
    #[serde(rename = "soft_404")]
    Soft404,
    /// A link not checked because robots.txt disallows it (info).
    BlockedLink,
    /// Pages publishing the same main content.
    Duplicate,
    /// Pages publishing nearly the same main content.
    NearDuplicate,
    /// The same question answered with different facts.
    InconsistentAnswer,
    /// Words, phrases and habits the Federal Plain Language Guidelines advise against.
    PlainLanguage,
    /// A page harder to read than the rules allow.
    Readability,
    /// A link or element every federal site must have, missing or wrong.
    Governance,
}

impl FindingKind {
    /// Every kind, in the order reports list them.
    pub const ALL: [FindingKind; 12] = [
        FindingKind::BrokenLink,
        FindingKind::BrokenFragment,
        FindingKind::UnverifiedFragment,
        FindingKind::RedirectChain,
        FindingKind::Soft404,
        FindingKind::BlockedLink,
        FindingKind::Duplicate,
        FindingKind::NearDuplicate,
        FindingKind::InconsistentAnswer,
        FindingKind::PlainLanguage,
        FindingKind::Readability,
        FindingKind::Governance,
    ];

    /// The spelling in outputs, rule files and the database (`broken_link`, `soft_404`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::BrokenLink => "broken_link",
            FindingKind::BrokenFragment => "broken_fragment",
            FindingKind::UnverifiedFragment => "unverified_fragment",
            FindingKind::RedirectChain => "redirect_chain",
            FindingKind::Soft404 => "soft_404",
            FindingKind::BlockedLink => "blocked_link",
            FindingKind::Duplicate => "duplicate",
            FindingKind::NearDuplicate => "near_duplicate",
            FindingKind::InconsistentAnswer => "inconsistent_answer",
            FindingKind::PlainLanguage => "plain_language",
            FindingKind::Readability => "readability",
            FindingKind::Governance => "governance",
        }
    }

    /// Parses the spelling of [`FindingKind::as_str`].
    pub fn parse(s: &str) -> Option<FindingKind> {
        FindingKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether the kind is one of the two copy kinds (`duplicate`, `near_duplicate`).
    pub fn is_copy(self) -> bool {
        matches!(self, FindingKind::Duplicate | FindingKind::NearDuplicate)
    }
}

impl std::fmt::Display for FindingKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing an audit found, in the shape of the `findings` JSON output.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Finding {
    /// What kind of problem it is.
    pub kind: FindingKind,
    /// How much it matters.
    pub severity: Severity,
    /// The site's origin.
    pub site: String,
    /// The page the finding is on.
    pub url: String,
    /// One sentence a web manager understands.
    pub message: String,
    /// The kind's other fields (`target`, `status`, `hops`, …), in output order.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Finding {
    /// The `target` field, when the kind has one.
    pub fn target(&self) -> Option<&str> {
        self.extra.get("target").and_then(|v| v.as_str())
    }

    /// The pages the finding names in `urls` (a group's members, a template finding's pages).
    pub fn urls(&self) -> impl Iterator<Item = &str> {
        self.extra
            .get("urls")
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str())
    }

    /// The order findings are stored and listed in: site, page, kind, target.
    pub fn output_order(&self, other: &Finding) -> std::cmp::Ordering {
        (&self.site, &self.url, self.kind.as_str(), self.target()).cmp(&(
            &other.site,
            &other.url,
            other.kind.as_str(),
            other.target(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_and_hosts() {
        assert_eq!(
            url_origin("https://www.a.gov/x/y?z"),
            Some("https://www.a.gov")
        );
        assert_eq!(
            url_origin("http://127.0.0.1:8080"),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(url_origin("https://a.gov?q=1"), Some("https://a.gov"));
        assert_eq!(url_origin("kb:channels/kb.csv#row=2"), None);
        assert_eq!(origin_host("https://www.a.gov"), "www.a.gov");
        assert_eq!(origin_host("kb:channels/kb.csv"), "kb:channels/kb.csv");
    }

    #[test]
    fn finding_kinds_are_spelled_as_serde_writes_them() {
        for k in FindingKind::ALL {
            let json = serde_json::to_string(&k).expect("kind to JSON");
            assert_eq!(json, format!("\"{}\"", k.as_str()));
            assert_eq!(FindingKind::parse(k.as_str()), Some(k));
            let back: FindingKind = serde_json::from_str(&json).expect("kind from JSON");
            assert_eq!(back, k);
        }
        assert_eq!(FindingKind::parse("broken-link"), None);
    }
}
