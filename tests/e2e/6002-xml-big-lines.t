#!/bin/sh
# 6002: an XML account file longer than 65,535 lines (libxml2 keeps 16
# bits of a line number in a node, so the parser runs with
# XML_PARSE_BIG_LINES): a record rejected past that line is named by the
# line its <account> starts on, as on any shorter file; indented records
# (the line break after the start tag) and records one to a line.
. "$(dirname "$0")/../lib.sh"

# One account of fixtures/formats/accounts.xml (28 lines, indented).
awk 'NR >= 4 && NR <= 31' "$FIXTURES/formats/accounts.xml" >"$TMP/one.xml"
ok "the sample account is one <account> element" \
	sh -c "head -1 '$TMP/one.xml' | grep -q '^  <account>\$' && tail -1 '$TMP/one.xml' | grep -q '^  </account>\$'"

# mkbatch DIR: the demo profile, no accounts yet.
mkbatch() {
	mkdir -p "$1"
	cp "$FIXTURES/demo/agency.xml" "$1/agency.xml"
}

# reject_line DIR: the line `fairnotice check` names for the rejected record.
reject_line() {
	$FAIRNOTICE check --batch "$1" --date 2026-11-23 2>&1 |
		sed -n 's/^accounts\.xml:\([0-9]*\): rejected BALANCE_MISMATCH.*/\1/p'
}

# Indented: 2,400 good accounts, then one a cent off, past line 67,000.
mkbatch "$TMP/indented"
{
	head -3 "$FIXTURES/formats/accounts.xml"
	awk -v n=2400 'NR == FNR { rec[FNR] = $0; len = FNR; next } END {
		for (i = 1; i <= n; i++)
			for (j = 1; j <= len; j++) {
				l = rec[j]; sub(/FM-1001/, "BL-" i, l); print l }
	}' "$TMP/one.xml" /dev/null
	sed 's/FM-1001/BL-LAST/; s/<current_balance>3545.63/<current_balance>3545.64/' "$TMP/one.xml"
	echo '</accounts>'
} >"$TMP/indented/accounts.xml"
want=$(grep -n 'BL-LAST' "$TMP/indented/accounts.xml" | cut -d: -f1)
want=$((want - 1))
ok "indented: the bad record starts past line 65,535 (line $want)" test "$want" -gt 65535
is "indented: the reject names the line of its <account>" "$(reject_line "$TMP/indented")" "$want"

# One to a line, after a comment of 70,000 lines.
mkbatch "$TMP/compact"
{
	head -3 "$FIXTURES/formats/accounts.xml"
	echo '  <!--'
	awk 'BEGIN { for (i = 0; i < 70000; i++) print "" }'
	echo '  -->'
	tr -d '\n' <"$TMP/one.xml" | sed 's/>  *</></g; s/FM-1001/BL-1/'; echo
	tr -d '\n' <"$TMP/one.xml" | sed 's/>  *</></g; s/FM-1001/BL-2/; s/<current_balance>3545.63/<current_balance>3545.64/'; echo
	tr -d '\n' <"$TMP/one.xml" | sed 's/>  *</></g; s/FM-1001/BL-3/'; echo
	echo '</accounts>'
} >"$TMP/compact/accounts.xml"
want=$(grep -n 'BL-2<' "$TMP/compact/accounts.xml" | cut -d: -f1)
ok "compact: the bad record is on line $want, past 65,535" test "$want" -gt 65535
is "compact: the reject names its line" "$(reject_line "$TMP/compact")" "$want"
done_testing
