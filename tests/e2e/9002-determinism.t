#!/bin/sh
# 9002: same batch, rules, templates and date give byte-identical output,
# PDF included, whatever the output directory.
. "$(dirname "$0")/../lib.sh"
valgrind_skip "two runs of the demo, compared"

run_demo a
first=$BUNDLE
run_demo b
second=$BUNDLE
is "same batch id" "$(basename "$first")" "$(basename "$second")"
ok "bundles are byte-identical" diff -r "$first" "$second"
for f in "$first"/print/*.pdf; do
	ok "$(basename "$f") is byte-identical" cmp "$f" "$second/print/$(basename "$f")"
done
done_testing
