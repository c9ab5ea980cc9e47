//! Inconsistent answers: the same question answered with different facts across sites and
//! channels (a website, the call centre's knowledge base, a brochure).
//!
//! Pure: sources (pages and channel documents, already read) and rules in, findings out.
//!
//! # Method
//! 1. **Claims.** Every fact ([`crate::extract::facts`]) in every answer unit
//!    ([`crate::extract::answers`]) or block becomes a claim: its type, its normalised value, and
//!    its *role*, the words that say what it is: the unit's question or heading and the words
//!    just before the fact ("benefits hotline", "application fee", "decisions within").
//! 2. **Roles.** Role words are lower-cased, stop words dropped, suffixes trimmed and synonyms
//!    from `rules/answers.toml` mapped to one word ("cost", "price", "charge" → "fee"). Two
//!    claims of one type answer the same question when the TF-IDF cosine of their role words
//!    reaches the threshold: rare words (a program's name, "press", "FOIA") weigh most, so the
//!    press office's e-mail is not compared with the general one, nor a grant's fee with a rental
//!    program's.
//! 3. **Conflicts.** Two similar claims from different sources with different values disagree;
//!    disagreeing claims are grouped, and the group's finding lists every value with its sources
//!    (similar claims that agree with one of them included), the value most sources give, and
//!    the question. A source that states several values for one role (a page listing two
//!    numbers) is a list, not a disagreement with itself.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{json, Map, Value};
use xxhash_rust::xxh3::xxh3_64;

use crate::extract::answers::{self, AnswerUnit};
use crate::extract::facts::{self, FactType};
use crate::extract::page::{paragraphs, Block, BlockKind};
use crate::model::{Finding, Severity};
use crate::rules::AnswerRules;

/// Where an answer was read: a page or a channel document.
#[derive(Debug, Clone)]
pub struct Source {
    /// The member name: a page URL, or `kb:<path>#row=N`, `publication:<path>#page=N`.
    pub name: String,
    /// The site origin (or channel origin) it belongs to.
    pub site: String,
    /// Its answer units.
    pub units: Vec<AnswerUnit>,
    /// Words that scope every answer of the source (its main heading: a program's page).
    pub scope: String,
}

impl Source {
    /// A page (or document): the units of its FAQ markup (`marked`, from
    /// [`answers::from_document`]) and of its main-content blocks; its first heading is its scope.
    pub fn page(name: &str, site: &str, marked: Vec<AnswerUnit>, blocks: &[Block]) -> Source {
        let mut units = marked;
        units.extend(answers::from_blocks(blocks));
        // Blocks before the first heading answer the page's own topic.
        let lead: Vec<&str> = blocks
            .iter()
            .take_while(|b| !matches!(b.kind, BlockKind::Heading(_)))
            .map(|b| b.text.as_str())
            .collect();
        let scope = blocks
            .iter()
            .find(|b| matches!(b.kind, BlockKind::Heading(1)))
            .or_else(|| {
                blocks
                    .iter()
                    .find(|b| matches!(b.kind, BlockKind::Heading(_)))
            })
            .map(|b| b.text.clone())
            .unwrap_or_default();
        if !lead.is_empty() {
            units.push(AnswerUnit {
                question: scope.clone(),
                answer: lead.join("\n"),
                source: answers::Source::Heading,
                is_question: false,
            });
        }
        Source {
            name: name.to_string(),
            site: site.to_string(),
            units,
            scope,
        }
    }
}

/// The sources of a kb or publication entry: one per kb row (`kb:<path>#row=N`, 1-based data
/// row), one per PDF page (`publication:<path>#page=N`), else one for the document.
pub fn channel_sources(doc: &crate::store::ChannelDoc) -> Vec<Source> {
    let Some(text) = doc.text.as_deref() else {
        return Vec::new();
    };
    let base = format!("{}:{}", doc.channel, doc.path);
    let unit = |q: &str, a: &str| AnswerUnit {
        question: q.trim().to_string(),
        answer: a.trim().to_string(),
        source: answers::Source::Definition,
        is_question: answers::is_question(q),
    };
    match doc.format.as_str() {
        "csv" => {
            let mut reader = csv::ReaderBuilder::new()
                .flexible(true)
                .from_reader(text.as_bytes());
            let headers: Vec<String> = reader
                .headers()
                .map(|h| h.iter().map(|c| c.trim().to_lowercase()).collect())
                .unwrap_or_default();
            let col = |name: &str, fallback: usize| {
                headers.iter().position(|h| h == name).unwrap_or(fallback)
            };
            let (q, a) = (col("question", 0), col("answer", 1));
            reader
                .records()
                .enumerate()
                .filter_map(|(i, r)| {
                    let r = r.ok()?;
                    Some(Source {
                        name: format!("{base}#row={}", i + 1),
                        site: doc.site.clone(),
                        units: vec![unit(r.get(q)?, r.get(a)?)],
                        scope: String::new(),
                    })
                })
                .collect()
        }
        "pdf" => text
            .split('\u{c}')
            .enumerate()
            .map(|(i, page)| {
                let name = format!("{base}#page={}", i + 1);
                Source::page(&name, &doc.site, Vec::new(), &paragraphs(page))
            })
            .collect(),
        "markdown" | "html" => {
            let html = if doc.format == "markdown" {
                crate::extract::markdown::to_html(text)
            } else {
                text.to_string()
            };
            let parsed = scraper::Html::parse_document(&html);
            let page = crate::extract::page::from_document(&parsed);
            let marked = answers::from_document(&parsed);
            vec![Source::page(&base, &doc.site, marked, &page.blocks)]
        }
        _ => vec![Source::page(
            &base,
            &doc.site,
            Vec::new(),
            &paragraphs(text),
        )],
    }
}

/// One fact with what it answers.
#[derive(Debug, Clone)]
struct Claim {
    source: usize,
    kind: FactType,
    value: String,
    raw: String,
    question: String,
    is_question: bool,
    /// Role words with their weights: the words before the fact count fully, a heading's
    /// topic words half (a question or a label counts fully).
    role: Vec<(String, f64)>,
    /// Program words of the claim's page heading and question ("rental assistance", "grant"):
    /// claims whose program words are both present and disjoint answer different questions.
    programs: BTreeSet<String>,
}

const STOP_WORDS: &[&str] = &[
    "a", "an", "the", "and", "or", "of", "to", "in", "on", "for", "at", "by", "with", "from", "is",
    "are", "was", "were", "be", "been", "it", "its", "this", "that", "these", "those", "you",
    "your", "we", "our", "us", "they", "their", "i", "my", "me", "do", "does", "did", "can",
    "could", "will", "would", "should", "may", "must", "if", "as", "about", "up", "out", "what",
    "how", "when", "where", "who", "which", "why", "there", "here", "than", "then", "so", "not",
    "no", "yes", "all", "any", "some", "most", "more", "also", "just", "only", "into", "after",
    "before", "within", "over", "under", "per", "each", "every", "have", "has", "had", "get",
    "give", "ask", "please", "call", "contact", "reach", "dial", "send", "write", "visit", "go",
    "use", "need", "want",
];

/// Lower-case content words, stop words dropped, a plural or verb suffix trimmed, synonyms
/// mapped.
fn role_words(text: &str, rules: &AnswerRules) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '@'))
        .filter(|w| w.len() > 1 && !w.chars().all(|c| c.is_ascii_digit()))
        .map(str::to_lowercase)
        .filter(|w| !STOP_WORDS.contains(&w.as_str()) && !rules.stop_words.contains(w))
        .map(|w| stem(&w))
        .map(|w| rules.synonyms.get(&w).cloned().unwrap_or(w))
        .collect()
}

/// A light suffix trim (no dictionary): "applications" → "application", "processed" →
/// "process", "processing" → "process".
fn stem(w: &str) -> String {
    for suffix in ["ing", "ed", "es", "s"] {
        if let Some(base) = w.strip_suffix(suffix) {
            if base.len() >= 4 && !(suffix == "s" && base.ends_with('s')) {
                return base.to_string();
            }
        }
    }
    w.to_string()
}

/// The words synonyms map to ("phone", "fee", …): the roles the rules know.
fn role_heads(rules: &AnswerRules) -> BTreeSet<&str> {
    rules.synonyms.values().map(String::as_str).collect()
}

fn claims_of(si: usize, s: &Source, rules: &AnswerRules, heads: &BTreeSet<&str>) -> Vec<Claim> {
    let program_words = |text: &str| -> BTreeSet<String> {
        role_words(text, rules)
            .into_iter()
            .filter(|w| !heads.contains(w.as_str()) && !rules.generic_words.contains(w))
            .collect()
    };
    let scope_programs = program_words(&s.scope);
    let mut out = Vec::new();
    for u in &s.units {
        let question_words = role_words(&u.question, rules);
        let mut programs = scope_programs.clone();
        programs.extend(program_words(&u.question));
        // The fact must answer something: a question, label, definition term or FAQ entry, or
        // words just before it that name a known role ("hotline", "fee", "within"); a figure in
        // a report or a story answers nothing.
        let labelled = u.is_question || u.source != answers::Source::Heading;
        let topic_weight = if labelled { 1.0 } else { 0.5 };
        let found: Vec<facts::Fact> = facts::facts(&u.answer)
            .into_iter()
            .filter(|f| rules.fact_types.iter().any(|t| t == f.kind.as_str()))
            .collect();
        for f in &found {
            // A unit giving several values of one type is a list or a table (income limits by
            // household size): its values answer different questions.
            if found.iter().any(|g| g.kind == f.kind && g.value != f.value) {
                continue;
            }
            let mut own = role_words(&f.context.join(" "), rules);
            // An age is always about who qualifies; office hours are always hours.
            match f.kind {
                FactType::Age => own.push("eligibility".into()),
                FactType::Hours => own.push("hours".into()),
                _ => {}
            }
            let named = own.iter().any(|w| heads.contains(w.as_str()));
            if !labelled && !named {
                continue;
            }
            let mut role: Vec<(String, f64)> = own.into_iter().map(|w| (w, 1.0)).collect();
            role.extend(question_words.iter().map(|w| (w.clone(), topic_weight)));
            if f.kind == FactType::Date && !role.iter().any(|(w, _)| rules.date_roles.contains(w)) {
                continue;
            }
            out.push(Claim {
                source: si,
                kind: f.kind,
                value: f.value.clone(),
                raw: f.raw.clone(),
                question: u.question.clone(),
                is_question: u.is_question,
                role,
                programs: programs.clone(),
            });
        }
    }
    out
}

/// TF-IDF vectors of the claims' role words (weights per word, normalised to length 1).
fn vectors(claims: &[Claim]) -> Vec<BTreeMap<String, f64>> {
    let n = claims.len().max(1) as f64;
    let mut df: HashMap<&str, usize> = HashMap::new();
    for c in claims {
        let distinct: BTreeSet<&str> = c.role.iter().map(|(w, _)| w.as_str()).collect();
        for w in distinct {
            *df.entry(w).or_default() += 1;
        }
    }
    claims
        .iter()
        .map(|c| {
            // Ordered maps: sums in one order on every run, so a score at the threshold cannot
            // flip between runs.
            let mut v: BTreeMap<String, f64> = BTreeMap::new();
            for (w, weight) in &c.role {
                let idf = (n / df.get(w.as_str()).copied().unwrap_or(1) as f64).ln() + 1.0;
                *v.entry(w.clone()).or_default() += idf * weight;
            }
            let norm = v.values().map(|x| x * x).sum::<f64>().sqrt();
            if norm > 0.0 {
                v.values_mut().for_each(|x| *x /= norm);
            }
            v
        })
        .collect()
}

/// Words of one family: equal, or sharing their first four letters ("rent", "rental", "renter").
fn akin(a: &str, b: &str) -> bool {
    let prefix = |w: &str| w.chars().take(4).collect::<String>();
    a == b || (a.chars().count() >= 4 && b.chars().count() >= 4 && prefix(a) == prefix(b))
}

fn cosine(a: &BTreeMap<String, f64>, b: &BTreeMap<String, f64>) -> f64 {
    let (small, big) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    small
        .iter()
        .map(|(w, x)| big.get(w).map_or(0.0, |y| x * y))
        .sum()
}

struct Sets {
    parent: Vec<usize>,
}

impl Sets {
    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }
    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.parent[ra.max(rb)] = ra.min(rb);
        }
    }
}

/// The inconsistent-answers audit.
pub fn audit(sources: &[Source], rules: &AnswerRules) -> Vec<Finding> {
    let mut c = Collector::new(rules);
    for s in sources {
        c.add(s);
    }
    c.findings()
}

/// Gathers the claims of sources one at a time, so only the facts (not the pages' text) stay in
/// memory until the comparison.
pub struct Collector<'r> {
    rules: &'r AnswerRules,
    heads: BTreeSet<&'r str>,
    skip: Vec<regex::Regex>,
    names: Vec<Named>,
    claims: Vec<Claim>,
}

/// A source's name and site.
struct Named {
    name: String,
    site: String,
}

impl<'r> Collector<'r> {
    /// An empty collector.
    pub fn new(rules: &'r AnswerRules) -> Collector<'r> {
        Collector {
            rules,
            heads: role_heads(rules),
            skip: rules
                .skip_urls
                .iter()
                .filter_map(|p| regex::Regex::new(p).ok())
                .collect(),
            names: Vec::new(),
            claims: Vec::new(),
        }
    }

    /// Adds a source's claims (none for pages whose address `skip_urls` excludes).
    pub fn add(&mut self, source: &Source) {
        if self.skip.iter().any(|r| r.is_match(&source.name)) {
            return;
        }
        let si = self.names.len();
        let found = claims_of(si, source, self.rules, &self.heads);
        if !found.is_empty() {
            self.names.push(Named {
                name: source.name.clone(),
                site: source.site.clone(),
            });
            self.claims.extend(found);
        }
    }

    /// Compares the claims and returns the disputes.
    pub fn findings(self) -> Vec<Finding> {
        compare(&self.claims, &self.names, self.rules)
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

fn compare(claims: &[Claim], sources: &[Named], rules: &AnswerRules) -> Vec<Finding> {
    let vecs = vectors(claims);
    // Candidate pairs share a role word that is not everywhere.
    let mut postings: HashMap<(FactType, &str), Vec<usize>> = HashMap::new();
    for (i, c) in claims.iter().enumerate() {
        let distinct: BTreeSet<&str> = c.role.iter().map(|(w, _)| w.as_str()).collect();
        for w in distinct {
            postings.entry((c.kind, w)).or_default().push(i);
        }
    }
    // A role word on hundreds of claims ("phone") proposes no pairs: the pairs would be
    // quadratic, and a word that common says little.
    let cap = 300;
    let mut pairs: BTreeSet<(usize, usize)> = BTreeSet::new();
    for list in postings.values().filter(|l| l.len() <= cap) {
        for (k, &a) in list.iter().enumerate() {
            for &b in &list[k + 1..] {
                pairs.insert((a.min(b), a.max(b)));
            }
        }
    }
    let mut similar: Vec<(usize, usize)> = Vec::new();
    for &(a, b) in &pairs {
        let (ca, cb) = (&claims[a], &claims[b]);
        let other_programs = !ca.programs.is_empty()
            && !cb.programs.is_empty()
            && !ca
                .programs
                .iter()
                .any(|x| cb.programs.iter().any(|y| akin(x, y)));
        if ca.source != cb.source
            && !other_programs
            && cosine(&vecs[a], &vecs[b]) >= rules.threshold
        {
            similar.push((a, b));
        }
    }
    // Disagreeing pairs, grouped.
    let mut sets = Sets {
        parent: (0..claims.len()).collect(),
    };
    let values_of = |source: usize, kind: FactType, near: &[usize]| -> BTreeSet<&str> {
        near.iter()
            .filter(|&&i| claims[i].source == source && claims[i].kind == kind)
            .map(|&i| claims[i].value.as_str())
            .collect()
    };
    let mut neighbours: Vec<Vec<usize>> = vec![Vec::new(); claims.len()];
    for &(a, b) in &similar {
        neighbours[a].push(b);
        neighbours[b].push(a);
    }
    let mut conflicted = vec![false; claims.len()];
    for &(a, b) in &similar {
        if same_value(&claims[a], &claims[b]) {
            continue;
        }
        // E-mail: addresses of different organisations (@cloud.gov, @gsa.gov) are different
        // contacts, and so are purpose-named mailboxes (press@, foia@, dap@); two general
        // mailboxes of one organisation (info@, help@) given for one question disagree.
        if claims[a].kind == FactType::Email {
            let (la, da) = claims[a].value.split_once('@').unwrap_or(("", ""));
            let (lb, db) = claims[b].value.split_once('@').unwrap_or(("", ""));
            let general = |l: &str| rules.general_mailboxes.iter().any(|g| g == l);
            if da != db || !general(la) || !general(lb) {
                continue;
            }
        }
        // A source that also states the other value for this role lists alternatives.
        let mut near_a = neighbours[a].clone();
        near_a.push(a);
        let mut near_b = neighbours[b].clone();
        near_b.push(b);
        let a_states = values_of(claims[a].source, claims[a].kind, &near_b);
        let b_states = values_of(claims[b].source, claims[b].kind, &near_a);
        if a_states.contains(claims[b].value.as_str())
            || b_states.contains(claims[a].value.as_str())
        {
            continue;
        }
        log::debug!(
            "answers: {} {:?} {:?} vs {} {:?} {:?} (similarity {:.2})",
            sources[claims[a].source].name,
            claims[a].raw,
            claims[a].role,
            sources[claims[b].source].name,
            claims[b].raw,
            claims[b].role,
            cosine(&vecs[a], &vecs[b])
        );
        sets.union(a, b);
        conflicted[a] = true;
        conflicted[b] = true;
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in (0..claims.len()).filter(|&i| conflicted[i]) {
        groups.entry(sets.find(i)).or_default().push(i);
    }
    // Each group with the similar claims that agree with one of its values; groups that share a
    // claim are one question (the hotline number disputed by two pages is one finding).
    let mut expanded: Vec<BTreeSet<usize>> = groups
        .values()
        .map(|members| {
            let values: BTreeSet<&str> =
                members.iter().map(|&i| claims[i].value.as_str()).collect();
            let mut all: BTreeSet<usize> = members.iter().copied().collect();
            // Two steps out: sources that agree with a disputed value, and those agreeing with them.
            for _ in 0..2 {
                let frontier: Vec<usize> = all.iter().copied().collect();
                for i in frontier {
                    for &j in &neighbours[i] {
                        if values.contains(claims[j].value.as_str()) {
                            all.insert(j);
                        }
                    }
                }
            }
            all
        })
        .collect();
    // ...and so are groups of one fact type disputing the same two values.
    let values = |g: &BTreeSet<usize>| -> BTreeSet<(FactType, &str)> {
        g.iter()
            .map(|&i| (claims[i].kind, claims[i].value.as_str()))
            .collect()
    };
    let mut merged = true;
    while merged {
        merged = false;
        'outer: for i in 0..expanded.len() {
            for j in i + 1..expanded.len() {
                let shared = values(&expanded[i])
                    .intersection(&values(&expanded[j]))
                    .count();
                if !expanded[i].is_disjoint(&expanded[j]) || shared >= 2 {
                    let other = expanded.remove(j);
                    expanded[i].extend(other);
                    merged = true;
                    break 'outer;
                }
            }
        }
    }
    // A dispute is reported when one value has the backing of several sources, more than any
    // other: then it is an outlier against an agreed answer, not pages about different things.
    let mut out: Vec<Finding> = expanded
        .iter()
        .filter(|all| {
            let mut per_value: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
            for &i in all.iter() {
                per_value
                    .entry(claims[i].value.as_str())
                    .or_default()
                    .insert(claims[i].source);
            }
            let mut counts: Vec<usize> = per_value.values().map(BTreeSet::len).collect();
            counts.sort_unstable_by(|a, b| b.cmp(a));
            let (top, next) = (
                counts.first().copied().unwrap_or(0),
                counts.get(1).copied().unwrap_or(0),
            );
            top >= rules.min_majority && top > next
        })
        .map(|all| finding(claims, all, sources))
        .collect();
    out.sort_by(|a, b| (&a.site, &a.url).cmp(&(&b.site, &b.url)));
    out
}

fn finding(claims: &[Claim], members: &BTreeSet<usize>, sources: &[Named]) -> Finding {
    let kind = claims[*members.iter().next().expect("a group has claims")].kind;
    // value -> (sources, how each is written)
    let mut by_value: BTreeMap<&str, (BTreeSet<&str>, BTreeMap<&str, usize>)> = BTreeMap::new();
    for &i in members {
        let c = &claims[i];
        let e = by_value.entry(c.value.as_str()).or_default();
        e.0.insert(sources[c.source].name.as_str());
        *e.1.entry(c.raw.as_str()).or_default() += 1;
    }
    let mut ranked: Vec<(&str, &BTreeSet<&str>, String)> = by_value
        .iter()
        .map(|(v, (srcs, written))| {
            let shown = written
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map_or((*v).to_string(), |(w, _)| (*w).to_string());
            (*v, srcs, shown)
        })
        .collect();
    ranked.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
    let question = members
        .iter()
        .map(|&i| &claims[i])
        .filter(|c| c.is_question)
        .map(|c| c.question.as_str())
        .next()
        .or_else(|| {
            members
                .iter()
                .map(|&i| claims[i].question.as_str())
                .find(|q| !q.is_empty())
        })
        .unwrap_or("")
        .to_string();
    let urls: BTreeSet<&str> = ranked.iter().flat_map(|r| r.1.iter().copied()).collect();
    let first = urls.iter().next().copied().unwrap_or("");
    let site = sources
        .iter()
        .find(|s| s.name == first)
        .map_or(String::new(), |s| s.site.clone());
    let majority = &ranked[0];
    let tie = ranked.len() > 1 && ranked[1].1.len() == majority.1.len();
    let others: Vec<String> = ranked[1..]
        .iter()
        .map(|r| {
            format!(
                "{} ({} source{})",
                r.2,
                r.1.len(),
                if r.1.len() == 1 { "" } else { "s" }
            )
        })
        .collect();
    let message = if tie {
        format!(
            "Sources disagree on \"{question}\": {} ({} sources) vs {}; decide which is right and fix the others.",
            majority.2,
            majority.1.len(),
            others.join(", ")
        )
    } else {
        format!(
            "Sources disagree on \"{question}\": most give {} ({} sources), but {} also appear; citizens get different answers.",
            majority.2,
            majority.1.len(),
            others.join(", ")
        )
    };
    let mut key_values: Vec<&str> = ranked.iter().map(|r| r.0).collect();
    key_values.sort();
    let group = format!(
        "ans-{:012x}",
        xxh3_64(format!("{}|{}", kind.as_str(), key_values.join("|")).as_bytes()) >> 16
    );
    let mut extra = Map::new();
    extra.insert("group".into(), Value::String(group));
    extra.insert("question".into(), Value::String(question));
    extra.insert("fact_type".into(), Value::String(kind.as_str().into()));
    extra.insert(
        "values".into(),
        Value::Array(
            ranked
                .iter()
                .map(|r| json!({"value": r.2, "normalized": r.0, "urls": r.1.iter().collect::<Vec<_>>()}))
                .collect(),
        ),
    );
    extra.insert(
        "majority".into(),
        if tie {
            Value::Null
        } else {
            Value::String(majority.2.clone())
        },
    );
    extra.insert("urls".into(), json!(urls.iter().collect::<Vec<_>>()));
    Finding {
        kind: "inconsistent_answer".into(),
        severity: Severity::Warning,
        site,
        url: first.to_string(),
        message,
        extra,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> AnswerRules {
        crate::rules::RuleSet::builtin().answers
    }

    fn source(name: &str, units: &[(&str, &str)]) -> Source {
        Source {
            name: name.into(),
            site: name.split('/').take(3).collect::<Vec<_>>().join("/"),
            units: units
                .iter()
                .map(|(q, a)| AnswerUnit {
                    question: q.to_string(),
                    answer: a.to_string(),
                    source: answers::Source::Heading,
                    is_question: answers::is_question(q),
                })
                .collect(),
            scope: String::new(),
        }
    }

    #[test]
    fn same_question_different_values_is_one_finding() {
        let sources = vec![
            source(
                "https://a.gov/contact",
                &[("Contact us", "The benefits hotline is 1-800-555-0142.")],
            ),
            source(
                "https://b.gov/faq",
                &[(
                    "What is the phone number for the benefits hotline?",
                    "Call (800) 555-0199.",
                )],
            ),
            source(
                "https://c.gov/help",
                &[("Get help", "Call the benefits hotline at 800.555.0142.")],
            ),
            // Another role: not compared.
            source(
                "https://a.gov/oig",
                &[("Report fraud", "The OIG fraud hotline is 1-800-555-0188.")],
            ),
        ];
        let f = audit(&sources, &rules());
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].extra["fact_type"], "phone");
        assert_eq!(f[0].extra["majority"], "1-800-555-0142");
        assert_eq!(
            f[0].extra["values"][1]["urls"],
            json!(["https://b.gov/faq"])
        );
        assert!(
            f[0].message
                .contains("most give 1-800-555-0142 (2 sources)"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn same_value_written_differently_is_consistent() {
        let sources = vec![
            source(
                "https://a.gov/x",
                &[("How long does it take?", "We decide within 30 days.")],
            ),
            source(
                "publication:b.md",
                &[("How long it takes", "We decide within thirty days.")],
            ),
        ];
        assert!(audit(&sources, &rules()).is_empty());
    }

    #[test]
    fn a_page_listing_two_values_does_not_disagree_with_itself() {
        let sources = vec![
            source(
                "https://a.gov/x",
                &[(
                    "Contact",
                    "Call the hotline at 1-800-555-0142 or 1-800-555-0143.",
                )],
            ),
            source(
                "https://b.gov/y",
                &[("Contact", "Call the hotline at 1-800-555-0143.")],
            ),
        ];
        assert!(
            audit(&sources, &rules()).is_empty(),
            "{:#?}",
            audit(&sources, &rules())
        );
    }
}
