#!/usr/bin/env bash
# End-to-end crawl benchmark: generated pages on loopback, crawled by govaudit, `wget --spider -r`
# and lychee (when installed), each on the same pages in the same run. Prints pages/s, peak RSS,
# database size and ratios. Usage: bench/crawl.sh [PAGES_PER_HOST (default 4000)] [HOSTS (5)]
# Needs: cargo, wget, GNU time (/usr/bin/time); lychee optional (`cargo install lychee`, or
# LYCHEE=/path/to/lychee). ONLY_GOVAUDIT=1 skips the peers (for the 100,000-page memory run).
set -euo pipefail
cd "$(dirname "$0")/.."
PER_HOST=${1:-4000}
HOSTS=${2:-5}
WORK=bench/work
rm -rf "$WORK" && mkdir -p "$WORK"
cargo build --release --quiet --bin govaudit --example bench_server
BIN=target/release/govaudit

target/release/examples/bench_server "$HOSTS" "$PER_HOST" "$WORK/ports.txt" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -s "$WORK/ports.txt" ] && break; sleep 0.1; done
mapfile -t PORTS < "$WORK/ports.txt"

echo "url,name" > "$WORK/inventory.csv"
MAPS=()
for h in $(seq 0 $((HOSTS - 1))); do
  echo "https://www.bench$h.gov/,Bench $h" >> "$WORK/inventory.csv"
  MAPS+=(--map "https://www.bench$h.gov=http://127.0.0.1:${PORTS[$h]}")
done
TOTAL=$((PER_HOST * HOSTS))
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $HOSTS hosts x $PER_HOST pages = $TOTAL pages"

# govaudit: stores every page (compressed body), every link, and checks every link target.
/usr/bin/time -f "%e %M" -o "$WORK/govaudit.time" \
  "$BIN" crawl "$WORK/inventory.csv" --db "$WORK/bench.db" --offline --quiet \
  --delay-ms 0 --concurrency 64 --per-host 16 --max-pages-per-site $((PER_HOST + 10)) "${MAPS[@]}" \
  2> "$WORK/govaudit.log"
read -r G_S G_KB < <(tail -1 "$WORK/govaudit.time")
G_PAGES=$(python3 -c "import sqlite3;print(sqlite3.connect('$WORK/bench.db').execute('select count(*) from pages p join urls u on u.id=p.url_id where u.site_id is not null and p.status=200').fetchone()[0])")
G_LINKS=$(python3 -c "import sqlite3;print(sqlite3.connect('$WORK/bench.db').execute('select count(*) from links').fetchone()[0])")
DB_MB=$(du -m "$WORK/bench.db" | cut -f1)
G_RATE=$(python3 -c "print(round($G_PAGES/$G_S))")
echo "govaudit: $G_PAGES pages, $G_LINKS links stored in ${G_S}s = $G_RATE pages/s; peak RSS $((G_KB / 1024)) MB; database $DB_MB MB"

if [ -n "${ONLY_GOVAUDIT:-}" ]; then exit 0; fi

# wget: a sequential recursive crawl of each host (it parses HTML and stores nothing).
W_START=$(date +%s.%N)
W_PAGES=0
for h in $(seq 0 $((HOSTS - 1))); do
  (cd "$WORK" && wget --spider -r -l inf -nv -o "wget-$h.log" "http://127.0.0.1:${PORTS[$h]}/" || true)
  n=$(grep -c " URL:" "$WORK/wget-$h.log" || true)
  W_PAGES=$((W_PAGES + n))
done
W_END=$(date +%s.%N)
W_S=$(python3 -c "print(round($W_END-$W_START,2))")
W_RATE=$(python3 -c "print(round($W_PAGES/$W_S))")
echo "wget --spider -r: $W_PAGES pages in ${W_S}s = $W_RATE pages/s"
echo "ratio govaudit/wget (pages/s): $(python3 -c "print(round($G_RATE/$W_RATE,2))")"

LYCHEE=${LYCHEE:-$(command -v lychee || true)}
if [ -n "$LYCHEE" ]; then
  python3 -c "
import sqlite3
ports=open('$WORK/ports.txt').read().split()
for (u,) in sqlite3.connect('$WORK/bench.db').execute('select u.url from pages p join urls u on u.id=p.url_id where u.site_id is not null and p.status=200'):
    h=int(u.split('//www.bench')[1].split('.gov')[0]); print(u.replace('https://www.bench%d.gov'%h,'http://127.0.0.1:'+ports[h]))
" > "$WORK/urls.txt"
  L_START=$(date +%s.%N)
  /usr/bin/time -f "%e %M" -o "$WORK/lychee.time" "$LYCHEE" --no-progress --max-concurrency 64 --host-concurrency 16 --host-request-interval 0ms \
    --timeout 30 --exclude 'bench[0-9]+\.gov' --files-from "$WORK/urls.txt" > "$WORK/lychee.out" 2>&1 || true
  L_END=$(date +%s.%N)
  read -r L_S L_KB < <(tail -1 "$WORK/lychee.time")
  L_PAGES=$(wc -l < "$WORK/urls.txt")
  L_RATE=$(python3 -c "print(round($L_PAGES/$L_S))")
  echo "lychee (given the $L_PAGES page URLs): ${L_S}s = $L_RATE pages/s; peak RSS $((L_KB / 1024)) MB"
  echo "ratio govaudit/lychee (pages/s): $(python3 -c "print(round($G_RATE/$L_RATE,2))")"
  tail -3 "$WORK/lychee.out"
else
  echo "lychee: not installed (cargo install lychee), skipped"
fi
