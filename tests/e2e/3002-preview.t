#!/bin/sh
# 3002-preview: `fairnotice preview` renders one account with one template.
#
# A PNG is a PNG of 850 px per 1100 px page (US Letter at 100 dpi, the
# pages one under the other); a PDF passes qpdf --check; the dump has the
# letter; an account a run would not send still renders, with the
# verdict's reason on stderr; an unknown template file and a bad command
# line are clear usage errors (exit 2) that write nothing.
. "$(dirname "$0")/../lib.sh"

TPL=$TOP/templates/validation-notice.en.xml
CSV=$FIXTURES/letters/validation-notice.csv

$FAIRNOTICE preview "$TPL" --account "$CSV" --date 2026-11-23 --png "$TMP/vn.png" \
	--dump "$TMP/vn.layout" >"$TMP/out" 2>"$TMP/err"
is "png: exit 0" "$?" 0
lacks "png: no warning or error" "$TMP/err" "fairnotice:"
is "png: a PNG file" "$(head -c 8 "$TMP/vn.png" | od -An -tx1 | tr -d ' \n')" "89504e470d0a1a0a"
pages=$(grep -c '^page [0-9]*$' "$TMP/vn.layout")
is "png: 850 px wide, 1100 px per page ($pages pages)" \
	"$(head -c 24 "$TMP/vn.png" | od -An -tu1 -j16 | awk '{ print $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8 }')" \
	"850 $((1100 * pages))"
contains "dump: the consumer in the window" "$TMP/vn.layout" "region=recipient font=Liberation Sans 10 400 text=Thomas J Whitaker"
contains "dump: the IMb in the recipient window" "$TMP/vn.layout" " region=recipient code=00040123456000000000171011804 "

$FAIRNOTICE preview "$TPL" --account "$CSV" --date 2026-11-23 --pdf "$TMP/vn.pdf" >"$TMP/out" 2>"$TMP/err"
is "pdf: exit 0" "$?" 0
ok "pdf: qpdf --check passes" qpdf --check "$TMP/vn.pdf"
is "pdf: as many pages as the dump" "$(pdfinfo "$TMP/vn.pdf" | awk '/^Pages:/ { print $2 }')" "$pages"
pdftotext "$TMP/vn.pdf" "$TMP/vn.txt"
contains "pdf: the letter's text" "$TMP/vn.txt" "Rockville Recovery Services, LLC is a debt collector."
contains "pdf: the date of --date's mail day" "$TMP/vn.txt" "November 24, 2026"

# A consumer who asked us to stop: a run suppresses the notice.
sed 's/^\(LT-10001,.*,validation-notice,,,,\),/\12026-11-01,/' "$CSV" >"$TMP/cease.csv"
$FAIRNOTICE preview "$TPL" --account "$TMP/cease.csv" --date 2026-11-23 --png "$TMP/c.png" \
	>"$TMP/out" 2>"$TMP/err"
is "not sent by a run: still renders (exit 0)" "$?" 0
contains "not sent by a run: the warning gives the reason" "$TMP/err" "warning: a run would not send this letter: suppressed CEASE"
ok "not sent by a run: the PNG is there" test -s "$TMP/c.png"

$FAIRNOTICE preview "$TOP/templates/no-such-letter.en.xml" --account "$CSV" --png "$TMP/x.png" \
	>"$TMP/out" 2>"$TMP/err"
is "unknown template: exit 2" "$?" 2
contains "unknown template: says so" "$TMP/err" "no template file '$TOP/templates/no-such-letter.en.xml'"
ok "unknown template: no PNG" test ! -e "$TMP/x.png"

printf '<template xmlns="urn:fairnotice:template:1" id="x" version="1" language="en" letter="x">\n<flow><p>Hi {nobody}</p></flow>\n</template>\n' >"$TMP/draft.xml"
$FAIRNOTICE preview "$TMP/draft.xml" --account "$CSV" --png "$TMP/x.png" >"$TMP/out" 2>"$TMP/err"
is "broken draft: exit 3" "$?" 3
contains "broken draft: file, line and the placeholder" "$TMP/err" "unknown placeholder '{nobody}' (at $TMP/draft.xml:2)"

$FAIRNOTICE preview "$TPL" --account "$CSV" --png "$TMP/x.png" --pdf "$TMP/x.pdf" >"$TMP/out" 2>"$TMP/err"
is "png and pdf: usage error" "$?" 2
$FAIRNOTICE preview "$TPL" --png "$TMP/x.png" >"$TMP/out" 2>"$TMP/err"
is "no --account: usage error" "$?" 2
contains "no --account: says so" "$TMP/err" "preview needs a template file and --account"

done_testing
