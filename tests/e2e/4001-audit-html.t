#!/bin/sh
# 4001: the auditor's HTML view of the demo batch, rendered by headless
# Chromium: it loads from the file alone (no network), the rendered DOM
# shows the demo's counts, charts and filters, and a screenshot is kept in
# the test output directory ($O/tests/4001-audit-html/) and copied to
# $O/audit-view.png for a person to look at.
. "$(dirname "$0")/../lib.sh"

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
	echo "ok 1 # skip chromium not installed ($CHROMIUM)"
	echo "1..1"
	exit 0
fi

run_demo a
is "demo exit code 1 (some records rejected)" "$RUN_RC" 1
HTML=$BUNDLE/audit/manifest.html
ok "audit/manifest.html written" test -s "$HTML"
lacks "no external resource (src=)" "$HTML" "src="
lacks "no external resource (href=)" "$HTML" "href="
lacks "no external resource (url())" "$HTML" "url("

# Chromium with everything that might reach the network off; a fresh
# profile in $TMP.
chrome() {
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --disable-extensions --user-data-dir="$TMP/chrome" \
		--window-size=1280,2000 "$@" "file://$HTML${FRAGMENT:-}" 2>>"$TMP/chrome.err"
}

chrome --dump-dom >"$TMP/dom.html"
ok "chromium renders the page" test -s "$TMP/dom.html"
# One line per element, so a card's label and number are easy to find.
tr -d '\n' <"$TMP/dom.html" | sed 's/</\n</g' >"$TMP/dom.lines"
card() { grep -A1 "id=\"count-$1\"" "$TMP/dom.lines" | sed -n 's/.*class="n">\([0-9]*\).*/\1/p' | head -1; }
is "rendered: 60 read" "$(card read)" 60
is "rendered: 39 letters" "$(card letters)" 39
is "rendered: 8 suppressed" "$(card suppressed)" 8
is "rendered: 5 deferred" "$(card deferred)" 5
is "rendered: 8 rejected" "$(card rejected)" 8
want_review=$(grep -c '<account [^>]*review="yes"' "$BUNDLE/audit/manifest.xml")
is "rendered: review flags as in the manifest ($want_review)" "$(card review)" "$want_review"
is "rendered: one table row per account" "$(grep -c '<tr data-outcome=' "$TMP/dom.lines")" 60
# The rows are transformed in chunks (pipeline/bundle/audit-html.c); the
# numbering runs on across them.
is "rendered: rows numbered 1 to 60 in order" \
	"$(sed -n 's/^<td class="num">\([0-9]*\)$/\1/p' "$TMP/dom.lines" | awk '$1 != NR { bad++ } END { print NR, bad + 0 }')" \
	"60 0"
is "rendered: 60 of 60 shown" "$(sed -n 's/.*id="shown">\([0-9]*\).*/\1/p' "$TMP/dom.lines")" 60
ok "rendered: outcomes-by-state chart" grep -q 'id="chart-state"' "$TMP/dom.lines"
ok "rendered: reason-code chart" grep -q 'id="chart-reason"' "$TMP/dom.lines"
ok "rendered: a bar per reason code of suppressed.csv" grep -q '<title>DISPUTE_HOLD: ' "$TMP/dom.lines"
ok "rendered: state filter lists NY" grep -q '<option value="NY">' "$TMP/dom.lines"
ok "rendered: rule filter lists a federal rule" grep -q '<option value="US-REGF-LETTER-VALIDATION">' "$TMP/dom.lines"
head=$(sed -n 's/.*<chain head="\([0-9a-f]*\)".*/\1/p' "$BUNDLE/audit/manifest.xml")
is "manifest: chain head is a SHA-256" "${#head}" 64
ok "rendered: the chain head is shown" grep -q "$head" "$TMP/dom.lines"
# The filters, preselected through the fragment (the script runs on load).
FRAGMENT='#outcome=rejected' chrome --dump-dom >"$TMP/rej.html"
tr -d '\n' <"$TMP/rej.html" | sed 's/</\n</g' >"$TMP/rej.lines"
is "filter outcome=rejected: 8 shown" "$(sed -n 's/.*id="shown">\([0-9]*\).*/\1/p' "$TMP/rej.lines")" 8
is "filter outcome=rejected: 52 rows hidden" "$(grep -c '<tr data-outcome=[^>]*display: none' "$TMP/rej.lines")" 52
want=$(grep -c '<account [^>]*state="NY"' "$BUNDLE/audit/manifest.xml")
FRAGMENT='#state=NY' chrome --dump-dom >"$TMP/ny.html"
tr -d '\n' <"$TMP/ny.html" | sed 's/</\n</g' >"$TMP/ny.lines"
is "filter state=NY: the manifest's NY accounts ($want) shown" "$(sed -n 's/.*id="shown">\([0-9]*\).*/\1/p' "$TMP/ny.lines")" "$want"
FRAGMENT='#rule=US-REGF-LETTER-VALIDATION;outcome=letter' chrome --dump-dom >"$TMP/rule.html"
tr -d '\n' <"$TMP/rule.html" | sed 's/</\n</g' >"$TMP/rule.lines"
want=$(awk '/<account / { letter = /outcome="letter"/ } letter && /<rule id="US-REGF-LETTER-VALIDATION"/ { n++ } END { print n + 0 }' "$BUNDLE/audit/manifest.xml")
is "filter rule and outcome: one row per account that fired the rule ($want)" \
	"$(sed -n 's/.*id="shown">\([0-9]*\).*/\1/p' "$TMP/rule.lines")" "$want"
lacks "chromium: no network error (nothing was fetched)" "$TMP/chrome.err" "ERR_"

# The screenshot, kept for a person.
OUTDIR=$O/tests/4001-audit-html
mkdir -p "$OUTDIR"
rm -f "$OUTDIR/audit-view.png"
( cd "$TMP" && chrome --screenshot="$OUTDIR/audit-view.png" >/dev/null )
ok "screenshot taken" test -s "$OUTDIR/audit-view.png"
is "screenshot is a PNG" "$(head -c 8 "$OUTDIR/audit-view.png" | od -An -tx1 | tr -d ' \n')" "89504e470d0a1a0a"
is "screenshot is 1280 x 2000" \
	"$(head -c 24 "$OUTDIR/audit-view.png" | od -An -tu1 -j16 | awk '{ print $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8 }')" \
	"1280 2000"
cp "$OUTDIR/audit-view.png" "$O/audit-view.png" 2>/dev/null
echo "# screenshot: $OUTDIR/audit-view.png (copy: $O/audit-view.png)"

# The view is part of the deterministic bundle.
run_demo b
ok "a second run writes the same audit/manifest.html" cmp "$HTML" "$BUNDLE/audit/manifest.html"

done_testing
