#!/usr/bin/env bash
# Side by side: bouncedoc and the Perl Sisimai parser (Debian's libsisimai-perl) decoding the
# bundled corpus, timed two ways: each as one process over the whole folder, timed by hyperfine
# (median of runs); and in process, each over emails already in memory (median of warm rounds).
# Needs: apt-get install libsisimai-perl hyperfine
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=fixtures/corpus/sisimai/eml
cargo build --release --quiet
n=$(ls "$corpus" | wc -l)
mb=$(du -sb "$corpus" | awk '{printf "%.2f", $1/1e6}')
echo "corpus: $n emails, $mb MB; load average: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
hyperfine --warmup 1 --runs "${RUNS:-10}" --export-json target/compare-sisimai.json \
  -n bouncedoc "target/release/bouncedoc --json --offline $corpus/*.eml > /dev/null || true" \
  -n sisimai "perl -MSisimai -e 'my \$r = Sisimai->make(\$ARGV[0], delivered => 1) || []; print scalar(@\$r), qq(\n)' $corpus > /dev/null"
python3 - "$n" "$mb" <<'PY'
import json, sys
n, mb = int(sys.argv[1]), float(sys.argv[2])
res = {r["command"]: r["median"] for r in json.load(open("target/compare-sisimai.json"))["results"]}
for name, t in res.items():
    print(f"{name:10s} median {t*1e3:8.1f} ms  {n/t:9.0f} emails/s  {mb/t:7.2f} MB/s")
print(f"ratio: bouncedoc is {res['sisimai']/res['bouncedoc']:.1f} times the Perl parser's rate")
PY
# In process: no process start-up or pattern compilation, emails already in memory.
echo "in process (median of warm rounds, one thread each):"
bench=$(cargo bench --bench corpus 2>/dev/null | grep -o 'median of [0-9]* rounds [0-9.]* ms' | awk '{print $5}')
perl=$(perl bench/sisimai-in-process.pl "$corpus" "${PERL_ROUNDS:-5}" | grep -o '[0-9.]* ms' | awk '{print $1}')
python3 - "$n" "$mb" "$bench" "$perl" <<'PY'
import sys
n, mb, ours, theirs = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]) / 1e3, float(sys.argv[4]) / 1e3
for name, t in (("bouncedoc", ours), ("sisimai", theirs)):
    print(f"{name:10s} median {t*1e3:8.1f} ms  {n/t:9.0f} emails/s  {mb/t:7.2f} MB/s")
print(f"ratio: bouncedoc is {theirs/ours:.1f} times the Perl parser's rate")
PY
