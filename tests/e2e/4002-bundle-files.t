#!/bin/sh
# 4002: the bundle's seal. print/SHA256SUMS checks with `sha256sum -c` and
# covers every file but itself and the zip; print/control.xml's totals are
# the manifest's rows and sums and the PDF's page count; print/bundle.zip
# holds every file (itself excluded) in sorted order, passes `unzip -t`
# and gives each file back byte for byte; two runs give the same bytes,
# the zip included.
. "$(dirname "$0")/../lib.sh"
valgrind_skip "the bundle of 9001, its files read back"

# attr FILE ELEMENT NAME: the attribute NAME of the first <ELEMENT ...> in
# FILE whose line also matches the optional fourth argument.
attr() {
	grep "<$2 " "$1" | grep -F -- "${4:-}" | head -1 |
		sed -n "s/.* $3=\"\([^\"]*\)\".*/\1/p"
}

run_demo a
ok "demo run finishes (exit 0 or 1)" test "$RUN_RC" -le 1
first=$BUNDLE
P=$first/print

ok "print/control.xml exists" test -f "$P/control.xml"
ok "print/SHA256SUMS exists" test -f "$P/SHA256SUMS"
ok "print/bundle.zip exists" test -f "$P/bundle.zip"
ok "print/manifest.xml exists" test -f "$P/manifest.xml"
ok "bundle.zip.sha256 checks the zip" sh -c "cd '$P' && sha256sum --strict -c bundle.zip.sha256"
ok "sha256sum -c print/SHA256SUMS passes" sh -c "cd '$first' && sha256sum --strict -c print/SHA256SUMS"

# Every regular file, sorted bytewise, relative to the bundle directory.
(cd "$first" && find . -type f | sed 's|^\./||' | LC_ALL=C sort) >"$TMP/files"
grep -v -x -e print/SHA256SUMS -e print/bundle.zip -e print/bundle.zip.sha256 "$TMP/files" >"$TMP/summed"
cut -c67- "$P/SHA256SUMS" >"$TMP/sums-paths"
ok "SHA256SUMS lists every file but itself, the zip and its digest, sorted" \
	cmp "$TMP/summed" "$TMP/sums-paths"
ok "SHA256SUMS lines are '<64 hex>  <path>'" \
	sh -c "! grep -v -E '^[0-9a-f]{64}  [^ ]' '$P/SHA256SUMS'"

# control.xml against the manifest and the PDF.
C=$P/control.xml
rows=$(csv_rows "$P/manifest.csv")
pages=$(tail -n +2 "$P/manifest.csv" | awk -F, '{ s += $5 } END { print s + 0 }')
sheets=$(tail -n +2 "$P/manifest.csv" | awk -F, '{ s += $6 } END { print s + 0 }')
npages=0
for f in "$P"/*.pdf; do npages=$((npages + $(qpdf --show-npages "$f"))); done
is "control: batch id is the directory's" "$(attr "$C" control batch)" "$(basename "$first")"
is "control: total pieces = manifest rows" "$(attr "$C" totals pieces)" "$rows"
is "control: total pages = manifest page_count sum" "$(attr "$C" totals pages)" "$pages"
is "control: total pages = the PDFs' page counts (qpdf)" "$(attr "$C" totals pages)" "$npages"
is "control: total sheets = manifest sheet_count sum" "$(attr "$C" totals sheets)" "$sheets"
# Per group and per file, against the manifest's rows and each PDF.
for g in $(grep -o '<group name="[^"]*"' "$C" | cut -d'"' -f2); do
	n=$(tail -n +2 "$P/manifest.csv" | tr -d '\r' | awk -F, -v g="$g" '$(NF-3) == g' | grep -c '')
	is "control: group $g pieces = its manifest rows" "$(attr "$C" group pieces "name=\"$g\"")" "$n"
done
for f in "$P"/*.pdf; do
	b=$(basename "$f")
	is "control: $b pages = qpdf's" "$(attr "$C" file pages "name=\"$b\"")" "$(qpdf --show-npages "$f")"
done
is "control: every PDF is a <file>" "$(grep -c '<file ' "$C")" "$(ls "$P"/*.pdf | grep -c '')"
# print/manifest.xml: the same pieces in the same order.
is "manifest.xml: the CSV's piece ids in order" \
	"$(grep -o '<piece id="[^"]*"' "$P/manifest.xml" | cut -d'"' -f2 | tr '\n' ' ')" \
	"$(tail -n +2 "$P/manifest.csv" | cut -d, -f1 | tr '\n' ' ')"
is "manifest.xml: the CSV's pages_sha256 in order" \
	"$(grep -o 'pages-sha256="[^"]*"' "$P/manifest.xml" | cut -d'"' -f2 | tr '\n' ' ')" \
	"$(tail -n +2 "$P/manifest.csv" | tr -d '\r' | awk -F, '{ print $(NF-2) }' | tr '\n' ' ')"
ok "manifest.xml is well-formed" xmllint --noout "$P/manifest.xml"
# Each piece's bytes: the range of its PDF hashes to its pages_sha256.
bad=
tail -n +2 "$P/manifest.csv" | tr -d '\r' | awk -F, '{ print $1, $3, $(NF-2), $(NF-1), $NF }' >"$TMP/ranges"
while read -r id pdf sha off len; do
	got=$(tail -c +$((off + 1)) "$P/$pdf" | head -c "$len" | sha256sum | cut -c1-64)
	[ "$got" = "$sha" ] || bad="$bad $id"
done <"$TMP/ranges"
is "every piece's byte range hashes to its pages_sha256" "$bad" ""
is "control: letters = manifest rows" "$(attr "$C" accounts letters)" "$rows"
is "control: rejected accounts + contacts = audit/rejects.csv rows" \
	"$(( $(attr "$C" accounts rejected) + $(attr "$C" contacts rejected) ))" \
	"$(csv_rows "$first/audit/rejects.csv")"
head=$(attr "$C" audit-chain head)
ok "control: audit chain head is a SHA-256" sh -c "echo '$head' | grep -qxE '[0-9a-f]{64}'"
if grep -q '<chain head=' "$first/audit/manifest.xml"; then
	is "control: audit chain head = the manifest's" "$head" \
		"$(attr "$first/audit/manifest.xml" chain head)"
fi

# The zip.
grep -v -x -e print/bundle.zip -e print/bundle.zip.sha256 "$TMP/files" >"$TMP/zipped"
unzip -Z1 "$P/bundle.zip" >"$TMP/zip-list"
ok "zip lists every file but itself and its digest, sorted" cmp "$TMP/zipped" "$TMP/zip-list"
ok "unzip -t passes" unzip -tq "$P/bundle.zip"
is "PDFs are stored as they are (compressed inside), the rest deflated" \
	"$(unzip -v "$P/bundle.zip" | awk '$8 ~ /\.pdf$/ && $3 < $1 { print "pdf-deflated:" $8 } $8 ~ /\.(csv|xml)$/ && $3 >= $1 { print "text-stored:" $8 }')" ""
bad=
while read -r f; do
	unzip -p "$P/bundle.zip" "$f" | cmp -s - "$first/$f" || bad="$bad $f"
done <"$TMP/zipped"
is "every zip entry is its file byte for byte" "$bad" ""
ok "zip entries dated 1980-01-01 00:00" \
	sh -c "! unzip -Z -T '$P/bundle.zip' | grep -E '^-' | grep -v ' 19800101\.000000 '"

# Two runs, same bytes.
run_demo b
second=$BUNDLE
ok "second run's bundle is byte-identical, zip and sums included" diff -r "$first" "$second"
ok "bundle.zip byte-identical" cmp "$P/bundle.zip" "$second/print/bundle.zip"
done_testing
