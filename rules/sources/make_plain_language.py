#!/usr/bin/env python3
"""Writes ../plain_language.toml from the public lists it is built on.

    python3 make_plain_language.py rules_extracted.json > ../plain_language.toml

rules_extracted.json transcribes plainlanguage.gov's "Use simple words and phrases" table (all
237 rows), the Federal Plain Language Guidelines (2011) lists (wordy phrases, doublets, excess
modifiers, legal jargon, double negatives, shall, hidden verbs) and Mary Dash's writing tips, each
with its source (GSA/plainlanguage.gov @ 43230773). Run it again after editing the lists, or edit
the TOML directly: govaudit reads only the TOML.
"""
import json
import re
import sys

d = json.load(open(sys.argv[1]))
rules = {}  # id -> dict
order = []


def slug(s):
    return re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")


def suggestion(say):
    say = say.strip()
    # Dash's list capitalises its entries ("Before"); suggestions read inside a sentence.
    if say[:1].isupper() and say[1:2].islower():
        say = say[0].lower() + say[1:]
    if say == "(omit)":
        return "leave it out"
    if say == "(either one)":
        return "use either word, not both"
    if "(omit)" in say:
        rest = ", ".join(p.strip() for p in say.replace("(omit)", "").split(",") if p.strip())
        return f"{rest} (or leave it out)" if rest else "leave it out"
    return say


def add(category, finds, say, severity, enabled=True, note=None, source=None):
    finds = [f.strip().lower() for f in finds if f.strip()]
    rid = f"{category}/{slug(finds[0])}"
    if rid in rules:
        return
    for r in rules.values():  # the same words under another list: keep the first
        if set(r["find"]) & set(finds):
            return
    rules[rid] = dict(id=rid, category=category, find=finds, suggestion=suggestion(say) if say else None,
                      severity=severity, enabled=enabled, note=note, source=source,
                      inflect=not (set(finds) & NO_INFLECT))
    order.append(rid)


# Words that are ordinary in government writing in most senses; their rule stays available but off.
AMBIGUOUS = {"said", "some", "such", "state", "address", "benefit", "provide", "request", "purchase",
             "aircraft", "it is", "there is", "there are", "there was", "it was", "/", "subject",
             "type", "permit", "forward", "vice", "warrant", "this activity", "this command"}
# Words whose inflected forms mean something else ("elected officials", "self-employed", "initials").
NO_INFLECT = {"elect", "employ", "initial", "present", "close", "effect", "address", "state"}

LEGAL_SAY = {
    "above-mentioned": "this, that, the", "aforementioned": "this, that, the", "foregoing": "this, the above",
    "henceforth": "from now on", "hereafter": "from now on", "hereby": "(omit)", "herewith": "with this, here",
    "thereafter": "after that, then", "thereof": "of it, its", "therewith": "with it", "whatsoever": "at all, any",
    "whereat": "where", "wherein": "where, in which", "whereof": "of which", "heretofore": "before, until now",
    "herein": "here, in this document", "hereinafter": "from now on, later", "thereunder": "under it",
    "therein": "in it, there", "pursuant to": "under, according to", "set forth herein": "in this document",
    "promulgated thereunder": "issued under it", "notwithstanding": "despite, even if",
}
legal = d["fplg_2011_legal_jargon_kimble"]
for w in legal["words"] + ["heretofore", "herein", "hereinafter", "thereunder", "therein", "pursuant to",
                           "set forth herein", "promulgated thereunder", "notwithstanding"]:
    if w == "shall":
        continue
    add("legal", [w], LEGAL_SAY.get(w, "(omit)"), "warning",
        source="FPLG 2011 III.a.3.v (Kimble's list) and archaic legal words")

sw = d["plainlanguage_gov_simple_words"]
for row in sw["rows"]:
    dont, say = row["dont_say"], row["say"]
    sev = "warning" if row["dirty_dozen"] else "info"
    if dont == "a and/or b":
        finds = ["and/or"]
    elif dont.startswith("for example,"):
        finds = ["for example ... etc"]
    elif dont == "/ (slash)":
        finds = ["/"]
    elif dont in ("said, some, such", "this activity, command"):
        finds = [x.strip() for x in dont.split(",")]
        if dont.startswith("this"):
            finds = ["this activity", "this command"]
    elif "," in dont:
        finds = [x.strip() for x in dont.split(",")]
    else:
        finds = [dont]
    enabled = not (set(finds) & AMBIGUOUS)
    if dont == "it is":
        sev = "info"
    add("simple-words", finds, say, sev, enabled=enabled,
        source="plainlanguage.gov: Use simple words and phrases" + (" (dirty dozen)" if row["dirty_dozen"] else ""))

om = d["fplg_2011_omit_unnecessary_words"]
for dont, say in om["wordy_phrases"]:
    if dont == "an amount of X":  # "an amount of $50" is "$50"
        dont, say = "an amount of", "(omit)"
    add("wordy", [dont], say, "info", source="FPLG 2011 III.a.3.ii Omit unnecessary words")
for dont, say in om["doublets"]:
    add("doublet", [dont], say, "info", source="FPLG 2011 III.a.3.ii (doublets)")
for w in om["excess_modifiers"]:
    add("excess-modifier", [w], "(omit)", "info", enabled=False,
        note="off by default: common in plain writing too", source="FPLG 2011 III.a.3.ii (excess modifiers)")

dn = d["fplg_2011_double_negatives"]
for dont, say in dn["pairs"]:
    add("double-negative", [dont], say, "info", source="FPLG 2011 III.b.3 Avoid double negatives")

dash = d["dash_writing_tips"]
src = "plainlanguage.gov: Mary Dash's writing tips"
for dont, say in dash["simple_words"]:
    add("simple-words", [dont], say, "info", enabled=dont.lower() not in AMBIGUOUS, source=src)
for dont, say in dash["strong_verbs"]:
    add("hidden-verbs", [dont], say, "info", source=src)
for dont, say in dash["wordy_phrases"]:
    add("wordy", [dont], say, "info", source=src)
for dont, say in dash["redundancies"]:
    finds = dont.split("/") if "/" in dont else [dont]
    add("redundancy", finds, say, "info", source=src)
for w in dash["false_subjects"]:
    add("false-subject", [w], "start with the real subject", "info", enabled=False,
        note="off by default: very common", source=src)


def toml_str(s):
    return json.dumps(s, ensure_ascii=False)


print("""# Plain-language rules: the `plain_language` findings of `govaudit audit` and `govaudit lint`.
#
# Generated by rules/sources/make_plain_language.py from public lists (plainlanguage.gov's "Use
# simple words and phrases" table, the Federal Plain Language Guidelines 2011, Mary Dash's writing
# tips); edit this file freely: govaudit reads only this file.
#
# A finding is one rule on one page (or draft), with `count` (how many times), the first
# sentence it occurs in (`excerpt`) and the `suggestion`. Nothing is matched inside URLs, e-mail
# addresses, code, or short quoted titles ("the \\"Notice of Funding Opportunity\\"").
#
# [[phrase]] rules: `find` lists words or phrases, matched whole-word and case-insensitively; the
# first word also matches its inflections (utilize, utilizes, utilized, utilizing). "a ... b"
# matches "a" followed later in the same sentence by "b". `enabled = false` switches a rule off.
#
# [[check]] rules are built-in checks with settings: shall, passive voice, hidden verbs, long
# sentences, long paragraphs, undefined acronyms.
#
# Every rule has an `id` (the finding's `rule`), a `severity` (error, warning, info), a
# `suggestion`, `enabled`, and optionally a `message`, the finding's text, in which {found} (the
# words as written), {count}, {times} (" (3 times)" or nothing), {suggestion}, and for checks
# {max_words}, {longest} and {terms} are filled in.

# Words of three or more capital letters (or two, as in "EO") that need no definition.
known_acronyms = [
  "US", "USA", "U.S", "FAQ", "FAQS", "PDF", "HTML", "URL", "ID", "OK", "TV", "AM", "PM", "ET", "EST", "EDT",
  "CST", "CDT", "PST", "PDT", "TTY", "TDD", "ASL", "FAX", "ZIP", "PIN", "IRS", "FBI", "CIA", "NASA", "USDA",
  "GSA", "CFR", "USC", "KB", "MB", "GB", "TB", "COVID", "DC", "NW", "NE", "SW", "SE", "AI", "IT", "II", "III", "IV", "VI", "VII", "VIII", "IX", "XI", "XII",
  "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "IA", "IL", "IN", "KS", "KY", "LA", "MA",
  "MD", "ME", "MI", "MN", "MO", "MS", "MT", "NC", "ND", "NH", "NJ", "NM", "NV", "NY", "OH", "OR", "PA",
  "PR", "RI", "SC", "SD", "TN", "TX", "UT", "VA", "VT", "WA", "WI", "WV", "WY", "GU", "VI", "AS", "MP",
]

[[check]]
id = "shall"
check = "shall"
enabled = true
severity = "warning"
suggestion = "must (an obligation), must not (a prohibition), may (a choice) or should (a recommendation)"
message = "\\"shall\\" is used{times}; it can mean must, may or should, so readers cannot tell which."

[[check]]
id = "passive-voice"
check = "passive-voice"
enabled = true
severity = "info"
# Reported when more than this share of a page's sentences is passive (style checkers use 10%).
max_share = 0.1
message = "{count} sentence(s) in the passive voice (\\"{found}\\"); say who does what."
suggestion = "say who does what: \\"We will review your application\\", not \\"Your application will be reviewed\\""

[[check]]
id = "hidden-verb"
check = "hidden-verb"
enabled = true
severity = "info"
suggestion = "use the verb itself: \\"decide\\", not \\"make a decision\\""

[[check]]
id = "hidden-verb-of"
check = "hidden-verb-of"
# Off by default: "the <noun> of" is very common; switch on for regulations and letters.
enabled = false
severity = "info"
suggestion = "use the verb: \\"we will implement the plan\\", not \\"the implementation of the plan\\""

[[check]]
id = "long-sentence"
check = "long-sentence"
enabled = true
severity = "warning"
# Federal guidance: average 15 to 20 words, never longer than 40.
max_words = 40
suggestion = "split it: one idea per sentence, 15 to 20 words on average"
message = "{count} sentence(s) longer than {max_words} words (the longest has {longest})."

[[check]]
id = "long-paragraph"
check = "long-paragraph"
enabled = true
severity = "info"
# Federal guidance: no more than 150 words in three to eight sentences.
max_words = 150
suggestion = "break it up: no more than 150 words, one topic per paragraph"
message = "{count} paragraph(s) longer than {max_words} words (the longest has {longest})."

[[check]]
id = "undefined-acronym"
check = "undefined-acronym"
enabled = true
severity = "info"
suggestion = "spell it out the first time: \\"Notice of Funding Opportunity (NOFO)\\""
message = "{count} acronym(s) used without being spelled out: {terms}."
""")
MESSAGES = {
    "legal": '"{found}" is legal jargon{times}; write {suggestion} instead.',
    "simple-words": '"{found}" has a simpler word{times}: {suggestion}.',
    "wordy": '"{found}" is wordy{times}; write "{suggestion}".',
    "doublet": '"{found}" says the same thing twice{times}; write "{suggestion}".',
    "redundancy": '"{found}" says the same thing twice{times}; write "{suggestion}".',
    "double-negative": '"{found}" is a double negative{times}; write "{suggestion}".',
    "hidden-verbs": '"{found}" hides a verb{times}; write "{suggestion}".',
    "excess-modifier": '"{found}" adds nothing{times}; {suggestion}.',
    "false-subject": '"{found}" delays the real subject{times}; {suggestion}.',
}
for rid in order:
    r = rules[rid]
    print("[[phrase]]")
    print(f"id = {toml_str(r['id'])}")
    print(f"find = [{', '.join(toml_str(f) for f in r['find'])}]")
    if r["suggestion"]:
        print(f"suggestion = {toml_str(r['suggestion'])}")
    message = MESSAGES[r["category"]]
    if r["suggestion"] == "leave it out":
        message = '"{found}" adds nothing{times}; leave it out.'
    print(f"message = {toml_str(message)}")
    print(f"severity = {toml_str(r['severity'])}")
    if not r["inflect"]:
        print("inflect = false  # its inflected forms mean something else")
    if not r["enabled"]:
        print("enabled = false" + (f"  # {r['note']}" if r.get("note") else "  # off by default: an everyday word in most of its senses"))
    print(f"source = {toml_str(r['source'])}")
    print()
