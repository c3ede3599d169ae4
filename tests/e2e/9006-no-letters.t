#!/bin/sh
# 9006: a batch in which every record is held completes with exit 0, no
# PDF at all, a manifest with only its header, and reconciled counts.
. "$(dirname "$0")/../lib.sh"

mkdir -p "$TMP/held"
cp "$FIXTURES/demo/agency.xml" "$TMP/held/"
{ head -1 "$FIXTURES/demo/accounts-2026-11-23.csv"
  grep -e '^RR-10031,' -e '^RR-10034,' "$FIXTURES/demo/accounts-2026-11-23.csv"; } >"$TMP/held/accounts.csv"
BATCH=$TMP/held run_demo a
is "all held: exit 0" "$RUN_RC" 0
contains "all held: counts" "$TMP/a/stdout" "read 2 = 0 letters + 2 suppressed + 0 deferred + 0 rejected"
is "all held: manifest has only its header" "$(csv_rows "$BUNDLE/print/manifest.csv")" 0
is "all held: no PDF" "$(ls "$BUNDLE"/print/*.pdf 2>/dev/null | grep -c '')" 0
ok "all held: verify passes" $FAIRNOTICE verify "$BUNDLE"
is "all held: ledger has the batch and no piece" \
  "$(sqlite3 "$TMP/a/state/ledger.sqlite" 'select count(*) from batches; select count(*) from pieces' | tr '\n' ' ')" "1 0 "
done_testing
