//! The date a page says it was last updated ("Page last updated: June 2012", "Last reviewed
//! on 03/14/2024"), common in federal page footers, for staleness when servers and sitemaps give
//! none.
//!
//! Reads: a page's text. Writes nothing.

use std::sync::OnceLock;

use regex::Regex;

use super::facts::month_number;

fn pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        let month = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?";
        // "Last updated", "Page last reviewed or updated", "Content updated": never the bare verb,
        // which ordinary sentences use ("applications will be reviewed on March 15").
        let label = r"(?:(?:page|content|site)\s+(?:last\s+)?|last\s+)(?:updated|modified|reviewed|revised)(?:\s+or\s+(?:updated|reviewed))?";
        let date = format!(
            r"(?:{month}\s+(?:(\d{{1,2}}),?\s+)?(\d{{4}})|(\d{{4}})-(\d{{2}})-(\d{{2}})|(\d{{1,2}})/(\d{{1,2}})/(\d{{4}}))"
        );
        Regex::new(&format!(r"(?i)\b{label}\s*(?:on|date)?\s*[:\-–—]?\s*{date}"))
            .expect("a valid pattern")
    })
}

/// The newest "last updated" date a text states, as `YYYY-MM-DD` (a month without a day counts
/// as its first day), ignoring dates after `not_after` (`YYYY-MM-DD`, today): a page cannot
/// have been updated in the future.
pub fn stated_update(text: &str, not_after: &str) -> Option<String> {
    pattern()
        .captures_iter(text)
        .filter_map(|c| {
            let num = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<u32>().ok());
            let (y, m, d) = if let Some(month) = c.get(1) {
                (num(3)?, month_number(month.as_str())?, num(2).unwrap_or(1))
            } else if c.get(4).is_some() {
                (num(4)?, num(5)?, num(6)?)
            } else {
                (num(9)?, num(7)?, num(8)?)
            };
            ((1990..=2100).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d))
                .then(|| format!("{y:04}-{m:02}-{d:02}"))
        })
        .filter(|d| d.as_str() <= not_after)
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn footer_dates() {
        let cases = [
            (
                "© 2010 FHAA. Page last updated: June 2012.",
                Some("2012-06-01"),
            ),
            (
                "Page last reviewed or updated: March 3, 2024",
                Some("2024-03-03"),
            ),
            ("Last Modified 2023-09-30", Some("2023-09-30")),
            ("Last updated on 03/14/2021 by staff", Some("2021-03-14")),
            ("Last revised: Sept. 9, 2019", Some("2019-09-09")),
            ("Content updated June 5, 2020", Some("2020-06-05")),
            // A date that is not an update, or an update with no date.
            ("Applications are due March 31, 2026.", None),
            ("We updated our privacy policy.", None),
            ("Applications will be reviewed on March 15, 2025.", None),
            ("The rule was modified on 1/5/2019.", None),
            // In the future: a typo or a scheduled date, not an update.
            ("Page last updated: June 2031", None),
        ];
        for (text, want) in cases {
            assert_eq!(stated_update(text, "2026-11-23").as_deref(), want, "{text}");
        }
    }
}
