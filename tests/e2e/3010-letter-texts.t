#!/bin/sh
# 3010: the English letter set, read back. One batch holds the sample
# account of every letter (fixtures/letters/<letter>.csv) and variants made
# from them here: a time-barred debt in a state with no time-barred notice
# (PA) and in New York City, a reminder on a time-barred California debt, a
# settled account, and a reminder that would be the first communication.
# Each letter's pages are read back with pdftotext:
# - every letter carries its key sentences and the mini-Miranda, whose text
#   is read from rules/federal.xml (RULE: US-REGF-MINI-MIRANDA-SUBSEQUENT):
#   its first sentence ("... from a debt collector.", what 1006.18(e)(2)
#   asks) in every letter, the whole text in the letters that collect;
# - the letters that ask for payment end with a coupon and a scanline whose
#   amount is right and whose Luhn check digit holds; dispute-verification,
#   cease-acknowledgment and paid-in-full have no coupon, no scanline and
#   ask for no payment;
# - the time-barred letter has no litigation words outside the state's own
#   notice (12 CFR 1006.26(b)); California's notice is there (RULE:
#   CA-1788.14-D1-TIME-BARRED), New York City's too (RULE:
#   NYC-6RCNY-2-191-TIME-BARRED), and a state without one prints none;
# - no letter uses pressure or threat words;
# - a letter that would be the first communication is deferred (RULE:
#   US-REGF-HOLD-VALIDATION-FIRST, rules/federal-letters.xml).
. "$(dirname "$0")/../lib.sh"
valgrind_skip "the letters of 9001 and 3020, their texts read back"

L=$FIXTURES/letters
COLLECTOR="Rockville Recovery Services, LLC"

# variant SRC ID 'field=value;field=value': the record of SRC (one record,
# no quoted commas) as account ID with those fields changed; no header.
variant() {
	awk -F, -v OFS=, -v id="$2" -v sets="$3" '
	NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; n = split(sets, kv, ";"); next }
	{
		$col["account_id"] = id
		for (k = 1; k <= n; k++) {
			eq = index(kv[k], "=")
			$col[substr(kv[k], 1, eq - 1)] = substr(kv[k], eq + 1)
		}
		print
	}' "$1"
}

mkdir -p "$TMP/batch"
cp "$FIXTURES/demo/agency.xml" "$TMP/batch/"
for letter in reminder settlement-offer payment-plan dispute-verification \
	cease-acknowledgment paid-in-full time-barred-notice; do
	cp "$L/$letter.csv" "$TMP/batch/"
done
{
	head -1 "$L/reminder.csv"
	variant "$L/time-barred-notice.csv" LT-70017 \
		'state=PA;city=Harrisburg;postal_code=17101-1905;address_line1=22 Front St;address_line2='
	variant "$L/time-barred-notice.csv" LT-70027 \
		'state=NY;city=New York;postal_code=10001-2345;address_line1=410 W 30th St;address_line2=Apt 9C'
	variant "$L/reminder.csv" LT-70011 \
		'state=CA;city=Fresno;postal_code=93721-1406;delinquency_date=2021-06-01;last_payment_date=2021-05-20;itemization_date=2021-12-31'
	variant "$L/paid-in-full.csv" LT-70016 \
		'payments_since=1890.00;credits_since=1260.00;settlement_amount=1890.00;settlement_expires_on=2026-11-06'
	variant "$L/reminder.csv" LT-70021 'validation_sent_on='
} >"$TMP/batch/variants.csv"

BATCH=$TMP/batch
run_demo a --layout-dumps
is "the batch runs (exit 0)" "$RUN_RC" 0
sed 's/^/# /' "$TMP/a/stderr"
M=$BUNDLE/print/manifest.csv
is "11 letters" "$(csv_rows "$M")" 11

# The pages of one account's letter as one line of text ($TMP/ID.txt; table
# rows keep their cells in order with -layout), its template and its layout
# dump.
for id in $(tail -n +2 "$M" | cut -d, -f2); do
	row=$(grep ",$id," "$M")
	piece_text "$BUNDLE" "$id" -layout | tr -s ' \n\t\f' '    ' >"$TMP/$id.txt"
	echo "$row" | cut -d, -f9 >"$TMP/$id.template"
	cp "$BUNDLE/audit/layout/$(echo "$row" | cut -d, -f1).layout" "$TMP/$id.layout"
done

# A rule's English text as the rules file words it (whitespace folded,
# {collector} filled in): what the letter must carry word for word.
rule_text() {
	awk -v id="$2" '
	index($0, "id=\"" id "\"") { in_rule = 1 }
	in_rule && /<text lang="en"/ { grab = 1 }
	grab { text = text " " $0 }
	grab && /<\/text>/ { exit }
	END { sub(/.*<text lang="en"[^>]*>/, "", text); sub(/<\/text>.*/, "", text); print text }' \
		"$TOP/rules/$1" | tr -s ' \t' '  ' | sed "s/^ //; s/ \$//; s/{collector}/$COLLECTOR/g"
}
MM=$(rule_text federal.xml US-REGF-MINI-MIRANDA-SUBSEQUENT)
is "federal.xml's mini-Miranda read" "${MM%%.*}." "This communication is from a debt collector."
CA_TB=$(rule_text state-CA.xml CA-1788.14-D1-TIME-BARRED)
NYC_TB=$(rule_text city-nyc.xml NYC-6RCNY-2-191-TIME-BARRED)
is "state-CA.xml's notice read" "${CA_TB%%.*}." "The law limits how long you can be sued on a debt."
is "city-nyc.xml's notice read" "${NYC_TB%%:*}:" \
	"We are required by regulation of the New York State Department of Financial Services to notify you of the following information. This information is NOT legal advice:"

# The scanline: 9-digit reference, amount in cents (10 digits), Luhn digit.
scanline() { grep -oE '[0-9]{9} [0-9]{10} [0-9]' "$1" | tail -1; }
luhn_ok() {
	echo "$1" | tr -d ' ' | awk '{
		s = 0; n = length($0)
		for (i = n; i >= 1; i--) {
			d = substr($0, i, 1) + 0
			if ((n - i) % 2 == 1) { d *= 2; if (d > 9) d -= 9 }
			s += d
		}
		exit s % 10 != 0
	}'
}
# The text of a letter without a (state) notice in it: what the template said.
without() { awk -v cut="$2" '{ i = index($0, cut); if (i) $0 = substr($0, 1, i - 1) substr($0, i + length(cut)); print }' "$1"; }
# A word or phrase, whole words, any case.
has_word() { grep -qiwE -- "$2" "$1"; }

LITIGATION='legal action|legal proceedings?|lawsuits?|law ?suits?|su(e|ed|es|ing)|attorneys?|lawyers?|courts?|judge?ments?|garnish(ment|ed|ing)?|litigation|arrest'
PRESSURE='urgent|immediately|final notice|last chance|act now|right away|must pay|demand|failure to pay|legal action|lawsuit|garnish'

for id in $(tail -n +2 "$M" | cut -d, -f2); do
	t=$TMP/$id.txt
	template=$(cat "$TMP/$id.template")
	contains "$id ($template): from a debt collector (12 CFR 1006.18(e)(2))" "$t" "${MM%%.*}."
	contains "$id: letterhead" "$t" "$COLLECTOR"
	contains "$id: reference" "$t" "Reference: $id"
	contains "$id: ways to reach us" "$t" "(800) 555-0142"
	ok "$id: no pressure or threat words" sh -c "! grep -qiwE '$PRESSURE' '$t'"
	case $template in
	reminder|settlement-offer|payment-plan|time-barred-notice)
		contains "$id: the whole mini-Miranda" "$t" "$MM"
		ok "$id: a coupon" grep -qF "Amount enclosed: \$ ______________" "$t"
		s=$(scanline "$t")
		ok "$id: a scanline ($s)" test -n "$s"
		ok "$id: its Luhn check digit holds" luhn_ok "$s"
		ok "$id: the portal and its code" grep -qF "go to https://pay.rockville-recovery.example and enter your code PC7" "$t"
		contains "$id: mail payments to the remittance address" "$t" "PO Box 5678"
		;;
	*)
		lacks "$id: no coupon" "$t" "Amount enclosed"
		ok "$id: no scanline" sh -c "! grep -qE '[0-9]{9} [0-9]{10} [0-9]' '$t'"
		ok "$id: asks for no payment" sh -c "! grep -qiwE 'pay|payments?|paying' '$t'"
		lacks "$id: no portal link" "$t" "pay.rockville-recovery.example"
		;;
	esac
done

# The scanline's amount: what the coupon asks for.
is "reminder scanline amount = balance" "$(scanline "$TMP/LT-70001.txt" | cut -d' ' -f2)" 0000118450
is "settlement scanline amount = settlement amount" "$(scanline "$TMP/LT-70002.txt" | cut -d' ' -f2)" 0000148800
is "plan scanline amount = balance" "$(scanline "$TMP/LT-70003.txt" | cut -d' ' -f2)" 0000075000
is "time-barred scanline amount = balance" "$(scanline "$TMP/LT-70007.txt" | cut -d' ' -f2)" 0000196237

# QR codes: on the letters that ask for payment only (layout dumps).
for id in LT-70001 LT-70002 LT-70003 LT-70007; do
	ok "$id: a QR code of the portal link" grep -q "^page 1 qr .*text=https://pay.rockville-recovery.example?code=PC7" "$TMP/$id.layout"
done
for id in LT-70004 LT-70005 LT-70006; do
	ok "$id: no QR code" sh -c "! grep -q ' qr ' '$TMP/$id.layout'"
done

# reminder: balance and ways to pay, no deadline.
t=$TMP/LT-70001.txt
contains "reminder: title" "$t" "A reminder about your account"
contains "reminder: balance" "$t" "Balance: \$1,184.50"
contains "reminder: by phone, with hours" "$t" "By phone: call us at (800) 555-0142, from 8am to 8pm Eastern, Monday to Saturday."
contains "reminder: by mail" "$t" "By mail: send a check or money order payable to $COLLECTOR"
contains "reminder: how to dispute" "$t" "If you think you do not owe this debt, or that the amount is wrong, call us or write to us"
contains "reminder: electronic disputes" "$t" "You can also tell us online, at www.rockville-recovery.example/dispute."
ok "reminder: no deadline" sh -c "! grep -qiwE 'by (January|February|March|April|May|June|July|August|September|October|November|December)|until|deadline|expires?' '$t'"
lacks "reminder: no state time-barred text on a debt that is not time-barred" "$t" "The law limits how long"
lacks "reminder: nor ours" "$t" "not required to pay"

# settlement-offer
t=$TMP/LT-70002.txt
contains "settlement: the offer" "$t" "We will accept \$1,488.00 to settle the balance of \$2,480.00, if we receive it by January 29, 2027."
contains "settlement: nothing more owed" "$t" "You will then owe nothing more on this debt"
contains "settlement: good until" "$t" "This offer is good until: January 29, 2027"
contains "settlement: optional" "$t" "You do not have to accept this offer."
contains "settlement: may still dispute" "$t" "You can still dispute this debt. This offer does not change your rights."
contains "settlement: coupon shows the settlement amount" "$t" "Settlement amount: \$1,488.00"

# payment-plan: six monthly payments from December 15, 2026.
t=$TMP/LT-70003.txt
contains "plan: confirmation" "$t" "This letter confirms the plan we agreed on: 6 monthly payments of \$125.00, the first one due on December 15, 2026."
contains "plan: schedule, first row" "$t" "December 15, 2026"
contains "plan: schedule, last row" "$t" "May 15, 2027"
lacks "plan: schedule, no seventh row" "$t" "June 15, 2027"
contains "plan: schedule, total" "$t" "Total \$ 750.00"
contains "plan: a missed payment, neutrally" "$t" "If you cannot make a payment on its due date, or your situation changes, please contact us."
contains "plan: may still dispute" "$t" "Agreeing to this plan does not take away your right to dispute the debt."

# dispute-verification: the verification, and collection resumes.
t=$TMP/LT-70004.txt
contains "verification: the dispute date" "$t" "On October 26, 2026, we received your dispute of this debt."
contains "verification: owed to" "$t" "The debt is owed to: Lakeshore Receivables LLC"
contains "verification: account was with" "$t" "Your account was with: Prairie Wireless"
contains "verification: masked account number" "$t" "****9902"
contains "verification: itemization date and amount" "$t" "As of February 27, 2026, you owed: \$ 436.18"
contains "verification: fees" "$t" "You were charged this amount in fees: + \$ 35.00"
contains "verification: total" "$t" "Total amount of the debt now: \$ 471.18"
contains "verification: collection resumes" "$t" "we may start collecting this debt again"
contains "verification: questions" "$t" "If you have questions about this information, or you still think it is wrong, call us"

# cease-acknowledgment: 12 CFR 1006.6(c)(1)(i), nothing else.
t=$TMP/LT-70005.txt
contains "cease: the request" "$t" "We received your written request of November 16, 2026 that we stop contacting you about the debt below."
contains "cease: efforts terminated" "$t" "As you asked, our efforts to collect this debt are terminated."
lacks "cease: no balance" "$t" "603.72"

# paid-in-full, paid and settled.
t=$TMP/LT-70006.txt
contains "paid: title" "$t" "Your account is paid in full"
contains "paid: nothing more owed" "$t" "The debt below is paid in full. You owe nothing more on it."
contains "paid: zero balance" "$t" "Balance now: \$0.00"
contains "paid: keep this letter" "$t" "Please keep this letter."
lacks "paid: not the settled wording" "$t" "settled"
t=$TMP/LT-70016.txt
contains "settled: title" "$t" "Your account is settled in full"
contains "settled: the amount accepted" "$t" "We received \$1,890.00, the amount we agreed to accept to settle the debt below. The debt is settled in full. You owe nothing more on it."
lacks "settled: not the paid wording" "$t" "is paid in full"

# time-barred-notice in California: CA's notice, no litigation words of ours.
t=$TMP/LT-70007.txt
contains "time-barred CA: not required to pay" "$t" "Because of the age of this debt, you are not required to pay it."
contains "time-barred CA: voluntary" "$t" "Whether you pay is up to you, and any payment you make is voluntary."
contains "time-barred CA: California's notice" "$t" "$CA_TB"
contains "time-barred CA: the licence number" "$t" "California Debt Collection License: 10058-99"
without "$t" "$CA_TB" >"$TMP/LT-70007.own"
ok "time-barred CA: the notice was the only place with 'sue'" has_word "$t" 'sue'
ok "time-barred CA: no litigation words outside the state's notice" \
	sh -c "! grep -qiwE '$LITIGATION' '$TMP/LT-70007.own'"

# ... in Pennsylvania (no time-barred notice): none at all.
t=$TMP/LT-70017.txt
contains "time-barred PA: not required to pay" "$t" "you are not required to pay it"
lacks "time-barred PA: no California notice" "$t" "The law limits how long"
lacks "time-barred PA: no licence line" "$t" "License"
ok "time-barred PA: no litigation words anywhere" sh -c "! grep -qiwE '$LITIGATION' '$t'"

# ... in New York City: the city's notice, once; nothing else.
t=$TMP/LT-70027.txt
contains "time-barred NYC: the city's notice" "$t" "$NYC_TB"
is "time-barred NYC: the notice once" "$(grep -oF "Your creditor or debt collector believes" "$t" | grep -c '')" 1
without "$t" "$NYC_TB" >"$TMP/LT-70027.own"
ok "time-barred NYC: no litigation words outside the notice" \
	sh -c "! grep -qiwE '$LITIGATION' '$TMP/LT-70027.own'"

# A reminder on a time-barred California debt carries CA's notice too.
contains "reminder, time-barred CA: California's notice" "$TMP/LT-70011.txt" "$CA_TB"
contains "reminder, time-barred CA: payment is voluntary" "$TMP/LT-70011.txt" \
	"Because of the age of this debt, you are not required to pay it. Any payment you make is voluntary."
without "$TMP/LT-70011.txt" "$CA_TB" >"$TMP/LT-70011.own"
ok "reminder, time-barred CA: no litigation words outside the notice" \
	sh -c "! grep -qiwE '$LITIGATION' '$TMP/LT-70011.own'"

# The first communication is never one of these letters.
S=$BUNDLE/audit/suppressed.csv
ok "first communication: no letter" sh -c "! grep -q ',LT-70021,' '$M'"
ok "first communication: deferred VALIDATION_NOTICE_FIRST" grep -q '^LT-70021,deferred,VALIDATION_NOTICE_FIRST' "$S"

# One sheet each where the letter is short enough (a consumer reads one page).
for id in LT-70001 LT-70004 LT-70005 LT-70006; do
	is "$id: one page" "$(grep ",$id," "$M" | cut -d, -f5)" 1
done
done_testing
