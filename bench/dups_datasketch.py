#!/usr/bin/env python3
"""The near-duplicate benchmark through Python's datasketch MinHashLSH, for comparison.

Reads docs.txt and pairs.tsv written by `cargo run --release --example bench_dups -- --write DIR`,
builds a MinHash (num_perm 128) of each document's word-triple shingles, inserts all into a
MinHashLSH at the same threshold, queries every document, and reports time, peak memory, recall
over planted pairs at or above the threshold and precision of the LSH answer against exact Jaccard
(datasketch reports candidates; it does not confirm them).

    python3 bench/dups_datasketch.py DIR [THRESHOLD] [FN_WEIGHT]

FN_WEIGHT (default 0.5, datasketch's own default) is the weight datasketch gives false negatives
when it picks bands and rows; 0.9 trades more candidates for recall.
"""
import resource
import sys
import time

from datasketch import MinHash, MinHashLSH


def shingles(words):
    return {" ".join(words[i:i + 3]).encode() for i in range(len(words) - 2)}


def main():
    folder = sys.argv[1]
    threshold = float(sys.argv[2]) if len(sys.argv) > 2 else 0.9
    fn_weight = float(sys.argv[3]) if len(sys.argv) > 3 else 0.5
    with open(f"{folder}/docs.txt") as f:
        lines = f.read().splitlines()
    planted = []
    with open(f"{folder}/pairs.tsv") as f:
        for line in f:
            x, y, j = line.split("\t")
            planted.append((int(x), int(y), float(j)))

    t0 = time.perf_counter()
    lsh = MinHashLSH(threshold=threshold, num_perm=128, weights=(1 - fn_weight, fn_weight))
    signatures = []
    for i, line in enumerate(lines):
        m = MinHash(num_perm=128)
        m.update_batch(list(shingles(line.split())))
        lsh.insert(i, m, check_duplication=False)
        signatures.append(m)
    reported = set()
    for i, m in enumerate(signatures):
        for j in lsh.query(m):
            if j != i:
                reported.add((min(i, j), max(i, j)))
    elapsed = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def jaccard(a, b):
        x, y = shingles(lines[a].split()), shingles(lines[b].split())
        inter = len(x & y)
        return inter / (len(x) + len(y) - inter)

    relevant = [(x, y) for x, y, j in planted if j >= threshold]
    found = sum(1 for x, y in relevant if (x, y) in reported)
    correct = sum(1 for x, y in reported if jaccard(x, y) >= threshold)
    print(f"datasketch           MinHashLSH(threshold={threshold}, num_perm=128, weights={(1 - fn_weight, fn_weight)}): bands {lsh.b}, rows {lsh.r}; {len(lines)} documents")
    print(f"time                 {elapsed:.2f} s (MinHash, insert, query)")
    print(f"peak memory          {peak:.0f} MB (documents held as text)")
    print(f"planted pairs >= {threshold}  {len(relevant)}; found {found}: recall {found / max(1, len(relevant)):.4f}")
    print(f"reported pairs       {len(reported)}; exact Jaccard >= {threshold}: {correct}: precision {correct / max(1, len(reported)):.4f}")


if __name__ == "__main__":
    main()
