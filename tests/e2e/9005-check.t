#!/bin/sh
# 9005: `fairnotice check` validates and decides but writes nothing.
. "$(dirname "$0")/../lib.sh"

cd "$TMP"
$FAIRNOTICE check --batch "$FIXTURES/demo" --date 2026-11-23 >"$TMP/check.out" 2>&1
is "check: exit 1 (rejects found)" $? 1
# check decides without the ledger: the WA letter (its contacts are
# history only once imported) shows as a letter here; `run` defers it.
contains "check: counts reconcile" "$TMP/check.out" "read 60 = 40 letters + 8 suppressed + 4 deferred + 8 rejected (nothing written)"
contains "check: bad contact row reported" "$TMP/check.out" "contacts-2026-11-23.csv:10: rejected contact BAD_TIMESTAMP"
contains "check: reject with file and line" "$TMP/check.out" "accounts-2026-11-23.csv:22: rejected MISSING_FIELD"
contains "check: suppression with reason" "$TMP/check.out" "suppressed BANKRUPTCY_STAY"
is "check: wrote nothing" "$(ls -A "$TMP" | grep -v '^check.out$' | grep -v '^\.ok' | grep -c '')" 0
$FAIRNOTICE check --batch "$FIXTURES/demo" --out x >/dev/null 2>&1
is "check with --out: usage error" $? 2
done_testing
