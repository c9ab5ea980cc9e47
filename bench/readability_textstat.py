#!/usr/bin/env python3
"""textstat 0.7.13's speed on the readability passages, for bench/readability.sh.

    NLTK_DATA=... python3 bench/readability_textstat.py DIR [PASSES]

Scores every passage of DIR/texts (the seven scores plus word, sentence and syllable counts)
PASSES times. textstat caches results per text (an LRU keyed on the text), so each pass appends
a different number of trailing spaces: no pass reuses the last one's results, while within a pass
textstat's caching of counts shared by several scores works as it does for a user.
"""
import glob
import os
import sys
import time

import textstat

folder = sys.argv[1]
passes = int(sys.argv[2]) if len(sys.argv) > 2 else 5
texts = [open(p, encoding="utf-8").read() for p in sorted(glob.glob(os.path.join(folder, "texts", "*.txt")))]
size = sum(len(t.encode("utf-8")) for t in texts)
ts = textstat.textstat
ts.flesch_reading_ease("warm up the CMU dictionary and the hyphenation patterns.")
start = time.perf_counter()
for p in range(passes):
    for t in (t + " " * (p + 1) for t in texts):
        ts.flesch_reading_ease(t)
        ts.flesch_kincaid_grade(t)
        ts.gunning_fog(t)
        ts.smog_index(t)
        ts.coleman_liau_index(t)
        ts.automated_readability_index(t)
        ts.dale_chall_readability_score(t)
        ts.lexicon_count(t)
        ts.sentence_count(t)
        ts.syllable_count(t)
secs = time.perf_counter() - start
print(f"textstat {textstat.__version__ if hasattr(textstat, '__version__') else '0.7.13'}: "
      f"{size * passes / secs / 1e6:.3f} MB/s ({passes} passes over {size / 1e3:.0f} KB in {secs:.2f} s)")
