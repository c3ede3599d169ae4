#!/bin/sh
# 9004: exit codes (README "Exit codes"): 0 complete, 1 complete with
# rejects, 2 usage, 3 fatal with nothing written.
. "$(dirname "$0")/../lib.sh"

$FAIRNOTICE >/dev/null 2>&1; is "no command: 2" $? 2
$FAIRNOTICE run --batch "$FIXTURES/demo" >/dev/null 2>&1; is "missing options: 2" $? 2
$FAIRNOTICE run --bogus x >/dev/null 2>&1; is "unknown option: 2" $? 2
$FAIRNOTICE run --batch "$FIXTURES/demo" --out "$TMP/o" --state "$TMP/s" --date 2026-02-30 >/dev/null 2>&1
is "impossible date: 2" $? 2

# A clean batch: only the well-formed, letter-bound records.
mkdir -p "$TMP/clean"
cp "$FIXTURES/demo/agency.xml" "$TMP/clean/"
head -21 "$FIXTURES/demo/accounts-2026-11-23.csv" >"$TMP/clean/accounts.csv"
# run_demo writes stdout/stderr into $TMP/NAME: not into the batch, whose
# every file must be an input (ingest_batch_files()).
BATCH=$TMP/clean run_demo clean-run
is "clean batch: 0" "$RUN_RC" 0

# A broken profile stops the run before anything is written.
mkdir -p "$TMP/badprofile"
cp "$FIXTURES/demo/accounts-2026-11-23.csv" "$TMP/badprofile/"
printf '<agency id="x"><legal-name>X</legal-name>\n' >"$TMP/badprofile/agency.xml"
BATCH=$TMP/badprofile run_demo bp
is "broken profile: 3" "$RUN_RC" 3
contains "broken profile: names the file" "$TMP/bp/stderr" "agency.xml"
ok "broken profile: nothing written" sh -c "[ -z \"\$(ls -A '$TMP/bp/out' 2>/dev/null)\" ] && [ ! -e '$TMP/bp/state/ledger.sqlite' ]"

# A broken rule set stops the run too (fail closed).
mkdir -p "$TMP/rules"
cp "$TOP"/rules/* "$TMP/rules/"
printf '<rules xmlns="urn:fairnotice:rules:1"><rule id="X"></rules>\n' >"$TMP/rules/zz-broken.xml"
run_demo br --rules "$TMP/rules"
is "broken rules: 3" "$RUN_RC" 3
contains "broken rules: names the file" "$TMP/br/stderr" "zz-broken.xml"
ok "broken rules: nothing written" sh -c "[ -z \"\$(ls -A '$TMP/br/out' 2>/dev/null)\" ] && [ ! -e '$TMP/br/state/ledger.sqlite' ]"

# A DOCTYPE in the profile is refused (no entity tricks).
mkdir -p "$TMP/xxe"
cp "$FIXTURES/demo/accounts-2026-11-23.csv" "$TMP/xxe/"
cat >"$TMP/xxe/agency.xml" <<'XML'
<?xml version="1.0"?>
<!DOCTYPE agency [ <!ENTITY x SYSTEM "file:///etc/passwd"> ]>
<agency id="x"><legal-name>&x;</legal-name></agency>
XML
BATCH=$TMP/xxe run_demo xxe
is "profile with DOCTYPE: 3" "$RUN_RC" 3
lacks "profile with DOCTYPE: no file content leaks" "$TMP/xxe/stderr" "root:"
done_testing
