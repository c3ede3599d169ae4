#!/bin/sh
# 4007: the auditor's HTML view of a generated batch (tests/tools/gen-batch.sh)
# is drawn in memory flat in the number of accounts. The page of 3,000
# accounts has one row per account, numbered in order across the chunks
# the view is transformed in, and the counts of the manifest; the run's
# peak RSS for 3,000 accounts is within a few MiB of the one for 600
# (before the view was streamed, it grew by about 1 KiB a record: ~200 MB).
. "$(dirname "$0")/../lib.sh"

TIME=/usr/bin/time
if ! "$TIME" -f %M true >/dev/null 2>&1; then
	echo "ok 1 # skip GNU time not installed ($TIME)"
	echo "1..1"
	exit 0
fi
# Memory figures mean nothing under valgrind or AddressSanitizer (and the
# thousands of letters take minutes there): the plain build measures them.
if [ "${VALGRIND:-}" = 1 ] || ldd "$O/fairnotice" 2>/dev/null | grep -q libasan; then
	echo "ok 1 # skip memory is measured on the plain build"
	echo "1..1"
	exit 0
fi
# Peak RSS may grow by this much from 600 to 3,000 accounts.
SLACK_KIB=4096

# run N: the batch of N generated accounts; sets RUN_RC, BUNDLE, PEAK (KiB).
run() {
	"$TOP/tests/tools/gen-batch.sh" "$1" "$TMP/batch-$1"
	dir=$TMP/run-$1
	mkdir -p "$dir"
	"$TIME" -f %M -o "$dir/peak" $FAIRNOTICE run --batch "$TMP/batch-$1" \
		--out "$dir/out" --state "$dir/state" --date 2026-11-23 \
		>"$dir/stdout" 2>"$dir/stderr"
	RUN_RC=$?
	BUNDLE=$(ls -d "$dir"/out/*/ 2>/dev/null | head -1)
	BUNDLE=${BUNDLE%/}
	PEAK=$(tail -1 "$dir/peak")
}

run 600
is "600 accounts: exit code 1 (the malformed ones are rejected)" "$RUN_RC" 1
small=$PEAK
run 3000
is "3,000 accounts: exit code 1 (the malformed ones are rejected)" "$RUN_RC" 1
echo "# peak RSS: $small KiB for 600 accounts, $PEAK KiB for 3,000"
ok "peak RSS grows by at most $SLACK_KIB KiB from 600 to 3,000 accounts ($small -> $PEAK KiB)" \
	test "$PEAK" -le $((small + SLACK_KIB))

XML=$BUNDLE/audit/manifest.xml
HTML=$BUNDLE/audit/manifest.html
ok "audit/manifest.html written" test -s "$HTML"
# One line per element, as in 4001.
tr -d '\n' <"$HTML" | sed 's/</\n</g' >"$TMP/page.lines"
total() { sed -n "s/.*<totals [^>]*\<$1=\"\([0-9]*\)\".*/\1/p" "$XML"; }
card() { grep -A1 "id=\"count-$1\"" "$TMP/page.lines" | sed -n 's/.*class="n">\([0-9]*\).*/\1/p' | head -1; }
is "manifest: 3000 read" "$(total read)" 3000
is "rows: one per account" "$(grep -c '^<tr data-outcome=' "$TMP/page.lines")" 3000
is "rows: numbered 1 to 3000 in order" \
	"$(sed -n 's/^<td class="num">\([0-9]*\)$/\1/p' "$TMP/page.lines" | awk '$1 != NR { bad++ } END { print NR, bad + 0 }')" \
	"3000 0"
is "rows: in the manifest's order" \
	"$(sed -n 's/^<td>\(GEN-[0-9]*\).*/\1/p' "$TMP/page.lines" | md5sum)" \
	"$(sed -n 's/^  <account id="\([^"]*\)".*/\1/p' "$XML" | md5sum)"
for what in read letters suppressed deferred rejected pages; do
	is "card $what as <totals> ($(total $what))" "$(card $what)" "$(total $what)"
done
is "card review: the accounts flagged in the manifest" "$(card review)" \
	"$(grep -c '^  <account [^>]*review="yes"' "$XML")"
is "3000 of 3000 shown" "$(sed -n 's/^<span id="shown">\([0-9]*\)$/\1/p' "$TMP/page.lines")" 3000

# The charts and filters against counts made here from the manifest
# ("(none)" for an account without a state sorts first, as "" does).
states=$(awk '/^  <account / {
		s = ""
		if (match($0, / state="[^"]*"/)) s = substr($0, RSTART + 8, RLENGTH - 9)
		n[s == "" ? "(none)" : s]++
	}
	END { for (s in n) print s ":" n[s] }' "$XML" | sort | tr '\n' ' ')
is "state chart: a bar per state with its number of accounts" \
	"$(sed -n '/^<svg .*id="chart-state"/,/^<\/svg>/p' "$TMP/page.lines" | awk -F'>' '
		/^<text x="0" [^>]*font-size="12"/ { s = $2 }
		/^<text [^>]*font-size="11"/ { print s ":" $2 }' | tr '\n' ' ')" \
	"$states"
is "reason chart: a bar per reason code with its number of records" \
	"$(sed -n '/^<svg .*id="chart-reason"/,/^<\/svg>/p' "$TMP/page.lines" |
		sed -n 's/^<title>\(.*\): \([0-9]*\)$/\1:\2/p' | tr '\n' ' ')" \
	"$(sed -n 's/^    <reason code="\([^"]*\)".*/\1/p' "$XML" | sort | uniq -c |
		awk '{ print $2 ":" $1 }' | tr '\n' ' ')"
is "state filter: 'all' and an option per state" \
	"$(sed -n '/id="f-state"/,/^<\/select>/p' "$TMP/page.lines" | grep -c '^<option ')" \
	"$(($(echo "$states" | wc -w) + 1))"
is "rule filter: an option per rule id fired, in order" \
	"$(sed -n '/id="f-rule"/,/^<\/select>/p' "$TMP/page.lines" | sed -n 's/^<option value="\(..*\)">.*/\1/p' | md5sum)" \
	"$(sed -n 's/^    <rule id="\([^"]*\)".*/\1/p' "$XML" | sort -u | md5sum)"
head=$(sed -n 's/.*<chain head="\([0-9a-f]*\)".*/\1/p' "$XML")
is "manifest: chain head is a SHA-256" "${#head}" 64
ok "chain head shown" grep -q "^<code id=\"chain-head\">$head\$" "$TMP/page.lines"

# verify reads every PDF's page tree, which lists thousands of pages here.
ok "verify passes on 3,000 accounts" $FAIRNOTICE verify "$BUNDLE"

# The same bytes whatever --jobs: with more than one, the view's rows are
# cut into ranges that forked copies transform at once (and the letters
# into slices that workers typeset).
for j in 1 3; do
	$FAIRNOTICE run --batch "$TMP/batch-3000" --out "$TMP/j$j/out" --state "$TMP/j$j/state" \
		--date 2026-11-23 --jobs $j >/dev/null 2>&1
	ok "--jobs $j: the same bundle, byte for byte" \
		diff -r "$BUNDLE" "$(ls -d "$TMP/j$j"/out/*/ | head -1)"
done
ls -a "$BUNDLE/audit" >"$TMP/audit-files"
lacks "no scratch file of the view is left" "$TMP/audit-files" ".part-"

done_testing
