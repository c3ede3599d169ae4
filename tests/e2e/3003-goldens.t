#!/bin/sh
# 3003-goldens: every letter's layout, line by line, against its golden.
#
# For each templates/<letter>.<lang>.xml with a sample account
# (fixtures/letters/<letter>.<lang>.csv, else <letter>.csv; a letter
# without one is skipped until it exists), `fairnotice preview --dump`
# with the locale, time zone, fonts and date pinned must give exactly
# tests/golden/<letter>.<lang>.layout: text, fonts, places, windows, IMb.
# A change to a template or to the engine shows here as a diff to review;
# `make check REGEN=1` rewrites the goldens (then read the diff in git).
. "$(dirname "$0")/../lib.sh"

GOLDEN=$TOP/tests/golden
n=0
for tpl in "$TOP"/templates/*.xml; do
	base=$(basename "$tpl" .xml)        # <letter>.<lang>
	letter=${base%.*}
	lang=${base##*.}
	csv=$FIXTURES/letters/$letter.$lang.csv
	[ -f "$csv" ] || csv=$FIXTURES/letters/$letter.csv
	if [ ! -f "$csv" ]; then
		echo "# skipped $base: no sample account in fixtures/letters"
		continue
	fi
	n=$((n + 1))
	$FAIRNOTICE preview "$tpl" --account "$csv" --date 2026-11-23 \
		--pdf "$TMP/$base.pdf" --dump "$TMP/$base.layout" >"$TMP/$base.out" 2>"$TMP/$base.err"
	rc=$?
	if [ $rc -ne 0 ]; then
		is "$base: preview" "$rc $(head -1 "$TMP/$base.err")" "0 "
		continue
	fi
	if [ "${REGEN:-}" = 1 ]; then
		cp "$TMP/$base.layout" "$GOLDEN/$base.layout"
		echo "# regenerated tests/golden/$base.layout"
	fi
	if [ ! -f "$GOLDEN/$base.layout" ]; then
		is "$base: golden exists (make check REGEN=1 writes it)" "missing" "tests/golden/$base.layout"
		continue
	fi
	if diff -u "$GOLDEN/$base.layout" "$TMP/$base.layout" >"$TMP/$base.diff"; then
		is "$base: layout matches tests/golden/$base.layout" same same
	else
		sed 's/^/#   /' "$TMP/$base.diff" | head -40
		is "$base: layout matches tests/golden/$base.layout" differs same
	fi
done
ok "at least the validation notice has a sample" test "$n" -ge 1
# A golden whose template went away is stale.
for g in "$GOLDEN"/*.layout; do
	[ -f "$g" ] || continue
	b=$(basename "$g" .layout)
	ok "golden $b has its template" test -f "$TOP/templates/$b.xml"
done

done_testing
