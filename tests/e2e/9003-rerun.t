#!/bin/sh
# 9003: running a batch again on the same state issues nothing twice: the
# same batch is recognised as done, and a later batch with the same
# accounts finds their validation notices in the ledger.
. "$(dirname "$0")/../lib.sh"

STATE=$TMP/state
export STATE
run_demo a
is "first run completes" "$RUN_RC" 1
run_demo b
is "same batch again: exit 0" "$RUN_RC" 0
contains "same batch again: says so" "$TMP/b/stdout" "already issued, nothing to do"
ok "same batch again: no new bundle" sh -c "[ -z \"\$(ls -A '$TMP/b/out' 2>/dev/null)\" ]"
is "ledger still 39 pieces" "$(sqlite3 "$STATE/ledger.sqlite" 'select count(*) from pieces')" 39

# The next night, the series' next letter (the reminder) waits 30 days
# after each validation notice (RULE: US-REGF-LETTER-REMINDER), and the
# consumer who refused mail gets no reminder (RULE: US-REGF-HOLD-MAIL-OPT-OUT).
DATE=2026-11-24 run_demo c
is "next night: completes" "$RUN_RC" 1
contains "next night: no letter twice" "$TMP/c/stdout" "read 60 = 0 letters + 10 suppressed + 42 deferred + 8 rejected"
is "next night: every earlier letter's account waits for its reminder" \
  "$(grep -c ',deferred,WAITING_PERIOD,' "$BUNDLE/audit/suppressed.csv")" 37
contains "next night: the opted-out consumer gets no reminder" "$BUNDLE/audit/suppressed.csv" "RR-10059,suppressed,MAIL_OPT_OUT"
contains "next night: the series ends after the reminder" "$BUNDLE/audit/suppressed.csv" "RR-10038,suppressed,NO_LETTER_TYPE"
is "ledger still 39 pieces after the next night" \
  "$(sqlite3 "$STATE/ledger.sqlite" 'select count(*) from pieces')" 39
is "ledger has two batches" "$(sqlite3 "$STATE/ledger.sqlite" 'select count(*) from batches')" 2
done_testing
