//! Comparison: which claims are about the same thing under the same conditions, and which of
//! those disagree.
//!
//! Pure: claims in, findings out.
//!
//! # When two claims answer the same question
//! - same fact type and the same attribute (a fee is never compared with a grant amount);
//! - subjects alike: the TF-IDF cosine of their subject words reaches `threshold` (a program's
//!   name weighs more than a word on every page);
//! - qualifiers compatible: two claims that both name an audience, a term or a variant must name
//!   the same one; a claim without one is compared with both. Fiscal years and years: two claims
//!   with a period must share it; a claim without one is today's answer and is compared only
//!   with claims of the newest period anyone gives for that subject (last year's income limit on a
//!   page that also gives this year's is history, not a conflict);
//! - e-mail: different mailboxes disagree only when they are given for one named subject, or both
//!   are general mailboxes ("info@", "help@") of one domain given for nothing more specific.
//!
//! Variants are learned: when one source gives two values for one subject and attribute ("$2,000
//! for a service-connected death and $800 for other deaths"), the words that tell its two clauses
//! apart are variant words, and claims naming different variant words are different questions.
//!
//! # Findings
//! Claims that disagree are grouped with the claims that agree with one of their values. A source
//! that gives several of a group's values (a list, a table of years) is dropped from the group.
//! Every value is shown with its sources and the sentence each gives; the majority is the value
//! most sources give, or none when the count ties.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde_json::{json, Map, Value};
use xxhash_rust::xxh3::xxh3_64;

use super::claims::{Claim, Vocabulary, BOUND};
use super::Named;
use crate::extract::facts::FactType;
use crate::model::{Finding, Severity};
use crate::rules::AnswerRules;

/// A word on more claims than this proposes no pairs: pairs would grow with its square, and a
/// word that common says little about which thing a claim is about.
const MAX_POSTING: usize = 400;

/// Most disputes of one type and attribute compared with each other for merging: past that (a
/// hostile or generated kb) they are reported unmerged rather than compared pair by pair.
const MAX_MERGE: usize = 2_000;

/// A mailbox given by this many sources or more is in use, not a leftover.
const MANY_SOURCES: usize = 3;

/// TF-IDF subject vectors, one per claim.
fn vectors(claims: &[Claim]) -> Vec<BTreeMap<&str, f64>> {
    let n = claims.len().max(1) as f64;
    let mut df: HashMap<&str, usize> = HashMap::new();
    for c in claims {
        for (w, _) in &c.subject {
            *df.entry(w.as_str()).or_default() += 1;
        }
    }
    claims
        .iter()
        .map(|c| {
            // Ordered maps: sums in one order on every run, so a score at the threshold cannot
            // flip between runs.
            let mut v: BTreeMap<&str, f64> = BTreeMap::new();
            for (w, weight) in &c.subject {
                let idf = (n / df.get(w.as_str()).copied().unwrap_or(1) as f64).ln() + 1.0;
                *v.entry(w.as_str()).or_default() += idf * weight;
            }
            v
        })
        .collect()
}

/// The cosine of two subject vectors, leaving out qualifier words only one of them has (the
/// qualifiers themselves are compared apart).
fn cosine(
    a: &BTreeMap<&str, f64>,
    b: &BTreeMap<&str, f64>,
    qualifier: &dyn Fn(&str) -> bool,
) -> f64 {
    let norm = |v: &BTreeMap<&str, f64>, other: &BTreeMap<&str, f64>| {
        v.iter()
            .filter(|(w, _)| other.contains_key(*w) || !qualifier(w))
            .map(|(_, x)| x * x)
            .sum::<f64>()
            .sqrt()
    };
    let dot: f64 = a.iter().map(|(w, x)| b.get(w).map_or(0.0, |y| x * y)).sum();
    let (na, nb) = (norm(a, b), norm(b, a));
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na * nb)
    }
}

/// Whether two normalised values are the same answer: equal, or a date without a year and one
/// with it on the same day ("June 30" and "June 30, 2025").
fn same_value(a: &Claim, b: &Claim) -> bool {
    if a.value == b.value {
        return true;
    }
    let day = |v: &str| v.get(v.len().saturating_sub(5)..).map(str::to_string);
    a.kind == FactType::Date
        && (a.value.starts_with("--") || b.value.starts_with("--"))
        && day(&a.value) == day(&b.value)
}

/// The newest year among a claim's periods.
fn newest(c: &Claim) -> Option<&str> {
    c.qualifiers
        .get("period")
        .and_then(|p| p.iter().next_back())
        .map(String::as_str)
}

/// Qualifiers other than periods agree: per class, both name none, one names none, or they
/// share one.
fn compatible(a: &Claim, b: &Claim) -> bool {
    if a.qualifiers.get(BOUND) != b.qualifiers.get(BOUND) {
        return false;
    }
    a.qualifiers.iter().all(|(class, qa)| {
        class == "period" || b.qualifiers.get(class).is_none_or(|qb| !qa.is_disjoint(qb))
    })
}

/// Whether two claims are about different things by what their pages (rows) are about: both
/// have a topic, and no word of either topic is among the other's subject words ("Apprenticeship"
/// and "Veteran-owned business certification" asked the same "What's the usual wait?").
///
/// Identifiers say it outright: two claims whose topics name different form or document
/// numbers ("VFS-26-4555", "SF-86") are about different forms, whatever else they share.
fn other_topics(a: &Claim, b: &Claim) -> bool {
    fn ids(c: &Claim) -> BTreeSet<&str> {
        c.topic
            .iter()
            .filter(|w| {
                w.chars().any(|ch| ch.is_ascii_digit()) && w.chars().any(char::is_alphabetic)
            })
            .map(String::as_str)
            .collect()
    }
    let (ia, ib) = (ids(a), ids(b));
    if !ia.is_empty() && !ib.is_empty() && ia.is_disjoint(&ib) {
        return true;
    }
    let names = |c: &Claim, w: &str| c.topic.contains(w) || c.subject.iter().any(|(x, _)| x == w);
    !a.topic.is_empty()
        && !b.topic.is_empty()
        && !a.topic.iter().any(|w| names(b, w))
        && !b.topic.iter().any(|w| names(a, w))
}

/// One claim is said of "non-X" where the other is said of "X" ("a non-service-connected
/// death", "a service-connected death"): opposite cases, not one question.
fn opposite_cases(a: &Claim, b: &Claim) -> bool {
    fn words(c: &Claim) -> BTreeSet<&str> {
        c.own
            .iter()
            .map(String::as_str)
            .chain(c.subject.iter().map(|(w, _)| w.as_str()))
            .collect()
    }
    let (wa, wb) = (words(a), words(b));
    let negates = |x: &BTreeSet<&str>, y: &BTreeSet<&str>| {
        x.iter().any(|w| {
            w.strip_prefix("non-")
                .or_else(|| w.strip_prefix("non"))
                .is_some_and(|base| base.len() > 3 && y.contains(base) && !x.contains(base))
        })
    };
    negates(&wa, &wb) || negates(&wb, &wa)
}

/// Parallel sections of a site: `/northeast/caregiver-support.html` and
/// `/great-lakes/caregiver-support.html` are one page for two places (or languages, or
/// programs). A page in such a section answers for its section; returns, per source, its
/// section (`None` outside parallel sections). Parallel means: two or more sibling directories
/// that hold pages of the same names.
fn sections(sources: &[Named]) -> Vec<Option<String>> {
    // (site, path with one directory blanked) -> the directory names found there
    let mut siblings: HashMap<(String, Vec<String>, usize), BTreeSet<String>> = HashMap::new();
    let segments = |name: &str| -> Option<Vec<String>> {
        let rest = name.split_once("://")?.1;
        let path = rest.find('/').map_or("", |i| &rest[i..]);
        let path = path.split(['?', '#']).next().unwrap_or(path);
        let segs: Vec<String> = path.split('/').skip(1).map(str::to_string).collect();
        // Only pages with a name of their own after the directory (`…/x/page.html`).
        (segs.len() >= 2 && segs.last().is_some_and(|l| !l.is_empty())).then_some(segs)
    };
    let parsed: Vec<Option<Vec<String>>> = sources.iter().map(|s| segments(&s.name)).collect();
    for (s, segs) in sources.iter().zip(&parsed) {
        let Some(segs) = segs else { continue };
        for k in 0..segs.len() - 1 {
            let mut key = segs.clone();
            key[k].clear();
            siblings
                .entry((s.site.clone(), key, k))
                .or_default()
                .insert(segs[k].clone());
        }
    }
    // A directory position is parallel when two or more page names repeat across its siblings.
    let mut parallel: HashMap<(String, Vec<String>, usize), usize> = HashMap::new();
    for ((site, key, k), dirs) in &siblings {
        if dirs.len() >= 2 {
            let mut parent = key[..*k].to_vec();
            parent.push(String::new());
            *parallel.entry((site.clone(), parent, *k)).or_default() += 1;
        }
    }
    sources
        .iter()
        .zip(&parsed)
        .map(|(s, segs)| {
            let segs = segs.as_ref()?;
            (0..segs.len() - 1).find_map(|k| {
                let mut parent = segs[..k].to_vec();
                parent.push(String::new());
                let pages = parallel
                    .get(&(s.site.clone(), parent, k))
                    .copied()
                    .unwrap_or(0);
                (pages >= 2).then(|| format!("{}/{}", segs[..k].join("/"), segs[k]))
            })
        })
        .collect()
}

/// The comparison, with what every claim is compared against.
struct Pairs<'c, 'v> {
    claims: &'c [Claim],
    vocabulary: &'v Vocabulary<'v>,
    vectors: Vec<BTreeMap<&'c str, f64>>,
    threshold: f64,
}

impl<'c, 'v> Pairs<'c, 'v> {
    /// Claims alike enough to be about one thing (before qualifiers): same type and attribute,
    /// subjects alike. Pairs of one source included; those tell variants and newest periods.
    fn alike(&self) -> Vec<(usize, usize, f64)> {
        let mut postings: HashMap<(FactType, usize, &str), Vec<usize>> = HashMap::new();
        for (i, c) in self.claims.iter().enumerate() {
            let Some(attr) = c.attribute else { continue };
            for (w, _) in &c.subject {
                postings
                    .entry((c.kind, attr, w.as_str()))
                    .or_default()
                    .push(i);
            }
        }
        let mut candidates: BTreeSet<(usize, usize)> = BTreeSet::new();
        for list in postings.values().filter(|l| l.len() <= MAX_POSTING) {
            for (k, &a) in list.iter().enumerate() {
                for &b in &list[k + 1..] {
                    candidates.insert((a.min(b), a.max(b)));
                }
            }
        }
        let mut alike: Vec<(usize, usize, f64)> = candidates
            .into_iter()
            .filter_map(|(a, b)| {
                let s = cosine(&self.vectors[a], &self.vectors[b], &|w| {
                    self.vocabulary.is_qualifier(w)
                });
                (s >= self.threshold).then_some((a, b, s))
            })
            .collect();
        // A phone number, mailbox or opening hours given for nothing more specific ("Call us",
        // "Hours", on a page about nothing else) is the organisation's own: such claims answer
        // one question, "how do I reach you".
        // So are the general mailboxes of one domain (info@, help@), whatever page gives them.
        let mut general: HashMap<(FactType, usize, &str), Vec<usize>> = HashMap::new();
        for (i, c) in self.claims.iter().enumerate() {
            let contact = matches!(c.kind, FactType::Phone | FactType::Email | FactType::Hours);
            let Some(attr) = c.attribute else { continue };
            let mailbox = (c.kind == FactType::Email)
                .then(|| c.value.split_once('@'))
                .flatten()
                .filter(|(local, _)| {
                    self.vocabulary
                        .rules
                        .general_mailboxes
                        .iter()
                        .any(|g| g == local)
                });
            let domain = c.value.split_once('@').map_or("", |(_, d)| d);
            if mailbox.is_some() || (contact && c.subject.is_empty()) {
                general.entry((c.kind, attr, domain)).or_default().push(i);
            }
        }
        for list in general.values().filter(|l| l.len() <= MAX_POSTING) {
            for (k, &a) in list.iter().enumerate() {
                for &b in &list[k + 1..] {
                    alike.push((a, b, 1.0));
                }
            }
        }
        alike
    }
}

/// Compares the claims and returns the disputes.
///
/// In steps: claims alike enough to be about one thing ([`Pairs::alike`]); the variants
/// sources tell apart ([`variants`]) and the newest period near each claim ([`newest_near`]);
/// which alike pairs are one question ([`same_question`]); the pairs that disagree, grouped
/// ([`disputes`]); groups that are one dispute found twice, joined ([`join_groups`]); and each
/// group settled into a finding or dropped ([`settle`]).
pub fn compare(claims: &[Claim], sources: &[Named], v: &Vocabulary<'_>) -> Vec<Finding> {
    let rules = v.rules;
    let pairs = Pairs {
        claims,
        vocabulary: v,
        vectors: vectors(claims),
        threshold: rules.threshold,
    };
    let alike = pairs.alike();
    let variants = variants(claims, &alike, v);
    let newest_near = newest_near(claims, &alike);
    let same_question = same_question(claims, sources, &alike, &variants, &newest_near, rules);
    let (groups, neighbours) = disputes(claims, sources, &same_question);
    let groups = join_groups(claims, &alike, groups);
    let mut out: Vec<Finding> = groups
        .into_iter()
        .filter_map(|members| settle(claims, &members, &neighbours, rules))
        .map(|all| finding(claims, &all, sources, v))
        .collect();
    out.sort_by(|a, b| (&a.site, &a.url, &a.message).cmp(&(&b.site, &b.url, &b.message)));
    out
}

/// Each claim's variant, learned from sources that give two values for one thing: the content
/// words that tell the two clauses apart. Not from contacts: a page that lists two mailboxes or
/// phone lines names two contacts, whose purposes their subjects already tell apart.
fn variants<'c>(
    claims: &'c [Claim],
    alike: &[(usize, usize, f64)],
    v: &Vocabulary<'_>,
) -> Vec<BTreeSet<&'c str>> {
    let mut variant_words: HashMap<(FactType, Option<usize>), BTreeSet<String>> = HashMap::new();
    for &(a, b, _) in alike {
        let (ca, cb) = (&claims[a], &claims[b]);
        if ca.source != cb.source
            || same_value(ca, cb)
            || matches!(ca.kind, FactType::Email | FactType::Phone | FactType::Hours)
        {
            continue;
        }
        let words = variant_words.entry((ca.kind, ca.attribute)).or_default();
        for w in ca.own.symmetric_difference(&cb.own) {
            if v.can_tell_apart(w, ca.kind) {
                words.insert(w.clone());
            }
        }
    }
    // A claim's variant: the variant words in its clause or subject, and words built on one
    // ("non-service-connected" names the other variant of "service-connected").
    claims
        .iter()
        .map(|c| {
            let Some(words) = variant_words.get(&(c.kind, c.attribute)) else {
                return BTreeSet::new();
            };
            c.own
                .iter()
                .chain(c.subject.iter().map(|(w, _)| w))
                .filter(|w| {
                    words.contains(*w)
                        || words.iter().any(|v| {
                            v.contains('-') && w.len() > v.len() && w.ends_with(&format!("-{v}"))
                        })
                })
                .map(String::as_str)
                .collect()
        })
        .collect()
}

/// The newest period given for each claim's subject (its own or an alike claim's).
fn newest_near<'c>(claims: &'c [Claim], alike: &[(usize, usize, f64)]) -> Vec<Option<&'c str>> {
    let mut newest_near: Vec<Option<&str>> = claims.iter().map(newest).collect();
    for &(a, b, _) in alike {
        let (na, nb) = (newest(&claims[a]), newest(&claims[b]));
        newest_near[a] = newest_near[a].max(nb);
        newest_near[b] = newest_near[b].max(na);
    }
    newest_near
}

/// The alike pairs that ask one question: different sources, and nothing that sets them apart
/// (other topics, opposite cases, sibling pages, parallel sections, qualifiers, periods,
/// variants, other mailboxes).
fn same_question(
    claims: &[Claim],
    sources: &[Named],
    alike: &[(usize, usize, f64)],
    variants: &[BTreeSet<&str>],
    newest_near: &[Option<&str>],
    rules: &AnswerRules,
) -> Vec<(usize, usize)> {
    let periods_agree = |a: usize, b: usize| -> bool {
        let (pa, pb) = (
            claims[a].qualifiers.get("period"),
            claims[b].qualifiers.get("period"),
        );
        match (pa, pb) {
            (Some(x), Some(y)) => !x.is_disjoint(y),
            (Some(_), None) => newest(&claims[a]) >= newest_near[b].max(newest_near[a]),
            (None, Some(_)) => newest(&claims[b]) >= newest_near[a].max(newest_near[b]),
            (None, None) => true,
        }
    };
    // Claims of one variant are compared with each other only: "$800 for other deaths" answers
    // neither "the allowance for a service-connected death" nor, when a page has told the two
    // apart, the allowance in general.
    let variants_agree = |a: usize, b: usize| {
        (variants[a].is_empty() && variants[b].is_empty()) || !variants[a].is_disjoint(&variants[b])
    };
    // Sibling pages (`/partners/license-plates/` and `/partners/license-designation/`) that
    // name different topics are about different things, however alike their words.
    let parent: Vec<Option<&str>> = sources
        .iter()
        .map(|s| {
            let n = s.name.split(['?', '#']).next().unwrap_or(&s.name);
            let n = n.strip_suffix('/').unwrap_or(n);
            n.rfind('/')
                .map(|i| &n[..i])
                .filter(|p| p.contains("://") && p.len() > s.site.len())
        })
        .collect();
    let siblings_apart = |a: &Claim, b: &Claim| {
        parent[a.source].is_some()
            && parent[a.source] == parent[b.source]
            && !a.topic.is_empty()
            && !b.topic.is_empty()
            && a.topic != b.topic
    };
    // A page in a parallel section (a region's page) answers for its section only.
    let section = sections(sources);
    let same_section = |a: &Claim, b: &Claim| section[a.source] == section[b.source];
    // Same question: alike, different sources, qualifiers compatible.
    let same_question: Vec<(usize, usize)> = alike
        .iter()
        .filter(|&&(a, b, _)| {
            let (ca, cb) = (&claims[a], &claims[b]);
            if ca.source == cb.source {
                return false;
            }
            // Why two alike claims are not one question, for `GOVAUDIT_LOG=…=trace`.
            let apart = if other_topics(ca, cb) {
                "other topics"
            } else if opposite_cases(ca, cb) {
                "opposite cases"
            } else if siblings_apart(ca, cb) {
                "sibling pages"
            } else if !same_section(ca, cb) {
                "parallel sections"
            } else if !compatible(ca, cb) {
                "qualifiers"
            } else if !periods_agree(a, b) {
                "periods"
            } else if !variants_agree(a, b) {
                "variants"
            } else if !email_comparable(ca, cb, sources, rules) {
                "other mailboxes"
            } else {
                return true;
            };
            log::trace!(
                "apart ({apart}): {} {:?} | {} {:?}",
                sources[ca.source].name,
                ca.evidence,
                sources[cb.source].name,
                cb.evidence
            );
            false
        })
        .map(|&(a, b, _)| (a, b))
        .collect();
    for &(a, b) in &same_question {
        log::trace!(
            "same question: {} {:?} | {} {:?}",
            sources[claims[a].source].name,
            claims[a].evidence,
            sources[claims[b].source].name,
            claims[b].evidence
        );
    }
    same_question
}

/// Whether two mailboxes can answer one question (another value of a phone, fee… always can).
fn email_comparable(a: &Claim, b: &Claim, sources: &[Named], rules: &AnswerRules) -> bool {
    if a.kind != FactType::Email || a.value == b.value {
        return true;
    }
    let (la, da) = a.value.split_once('@').unwrap_or(("", ""));
    let (lb, db) = b.value.split_once('@').unwrap_or(("", ""));
    let general = |l: &str| rules.general_mailboxes.iter().any(|g| g == l);
    // Another organisation's mailbox is another contact, unless it is the same mailbox
    // moved to a new domain (dap@old.gov, dap@new.gov). In one organisation: a named subject
    // both are given for (the records office), or two general mailboxes.
    if da != db {
        return la == lb;
    }
    // A mailbox named for the section its page is in ("pages-support@" on /pages/…) is that
    // section's own, not a rival to the organisation's "support@".
    let own_section = |c: &Claim, local: &str, other: &str| {
        let path = sources[c.source]
            .name
            .split_once("://")
            .map_or("", |(_, rest)| rest.split_once('/').map_or("", |(_, p)| p))
            .to_lowercase();
        let words: Vec<&str> = local.split(['-', '_', '.', '+']).collect();
        let other: Vec<&str> = other.split(['-', '_', '.', '+']).collect();
        other.iter().all(|w| words.contains(w))
            && words
                .iter()
                .filter(|w| w.len() > 2 && !other.contains(w))
                .any(|w| path.split(['/', '-', '_', '.']).any(|seg| seg == *w))
    };
    if own_section(a, la, lb) || own_section(b, lb, la) {
        return false;
    }
    let named = !a.subject.is_empty() && !b.subject.is_empty();
    named || (general(la) && general(lb))
}

/// The one-question pairs that disagree, grouped (claims joined by disagreements), and each
/// claim's one-question neighbours (sorted).
fn disputes(
    claims: &[Claim],
    sources: &[Named],
    same_question: &[(usize, usize)],
) -> (Vec<BTreeSet<usize>>, Vec<Vec<usize>>) {
    let mut neighbours: Vec<Vec<usize>> = vec![Vec::new(); claims.len()];
    for &(a, b) in same_question {
        neighbours[a].push(b);
        neighbours[b].push(a);
    }
    for n in &mut neighbours {
        n.sort_unstable();
        n.dedup();
    }
    // Each source's claims, so "what does this source say here" costs its few claims, not a
    // walk over every neighbour (a kb topic of 160 rows makes 160 neighbours per claim).
    let mut by_source: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, c) in claims.iter().enumerate() {
        by_source.entry(c.source).or_default().push(i);
    }
    // Whether a source gives `value` for the question of claim `around` (it or a neighbour): a
    // source giving both values of a pair lists them, it does not disagree with itself.
    let states = |source: usize, around: usize, value: &str| -> bool {
        by_source.get(&source).is_some_and(|own| {
            own.iter().any(|&i| {
                claims[i].value == value
                    && (i == around || neighbours[around].binary_search(&i).is_ok())
            })
        })
    };
    let mut sets: Vec<usize> = (0..claims.len()).collect();
    let mut disputed = vec![false; claims.len()];
    for &(a, b) in same_question {
        let (ca, cb) = (&claims[a], &claims[b]);
        if same_value(ca, cb) || states(ca.source, b, &cb.value) || states(cb.source, a, &ca.value)
        {
            continue;
        }
        log::debug!(
            "answers: {} {:?} {:?} vs {} {:?} {:?}",
            sources[ca.source].name,
            ca.raw,
            ca.subject,
            sources[cb.source].name,
            cb.raw,
            cb.subject,
        );
        let (ra, rb) = (find(&mut sets, a), find(&mut sets, b));
        sets[ra.max(rb)] = ra.min(rb);
        disputed[a] = true;
        disputed[b] = true;
    }
    let mut groups: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    for i in (0..claims.len()).filter(|&i| disputed[i]) {
        let root = find(&mut sets, i);
        groups.entry(root).or_default().insert(i);
    }
    (groups.into_values().collect(), neighbours)
}

/// Joins groups that are one dispute found twice.
fn join_groups(
    claims: &[Claim],
    alike: &[(usize, usize, f64)],
    groups: Vec<BTreeSet<usize>>,
) -> Vec<BTreeSet<usize>> {
    // One dispute found twice (the records mailbox on two sets of pages that never mention each
    // other's wording) is one finding: groups of one attribute that dispute the same two values
    // and hold alike claims merge.
    // Each group's key and top subject are computed once, and groups that hold alike claims are
    // found from the alike pairs, so merging costs pairs of groups, not pairs of claims.
    let mut group_of: HashMap<usize, usize> = HashMap::new();
    for (g, members) in groups.iter().enumerate() {
        for &i in members {
            group_of.insert(i, g);
        }
    }
    let mut alike_groups: HashSet<(usize, usize)> = HashSet::new();
    for &(a, b, _) in alike {
        if let (Some(&ga), Some(&gb)) = (group_of.get(&a), group_of.get(&b)) {
            if ga != gb {
                alike_groups.insert((ga.min(gb), ga.max(gb)));
            }
        }
    }
    // Per group: its type, attribute, values and top subject words.
    type GroupKey<'c> = (FactType, Option<usize>, BTreeSet<&'c str>, Vec<&'c str>);
    let keys: Vec<GroupKey<'_>> = groups
        .iter()
        .map(|g| {
            let first = &claims[*g.iter().next().expect("groups are not empty")];
            (
                first.kind,
                first.attribute,
                g.iter().map(|&i| claims[i].value.as_str()).collect(),
                top_subject(claims, g),
            )
        })
        .collect();
    let mut by_attribute: HashMap<(FactType, Option<usize>), Vec<usize>> = HashMap::new();
    for (g, k) in keys.iter().enumerate() {
        by_attribute.entry((k.0, k.1)).or_default().push(g);
    }
    let mut roots: Vec<usize> = (0..groups.len()).collect();
    for list in by_attribute.values().filter(|l| l.len() <= MAX_MERGE) {
        for (n, &i) in list.iter().enumerate() {
            for &j in &list[n + 1..] {
                let ((_, _, va, sa), (_, _, vb, sb)) = (&keys[i], &keys[j]);
                let joined = va.intersection(vb).count() >= 2
                    && (sa.iter().filter(|w| sb.contains(w)).count() >= 2
                        || sa.is_empty()
                        || sb.is_empty()
                        || alike_groups.contains(&(i, j)));
                if joined {
                    let (ri, rj) = (find(&mut roots, i), find(&mut roots, j));
                    roots[ri.max(rj)] = ri.min(rj);
                }
            }
        }
    }
    let mut joined: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    for (g, members) in groups.into_iter().enumerate() {
        let root = find(&mut roots, g);
        joined.entry(root).or_default().extend(members);
    }
    joined.into_values().collect()
}

/// The claims of one dispute as reported (its members and the claims that agree with one of
/// its values, less sources that give several of them), or `None` when what is left is no
/// dispute: one value, too few sources behind any value, or many mailboxes in use.
fn settle(
    claims: &[Claim],
    members: &BTreeSet<usize>,
    neighbours: &[Vec<usize>],
    rules: &AnswerRules,
) -> Option<BTreeSet<usize>> {
    // The claims that agree with one of the disputed values.
    let values: BTreeSet<&str> = members.iter().map(|&i| claims[i].value.as_str()).collect();
    let mut all = members.clone();
    for &i in members {
        for &j in &neighbours[i] {
            if values.contains(claims[j].value.as_str()) {
                all.insert(j);
            }
        }
    }
    // A source giving several of the values lists them.
    let mut per_source: BTreeMap<usize, BTreeSet<&str>> = BTreeMap::new();
    for &i in &all {
        per_source
            .entry(claims[i].source)
            .or_default()
            .insert(claims[i].value.as_str());
    }
    all.retain(|&i| per_source[&claims[i].source].len() == 1);
    let distinct: BTreeSet<&str> = all.iter().map(|&i| claims[i].value.as_str()).collect();
    if distinct.len() < 2 {
        return None;
    }
    // Each remaining source gives one value: count the sources behind each.
    let mut backing: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
    for &i in &all {
        backing
            .entry(claims[i].value.as_str())
            .or_default()
            .insert(claims[i].source);
    }
    if backing.values().map(BTreeSet::len).max().unwrap_or(0) < rules.min_majority {
        return None;
    }
    // Mailboxes that many pages each give (support@ on thirty pages, inquiries@ on twenty)
    // are several mailboxes in use; a changed mailbox shows as a few pages left behind.
    let kind = claims[*all.iter().next().expect("a dispute has claims")].kind;
    if kind == FactType::Email && backing.values().all(|s| s.len() >= MANY_SOURCES) {
        return None;
    }
    Some(all)
}

/// The root of `x`'s set (union-find with path halving).
fn find(sets: &mut [usize], mut x: usize) -> usize {
    while sets[x] != x {
        sets[x] = sets[sets[x]];
        x = sets[x];
    }
    x
}

/// One value of a dispute: how it is written, its sources and what each says.
struct Answer<'c> {
    normalized: &'c str,
    written: String,
    /// source name → the sentence it gives.
    sources: BTreeMap<&'c str, &'c str>,
}

fn finding(
    claims: &[Claim],
    members: &BTreeSet<usize>,
    sources: &[Named],
    v: &Vocabulary<'_>,
) -> Finding {
    let first = &claims[*members.iter().next().expect("a dispute has claims")];
    let kind = first.kind;
    // Per value: its sources with their sentences, and how often each spelling is used.
    type Spellings<'a> = BTreeMap<&'a str, usize>;
    let mut by_value: BTreeMap<&str, (BTreeMap<&str, &str>, Spellings<'_>)> = BTreeMap::new();
    for &i in members {
        let c = &claims[i];
        let e = by_value.entry(c.value.as_str()).or_default();
        e.0.entry(sources[c.source].name.as_str())
            .or_insert(&*c.evidence);
        *e.1.entry(c.raw.as_str()).or_default() += 1;
    }
    let mut ranked: Vec<Answer<'_>> = by_value
        .into_iter()
        .map(|(normalized, (srcs, written))| Answer {
            normalized,
            // The most common way of writing it (the first alphabetically on a tie).
            written: written
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map_or(normalized.to_string(), |(w, _)| (*w).to_string()),
            sources: srcs,
        })
        .collect();
    ranked.sort_by(|a, b| {
        b.sources
            .len()
            .cmp(&a.sources.len())
            .then(a.normalized.cmp(b.normalized))
    });
    let attribute = first
        .attribute
        .and_then(|i| v.rules.attributes.get(i))
        .map_or(kind.as_str(), |a| a.id.as_str());
    let question = question(claims, members, attribute);
    let urls: BTreeSet<&str> = ranked
        .iter()
        .flat_map(|r| r.sources.keys().copied())
        .collect();
    let url = urls.iter().next().copied().unwrap_or("");
    let site = sources
        .iter()
        .find(|s| s.name == url)
        .map_or(String::new(), |s| s.site.clone());
    let tie = ranked.len() > 1 && ranked[1].sources.len() == ranked[0].sources.len();
    let count = |n: usize| format!("{n} source{}", if n == 1 { "" } else { "s" });
    let listed: Vec<String> = ranked
        .iter()
        .map(|r| format!("{} ({})", r.written, count(r.sources.len())))
        .collect();
    let message = if tie {
        format!(
            "Sources disagree on \"{question}\": {}; no value has a majority, so decide which is right and fix the others.",
            listed.join(" vs ")
        )
    } else {
        format!(
            "Sources disagree on \"{question}\": most give {}, but {} also appear{}; citizens get different answers.",
            listed[0],
            listed[1..].join(", "),
            if ranked.len() == 2 && ranked[1].sources.len() == 1 { "s" } else { "" },
        )
    };
    let mut key_values: Vec<&str> = ranked.iter().map(|r| r.normalized).collect();
    key_values.sort_unstable();
    let subject = top_subject(claims, members);
    let group = format!(
        "ans-{:012x}",
        xxh3_64(
            format!(
                "{}|{attribute}|{}|{}",
                kind.as_str(),
                subject.join(" "),
                key_values.join("|")
            )
            .as_bytes()
        ) >> 16
    );
    let mut extra = Map::new();
    extra.insert("group".into(), Value::String(group));
    extra.insert("question".into(), Value::String(question));
    extra.insert("fact_type".into(), Value::String(kind.as_str().into()));
    extra.insert("attribute".into(), Value::String(attribute.into()));
    extra.insert("subject".into(), json!(subject));
    extra.insert(
        "values".into(),
        Value::Array(
            ranked
                .iter()
                .map(|r| {
                    json!({
                        "value": r.written,
                        "normalized": r.normalized,
                        "urls": r.sources.keys().collect::<Vec<_>>(),
                        "evidence": r.sources.iter().map(|(u, s)| json!({"url": u, "text": s})).collect::<Vec<_>>(),
                    })
                })
                .collect(),
        ),
    );
    extra.insert(
        "majority".into(),
        if tie {
            Value::Null
        } else {
            Value::String(ranked[0].written.clone())
        },
    );
    extra.insert("urls".into(), json!(urls.iter().collect::<Vec<_>>()));
    Finding {
        kind: crate::model::FindingKind::InconsistentAnswer,
        severity: Severity::Warning,
        site,
        url: url.to_string(),
        message,
        extra,
    }
}

/// The four words that most name what a group of claims is about.
fn top_subject<'c>(claims: &'c [Claim], members: &BTreeSet<usize>) -> Vec<&'c str> {
    let mut weights: BTreeMap<&str, f64> = BTreeMap::new();
    for &i in members {
        for (w, x) in &claims[i].subject {
            *weights.entry(w.as_str()).or_default() += x;
        }
    }
    let mut top: Vec<(&str, f64)> = weights.into_iter().collect();
    top.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    top.into_iter().take(4).map(|(w, _)| w).collect()
}

/// The question a dispute answers, as people asked it: the question most of its claims answer
/// (a kb row's or an FAQ's), else the most common heading or label, else the attribute.
fn question(claims: &[Claim], members: &BTreeSet<usize>, attribute: &str) -> String {
    let mut asked: BTreeMap<&str, usize> = BTreeMap::new();
    let mut named: BTreeMap<&str, usize> = BTreeMap::new();
    for &i in members {
        let c = &claims[i];
        if c.question.is_empty() {
            continue;
        }
        let tally = if c.is_question {
            &mut asked
        } else {
            &mut named
        };
        *tally.entry(&*c.question).or_default() += 1;
    }
    // A question asked in full ("How much of the rent does OSH pay?") over a heading that
    // starts like one ("How to reach us"); then the most common; then the shorter.
    let best = |t: &BTreeMap<&str, usize>| {
        t.iter()
            .max_by(|a, b| {
                (a.0.ends_with('?'), a.1)
                    .cmp(&(b.0.ends_with('?'), b.1))
                    .then(b.0.len().cmp(&a.0.len()))
            })
            .map(|(q, _)| (*q).to_string())
    };
    best(&asked)
        .or_else(|| best(&named))
        .unwrap_or_else(|| attribute.to_string())
}
