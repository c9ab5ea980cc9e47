#!/usr/bin/env python3
"""Rebuilds cmudict-syllables.tsv from the CMU Pronouncing Dictionary as NLTK ships it.

    python3 make_data.py path/to/nltk_data/corpora/cmudict/cmudict > cmudict-syllables.tsv

NLTK's reader lower-cases each word and keeps pronunciations in file order; textstat 0.7.13 counts
the stressed phones (those ending in a digit) of a word's first pronunciation. This file stores
that count for every word, so govaudit needs neither NLTK nor the 3.8 MB dictionary at run time.
"""
import sys

seen = {}
with open(sys.argv[1], encoding="latin-1") as f:
    for line in f:
        pieces = line.split()
        if len(pieces) < 2:
            continue
        word = pieces[0].lower()
        if word not in seen:
            seen[word] = sum(1 for p in pieces[2:] if p[-1].isdigit())
for word, n in seen.items():
    print(f"{word}\t{n}")
