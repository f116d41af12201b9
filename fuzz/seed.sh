#!/bin/sh
# Fills fuzz/corpus/ with seeds from the repository's fixtures (not committed).
set -eu
cd "$(dirname "$0")"
root=..
mkdir -p corpus/pipeline corpus/spf_record
cp "$root"/fixtures/corpus/sisimai/eml/*.eml corpus/pipeline/
for f in "$root"/fixtures/bounces/* "$root"/fixtures/text/*.txt; do
    cp "$f" "corpus/pipeline/$(basename "$(dirname "$f")")-$(basename "$f")"
done
# SPF seeds: every distinct "v=spf1 ..." string written in the sources, tests and fixtures.
grep -rhoI 'v=spf1[^"'"'"'\\]*' "$root"/src "$root"/tests "$root"/fixtures 2>/dev/null \
    | sort -u | while IFS= read -r rec; do
        printf '%s' "$rec" > "corpus/spf_record/$(printf '%s' "$rec" | cksum | cut -d' ' -f1)"
    done
ls corpus/pipeline | wc -l
ls corpus/spf_record | wc -l
