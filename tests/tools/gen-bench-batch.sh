#!/bin/sh
# gen-bench-batch.sh N DIR [SEED]: write a seeded synthetic batch of N
# accounts into DIR (the demo's agency.xml + accounts.csv) with the mix of
# a real night, for `make bench` (tests/tools/bench.sh, BENCHMARKS.md).
#
# The mix, per account (for the run date 2026-11-23 and the demo profile,
# whose letter series is the default "validation-notice reminder"):
#   ~1%   malformed, rejected at ingest: a balance off by a cent, an
#         impossible date, a short ZIP, an empty last name (in turn)
#   ~8%   held, suppressed: bankruptcy, a cease request, an attorney, a
#         pending dispute, deceased; Tennessee accounts add ~2% more
#         (the demo profile has no Tennessee licence: UNLICENSED)
#   ~59%  letter=auto, no validation_sent_on: a validation notice
#   ~22%  letter=auto, validation_sent_on 2-5 months before the run: the
#         series' next letter, a reminder
#   ~6%   letter=settlement-offer, validation period long over, an offer
#         of 40-70% of the balance expiring in 2027
#   ~4%   letter=payment-plan, 3/6/12 monthly installments from 2026-12-15
# and across all of them ~5% Spanish, ~3% old debts (past some states'
# statutes of limitations), states weighted by population (the first 51
# accounts visit every state and DC once), ZIPs from the state's range.
#
# Deterministic: the same N and SEED (default 1) give the same bytes, on
# any awk (the generator is a Park-Miller LCG done in exact double
# arithmetic, not awk's rand()). Streaming: one line at a time, so
# N=1,000,000 (about 330 MB) needs no memory to speak of.
set -eu
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
	echo "usage: gen-bench-batch.sh N DIR [SEED]" >&2
	exit 2
fi
n=$1
dir=$2
seed=${3:-1}
case $n$seed in *[!0-9]*|'') echo "gen-bench-batch.sh: N and SEED are whole numbers" >&2; exit 2;; esac
top=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$dir"
cp "$top/fixtures/demo/agency.xml" "$dir/agency.xml"
awk -v n="$n" -v seed="$seed" '
function rnd() {		# uniform integer in [1, 2^31 - 2]
	x = (x * 48271) % 2147483647
	return x
}
function pick(k) { return rnd() % k }	# 0 .. k-1
function date(y, m, d) { return sprintf("%04d-%02d-%02d", y, m, d) }
# A day between (y1,m1) and (y2,m2), months inclusive, day 1-28.
function some_day(y1, m1, y2, m2,   span, k) {
	span = (y2 * 12 + m2) - (y1 * 12 + m1) + 1
	k = y1 * 12 + m1 - 1 + pick(span)
	return date(int(k / 12), k % 12 + 1, pick(28) + 1)
}
function money(c) { return sprintf("%d.%02d", int(c / 100), c % 100) }
BEGIN {
	x = seed % 2147483646 + 1
	for (i = 0; i < 10; i++) rnd()

	# state, population in 100,000s (2020 census, rounded), ZIP3 range
	ns = split("AL 50 350 369,AK 7 995 999,AZ 71 850 865,AR 30 716 729," \
		"CA 395 900 961,CO 58 800 816,CT 36 060 069,DE 10 197 199," \
		"DC 7 200 205,FL 215 320 349,GA 107 300 319,HI 15 967 968," \
		"ID 18 832 838,IL 128 600 629,IN 68 460 479,IA 32 500 528," \
		"KS 29 660 679,KY 45 400 427,LA 47 700 714,ME 14 039 049," \
		"MD 62 206 219,MA 70 010 027,MI 101 480 499,MN 57 550 567," \
		"MS 30 386 397,MO 62 630 658,MT 11 590 599,NE 20 680 693," \
		"NV 31 889 898,NH 14 030 038,NJ 93 070 089,NM 21 870 884," \
		"NY 202 100 149,NC 104 270 289,ND 8 580 588,OH 118 430 458," \
		"OK 40 730 749,OR 42 970 979,PA 130 150 196,RI 11 028 029," \
		"SC 51 290 299,SD 9 570 577,TN 69 370 385,TX 291 750 799," \
		"UT 33 840 847,VT 6 050 059,VA 86 220 246,WA 77 980 994," \
		"WV 18 247 268,WI 59 530 549,WY 6 820 831", rows, ",")
	tot = 0
	for (s = 1; s <= ns; s++) {
		split(rows[s], f, " ")
		st[s] = f[1]; cum[s] = (tot += f[2]); z1[s] = f[3] + 0; z2[s] = f[4] + 0
	}
	split("Springfield Riverside Fairview Franklin Greenville Clinton Madison Georgetown Salem Bristol", city, " ")
	split("Main Oak Maple Cedar Pine Elm Washington Lake Hill Park Walnut Sunset Mill River", street, " ")
	split("St Ave Rd Dr Ln Blvd Ct Way", sfx, " ")
	split("Maria James Aisha Robert Linda Wei Carlos Fatima John Priya Michael Olga David Keisha Ahmed Emily Jose Mei Daniel Grace", fn, " ")
	split("Smith Johnson Garcia Nguyen Okafor Kowalski Chen Rossi Haddad Lindqvist Williams Brown Martinez Patel Kim Lopez Davis Murphy Cohen Silva", ln, " ")
	split("credit_card medical auto student utility telecom rent personal_loan other", dt, " ")
	# one creditor per debt type, in the order of dt
	split("Northgate Bank|Saint Mary Medical Center|Metro Auto Finance|Summit Student Lending|City Power & Light|Bluewave Wireless|Harbor Property Management|Keystone Personal Finance|First Prairie Credit Union", cr, "|")

	print "account_id,creditor_name,original_creditor,creditor_account_ref,debt_type," \
		"first_name,middle_name,last_name,address_line1,address_line2,city,state,postal_code," \
		"language,itemization_date_type,itemization_date,amount_at_itemization,interest_since," \
		"fees_since,payments_since,current_balance,delinquency_date,charge_off_date,letter," \
		"validation_sent_on,dispute_received_on,cease_requested_on,attorney_represented," \
		"bankruptcy,deceased,settlement_amount,settlement_expires_on,plan_installment," \
		"plan_count,plan_first_due,portal_code,debt_buyer"

	for (i = 1; i <= n; i++) {
		# where
		if (i <= ns) s = i
		else {
			r = pick(tot)
			for (s = 1; cum[s] <= r; s++) ;
		}
		zip = sprintf("%03d%02d", z1[s] + pick(z2[s] - z1[s] + 1), pick(100))
		if (pick(3) == 0) zip = zip "-" sprintf("%04d", pick(10000))
		line2 = pick(5) == 0 ? "Apt " (pick(40) + 1) : ""
		addr = (pick(9899) + 1) " " street[pick(14) + 1] " " sfx[pick(8) + 1]

		# the debt
		d = pick(9) + 1
		c = pick(10) + 1
		old = pick(100) < 3
		if (old) delinq = some_day(2018, 1, 2021, 6)
		else delinq = some_day(2024, 6, 2026, 2)
		# amounts: many small, a few large ($25 .. ~$25,000)
		r = pick(10000) / 10000
		amt = int(2500 + r * r * r * 2500000) + pick(100)
		int_ = pick(3) == 0 ? pick(20000) : 0
		fee = pick(4) == 0 ? pick(5000) : 0
		pay = pick(3) == 0 ? pick(int(amt / 4) + 1) : 0
		bal = amt + int_ + fee - pay
		chargeoff = pick(4) == 0
		if (old) item = substr(delinq, 1, 4) + 1 substr(delinq, 5)
		else item = some_day(2026, 3, 2026, 6)

		# what tonight holds for it
		letter = "auto"; vsent = ""; dispute = ""; cease = ""
		atty = "N"; bk = "N"; dead = "N"
		sett = ""; sexp = ""; inst = ""; cnt = ""; first = ""
		u = pick(1000)
		if (u < 40) bk = "Y"
		else if (u < 60) cease = some_day(2026, 9, 2026, 11)
		else if (u < 70) atty = "Y"
		else if (u < 75) dispute = some_day(2026, 10, 2026, 11)
		else if (u < 80) dead = "Y"
		else if (u < 300) vsent = some_day(2026, 7, 2026, 9)	# reminder
		else if (u < 360) {
			letter = "settlement-offer"
			vsent = some_day(2026, 6, 2026, 9)
			sett = int(bal * (40 + pick(31)) / 100)
			sexp = some_day(2027, 1, 2027, 2)
		} else if (u < 400) {
			letter = "payment-plan"
			vsent = some_day(2026, 6, 2026, 9)
			cnt = 3 * 2 ^ pick(3)
			inst = int((bal + cnt - 1) / cnt)
			first = some_day(2026, 12, 2026, 12)
			first = substr(first, 1, 8) "15"
		}
		if (cease != "" && cease > "2026-11-22") cease = "2026-11-20"
		if (dispute != "" && dispute > "2026-11-22") dispute = "2026-11-20"

		# ~1% malformed, four kinds in turn
		last = ln[pick(20) + 1]
		shown = bal
		if (pick(100) == 0) {
			k = (bad++) % 4
			if (k == 0) shown = bal + 1
			else if (k == 1) item = "2026-02-30"
			else if (k == 2) zip = substr(zip, 1, 4)
			else last = ""
		}

		printf "BN-%08d,%s,%s,%04d-%04d-%04d,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,PC%06d,%s\n",
			i, cr[d], (chargeoff ? "Bank of " city[c] : ""),
			pick(10000), pick(10000), pick(10000), dt[d],
			fn[pick(20) + 1], (pick(4) == 0 ? substr("ABCDEFGHJKLMNPRSTW", pick(18) + 1, 1) : ""), last,
			addr, line2, city[pick(10) + 1], st[s], zip,
			(pick(20) == 0 ? "es" : "en"),
			(chargeoff ? "charge_off" : "last_statement"), item,
			money(amt), (int_ ? money(int_) : ""), (fee ? money(fee) : ""), (pay ? money(pay) : ""),
			money(shown), delinq, (chargeoff ? item : ""), letter,
			vsent, dispute, cease, atty, bk, dead,
			(sett != "" ? money(sett) : ""), sexp, (inst != "" ? money(inst) : ""), cnt, first,
			pick(1000000), (pick(10) < 3 ? "Y" : "N")
	}
}' >"$dir/accounts.csv"
