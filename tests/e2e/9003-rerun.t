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
is "ledger still 33 pieces" "$(sqlite3 "$STATE/ledger.sqlite" 'select count(*) from pieces')" 33

DATE=2026-11-24 run_demo c
is "next night: completes" "$RUN_RC" 1
contains "next night: no letter twice" "$TMP/c/stdout" "read 49 = 0 letters + 41 suppressed"
is "next night: every earlier letter suppressed as already sent" \
  "$(grep -c VALIDATION_ALREADY_SENT "$BUNDLE/audit/suppressed.csv")" 34
is "ledger still 33 pieces after the next night" \
  "$(sqlite3 "$STATE/ledger.sqlite" 'select count(*) from pieces')" 33
is "ledger has two batches" "$(sqlite3 "$STATE/ledger.sqlite" 'select count(*) from batches')" 2
done_testing
