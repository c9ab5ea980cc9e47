#!/usr/bin/env bash
# Readability: agreement with textstat 0.7.13 on the 70 reference passages and speed, both tools
# on the same texts in the same run.
#   bench/readability.sh [PASSES_TEXTSTAT] [PASSES_GOVAUDIT]
# Needs ../shared/eval/readability; installs textstat 0.7.13 into bench/work/venv on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=../shared/eval/readability
if [ ! -f "$DIR/textstat_reference.json" ]; then
  echo "bench/readability.sh needs $DIR (textstat_reference.json, the 70 passages and" >&2
  echo "nltk_data/corpora/cmudict.zip): the project's shared data, absent on this machine." >&2
  exit 2
fi
if ! command -v python3 >/dev/null; then
  echo "bench/readability.sh needs python3 (with venv and pip) to run textstat beside govaudit." >&2
  exit 2
fi
PT=${1:-5}
PG=${2:-500}
VENV=bench/work/venv
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q textstat==0.7.13
fi
mkdir -p bench/work/nltk_data/corpora
[ -d bench/work/nltk_data/corpora/cmudict ] || unzip -q -o "$DIR/nltk_data/corpora/cmudict.zip" -d bench/work/nltk_data/corpora
cargo build -q --release --example readability_eval
echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
./target/release/examples/readability_eval "$DIR" --repeat "$PG" | tee bench/work/govaudit-readability.txt
NLTK_DATA=bench/work/nltk_data "$VENV/bin/python" bench/readability_textstat.py "$DIR" "$PT" | tee bench/work/textstat-readability.txt
ours=$(sed -n 's/^throughput: \([0-9.]*\) MB\/s.*/\1/p' bench/work/govaudit-readability.txt)
theirs=$(sed -n 's/^textstat [^:]*: \([0-9.]*\) MB\/s.*/\1/p' bench/work/textstat-readability.txt)
echo "govaudit / textstat: $(python3 -c "print(f'{$ours / $theirs:.0f}x')")"
