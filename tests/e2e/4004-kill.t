#!/bin/sh
# 4004: a batch killed with SIGKILL at any point leaves nothing half done.
#
# The run calls killpoint() at every moment worth a crash (core/killpoint.h):
# after loading inputs, after each account, around typeset_finish and
# bundle_finish, before and after the rename that publishes the bundle,
# before and after the ledger commit. FAIRNOTICE_KILLPOINT_LIST lists them;
# FAIRNOTICE_KILLPOINT=N dies at the N-th. For points spread over the whole
# list (every one outside the account loop, and every few accounts), a
# fresh run is killed there, and then:
#   - before the publishing rename OUT holds no visible bundle (a
#     .partial directory or nothing), after it the complete bundle;
#   - before the commit the ledger holds no batch and no piece, after it
#     the whole batch;
#   - a run without the hook completes, and its bundle equals the one of
#     an uninterrupted run byte for byte (diff -r), OUT holds nothing else,
#     and the ledger holds each letter exactly once, row for row as the
#     uninterrupted run's ledger.
# Under VALGRIND=1 only the points outside the account loop are killed
# (each valgrind run takes seconds; the account points are all alike).
. "$(dirname "$0")/../lib.sh"

# Every row of the ledger's tables, in a stable order (rowids excluded:
# a re-run may number them differently, nothing reads them).
ledger_rows() {
	[ -f "$1/ledger.sqlite" ] || return 0
	sqlite3 "$1/ledger.sqlite" \
		'select * from batches order by batch_id;
		 select * from pieces order by piece_id;
		 select * from contacts order by batch_id, file, line;
		 select * from counters order by agency_id;'
}
count() {
	if [ -f "$1/ledger.sqlite" ]; then sqlite3 "$1/ledger.sqlite" "$2"; else echo 0; fi
}
# Entries of OUT that a reader sees (not starting with a dot).
visible() { ls "$1" 2>/dev/null | tr '\n' ' '; }
hidden() { ls -A "$1" 2>/dev/null | grep '^\.' | tr '\n' ' '; }

run_demo ref
is "uninterrupted run completes (exit 1: the demo has rejects)" "$RUN_RC" 1
REF=$BUNDLE
ID=$(basename "$REF")
LETTERS=$(count "$TMP/ref/state" 'select letters from batches')
ok "reference run issued letters" test "$LETTERS" -gt 0
ledger_rows "$TMP/ref/state" >"$TMP/ref/ledger.rows"

FAIRNOTICE_KILLPOINT_LIST=1 run_demo list
is "listing run completes" "$RUN_RC" 1
grep '^killpoint [0-9]* ' "$TMP/list/stderr" >"$TMP/points"
TOTAL=$(grep -c '' "$TMP/points")
ok "at least 20 kill points listed ($TOTAL)" test "$TOTAL" -ge 20
is "the listing run's bundle equals the reference" \
	"$(diff -r "$REF" "$TMP/list/out/$ID" >/dev/null 2>&1 && echo same)" same
is "one account point per record read" \
	"$(grep -c ' account$' "$TMP/points")" \
	"$(sed -n 's/.*read \([0-9]*\) = .*/\1/p' "$TMP/ref/stdout")"
for name in inputs-loaded bundle-begun typeset-finished before-bundle-finish \
	    before-publish after-publish before-commit after-commit; do
	is "point $name listed once" "$(grep -c " $name\$" "$TMP/points")" 1
done
PUBLISHED=$(sed -n 's/^killpoint \([0-9]*\) after-publish$/\1/p' "$TMP/points")
COMMITTED=$(sed -n 's/^killpoint \([0-9]*\) after-commit$/\1/p' "$TMP/points")

# The points to kill at: every point that is not an account, and every
# fourth account point, the first and the last.
# Under valgrind (every run some 20 s) a few named points only: the
# plain build kills at every one; valgrind is here for the re-runs' memory.
STEP=4
[ "${VALGRIND:-}" = 1 ] && STEP=0
CHOSEN=$(awk -v step=$STEP '
	step && $3 != "account" { print $2; next }
	!step && ($3 == "inputs-loaded" || $3 == "typeset-finished" || $3 == "after-publish" || $3 == "after-commit") { print $2; next }
	$3 != "account" { next }
	{ a++; if (step && (a == 1 || a % step == 0)) print $2; last = $2 }
	END { if (step) print last }' "$TMP/points" | sort -n -u)
NCHOSEN=$(echo "$CHOSEN" | grep -c '')
if [ "${VALGRIND:-}" != 1 ]; then
	ok "at least 20 points chosen ($NCHOSEN)" test "$NCHOSEN" -ge 20
fi
if [ "${VALGRIND:-}" != 1 ]; then
	ok "the first and the last point are chosen" sh -c \
		"echo '$CHOSEN' | grep -qx 1 && echo '$CHOSEN' | grep -qx $TOTAL"
fi

for n in $CHOSEN; do
	name=$(sed -n "s/^killpoint $n //p" "$TMP/points")
	what="kill at $n ($name)"
	dir=$TMP/k$n
	FAIRNOTICE_KILLPOINT=$n run_demo k$n
	is "$what: the run dies by SIGKILL" "$RUN_RC" 137
	if [ "$n" -ge "$PUBLISHED" ]; then
		is "$what: the bundle is published" "$(visible "$dir/out")" "$ID "
		is "$what: the published bundle is complete" \
			"$(diff -r "$REF" "$dir/out/$ID" >/dev/null 2>&1 && echo same)" same
	else
		is "$what: no visible bundle" "$(visible "$dir/out")" ""
		case $(hidden "$dir/out") in
		"" | ".$ID.partial ") ok "$what: only a .partial directory" true ;;
		*) is "$what: only a .partial directory" "$(hidden "$dir/out")" ".$ID.partial " ;;
		esac
	fi
	if [ "$n" -ge "$COMMITTED" ]; then
		want_batches=1 want_pieces=$LETTERS
	else
		want_batches=0 want_pieces=0
	fi
	is "$what: ledger batches" "$(count "$dir/state" 'select count(*) from batches')" $want_batches
	is "$what: ledger pieces" "$(count "$dir/state" 'select count(*) from pieces')" $want_pieces

	run_demo k$n
	if [ "$n" -ge "$COMMITTED" ]; then
		is "$what: re-run says the batch is done" "$RUN_RC" 0
		contains "$what: re-run says so" "$dir/stdout" "already issued, nothing to do"
	else
		is "$what: re-run completes" "$RUN_RC" 1
	fi
	is "$what: re-run bundle equals the uninterrupted one (diff -r)" \
		"$(diff -r "$REF" "$dir/out/$ID" 2>&1 && echo same)" same
	is "$what: OUT holds the bundle and nothing else" "$(ls -A "$dir/out" | tr '\n' ' ')" "$ID "
	is "$what: each letter once (pieces)" \
		"$(count "$dir/state" 'select count(*) from pieces')" "$LETTERS"
	is "$what: each letter once (accounts)" \
		"$(count "$dir/state" 'select count(distinct account_id) from pieces')" "$LETTERS"
	ledger_rows "$dir/state" >"$dir/ledger.rows"
	ok "$what: ledger rows equal the uninterrupted run's" \
		cmp "$TMP/ref/ledger.rows" "$dir/ledger.rows"
	rm -rf "$dir"
done
done_testing
