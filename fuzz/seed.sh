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
# Mailbox seeds: the bundled bounces three at a time behind mbox "From " lines, so the
# splitter and the per-message path are reached.
set -- "$root"/fixtures/bounces/*.eml
n=0
while [ $# -gt 0 ]; do
    n=$((n + 1))
    for f in "$1" "${2:-}" "${3:-}"; do
        [ -n "$f" ] || continue
        printf 'From MAILER-DAEMON Mon Nov 23 00:00:00 2026\n'
        sed 's/^From />From /' "$f"
        # A blank line before the next "From " line, whether or not the file ends in a newline.
        [ -z "$(tail -c1 "$f")" ] || printf '\n'
        printf '\n'
    done > "corpus/pipeline/mbox-$n.mbox"
    shift; [ $# -gt 0 ] && shift; [ $# -gt 0 ] && shift
done
# SPF seeds: every distinct "v=spf1 ..." string written in the sources, tests and fixtures.
grep -rhoI 'v=spf1[^"'"'"'\\]*' "$root"/src "$root"/tests "$root"/fixtures 2>/dev/null \
    | sort -u | while IFS= read -r rec; do
        printf '%s' "$rec" > "corpus/spf_record/$(printf '%s' "$rec" | cksum | cut -d' ' -f1)"
    done
ls corpus/pipeline | wc -l
ls corpus/spf_record | wc -l
