//! Facts a citizen acts on, found in text and normalised so that the same value written two ways
//! compares equal: phone numbers, e-mail addresses, money, percentages, durations, dates, ages,
//! web addresses and office hours.
//!
//! Pure: text in, facts out, no I/O. Each fact keeps the words just before it in its sentence
//! (`context`), which say what the fact is ("benefits hotline", "application fee", "we decide
//! within"): the inconsistent-answers audit compares facts of the same type *and* role.
//!
//! # Normal forms
//! | type | written | normal form |
//! | --- | --- | --- |
//! | phone | `(800) 555-0100`, `1-800-555-0100`, `800.555.0100`, `1-800-FLY-FAAS`, `… ext. 12` | `+1-800-555-0100`, `+1-800-359-3227`, `+1-800-555-0100;ext=12` |
//! | email | `Info@FHAA.gov` | `info@fhaa.gov` |
//! | money | `$35`, `$35.00`, `35 dollars`, `$1,250.50`, `$2 million` | `$35`, `$35`, `$35`, `$1250.50`, `$2000000` |
//! | percent | `2.5%`, `2.5 percent` | `2.5%` |
//! | duration | `30 days`, `thirty days`, `10 business days`, `two weeks` | `30 days`, `30 days`, `10 business days`, `2 weeks` |
//! | date | `June 30, 2025`, `6/30/2025`, `2025-06-30`, `June 30` | `2025-06-30`, …, `--06-30` (no year) |
//! | age | `age 62 or older`, `62 years old`, `18 years of age` | `62`, `62`, `18` |
//! | url | `https://www.FHAA.gov/apply/` | `www.fhaa.gov/apply` |
//! | hours | `8 a.m. to 5 p.m.`, `8:00 AM–5:00 PM` | `08:00-17:00` |

use std::sync::OnceLock;

use regex::Regex;

/// What kind of value a fact is (the spec's `fact_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FactType {
    /// A phone number.
    Phone,
    /// An e-mail address.
    Email,
    /// An amount of money.
    Money,
    /// A percentage.
    Percent,
    /// A length of time ("30 days").
    Duration,
    /// A calendar date.
    Date,
    /// An age in years.
    Age,
    /// A web address.
    Url,
    /// Opening hours ("8 a.m. to 5 p.m.").
    Hours,
}

impl FactType {
    /// The spec's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            FactType::Phone => "phone",
            FactType::Email => "email",
            FactType::Money => "money",
            FactType::Percent => "percent",
            FactType::Duration => "duration",
            FactType::Date => "date",
            FactType::Age => "age",
            FactType::Url => "url",
            FactType::Hours => "hours",
        }
    }
}

/// One fact found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    /// Its type.
    pub kind: FactType,
    /// The normal form (equal for the same value however written).
    pub value: String,
    /// As written.
    pub raw: String,
    /// Byte range in the text.
    pub start: usize,
    /// End of the byte range.
    pub end: usize,
    /// Up to eight lower-case words before it in its sentence, nearest last.
    pub context: Vec<String>,
}

const NUMBER_WORDS: &[(&str, u32)] = &[
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("eleven", 11),
    ("twelve", 12),
    ("thirteen", 13),
    ("fourteen", 14),
    ("fifteen", 15),
    ("sixteen", 16),
    ("seventeen", 17),
    ("eighteen", 18),
    ("nineteen", 19),
    ("twenty", 20),
    ("thirty", 30),
    ("forty", 40),
    ("forty-five", 45),
    ("fifty", 50),
    ("sixty", 60),
    ("seventy", 70),
    ("eighty", 80),
    ("ninety", 90),
];

const MONTHS: &[&str] = &[
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// The number (1-12) of an English month name or abbreviation ("Sept.", "june").
pub(crate) fn month_number(m: &str) -> Option<u32> {
    let m = m.to_ascii_lowercase();
    MONTHS
        .iter()
        .position(|p| m.starts_with(p))
        .map(|i| i as u32 + 1)
}

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("built-in pattern is valid (unit-tested)"))
}

fn phone_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    re(
        &R,
        r"(?:\+?1[\s.\-]?)?(?:\((\d{3})\)|(\d{3}))[\s.\-]?([0-9A-Z]{3})[\s.\-]([0-9A-Z]{4})(?:\s*(?:,\s*)?(?i:ext\.?|extension|x)\s*(\d{1,6}))?\b",
    )
}

fn email_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    re(&R, r"(?i)\b[a-z0-9._%+\-]+@[a-z0-9.\-]+\.[a-z]{2,}\b")
}

fn money_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    re(
        &R,
        r"(?i)\$\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?(?:\s+(million|billion|thousand))?\b|\b(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?\s+dollars\b",
    )
}

fn percent_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    re(&R, r"(?i)\b(\d+(?:\.\d+)?)\s?(?:%|percent\b)")
}

fn duration_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    let words: Vec<&str> = NUMBER_WORDS.iter().map(|(w, _)| *w).collect();
    let pattern = format!(
        r"(?i)\b(\d+|{})(?:\s+|-)(business|calendar|working)?\s*(hour|day|week|month|year)s?\b",
        words.join("|")
    );
    R.get_or_init(|| Regex::new(&pattern).expect("built-in pattern is valid (unit-tested)"))
}

fn date_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    re(
        &R,
        r"(?i)\b(?:(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?|(\d{1,2})/(\d{1,2})/(\d{4})|(\d{4})-(\d{2})-(\d{2}))\b",
    )
}

fn age_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    re(
        &R,
        r"(?i)\b(?:age[sd]?\s+(\d{1,3})|(\d{1,3})\s+years?\s+(?:old|of\s+age)|(\d{1,3})\s+or\s+older|(?:they|he|she|you|child|children|student|students)\s+turns?\s+(\d{1,3}))\b",
    )
}

fn url_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    re(
        &R,
        r"(?i)\b(?:https?://|www\.)[^\s<>()]+[^\s<>().,;:!?'\x22]",
    )
}

fn hours_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    re(
        &R,
        r"(?i)\b(\d{1,2})(?::(\d{2}))?\s*(a\.?m\.?|p\.?m\.?)\s*(?:to|-|–|—|until)\s*(\d{1,2})(?::(\d{2}))?\s*(a\.?m\.?|p\.?m\.?)",
    )
}

fn vanity_digit(c: char) -> Option<char> {
    let d = match c.to_ascii_uppercase() {
        '0'..='9' => return Some(c),
        'A' | 'B' | 'C' => '2',
        'D' | 'E' | 'F' => '3',
        'G' | 'H' | 'I' => '4',
        'J' | 'K' | 'L' => '5',
        'M' | 'N' | 'O' => '6',
        'P' | 'Q' | 'R' | 'S' => '7',
        'T' | 'U' | 'V' => '8',
        'W' | 'X' | 'Y' | 'Z' => '9',
        _ => return None,
    };
    Some(d)
}

fn number_word(w: &str) -> Option<u32> {
    w.parse().ok().or_else(|| {
        NUMBER_WORDS
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(w))
            .map(|(_, v)| *v)
    })
}

fn clock(h: &str, m: Option<&str>, ampm: &str) -> Option<String> {
    let mut h: u32 = h.parse().ok()?;
    let m: u32 = m.map_or(Some(0), |m| m.parse().ok())?;
    if h == 0 || h > 12 || m > 59 {
        return None;
    }
    let pm = ampm.to_ascii_lowercase().starts_with('p');
    if pm && h != 12 {
        h += 12;
    }
    if !pm && h == 12 {
        h = 0;
    }
    Some(format!("{h:02}:{m:02}"))
}

/// Every fact in a text, in text order; where two overlap, the one found first by type order
/// (phone, email, url, hours, date, money, percent, age, duration) is kept.
pub fn facts(text: &str) -> Vec<Fact> {
    let mut found: Vec<Fact> = Vec::new();
    // The spans taken so far (start → end, never overlapping): a new fact overlapping one is
    // left out. A map, not a scan of `found`: a 2 MB page of fees has 100,000 facts.
    let mut taken: std::collections::BTreeMap<usize, usize> = std::collections::BTreeMap::new();
    // Most facts need a digit or an @; without either, only spelled-out durations ("thirty
    // days") can be there, and the other patterns are not run.
    let figures = text.bytes().any(|b| b.is_ascii_digit() || b == b'@');
    let mut add = |kind: FactType, start: usize, end: usize, value: Option<String>| {
        let Some(value) = value else {
            return;
        };
        // Spans are disjoint, so of those starting before `end` the last ends furthest.
        if taken
            .range(..end)
            .next_back()
            .is_some_and(|(_, &taken_end)| taken_end > start)
        {
            return;
        }
        taken.insert(start, end);
        found.push(Fact {
            kind,
            value,
            raw: text[start..end].to_string(),
            start,
            end,
            context: Vec::new(),
        });
    };
    let text_for = |any: bool| if any || figures { text } else { "" };
    for m in url_re().find_iter(text) {
        let v = m.as_str().to_lowercase();
        let v = v
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        add(FactType::Url, m.start(), m.end(), Some(v));
    }
    for m in email_re().find_iter(text_for(false)) {
        add(
            FactType::Email,
            m.start(),
            m.end(),
            Some(m.as_str().to_lowercase()),
        );
    }
    for c in phone_re().captures_iter(text_for(false)) {
        let Some(all) = c.get(0) else { continue };
        // Part of a longer number or an amount ("12345-678-9012", "$800 per year").
        let before = text[..all.start()].chars().next_back();
        if before.is_some_and(|b| b.is_alphanumeric() || matches!(b, '$' | ',' | '.' | '-')) {
            continue;
        }
        let area = c.get(1).or(c.get(2)).map_or("", |m| m.as_str());
        let (ex, line) = (
            c.get(3).map_or("", |m| m.as_str()),
            c.get(4).map_or("", |m| m.as_str()),
        );
        // Letters only in a vanity number, never in the area code; all digits otherwise need
        // a real separator structure (the regex) and a plausible area code.
        let digits: Option<String> = format!("{ex}{line}").chars().map(vanity_digit).collect();
        let letters = format!("{ex}{line}")
            .chars()
            .any(|ch| ch.is_ascii_alphabetic());
        let Some(digits) = digits else { continue };
        if area.starts_with(['0', '1']) || (letters && !area.starts_with('8')) {
            continue;
        }
        let mut v = format!("+1-{area}-{}-{}", &digits[..3], &digits[3..]);
        if let Some(ext) = c.get(5) {
            v.push_str(";ext=");
            v.push_str(ext.as_str());
        }
        add(FactType::Phone, all.start(), all.end(), Some(v));
    }
    for c in hours_re().captures_iter(text_for(false)) {
        let Some(all) = c.get(0) else { continue };
        let from = clock(&c[1], c.get(2).map(|m| m.as_str()), &c[3]);
        let to = clock(&c[4], c.get(5).map(|m| m.as_str()), &c[6]);
        let v = from.zip(to).map(|(a, b)| format!("{a}-{b}"));
        add(FactType::Hours, all.start(), all.end(), v);
    }
    for c in date_re().captures_iter(text_for(false)) {
        let Some(all) = c.get(0) else { continue };
        let v = if let Some(month) = c.get(1) {
            let m = month_number(month.as_str());
            let d: Option<u32> = c.get(2).and_then(|d| d.as_str().parse().ok());
            match (m, d, c.get(3)) {
                (Some(m), Some(d), Some(y)) if (1..=31).contains(&d) => {
                    Some(format!("{}-{m:02}-{d:02}", y.as_str()))
                }
                (Some(m), Some(d), None) if (1..=31).contains(&d) => {
                    Some(format!("--{m:02}-{d:02}"))
                }
                _ => None,
            }
        } else if let (Some(m), Some(d), Some(y)) = (c.get(4), c.get(5), c.get(6)) {
            let (m, d): (u32, u32) = (
                m.as_str().parse().unwrap_or(0),
                d.as_str().parse().unwrap_or(0),
            );
            ((1..=12).contains(&m) && (1..=31).contains(&d))
                .then(|| format!("{}-{m:02}-{d:02}", y.as_str()))
        } else {
            match (c.get(7), c.get(8), c.get(9)) {
                (Some(y), Some(m), Some(d)) => {
                    Some(format!("{}-{}-{}", y.as_str(), m.as_str(), d.as_str()))
                }
                _ => None,
            }
        };
        add(FactType::Date, all.start(), all.end(), v);
    }
    for c in money_re().captures_iter(text_for(false)) {
        let Some(all) = c.get(0) else { continue };
        let whole = c
            .get(1)
            .or(c.get(4))
            .map_or("", |m| m.as_str())
            .replace(',', "");
        let cents = c.get(2).or(c.get(5)).map(|m| m.as_str());
        let scale: u64 = match c.get(3).map(|m| m.as_str().to_ascii_lowercase()) {
            Some(s) if s == "thousand" => 1_000,
            Some(s) if s == "million" => 1_000_000,
            Some(s) if s == "billion" => 1_000_000_000,
            _ => 1,
        };
        let v = whole.parse::<u64>().ok().map(|w| {
            let cents_text = cents.map(|c| format!("{c:0<2}"));
            if scale > 1 {
                // "$1.5 million" is $1500000.
                let fraction = cents_text
                    .as_deref()
                    .and_then(|c| c.parse::<u64>().ok())
                    .unwrap_or(0);
                let total = w
                    .saturating_mul(scale)
                    .saturating_add(fraction.saturating_mul(scale) / 100);
                format!("${total}")
            } else {
                match cents_text.filter(|c| c != "00") {
                    Some(c) => format!("${w}.{c}"),
                    None => format!("${w}"),
                }
            }
        });
        add(FactType::Money, all.start(), all.end(), v);
    }
    for c in percent_re().captures_iter(text_for(false)) {
        let Some(all) = c.get(0) else { continue };
        let v = if c[1].contains('.') {
            c[1].trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            c[1].to_string()
        };
        add(
            FactType::Percent,
            all.start(),
            all.end(),
            Some(format!("{v}%")),
        );
    }
    for c in age_re().captures_iter(text_for(false)) {
        let Some(all) = c.get(0) else { continue };
        // A bare "60 or older" is an age only when said of someone ("must be 60 or older"),
        // not of things ("Windows 10 or older").
        if c.get(3).is_some() {
            let word = context_before(text, all.start()).pop().unwrap_or_default();
            if !["be", "are", "is", "am", "aged", "age"].contains(&word.as_str()) {
                continue;
            }
        }
        let n = c
            .get(1)
            .or(c.get(2))
            .or(c.get(3))
            .or(c.get(4))
            .map(|m| m.as_str().to_string());
        add(
            FactType::Age,
            all.start(),
            all.end(),
            n.filter(|n| n.parse::<u32>().is_ok_and(|a| a <= 120)),
        );
    }
    for c in duration_re().captures_iter(text) {
        let Some(all) = c.get(0) else { continue };
        if text[..all.start()].ends_with('-') {
            continue;
        }
        let n = number_word(&c[1]);
        // "30 calendar days" is "30 days"; "working days" are business days.
        let kind = match c.get(2).map(|k| k.as_str().to_ascii_lowercase()) {
            Some(k) if k == "business" || k == "working" => "business ".to_string(),
            _ => String::new(),
        };
        // Weeks, months and years in days, so "three weeks" is "21 days" and "three months" is
        // "90 days" (a month of 30 days, as deadlines count them).
        let unit = c[3].to_ascii_lowercase();
        let days = |n: u32| match unit.as_str() {
            // `checked_`: "4000000000 weeks" is text, not an overflow.
            "week" => n.checked_mul(7),
            "month" if kind.is_empty() && n.is_multiple_of(12) => (n / 12).checked_mul(365),
            "month" if kind.is_empty() => n.checked_mul(30),
            "year" if kind.is_empty() => n.checked_mul(365),
            _ => None,
        };
        let v = n.map(|n| match days(n) {
            Some(d) => format!("{d} day{}", if d == 1 { "" } else { "s" }),
            None => format!("{n} {kind}{unit}{}", if n == 1 { "" } else { "s" }),
        });
        add(FactType::Duration, all.start(), all.end(), v);
    }
    found.sort_by_key(|f| f.start);
    for f in &mut found {
        f.context = context_before(text, f.start);
    }
    found
}

/// Up to eight words before `at`, back to the start of its sentence, lower-case.
fn context_before(text: &str, at: usize) -> Vec<String> {
    // Eight words are in the last few hundred bytes; looking further back for the sentence's
    // start would read a page with no full stop once per fact.
    let mut from = at.saturating_sub(400);
    while !text.is_char_boundary(from) {
        from -= 1;
    }
    let before = &text[from..at];
    let sentence_start = before
        .char_indices()
        .rev()
        .find(|&(i, c)| {
            matches!(c, '.' | '!' | '?' | '\n' | ';')
                && before[i + c.len_utf8()..].starts_with(char::is_whitespace)
        })
        .map_or(0, |(i, c)| i + c.len_utf8());
    let words: Vec<String> = before[sentence_start..]
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    words[words.len().saturating_sub(8)..].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Vec<(FactType, String)> {
        facts(text).into_iter().map(|f| (f.kind, f.value)).collect()
    }

    #[test]
    fn phones_in_every_us_format() {
        for written in [
            "1-800-555-0142",
            "(800) 555-0142",
            "800.555.0142",
            "+1 800 555 0142",
            "800-555-0142",
        ] {
            assert_eq!(
                values(written),
                [(FactType::Phone, "+1-800-555-0142".to_string())],
                "{written}"
            );
        }
        assert_eq!(
            values("Call 1-800-FLY-FAAS today"),
            [(FactType::Phone, "+1-800-359-3227".to_string())]
        );
        assert_eq!(
            values("(202) 555-0100 ext. 12"),
            [(FactType::Phone, "+1-202-555-0100;ext=12".to_string())]
        );
        // Not phone numbers: a ZIP+4, a form number, a year range.
        assert!(values("Washington, DC 20416-0001")
            .iter()
            .all(|(k, _)| *k != FactType::Phone));
        assert!(values("Form SF-425 for 2019-2020")
            .iter()
            .all(|(k, _)| *k != FactType::Phone));
    }

    #[test]
    fn money_percent_and_durations_normalise() {
        assert_eq!(values("The fee is $35."), [(FactType::Money, "$35".into())]);
        assert_eq!(
            values("The fee is $35.00"),
            [(FactType::Money, "$35".into())]
        );
        assert_eq!(values("35 dollars"), [(FactType::Money, "$35".into())]);
        assert_eq!(
            values("$1,250.50 per month"),
            [(FactType::Money, "$1250.50".into())]
        );
        assert_eq!(values("$2 million"), [(FactType::Money, "$2000000".into())]);
        assert_eq!(
            values("$2.5 million"),
            [(FactType::Money, "$2500000".into())]
        );
        assert_eq!(
            values("2.50% and 10.00%"),
            [
                (FactType::Percent, "2.5%".into()),
                (FactType::Percent, "10%".into())
            ]
        );
        assert_eq!(
            values("within 30 calendar days"),
            [(FactType::Duration, "30 days".into())]
        );
        assert_eq!(values("in twenty-one days"), []);
        assert_eq!(values("Windows 10 or older"), []);
        assert_eq!(
            values("2.5% or 2.5 percent"),
            [
                (FactType::Percent, "2.5%".into()),
                (FactType::Percent, "2.5%".into())
            ]
        );
        assert_eq!(
            values("within 30 days"),
            [(FactType::Duration, "30 days".into())]
        );
        assert_eq!(
            values("within thirty days"),
            [(FactType::Duration, "30 days".into())]
        );
        assert_eq!(
            values("in 10 business days"),
            [(FactType::Duration, "10 business days".into())]
        );
        assert_eq!(
            values("a 12-month lease"),
            [(FactType::Duration, "365 days".into())]
        );
    }

    #[test]
    fn dates_ages_urls_emails_hours() {
        assert_eq!(
            values("by June 30, 2025"),
            [(FactType::Date, "2025-06-30".into())]
        );
        assert_eq!(
            values("by 6/30/2025"),
            [(FactType::Date, "2025-06-30".into())]
        );
        assert_eq!(values("by June 30"), [(FactType::Date, "--06-30".into())]);
        assert_eq!(
            values("Sept. 5th, 2024"),
            [(FactType::Date, "2024-09-05".into())]
        );
        assert_eq!(
            values("if you are age 62 or older"),
            [(FactType::Age, "62".into())]
        );
        assert_eq!(
            values("at least 18 years of age"),
            [(FactType::Age, "18".into())]
        );
        assert_eq!(
            values("children qualify until they turn 26"),
            [(FactType::Age, "26".into())]
        );
        assert_eq!(
            values("Write to Info@FHAA.gov."),
            [(FactType::Email, "info@fhaa.gov".into())]
        );
        assert_eq!(
            values("See https://www.FHAA.gov/apply/."),
            [(FactType::Url, "www.fhaa.gov/apply".into())]
        );
        assert_eq!(
            values("Open 8 a.m. to 5 p.m. ET"),
            [(FactType::Hours, "08:00-17:00".into())]
        );
        assert_eq!(
            values("Open 8:30 AM–4:30 PM"),
            [(FactType::Hours, "08:30-16:30".into())]
        );
    }

    #[test]
    fn context_says_what_a_fact_is() {
        let f =
            facts("Questions? The benefits hotline is 1-800-555-0142. The application fee is $35.");
        assert_eq!(f[0].context, ["the", "benefits", "hotline", "is"]);
        assert_eq!(f[1].context, ["the", "application", "fee", "is"]);
        assert_eq!(f[1].raw, "$35");
    }
}
