#!/bin/sh
# 4003: `fairnotice verify OUT/<batch-id>` passes on the demo bundle (twice,
# with the same words), on a second run's, on one without letters and on
# one cut into parts (pieces-per-file), and fails with exit 1 on altered
# copies, naming the place: a byte inside one piece's range of its PDF
# (by the piece's id), a row of print/manifest.csv, an attribute of
# print/manifest.xml, an attribute of an audit record (by its account and
# line), a removed file, a removed part PDF, an added file, the control
# file's totals and chain head, bundle.zip.sha256 edited; then one byte
# changed at several offsets of every file of the bundle, each change
# found and the file named. Exit 3 when the directory is not a bundle at
# all.
. "$(dirname "$0")/../lib.sh"

run_demo a
is "demo run completes" "$RUN_RC" 1
NAME=$(basename "$BUNDLE")

# verify DIR: VRC, output in $TMP/v.out (stdout) and $TMP/v.err.
verify() {
	$FAIRNOTICE verify "$1" >"$TMP/v.out" 2>"$TMP/v.err"
	VRC=$?
}

# A fresh copy of the bundle as $C (same directory name, elsewhere).
copy() {
	rm -rf "$TMP/c"
	mkdir -p "$TMP/c"
	cp -R "$BUNDLE" "$TMP/c/"
	C=$TMP/c/$NAME
}

# flip FILE OFFSET: xor the byte at OFFSET with 0x01 (twice restores it).
flip() {
	perl -e 'open(my $f, "+<", $ARGV[0]) or die "$ARGV[0]: $!"; binmode $f;
		seek($f, $ARGV[1], 0); read($f, my $c, 1) == 1 or die "short";
		seek($f, $ARGV[1], 0); print $f chr(ord($c) ^ 1); close $f or die' "$1" "$2"
}

verify "$BUNDLE"
is "intact bundle: exit 0" "$VRC" 0
contains "intact bundle: says so" "$TMP/v.out" "0 problems: intact"
is "intact bundle: no problem lines" "$(grep -c '^problem:' "$TMP/v.out")" 0
cp "$TMP/v.out" "$TMP/first.out"
verify "$BUNDLE"
is "second verify: exit 0" "$VRC" 0
ok "second verify: same words" cmp "$TMP/first.out" "$TMP/v.out"
ok "verify changed nothing in the bundle" sh -c "cd '$BUNDLE' && sha256sum -c --quiet print/SHA256SUMS"

# A second batch run (fresh state) makes a bundle that verifies as well.
FIRST=$BUNDLE
run_demo b
verify "$BUNDLE"
is "bundle of a second run: exit 0" "$VRC" 0
# A batch with no letter at all (no PDF: a group with no pieces has no
# file) verifies too.
mkdir -p "$TMP/held"
cp "$FIXTURES/demo/agency.xml" "$TMP/held/"
{ head -1 "$FIXTURES/demo/accounts-2026-11-23.csv"
  grep -e '^RR-10031,' -e '^RR-10034,' "$FIXTURES/demo/accounts-2026-11-23.csv"; } >"$TMP/held/accounts.csv"
BATCH=$TMP/held run_demo held-run   # not in the batch dir: no stray files there
verify "$BUNDLE"
is "bundle without letters: exit 0" "$VRC" 0
contains "bundle without letters: its records" "$TMP/v.out" "2 audit records, 0 problems"
is "bundle without letters: no PDF" "$(ls "$BUNDLE"/print/*.pdf 2>/dev/null | grep -c '')" 0
# Parts: five pieces a file at most, window-2 cut into several.
mkdir -p "$TMP/parts"
cp "$FIXTURES/demo/"*.csv "$TMP/parts/"
sed -e 's|<max-sheets>6</max-sheets>|<max-sheets>6</max-sheets><pieces-per-file>5</pieces-per-file>|' \
	"$FIXTURES/demo/agency.xml" >"$TMP/parts/agency.xml"
BATCH=$TMP/parts run_demo parts-run
PARTS=$BUNDLE
verify "$PARTS"
is "bundle in parts: exit 0" "$VRC" 0
ok "bundle in parts: window-2 has a third part" test -f "$PARTS/print/window-2-003.pdf"
BUNDLE=$FIRST

# ---- one byte inside one piece's range of its PDF ----
# The fourth row's piece: the middle of its byte range.
ROW=$(sed -n 5p "$BUNDLE/print/manifest.csv" | tr -d '\r')
PIECE=$(echo "$ROW" | cut -d, -f1)
PDF=$(echo "$ROW" | cut -d, -f3)
OFFSET=$(echo "$ROW" | awk -F, '{ print $(NF-1) }')
LENGTH=$(echo "$ROW" | awk -F, '{ print $NF }')
copy
flip "$C/print/$PDF" $((OFFSET + LENGTH / 2))
verify "$C"
is "byte of $PDF: exit 1" "$VRC" 1
contains "byte of $PDF: sum names it" "$TMP/v.out" "(at print/$PDF)"
contains "byte of $PDF: the piece whose range holds it" "$TMP/v.out" \
	"problem: piece '$PIECE': bytes $OFFSET-$((OFFSET + LENGTH - 1)) hash to "
contains "byte of $PDF: ... with its row and its PDF" "$TMP/v.out" \
	"of print/manifest.csv:5 (at print/$PDF)"
is "byte of $PDF: no other piece named" "$(grep -c "^problem: piece '.*': bytes" "$TMP/v.out")" 1
contains "byte of $PDF: the zip entry differs" "$TMP/v.out" \
	"entry 'print/$PDF': crc-32"
contains "byte of $PDF: NOT INTACT" "$TMP/v.out" "NOT INTACT"

# ---- a row of manifest.csv: the second letter starts a page later ----
ROW=$(sed -n 3p "$BUNDLE/print/manifest.csv")
ACCOUNT=$(echo "$ROW" | cut -d, -f2)
FIRST=$(echo "$ROW" | cut -d, -f4)
copy
perl -pi -e 's/^([^,]*,[^,]*,[^,]*,)(\d+),/$1 . ($2 + 1) . ","/e if $. == 3' \
	"$C/print/manifest.csv"
ok "manifest row edited" sh -c "sed -n 3p '$C/print/manifest.csv' | grep -q '^[^,]*,$ACCOUNT,[^,]*,$((FIRST + 1)),'"
verify "$C"
is "manifest row: exit 1" "$VRC" 1
contains "manifest row: first_page against the audit record" "$TMP/v.out" \
	"first_page '$((FIRST + 1))' but '$FIRST' in the record of account '$ACCOUNT'"
contains "manifest row: names the row" "$TMP/v.out" "(at print/manifest.csv:3)"
contains "manifest row: overlap found" "$TMP/v.out" "overlap the row at line"
contains "manifest row: sum differs" "$TMP/v.out" "(at print/manifest.csv)"
contains "manifest row: manifest.xml differs" "$TMP/v.out" \
	"first-page '$FIRST' but first_page '$((FIRST + 1))' in print/manifest.csv:3 (at print/manifest.xml:"

# ---- an attribute of print/manifest.xml ----
ROW=$(sed -n 2p "$BUNDLE/print/manifest.csv")
PIECE=$(echo "$ROW" | cut -d, -f1)
PAGES=$(echo "$ROW" | cut -d, -f5)
XPAGES=$(sed -n 's/.*<totals pieces="[0-9]*" pages="\([0-9]*\)".*/\1/p' "$BUNDLE/print/manifest.xml")
LINE=$(grep -n "<piece id=\"$PIECE\"" "$BUNDLE/print/manifest.xml" | cut -d: -f1)
copy
perl -0pi -e 's/(<piece id="\Q'"$PIECE"'\E"[^>]*?) pages="(\d+)"/$1 . " pages=\"" . ($2 + 1) . "\""/e' \
	"$C/print/manifest.xml"
verify "$C"
is "manifest.xml attribute: exit 1" "$VRC" 1
contains "manifest.xml attribute: the piece, the CSV row and the line" "$TMP/v.out" \
	"problem: piece '$PIECE': pages '$((PAGES + 1))' but page_count '$PAGES' in print/manifest.csv:2 (at print/manifest.xml:$LINE)"
contains "manifest.xml attribute: its totals" "$TMP/v.out" \
	"<totals> pages=$XPAGES but the pieces have $((XPAGES + 1)) (at print/manifest.xml:"
contains "manifest.xml attribute: sum differs" "$TMP/v.out" "(at print/manifest.xml)"

# ---- an attribute of one audit record ----
copy
perl -0pi -e 's/(<account id="RR-10002"[^>]*?) line="(\d+)"/$1 line="9$2"/' \
	"$C/audit/manifest.xml"
ok "audit record edited" grep -q '<account id="RR-10002"[^>]* line="9' "$C/audit/manifest.xml"
verify "$C"
is "audit attribute: exit 1" "$VRC" 1
contains "audit attribute: names the account and its hash" "$TMP/v.out" \
	"problem: account 'RR-10002': hash '"
is "audit attribute: only that record breaks the chain" \
	"$(grep -c "account '.*': hash '" "$TMP/v.out")" 1
LINE=$(grep -n '<account id="RR-10002"' "$C/audit/manifest.xml" | cut -d: -f1)
contains "audit attribute: and the line of the record" "$TMP/v.out" "(at audit/manifest.xml:$LINE)"

# The letter's page count in the audit record disagrees with the CSV.
PAGES=$(sed -n 6p "$BUNDLE/print/manifest.csv" | cut -d, -f5)
TOTAL=$(sed -n 's/.*<totals pieces="[0-9]*" pages="\([0-9]*\)".*/\1/p' "$BUNDLE/print/control.xml")
copy
perl -0pi -e 's/(<letter piece="[^"]*-000005"[^>]*?) pages="(\d+)"/$1 . " pages=\"" . ($2 + 1) . "\""/e' \
	"$C/audit/manifest.xml"
verify "$C"
is "audit letter pages: exit 1" "$VRC" 1
contains "audit letter pages: totals counted" "$TMP/v.out" \
	"<totals> pages=$TOTAL but the letters have $((TOTAL + 1))"
contains "audit letter pages: the row against the record" "$TMP/v.out" \
	"page_count '$PAGES' but '$((PAGES + 1))' in the record of account"

# ---- a file removed, a file added ----
copy
rm "$C/audit/rejects.csv"
verify "$C"
is "file removed: exit 1" "$VRC" 1
contains "file removed: the sums list names it" "$TMP/v.out" \
	"listed file 'audit/rejects.csv' is missing from the bundle (at print/SHA256SUMS:"
contains "file removed: the zip names it" "$TMP/v.out" \
	"entry 'audit/rejects.csv' is not a file of the bundle (at print/bundle.zip)"

# A part removed from the bundle in parts.
rm -rf "$TMP/c"
mkdir -p "$TMP/c"
cp -R "$PARTS" "$TMP/c/"
C=$TMP/c/$(basename "$PARTS")
rm "$C/print/window-2-003.pdf"
verify "$C"
is "part removed: exit 1" "$VRC" 1
contains "part removed: the sums list names it" "$TMP/v.out" \
	"listed file 'print/window-2-003.pdf' is missing from the bundle (at print/SHA256SUMS:"
contains "part removed: the gap between two parts" "$TMP/v.out" \
	"part 3 of group 'window-2' is missing: window-2-002.pdf is followed by window-2-004.pdf (at print/window-2-003.pdf)"
contains "part removed: the rows naming it" "$TMP/v.out" \
	"pdf 'window-2-003.pdf' is not a file of the bundle (at print/manifest.csv:"
contains "part removed: the control file naming it" "$TMP/v.out" \
	"<file name=\"window-2-003.pdf\"> is not a file of the bundle (at print/control.xml:"
contains "part removed: the zip names it" "$TMP/v.out" \
	"entry 'print/window-2-003.pdf' is not a file of the bundle (at print/bundle.zip)"

copy
echo extra >"$C/print/extra.txt"
verify "$C"
is "file added: exit 1" "$VRC" 1
contains "file added: not listed" "$TMP/v.out" \
	"file is not listed in print/SHA256SUMS (at print/extra.txt)"
contains "file added: not in the zip" "$TMP/v.out" \
	"file 'print/extra.txt' of the bundle is not in the zip"

copy
rm "$C/print/bundle.zip"
verify "$C"
is "zip removed: exit 1" "$VRC" 1
contains "zip removed: said" "$TMP/v.out" "the zip is missing (at print/bundle.zip)"

# ---- the control file's totals ----
copy
perl -0pi -e 's/(<totals pieces=")(\d+)"/$1 . ($2 + 1) . "\""/e' "$C/print/control.xml"
verify "$C"
is "control totals: exit 1" "$VRC" 1
PIECES=$(csv_rows "$BUNDLE/print/manifest.csv")
contains "control totals: against the manifest" "$TMP/v.out" \
	"<totals> pieces=$((PIECES + 1)) but print/manifest.csv has $PIECES (at print/control.xml:"
contains "control totals: the sum too" "$TMP/v.out" "(at print/control.xml)"

copy
perl -0pi -e 's/(<audit-chain head=")(.)/$1 . ($2 eq "0" ? "1" : "0")/e' \
	"$C/print/control.xml"
verify "$C"
is "control chain head: exit 1" "$VRC" 1
contains "control chain head: named" "$TMP/v.out" "<audit-chain> head '"

# ---- bundle.zip.sha256 ----
copy
perl -pi -e 's/^(.)/$1 eq "0" ? "1" : "0"/e' "$C/print/bundle.zip.sha256"
verify "$C"
is "bundle.zip.sha256 edited: exit 1" "$VRC" 1
contains "bundle.zip.sha256 edited: named" "$TMP/v.out" \
	"print/bundle.zip has sha-256 $(cut -c1-64 "$BUNDLE/print/bundle.zip.sha256"), the file says "
contains "bundle.zip.sha256 edited: its line" "$TMP/v.out" "(at print/bundle.zip.sha256:1)"
is "bundle.zip.sha256 edited: the only problem" "$(grep -c '^problem:' "$TMP/v.out")" 1
copy
rm "$C/print/bundle.zip.sha256"
verify "$C"
is "bundle.zip.sha256 removed: exit 1" "$VRC" 1
contains "bundle.zip.sha256 removed: said" "$TMP/v.out" \
	"the zip's digest is missing (at print/bundle.zip.sha256)"

# ---- not a bundle: exit 3 ----
verify "$TMP/nowhere"
is "missing directory: exit 3" "$VRC" 3
mkdir -p "$TMP/empty"
verify "$TMP/empty"
is "not a bundle: exit 3" "$VRC" 3
contains "not a bundle: says why" "$TMP/v.err" "not a bundle"

# ---- one changed byte at several offsets of every file ----
# In place on one copy: flip, verify, flip back. Each change must fail with
# exit 1 and a problem line that names the file (a change in the zip names
# the zip; one in SHA256SUMS the list or a file it lists). SHA256SUMS lists
# every file but itself, bundle.zip and bundle.zip.sha256.
copy
(cd "$C" && find . -type f | sed 's|^\./||' | LC_ALL=C sort) >"$TMP/files"
is "every file of the bundle is checked" "$(grep -c '' "$TMP/files")" \
	"$(($(grep -c '' "$C/print/SHA256SUMS") + 3))"
missed=0
tried=0
while read -r f; do
	size=$(wc -c <"$C/$f")
	offsets="0 1 $((size / 7)) $((size / 3)) $((size / 2)) $((size * 5 / 7)) $((size - 2)) $((size - 1))"
	# Under valgrind every verify takes seconds: one offset a file there.
	[ "${VALGRIND:-}" = 1 ] && offsets=$((size / 2))
	for off in $offsets; do
		[ "$off" -ge 0 ] && [ "$off" -lt "$size" ] || continue
		tried=$((tried + 1))
		flip "$C/$f" "$off"
		verify "$C"
		flip "$C/$f" "$off"
		case $f in
		print/SHA256SUMS) want="print/SHA256SUMS" ;;
		*) want="(at $f" ;;
		esac
		if [ "$VRC" != 1 ] || ! grep -qF -- "$want" "$TMP/v.out"; then
			missed=$((missed + 1))
			echo "# not found: byte $off of $f (exit $VRC)"
			sed 's/^/#   /' "$TMP/v.out" "$TMP/v.err" | head -5
		fi
	done
done <"$TMP/files"
if [ "${VALGRIND:-}" = 1 ]; then
	ok "bytes flipped: $tried (one a file under valgrind)" test "$tried" -gt 8
else
	ok "bytes flipped: $tried" test "$tried" -gt 80
fi
is "every flipped byte found and its file named" "$missed" 0
verify "$C"
is "the copy is intact again after the flips" "$VRC" 0

done_testing
