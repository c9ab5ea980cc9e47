#!/usr/bin/env bash
# Audit benchmark: generated pages on loopback (the pages of bench/crawl.sh), crawled, audited;
# then re-crawled with 5% of the pages edited and audited again, both incrementally (pages whose
# body did not change reuse what the first audit measured) and in full (`audit --full`), and the
# two re-audits' findings compared byte for byte; `report` after the first audit and after the
# re-audit (its progress section compares the two runs). Prints the time and peak RSS of each step.
# Usage: bench/audit.sh [PAGES_PER_HOST (default 4000)] [HOSTS (5)] [EDITED_PERCENT (5)]
# FIRST_AUDIT_ONLY=1 stops after the first audit (for the largest sizes); CRAWL_ONLY=1 stops after
# the crawl, leaving $WORK/bench.db to audit with other builds; KEEP_INPUT=1 keeps the re-crawled
# database before the re-audits as $WORK/reaudit-input.db; NO_FULL_REAUDIT=1 stops after the
# incremental re-audit (at a million pages the full re-audit, as long as the first audit, and the
# reports would double the run; the first audit stands in for the full re-audit's time).
# Needs: cargo, python3, GNU time (/usr/bin/time). Disk: about 16 KB of database per page.
set -euo pipefail
cd "$(dirname "$0")/.."
PER_HOST=${1:-4000}
HOSTS=${2:-5}
EDITED=${3:-5}
WORK=${WORK:-bench/work-audit}
rm -rf "$WORK" && mkdir -p "$WORK"
cargo build --release --quiet --bin govaudit --example bench_server
# BIN and SERVER_BIN name other builds (copies, so that a rebuild during a long run changes nothing).
BIN=${BIN:-target/release/govaudit}
SERVER_BIN=${SERVER_BIN:-target/release/examples/bench_server}
TOTAL=$((PER_HOST * HOSTS))
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $HOSTS hosts x $PER_HOST pages = $TOTAL pages"

SERVER=
trap 'kill $SERVER 2>/dev/null || true' EXIT
serve() { # $1: percent of pages served edited
  rm -f "$WORK/ports.txt"
  BENCH_EDITED_PERCENT=$1 "$SERVER_BIN" "$HOSTS" "$PER_HOST" "$WORK/ports.txt" &
  SERVER=$!
  for _ in $(seq 100); do [ -s "$WORK/ports.txt" ] && [ "$(wc -l < "$WORK/ports.txt")" -ge "$HOSTS" ] && break; sleep 0.1; done
  mapfile -t PORTS < "$WORK/ports.txt"
  MAPS=()
  for h in $(seq 0 $((HOSTS - 1))); do
    MAPS+=(--map "https://www.bench$h.gov=http://127.0.0.1:${PORTS[$h]}")
  done
}
timed() { # $1: label, rest: command; prints "label: S s, peak RSS M MB"
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$WORK/$label.time" "$@" > "$WORK/$label.out" 2> "$WORK/$label.log"
  read -r S KB < <(tail -1 "$WORK/$label.time")
  printf '%-28s %8.1f s   peak RSS %6d MB\n' "$label:" "$S" $((KB / 1024))
}

echo "url,name" > "$WORK/inventory.csv"
for h in $(seq 0 $((HOSTS - 1))); do echo "https://www.bench$h.gov/,Bench $h" >> "$WORK/inventory.csv"; done
CRAWL=(crawl "$WORK/inventory.csv" --db "$WORK/bench.db" --offline --quiet --delay-ms 0
  --concurrency 64 --per-host 16 --max-pages-per-site $((PER_HOST + 10)))

serve 0
timed crawl "$BIN" "${CRAWL[@]}" "${MAPS[@]}"
kill $SERVER; wait $SERVER 2>/dev/null || true
PAGES=$(python3 -c "import sqlite3;print(sqlite3.connect('$WORK/bench.db').execute('select count(*) from pages where status=200').fetchone()[0])")
echo "pages stored: $PAGES; database $(du -m "$WORK/bench.db" | cut -f1) MB"
if [ "${CRAWL_ONLY:-}" = 1 ]; then exit 0; fi
timed audit "$BIN" --debug audit --db "$WORK/bench.db"
grep -h "audit memory\|audit times\|page pass kept" "$WORK/audit.log" | sed 's/^.*\] /  /' || true
FINDINGS=$(python3 -c "import sqlite3;print(sqlite3.connect('$WORK/bench.db').execute('select count(*) from findings where run_id=(select max(id) from runs)').fetchone()[0])")
timed "report ($FINDINGS findings)" "$BIN" --debug report --db "$WORK/bench.db" --out "$WORK/report"
if [ "${FIRST_AUDIT_ONLY:-}" = 1 ]; then exit 0; fi

serve "$EDITED"
timed "re-crawl ($EDITED% edited)" "$BIN" "${CRAWL[@]}" "${MAPS[@]}"
kill $SERVER; wait $SERVER 2>/dev/null || true
if [ "${NO_FULL_REAUDIT:-}" != 1 ]; then cp "$WORK/bench.db" "$WORK/full.db"; fi
# KEEP_INPUT=1 keeps the re-crawled database as it was before either re-audit, to time other builds.
if [ "${KEEP_INPUT:-}" = 1 ]; then cp "$WORK/bench.db" "$WORK/reaudit-input.db"; fi
timed "re-audit (incremental)" "$BIN" --debug audit --db "$WORK/bench.db"
if [ "${NO_FULL_REAUDIT:-}" = 1 ]; then
  grep -h "pages reused\|audit memory\|audit times" "$WORK/re-audit (incremental).log" | sed 's/^.*\] /  /' || true
  exit 0
fi
timed "re-audit (--full)" "$BIN" --debug audit --full --db "$WORK/full.db"
grep -h "pages reused" "$WORK/re-audit (incremental).log" | sed 's/^.*\] /  /' || true
"$BIN" findings --db "$WORK/bench.db" --format json > "$WORK/incremental.json"
"$BIN" findings --db "$WORK/full.db" --format json > "$WORK/full.json"
timed "report (with progress)" "$BIN" --debug report --db "$WORK/bench.db" --out "$WORK/report"
if cmp -s "$WORK/incremental.json" "$WORK/full.json"; then
  echo "findings: incremental and full re-audits identical ($(wc -c < "$WORK/full.json") bytes of JSON)"
else
  echo "findings: incremental and full re-audits DIFFER (see $WORK/incremental.json, $WORK/full.json)"
  exit 1
fi
