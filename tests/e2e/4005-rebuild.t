#!/bin/sh
# 4005: a batch the ledger holds is not issued again; `run --rebuild`
# writes its bundle again, byte for byte as first issued, and leaves the
# ledger exactly as it was (run.h "Rebuild": the run decides against the
# ledger as it was before the batch, inside a transaction that is rolled
# back). The ledger keeps every issued piece with its digest (retention).
. "$(dirname "$0")/../lib.sh"

STATE=$TMP/state
export STATE
dump() { sqlite3 "$STATE/ledger.sqlite" .dump; }

run_demo a
is "first run completes" "$RUN_RC" 1
FIRST=$BUNDLE
ID=$(basename "$FIRST")
cp -R "$FIRST" "$TMP/first"
dump >"$TMP/ledger.1"

# Retention: the ledger holds each piece of the manifest with its digest.
tail -n +2 "$FIRST/print/manifest.csv" | tr -d '\r' |
	awk -F, '{ print $1 "|" $3 "|" $(NF - 5) "|" $(NF - 2) "|" $(NF - 1) "|" $NF }' | sort >"$TMP/manifest.pieces"
sqlite3 "$STATE/ledger.sqlite" 'select piece_id, pdf, content_sha256, pages_sha256, pdf_offset, pdf_length from pieces order by piece_id' \
	>"$TMP/ledger.pieces"
ok "retention: every piece of the manifest is in the ledger with its digests and bytes" \
	cmp "$TMP/manifest.pieces" "$TMP/ledger.pieces"

# Without --rebuild: nothing to do, nothing changes.
run_demo b
is "re-run: exit 0" "$RUN_RC" 0
contains "re-run: says the batch is done" "$TMP/b/stdout" "already issued, nothing to do"
is "re-run: nothing written to OUT" "$(ls -A "$TMP/b/out" | tr '\n' ' ')" ""
dump >"$TMP/ledger.b"
ok "re-run: ledger unchanged" cmp "$TMP/ledger.1" "$TMP/ledger.b"

# --rebuild into a new OUT.
run_demo r --rebuild
is "rebuild: completes like the run (exit 1)" "$RUN_RC" 1
contains "rebuild: says so" "$TMP/r/stdout" "bundle rebuilt (ledger unchanged)"
contains "rebuild: same counts" "$TMP/r/stdout" \
	"$(sed -n 's/.*\(read [0-9]* = [^;]*\);.*/\1/p' "$TMP/a/stdout")"
is "rebuild: bundle equals the original (diff -r)" \
	"$(diff -r "$TMP/first" "$TMP/r/out/$ID" 2>&1 && echo same)" same
dump >"$TMP/ledger.r"
ok "rebuild: ledger unchanged (same rows)" cmp "$TMP/ledger.1" "$TMP/ledger.r"

# --rebuild over a damaged bundle in the same OUT repairs it.
printf 'x' >>"$FIRST/print/manifest.csv"
rm -f "$FIRST/audit/rejects.csv"
run_demo a --rebuild
is "rebuild in place: completes" "$RUN_RC" 1
is "rebuild in place: bundle equals the original (diff -r)" \
	"$(diff -r "$TMP/first" "$TMP/a/out/$ID" 2>&1 && echo same)" same
is "rebuild in place: OUT holds the bundle and nothing else" \
	"$(ls -A "$TMP/a/out" | tr '\n' ' ')" "$ID "
dump >"$TMP/ledger.a2"
ok "rebuild in place: ledger unchanged" cmp "$TMP/ledger.1" "$TMP/ledger.a2"

# The next night's batch finds the first batch's letters (and takes the
# IMb serials after them); rebuilding either batch afterwards still gives
# its bundle back unchanged: the first batch is decided without the later
# one, the later one with the first.
DATE=2026-11-24 run_demo c
is "next night: completes" "$RUN_RC" 1
SECOND=$BUNDLE
ID2=$(basename "$SECOND")
dump >"$TMP/ledger.2"
run_demo r1 --rebuild
is "rebuild of the first batch after the second: completes" "$RUN_RC" 1
is "rebuild of the first batch after the second: equals the original" \
	"$(diff -r "$TMP/first" "$TMP/r1/out/$ID" 2>&1 && echo same)" same
DATE=2026-11-24 run_demo r2 --rebuild
is "rebuild of the second batch: completes" "$RUN_RC" 1
is "rebuild of the second batch: equals the original" \
	"$(diff -r "$SECOND" "$TMP/r2/out/$ID2" 2>&1 && echo same)" same
dump >"$TMP/ledger.r2"
ok "both rebuilds: ledger unchanged" cmp "$TMP/ledger.2" "$TMP/ledger.r2"

# A rebuild killed while its transaction (the batches taken back) is open
# leaves the ledger as it was.
FAIRNOTICE_KILLPOINT_LIST=1 run_demo l --rebuild
N=$(sed -n 's/^killpoint \([0-9]*\) before-commit$/\1/p' "$TMP/l/stderr")
ok "rebuild lists its kill points" test -n "$N"
FAIRNOTICE_KILLPOINT=${N:-1} run_demo k --rebuild
is "rebuild killed before its (rolled back) commit: SIGKILL" "$RUN_RC" 137
dump >"$TMP/ledger.k"
ok "rebuild killed: ledger unchanged" cmp "$TMP/ledger.2" "$TMP/ledger.k"
is "rebuild killed: the published rebuild equals the original" \
	"$(diff -r "$TMP/first" "$TMP/k/out/$ID" 2>&1 && echo same)" same

# --rebuild of a batch the ledger does not hold is a usage error.
STATE=$TMP/fresh run_demo n --rebuild
is "rebuild of an unknown batch: exit 2" "$RUN_RC" 2
contains "rebuild of an unknown batch: says why" "$TMP/n/stderr" "does not hold it"
is "rebuild of an unknown batch: nothing in OUT" "$(ls -A "$TMP/n/out" 2>/dev/null | tr '\n' ' ')" ""
is "rebuild of an unknown batch: no batch in the ledger" \
	"$(sqlite3 "$TMP/fresh/ledger.sqlite" 'select count(*) from batches')" 0

$FAIRNOTICE check --batch "$FIXTURES/demo" --date 2026-11-23 --rebuild >/dev/null 2>"$TMP/check.err"
is "check --rebuild: usage error" "$?" 2
done_testing
