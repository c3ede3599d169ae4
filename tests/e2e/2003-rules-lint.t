#!/bin/sh
# 2003: `fairnotice rules lint` loads the rule set, warns on every rule
# counsel has not confirmed, and reports a licence rule the agency profile
# has no licence number for.
. "$(dirname "$0")/../lib.sh"

$FAIRNOTICE rules lint >"$TMP/lint.txt" 2>&1
rc=$?
is "shipped rules: no errors (exit 1 = warnings only)" "$rc" 1
contains "needs-review rules are named" "$TMP/lint.txt" "needs-review"
contains "summary line" "$TMP/lint.txt" "rules lint: 0 errors"

$FAIRNOTICE rules lint --batch "$FIXTURES/demo" >"$TMP/lint-demo.txt" 2>&1
is "with the demo profile: errors (a licence is missing)" $? 3
contains "missing licence reported" "$TMP/lint-demo.txt" "TN"

mkdir -p "$TMP/rules"
cp -L "$TOP"/rules/*.xml "$TOP"/rules/rules.rng "$TMP/rules/"
printf '<rules xmlns="urn:fairnotice:rules:1" jurisdiction="US"><rule id="X"/></rules>\n' >"$TMP/rules/zz-bad.xml"
$FAIRNOTICE rules lint --rules "$TMP/rules" >"$TMP/bad.txt" 2>&1
is "a broken rule set: exit 3" $? 3
contains "a broken rule set: file named" "$TMP/bad.txt" "zz-bad.xml"
done_testing
