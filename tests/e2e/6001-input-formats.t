#!/bin/sh
# 6001: the same six accounts in every input format give the same letters.
# One batch per format (fixtures/formats/: canonical CSV, Windows-1252 CSV,
# canonical XML, a vendor letter file and a creditor/debtor/account
# portfolio through their XSLT mappings, fixed width in Windows-1252), each
# with the demo profile plus an <input> spec, run with `fairnotice run`.
# The letters' text (pdftotext of every PDF under print/, page by page,
# with the batch id taken out and the pages sorted, since the portfolio
# lists one debtor's two accounts together) must be the same for all.
# Then the batch-level refusals: a file no spec matches, and a mapping
# that tries to write a file, stop the run with exit 3 and write nothing.
. "$(dirname "$0")/../lib.sh"

F=$FIXTURES/formats

# batch NAME INPUT FILE...: a batch dir with the demo profile plus INPUT.
batch() {
	name=$1 input=$2; shift 2
	mkdir -p "$TMP/$name"
	sed "s|</agency>|$input</agency>|" "$FIXTURES/demo/agency.xml" >"$TMP/$name/agency.xml"
	for f in "$@"; do cp -R "$F/$f" "$TMP/$name/"; done
}

# The letters of a bundle as sorted pages of text, batch id taken out.
letters_text() {
	id=$(basename "$1")
	for pdf in "$1"/print/*.pdf; do pdftotext "$pdf" - 2>/dev/null; done |
		sed "s/$id-[0-9]*/PIECE/g" |
		awk 'BEGIN { RS = "\f" } NF { gsub(/[ \t\n]+/, " "); print }' | sort
}

batch csv "" accounts.csv
batch cp1252 '<input><accounts match="*.csv" encoding="windows-1252"/></input>' accounts-1252.csv
batch xml "" accounts.xml
batch vendor '<input><accounts match="*.xml" format="xml" mapping="mappings/vendor-letter.xsl" record="LetterRecord"/></input>' vendor-letter-file.xml mappings
batch portfolio '<input><accounts match="*.xml" format="xml" mapping="mappings/portfolio.xsl" record="creditor/debtor"/></input>' portfolio.xml mappings
batch fixed '<input><accounts match="*.dat" format="fixed" layout="layouts/legacy.xml" encoding="windows-1252"/></input>' legacy.dat layouts

for b in csv cp1252 xml vendor portfolio fixed; do
	BATCH=$TMP/$b run_demo "run-$b"
	is "$b: exit 0" "$RUN_RC" 0
	contains "$b: six letters" "$TMP/run-$b/stdout" "read 6 = 6 letters + 0 suppressed + 0 deferred + 0 rejected"
	letters_text "$BUNDLE" >"$TMP/$b.txt"
done
ok "csv: the letters have text" test "$(grep -c '' "$TMP/csv.txt")" -ge 6
contains "csv: accented name as written" "$TMP/csv.txt" "María José Núñez"
contains "csv: curly apostrophe" "$TMP/csv.txt" "Zoë D’Angelo"
for b in cp1252 xml vendor portfolio fixed; do
	ok "$b: same letters as the canonical CSV" diff "$TMP/csv.txt" "$TMP/$b.txt"
done

# The same accounts through `check` in two formats at once are duplicates.
batch both "" accounts.csv accounts.xml
$FAIRNOTICE check --batch "$TMP/both" --date 2026-11-23 >"$TMP/both.out" 2>&1
is "csv + xml: exit 1" $? 1
contains "csv + xml: the XML repeats every account" "$TMP/both.out" "read 12 = 6 letters + 0 suppressed + 0 deferred + 6 rejected"
contains "csv + xml: duplicate named with file and line" "$TMP/both.out" "accounts.xml:4: rejected DUPLICATE_ACCOUNT_ID"

# A file no spec matches stops the run before anything is written.
batch stray "" accounts.csv
echo "notes" >"$TMP/stray/notes.txt"
BATCH=$TMP/stray run_demo run-stray
is "unmatched file: exit 3" "$RUN_RC" 3
contains "unmatched file: named" "$TMP/run-stray/stderr" "file 'notes.txt' in batch"
ok "unmatched file: nothing written" test -z "$BUNDLE"

# A mapping that tries to write a file: refused, fatal, nothing written.
batch evil '<input><accounts match="*.xml" format="xml" mapping="mappings/write.xsl" record="LetterRecord"/></input>' vendor-letter-file.xml
mkdir -p "$TMP/evil/mappings"
cat >"$TMP/evil/mappings/write.xsl" <<'EOF'
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:exsl="http://exslt.org/common" extension-element-prefixes="exsl">
  <xsl:template match="/">
    <exsl:document href="/tmp/fairnotice-6001-pwned.txt" method="text">owned</exsl:document>
    <accounts xmlns="urn:fairnotice:accounts:1"/>
  </xsl:template>
</xsl:stylesheet>
EOF
BATCH=$TMP/evil run_demo run-evil
is "writing mapping: exit 3" "$RUN_RC" 3
contains "writing mapping: names the stylesheet" "$TMP/run-evil/stderr" "mapping '$TMP/evil/mappings/write.xsl' tried to write the file '/tmp/fairnotice-6001-pwned.txt'"
contains "writing mapping: names the file" "$TMP/run-evil/stderr" "of '$TMP/evil/vendor-letter-file.xml'"
ok "writing mapping: no file written" test ! -e /tmp/fairnotice-6001-pwned.txt
ok "writing mapping: no bundle" test -z "$BUNDLE"

done_testing
