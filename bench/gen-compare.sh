#!/bin/sh
# bench/gen-compare.sh K DIR [SEED]: the inputs of `make bench-compare`:
# K accounts that all get fairnotice's two-page validation notice, twice:
#   DIR/batch/   a fairnotice batch (the demo's agency.xml + accounts.csv)
#   DIR/letters.fo  ONE XSL-FO document with K page-sequences, the same
#                letters for Apache FOP (bench/validation-notice.fo filled
#                in per account: name, address, reference, creditor, debt
#                type, account number, dates and amounts)
# The accounts are English, letter=auto with no validation notice sent,
# no holds, recent debts, in states that add no notice of their own, so
# every letter is the plain two-page notice whose text the FO template
# carries. Seeded (default 1) and deterministic like
# tests/tools/gen-bench-batch.sh, and streaming.
set -eu
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
	echo "usage: gen-compare.sh K DIR [SEED]" >&2
	exit 2
fi
k=$1
dir=$2
seed=${3:-1}
case $k$seed in *[!0-9]*|'') echo "gen-compare.sh: K and SEED are whole numbers" >&2; exit 2;; esac
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$dir/batch"
cp "$top/fixtures/demo/agency.xml" "$dir/batch/agency.xml"
awk -v k="$k" -v seed="$seed" -v tpl="$top/bench/validation-notice.fo" \
    -v csv="$dir/batch/accounts.csv" -v fo="$dir/letters.fo" '
function rnd() { x = (x * 48271) % 2147483647; return x }
function pick(m) { return rnd() % m }
function money(c,   s, r) {	# 352615 -> 3,526.15
	s = sprintf("%d", int(c / 100))
	r = ""
	while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) }
	return s r sprintf(".%02d", c % 100)
}
function plain(c) { return sprintf("%d.%02d", int(c / 100), c % 100) }
function esc(s) { gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s); return s }
# Replace every @KEY@ in letter by val, literally (no gsub: & in val).
function put(key, val,   p, pat, out) {
	pat = "@" key "@"; out = ""
	while ((p = index(letter, pat)) > 0) {
		out = out substr(letter, 1, p - 1) val
		letter = substr(letter, p + length(pat))
	}
	letter = out letter
}
BEGIN {
	x = seed % 2147483646 + 1
	for (i = 0; i < 10; i++) rnd()
	# the template: head, one letter (between the markers), tail
	part = 0
	while ((getline line < tpl) > 0) {
		if (line ~ /<!-- letter: begin -->/) { part = 1; continue }
		if (line ~ /<!-- letter: end -->/) { part = 2; continue }
		t[part] = t[part] line "\n"
	}
	close(tpl)
	if (part != 2) { print "gen-compare.sh: no letter markers in " tpl > "/dev/stderr"; exit 1 }

	# states with no notice of their own in rules/, their ZIP3 ranges
	ns = split("AL 350 369,AZ 850 865,FL 320 349,GA 300 319,IN 460 479," \
		"KY 400 427,MI 480 499,MO 630 658,NJ 070 089,OH 430 458," \
		"OK 730 749,OR 970 979,PA 150 196,SC 290 299,VA 220 246", rows, ",")
	for (s = 1; s <= ns; s++) { split(rows[s], f, " "); st[s] = f[1]; z1[s] = f[2] + 0; z2[s] = f[3] + 0 }
	split("Springfield Riverside Fairview Franklin Greenville Clinton Madison Georgetown Salem Bristol", city, " ")
	split("Main Oak Maple Cedar Pine Elm Washington Lake Hill Park Walnut Sunset Mill River", street, " ")
	split("St Ave Rd Dr Ln Blvd Ct Way", sfx, " ")
	split("Maria James Aisha Robert Linda Wei Carlos Fatima John Priya Michael Olga David Keisha Ahmed Emily Jose Mei Daniel Grace", fn, " ")
	split("Smith Johnson Garcia Nguyen Okafor Kowalski Chen Rossi Haddad Lindqvist Williams Brown Martinez Patel Kim Lopez Davis Murphy Cohen Silva", ln, " ")
	split("credit_card medical auto student utility telecom rent personal_loan other", dt, " ")
	split("credit card|medical|auto loan|student loan|utility|telephone|rent|personal loan|consumer", dtl, "|")
	split("Northgate Bank|Saint Mary Medical Center|Metro Auto Finance|Summit Student Lending|City Power & Light|Bluewave Wireless|Harbor Property Management|Keystone Personal Finance|First Prairie Credit Union", cr, "|")
	split("January February March April May June July August September October November December", mon, " ")

	print "account_id,creditor_name,creditor_account_ref,debt_type,first_name,middle_name," \
		"last_name,address_line1,address_line2,city,state,postal_code,language," \
		"itemization_date_type,itemization_date,amount_at_itemization,interest_since," \
		"fees_since,payments_since,current_balance,delinquency_date,letter,portal_code,debt_buyer" > csv
	printf "%s", t[0] > fo
	for (i = 1; i <= k; i++) {
		s = pick(ns) + 1
		zip = sprintf("%03d%02d", z1[s] + pick(z2[s] - z1[s] + 1), pick(100))
		if (pick(3) == 0) zip = zip "-" sprintf("%04d", pick(10000))
		line2 = pick(5) == 0 ? "Apt " (pick(40) + 1) : ""
		addr = (pick(9899) + 1) " " street[pick(14) + 1] " " sfx[pick(8) + 1]
		first = fn[pick(20) + 1]; mid = pick(4) == 0 ? substr("ABCDEFGHJKLMNPRSTW", pick(18) + 1, 1) : ""
		last = ln[pick(20) + 1]
		name = first (mid != "" ? " " mid : "") " " last
		town = city[pick(10) + 1]
		d = pick(9) + 1
		ref = sprintf("%04d-%04d-%04d", pick(10000), pick(10000), pick(10000))
		im = pick(4) + 3; id = pick(28) + 1
		r = pick(10000) / 10000
		amt = int(2500 + r * r * r * 2500000) + pick(100)
		int_ = pick(3) == 0 ? pick(20000) : 0
		fee = pick(4) == 0 ? pick(5000) : 0
		pay = pick(3) == 0 ? pick(int(amt / 4) + 1) : 0
		bal = amt + int_ + fee - pay
		delinq = sprintf("2025-%02d-%02d", pick(12) + 1, pick(28) + 1)
		acct = sprintf("BC-%08d", i)

		printf "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,en,last_statement,2026-%02d-%02d,%s,%s,%s,%s,%s,%s,auto,PC%06d,N\n",
			acct, (cr[d] ~ /[,"]/ ? "\"" cr[d] "\"" : cr[d]), ref, dt[d], first, mid, last,
			addr, line2, town, st[s], zip, im, id,
			plain(amt), (int_ ? plain(int_) : ""), (fee ? plain(fee) : ""), (pay ? plain(pay) : ""),
			plain(bal), delinq, pick(1000000) > csv

		# the same letter as FO
		imb = ""
		for (b = 0; b < 65; b++) {
			h = pick(4)	# full, ascender, descender, tracker
			imb = imb sprintf("<svg:rect x=\"%.2f\" y=\"%s\" width=\"1.44\" height=\"%s\"/>",
				b * 3.3, (h == 0 || h == 1) ? "0" : "3.4", h == 0 ? "10.4" : (h == 3 ? "3.6" : "7"))
		}
		letter = t[1]
		put("ID", "L" i)
		put("PIECE", sprintf("rockville-recovery-20261123-benchmark0-%06d", i))
		put("NAME", esc(name))
		put("ADDRESS1", esc(addr))
		put("ADDRESS2", line2 == "" ? "" : "\n        <fo:block>" esc(line2) "</fo:block>")
		put("CITY_STATE_ZIP", esc(town ", " st[s] " " zip))
		put("IMB", imb)
		put("REFERENCE", acct)
		put("CREDITOR", esc(cr[d]))
		put("DEBT_TYPE", dtl[d])
		put("LAST4", substr(ref, 11))
		put("ITEMIZATION_DATE", mon[im] " " id ", 2026")
		put("AMOUNT", money(amt))
		put("INTEREST", money(int_))
		put("FEES", money(fee))
		put("PAYMENTS", money(pay))
		put("BALANCE", money(bal))
		printf "%s", letter > fo
	}
	printf "%s", t[2] > fo
}'
