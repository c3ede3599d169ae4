#!/bin/sh
# 3004: the QR code printed on each letter that asks for payment decodes,
# from the rendered page, to exactly the payment portal's URL with the
# consumer's portal code (read back with zbarimg at 300 dpi).
. "$(dirname "$0")/../lib.sh"

portal=$(grep -o '<portal-url>[^<]*' "$FIXTURES/demo/agency.xml" | cut -d'>' -f2)
for t in reminder settlement-offer payment-plan time-barred-notice; do
	for lang in en es; do
		sample=$FIXTURES/letters/$t.csv
		[ "$lang" = es ] && sample=$FIXTURES/letters/$t.es.csv
		code=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "portal_code") c = i }
			NR == 2 { print $c }' "$sample" | tr -d '\r')
		$FAIRNOTICE preview "$TOP/templates/$t.$lang.xml" --account "$sample" \
			--date 2026-11-23 --pdf "$TMP/$t.$lang.pdf" 2>"$TMP/$t.$lang.err"
		pdftoppm -png -r 300 -f 1 -l 1 "$TMP/$t.$lang.pdf" "$TMP/$t.$lang"
		got=$(zbarimg --raw -q "$TMP/$t.$lang-1.png" 2>/dev/null)
		is "$t ($lang): the QR code reads the portal link" "$got" "$portal?code=$code"
	done
done
done_testing
