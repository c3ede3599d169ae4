#!/bin/sh
# 4008: --jobs (slices/workers.h). The demo batch cut into slices of four
# letters, two sheets per #10 envelope: --jobs 1 (typeset in the run's own
# process), 2 and 3 write byte-identical bundles and the same ledger rows;
# a worker killed in the middle of a slice stops the run (exit 3, the
# slice named, nothing published or committed), and the re-run is
# identical to an uninterrupted one.
. "$(dirname "$0")/../lib.sh"

B=$TMP/batch
mkdir -p "$B"
cp "$FIXTURES/demo/"*.csv "$B/"
sed -e 's|<max-sheets>6</max-sheets>|<max-sheets>2</max-sheets><pieces-per-file>4</pieces-per-file>|' \
	"$FIXTURES/demo/agency.xml" >"$B/agency.xml"
ok "profile edited" grep -q '<pieces-per-file>4' "$B/agency.xml"

# The ledger's pieces, without the wall-clock columns.
pieces() {
	sqlite3 "$1/ledger.sqlite" \
		"SELECT piece_id, account_id, letter_code, print_group, pdf, first_page, sheet_count, pages_sha256, pdf_offset, pdf_length, audit_hash, trace_sha256 FROM pieces ORDER BY piece_id"
}

for j in 1 2 3; do
	BATCH=$B run_demo j$j --jobs $j
	is "--jobs $j: run completes (some records rejected)" "$RUN_RC" 1
	contains "--jobs $j: the log says how many jobs" "$TMP/j$j/stderr" "job"
	eval "B$j=\$BUNDLE"
done
ok "several slices: window-2 has more than three parts" test -f "$B1/print/window-2-004.pdf"
ok "--jobs 2: bundle byte-identical to --jobs 1" diff -r "$B1" "$B2"
ok "--jobs 3: bundle byte-identical to --jobs 1" diff -r "$B1" "$B3"
pieces "$TMP/j1/state" >"$TMP/p1"
pieces "$TMP/j2/state" >"$TMP/p2"
is "the ledger holds every letter" "$(grep -c '' "$TMP/p1")" "$(csv_rows "$B1/print/manifest.csv")"
ok "--jobs 2: the same ledger pieces" cmp "$TMP/p1" "$TMP/p2"
ok "verify passes" $FAIRNOTICE verify "$B2"
ls -a "$B2" "$B2/print" >"$TMP/listing"
lacks "no slice file is left in the bundle" "$TMP/listing" ".slice"

# A worker killed while it typesets slice 2 (after its first letter).
FAIRNOTICE_KILLPOINT_SLICE=2 BATCH=$B run_demo k --jobs 2
is "killed worker: the run stops (exit 3)" "$RUN_RC" 3
contains "killed worker: the error names the slice" "$TMP/k/stderr" "slice 2"
is "killed worker: nothing published" "$(ls "$TMP/k/out" | grep -c '')" 0
is "killed worker: no piece in the ledger" \
	"$(sqlite3 "$TMP/k/state/ledger.sqlite" 'SELECT count(*) FROM pieces')" 0
STATE=$TMP/k/state BATCH=$B run_demo k2 --jobs 2
is "re-run after the killed worker completes" "$RUN_RC" 1
ok "re-run: byte-identical to the uninterrupted run" diff -r "$B1" "$BUNDLE"

# With one job the run's own process typesets: killed there, the run dies.
FAIRNOTICE_KILLPOINT_SLICE=1 BATCH=$B run_demo s --jobs 1
ok "one job killed in a slice: the run dies of SIGKILL" test "$RUN_RC" -gt 128
STATE=$TMP/s/state BATCH=$B run_demo s2 --jobs 1
ok "re-run: byte-identical to the uninterrupted run" diff -r "$B1" "$BUNDLE"

# ZIP64 (zip.h): a million letters make a zip of tens of GiB. With the
# line lowered from 4 GiB to 4,096 bytes the same records appear here.
FAIRNOTICE_ZIP64_FROM=4096 BATCH=$B run_demo z --jobs 2
is "ZIP64: run completes" "$RUN_RC" 1
ok "ZIP64: unzip -t takes the zip" unzip -tq "$BUNDLE/print/bundle.zip"
ok "ZIP64: verify passes" $FAIRNOTICE verify "$BUNDLE"
ok "ZIP64: every other file as without it" \
	diff -r -x bundle.zip -x bundle.zip.sha256 "$B1" "$BUNDLE"
cp -r "$BUNDLE" "$TMP/z-bad"
zsize=$(stat -c %s "$TMP/z-bad/print/bundle.zip")
printf 'X' | dd of="$TMP/z-bad/print/bundle.zip" bs=1 seek=$((zsize - 42)) conv=notrunc 2>/dev/null
sha256sum "$TMP/z-bad/print/bundle.zip" | sed 's|  .*|  bundle.zip|' >"$TMP/z-bad/print/bundle.zip.sha256"
$FAIRNOTICE verify "$TMP/z-bad" >"$TMP/z-bad.out" 2>&1
is "ZIP64: a damaged locator is a problem" "$?" 1
contains "ZIP64: verify says what is damaged" "$TMP/z-bad.out" "ZIP64"

$FAIRNOTICE run --batch "$B" --out "$TMP/u" --state "$TMP/u" --jobs 0 2>"$TMP/u.err"
is "--jobs 0 is a usage error" "$?" 2
contains "--jobs 0: says what it takes" "$TMP/u.err" "from 1 to 64"

done_testing
