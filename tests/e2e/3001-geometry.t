#!/bin/sh
# 3001-geometry: what shows through the envelope windows.
#
# The demo batch and fixtures/geometry (long names, four-line addresses, a
# recipient window of the profile's own, duplex) run with --layout-dumps.
# From every dump (awk over the "box", "ink", "imb" and line boxes of page
# 1): each recipient block and its IMb lie inside the recipient window
# with 1/8 in (9 pt) clear of every edge, the return address inside the
# return window likewise, and nothing else on page 1 touches either
# window. The records whose name or address cannot fit are rejected
# ADDRESS_TOO_LONG (field name / address_line1) and the batch goes on.
. "$(dirname "$0")/../lib.sh"

cat >"$TMP/geometry.awk" <<'AWK'
# Reads one layout dump; prints one line per violation, then "checked N".
function val(key,    i, kv) {
	for (i = 3; i <= NF; i++) {
		if ($i ~ /^font=/ || $i ~ /^text=/ || $i ~ /^bars=/) break
		split($i, kv, "=")
		if (kv[1] == key) return kv[2]
	}
	return ""
}
function inside(x, y, w, h, b, c) {
	return x >= bx[b] + c - 0.01 && y >= by[b] + c - 0.01 &&
	       x + w <= bx[b] + bw[b] - c + 0.01 && y + h <= by[b] + bh[b] - c + 0.01
}
function touches(x, y, w, h, b) {
	return x < bx[b] + bw[b] && x + w > bx[b] && y < by[b] + bh[b] && y + h > by[b]
}
$1 == "page" && $2 != 1 { exit }
$1 == "page" && NF == 2 { next }
$3 == "box" { b = val("name"); boxes[++nb] = b
	bx[b] = val("x"); by[b] = val("y"); bw[b] = val("w"); bh[b] = val("h"); next }
$3 == "ink" { b = val("name"); n++
	if (!inside(val("x"), val("y"), val("w"), val("h"), b, 9))
		print FILENAME ": inked extent of " b " not 1/8 in inside its window: " $0
	next }
{
	region = val("region")
	if ($3 == "imb" || $3 == "qr") { x = val("x"); y = val("y"); w = val("w"); h = val("h") }
	else if ($0 ~ / (rule|cut) width=/) { x = val("x"); y = val("y") - 0.5; w = val("width"); h = 1 }
	else if ($3 ~ /^mark=/) { x = val("x"); y = val("y"); w = val("w"); h = val("h") }
	else { x = val("x"); y = val("top"); w = val("w"); h = val("h") }
	n++
	for (i = 1; i <= nb; i++) {
		b = boxes[i]
		if (region == b) {
			if (!inside(x, y, w, h, b, 9))
				print FILENAME ": not 1/8 in inside window " b ": " $0
		} else if (touches(x, y, w, h, b)) {
			print FILENAME ": something else in window " b ": " $0
		}
	}
	if ($3 == "imb" && region != "recipient")
		print FILENAME ": IMb outside the recipient window: " $0
}
END { print "checked " n }
AWK

# check_dumps DIR: every dump has both windows, the recipient an IMb, and
# no violation. Sets BAD (violations) and DUMPS (files).
check_dumps() {
	BAD=0 DUMPS=0 NOIMB=0 NOBOX=0
	for f in "$1"/*.layout; do
		[ -f "$f" ] || continue
		DUMPS=$((DUMPS + 1))
		awk -f "$TMP/geometry.awk" "$f" >"$TMP/v.out"
		if grep -v '^checked ' "$TMP/v.out" | sed 's/^/# /' | grep .; then
			BAD=$((BAD + 1))
		fi
		grep -q '^page 1 box name=recipient ' "$f" && grep -q '^page 1 box name=return-address ' "$f" ||
			NOBOX=$((NOBOX + 1))
		grep -q '^page 1 imb .* region=recipient ' "$f" || NOIMB=$((NOIMB + 1))
	done
}

run_demo demo --layout-dumps
is "demo: run completes (some records rejected)" "$RUN_RC" 1
check_dumps "$BUNDLE/audit/layout"
ok "demo: dumps written" test "$DUMPS" -gt 30
is "demo: every letter has both windows in its dump" "$NOBOX" 0
is "demo: every letter has its IMb" "$NOIMB" 0
is "demo: address, IMb inside with 1/8 in clear; nothing else in a window" "$BAD" 0

BATCH=$FIXTURES/geometry run_demo geometry --layout-dumps
is "geometry: run completes with rejects" "$RUN_RC" 1
check_dumps "$BUNDLE/audit/layout"
is "geometry: five letters fit" "$DUMPS" 5
is "geometry: every letter has its IMb" "$NOIMB" 0
is "geometry: address, IMb inside with 1/8 in clear; nothing else in a window" "$BAD" 0
ok "geometry: the profile's window (x=54 y=139.5 w=279 h=85.5)" \
	grep -q '^page 1 box name=recipient x=54.00 y=139.50 w=279.00 h=85.50$' "$BUNDLE/audit/layout/$(ls "$BUNDLE/audit/layout" | head -1)"
ok "geometry: a four-line address with a long name fits" \
	grep -q 'text=Suite 1200, Attention Mailroom$' "$(grep -l 'GEO-06' "$BUNDLE"/audit/layout/*.layout)"
is "geometry: the records that cannot fit are rejected, naming the field" \
	"$(cut -d, -f3-5 "$BUNDLE/audit/rejects.csv" | tail -n +2 | tr '\n' ' ')" \
	"GEO-04,ADDRESS_TOO_LONG,name GEO-05,ADDRESS_TOO_LONG,address_line1 "
contains "geometry: the reject says why" "$BUNDLE/audit/rejects.csv" "do not fit window 'recipient' with its 1/8 in clearance"
contains "geometry: counts reconcile" "$TMP/geometry/stdout" "read 7 = 5 letters + 0 suppressed + 0 deferred + 2 rejected"
is "geometry: duplex: every letter an even page count" \
	"$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "page_count") c = i; next } $c % 2 { odd++ } END { print odd + 0 }' "$BUNDLE/print/manifest.csv")" 0

done_testing
