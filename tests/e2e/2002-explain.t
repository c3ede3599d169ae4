#!/bin/sh
# 2002: `fairnotice explain` says, in plain words, why an account got what
# it got: the decision, its reason and citation, the rules that fired with
# where they are written, the dates and the contact plan.
. "$(dirname "$0")/../lib.sh"

ex() { $FAIRNOTICE explain --batch "$FIXTURES/demo" --date 2026-11-23 "$@"; }

ex RR-10000 >"$TMP/letter.txt" 2>&1
is "explain a letter: exit 0" $? 0
contains "letter: decision" "$TMP/letter.txt" "decision: a letter goes"
contains "letter: validation end date" "$TMP/letter.txt" "validation period ends 2027-01-01"
contains "letter: a federal rule with its source line" "$TMP/letter.txt" "US-REGF-VALIDATION-PERIOD"
contains "letter: source file named" "$TMP/letter.txt" "federal.xml:"
contains "letter: California's notice" "$TMP/letter.txt" "CA-"
contains "letter: contact plan" "$TMP/letter.txt" "calls allowed per day"

ex RR-10031 >"$TMP/held.txt" 2>&1
contains "held: suppressed" "$TMP/held.txt" "decision: suppressed"
contains "held: reason" "$TMP/held.txt" "CEASE_1006.6(c)"
contains "held: citation" "$TMP/held.txt" "12 CFR 1006.6(c)"
contains "held: every channel blocked" "$TMP/held.txt" "blocked channels: call letter email sms"

ex RR-10054 >"$TMP/nc.txt" 2>&1
contains "NC debt buyer, time-barred: suppressed" "$TMP/nc.txt" "NC_58-70-115(4)"
contains "NC: time-barred determination shown" "$TMP/nc.txt" "time-barred: yes (3 years"

ex RR-10041 >"$TMP/bad.txt" 2>&1
contains "rejected record: reason and field" "$TMP/bad.txt" "MISSING_FIELD"

ex NO-SUCH-ID >/dev/null 2>"$TMP/none.txt"
is "unknown account: exit 2" $? 2
contains "unknown account: says so" "$TMP/none.txt" "no record with account_id 'NO-SUCH-ID'"
done_testing
