#!/bin/sh
# 4006: letters grouped for the inserter (docs/print-bundle.md). The demo
# batch with a profile that takes one sheet per #10 envelope and five
# pieces per file: one-sheet letters in window-1, every longer letter in
# the flat group, the letters in slices of five and each slice giving
# each group it has letters of that group's next part, each file in ZIP
# order with ascending piece ids; every piece's pages are
# where the manifest says (its piece id printed on each of them), its
# byte range hashes to its digest, and the result is byte-identical run
# to run.
. "$(dirname "$0")/../lib.sh"

B=$TMP/batch
mkdir -p "$B"
cp "$FIXTURES/demo/"*.csv "$B/"
sed -e 's|<max-sheets>6</max-sheets>|<max-sheets>1</max-sheets><pieces-per-file>5</pieces-per-file>|' \
	"$FIXTURES/demo/agency.xml" >"$B/agency.xml"
ok "profile edited" grep -q '<pieces-per-file>5' "$B/agency.xml"

BATCH=$B run_demo a
is "run completes (some records rejected)" "$RUN_RC" 1
P=$BUNDLE/print
M=$P/manifest.csv
tail -n +2 "$M" | tr -d '\r' >"$TMP/rows"

# Groups: the sheet count decides, max-sheets 1.
is "every piece over one sheet is flat" \
	"$(awk -F, '$6 > 1 && ($(NF-3) != "flat" || $7 != "flat")' "$TMP/rows" | grep -c '')" 0
is "every one-sheet piece is in window-1" \
	"$(awk -F, '$6 == 1 && ($(NF-3) != "window-1" || $7 != "#10-double-window")' "$TMP/rows" | grep -c '')" 0
ok "the flat group has pieces" grep -q ',flat,' "$TMP/rows"
is "control: max-sheets and pieces-per-file" \
	"$(grep -o 'max-sheets="[0-9]*" pieces-per-file="[0-9]*"' "$P/control.xml")" \
	'max-sheets="1" pieces-per-file="5"'
ok "control: flat group starts at two sheets" grep -q '<group name="flat" envelope="flat" min-sheets="2"' "$P/control.xml"

# Parts: the batch's letters in slices of five (letter n in slice
# (n-1)/5); each slice with letters of a group gives it its next part,
# numbered from 001 without a gap, so no file holds more than five.
awk -F, '{ s = int((NR - 1) / 5); g = $(NF-3)
	   if (!(g in last) || last[g] != s) { part[g]++; last[g] = s }
	   printf "%s %s-%03d.pdf\n", $3, g, part[g] }' "$TMP/rows" >"$TMP/parts"
is "every piece in the part its slice gives it" \
	"$(awk '$1 != $2' "$TMP/parts" | grep -c '')" 0
flat_parts=$(awk '$2 ~ /^flat-/ { print $2 }' "$TMP/parts" | sort -u | grep -c '')
is "flat parts: one per slice with flat letters" "$(ls "$P"/flat-*.pdf | grep -c '')" "$flat_parts"
is "last flat part" "$(ls "$P"/flat-*.pdf | tail -1 | xargs basename)" "$(printf 'flat-%03d.pdf' "$flat_parts")"
is "no file holds more than five pieces" \
	"$(cut -d, -f3 "$TMP/rows" | sort | uniq -c | awk '$1 > 5' | grep -c '')" 0
ok "the flat group has more than one part" test "$flat_parts" -gt 1

# Presort: within each file ZIP (then +4) ascends, and so do piece ids.
bad=
for f in $(cut -d, -f3 "$TMP/rows" | sort -u); do
	grep ",$f," "$TMP/rows" | cut -d, -f1 >"$TMP/ids"
	ids_sorted=$(sort "$TMP/ids" | tr '\n' ' ')
	[ "$(tr '\n' ' ' <"$TMP/ids")" = "$ids_sorted" ] || bad="$bad $f:ids"
	# postal_code is column 16 unless a name or address holds a quoted comma:
	# read it from print/manifest.xml instead.
done
grep -o '<piece id="[^"]*"[^>]*pdf="[^"]*"' "$P/manifest.xml" | sed 's/.*id="\([^"]*\)".*pdf="\([^"]*\)"/\1 \2/' >"$TMP/piece-pdf"
grep -o '<postal-code>[^<]*' "$P/manifest.xml" | cut -d'>' -f2 | tr -d '-' |
	awk '{ printf "%s%s\n", substr($0, 1, 5), length($0) == 9 ? substr($0, 6) : "    " }' >"$TMP/zips"
paste -d' ' "$TMP/piece-pdf" "$TMP/zips" >"$TMP/order"
for f in $(cut -d' ' -f2 "$TMP/order" | sort -u); do
	grep " $f " "$TMP/order" | cut -d' ' -f3- >"$TMP/z"
	LC_ALL=C sort -c "$TMP/z" 2>/dev/null || bad="$bad $f:zip"
done
is "every file in ZIP order with ascending piece ids" "$bad" ""
ok "piece ids ascend with ZIP across the batch" sh -c "cut -d' ' -f3- '$TMP/order' | LC_ALL=C sort -c"

# Each PDF: sound, its page count the sum of its pieces', each piece's id
# printed on each of its pages, each piece's bytes its digest.
bad=
for pdf in "$P"/*.pdf; do
	f=$(basename "$pdf")
	qpdf --check "$pdf" >/dev/null 2>&1 || bad="$bad $f:qpdf"
	want=$(awk -F, -v f="$f" '$3 == f { s += $5 } END { print s }' "$TMP/rows")
	[ "$(qpdf --show-npages "$pdf")" = "$want" ] || bad="$bad $f:pages"
done
is "every PDF sound, pages = its pieces' pages" "$bad" ""
bad=
while IFS=, read -r piece acct pdf first count rest; do
	for pg in $(seq "$first" $((first + count - 1))); do
		pdftotext -f "$pg" -l "$pg" "$P/$pdf" - | tr -d '\n' | grep -qF "$piece" || bad="$bad $piece:$pg"
	done
done <"$TMP/rows"
is "every page carries the id of the piece the manifest puts there" "$bad" ""
bad=
# Grouped by file (a stable sort keeps piece order within each).
awk -F, '{ print $1, $3, $(NF-2), $(NF-1), $NF }' "$TMP/rows" | sort -s -k2,2 >"$TMP/ranges"
prev_pdf= prev_end=0
while read -r id pdf sha off len; do
	[ "$pdf" = "$prev_pdf" ] || prev_end=0
	[ "$off" = "$prev_end" ] || bad="$bad $id:gap"
	got=$(tail -c +$((off + 1)) "$P/$pdf" | head -c "$len" | sha256sum | cut -c1-64)
	[ "$got" = "$sha" ] || bad="$bad $id:sha"
	prev_pdf=$pdf prev_end=$((off + len))
done <"$TMP/ranges"
is "byte ranges consecutive from 0 per file, each hashing to its digest" "$bad" ""
ok "verify passes" $FAIRNOTICE verify "$BUNDLE"

BATCH=$B run_demo b
ok "a second run is byte-identical" diff -r "$TMP/a/out" "$TMP/b/out"
done_testing
