#!/bin/sh
# 5001: retention (docs/print-bundle.md "Retention"). After the demo batch,
# `fairnotice explain --state DIR --piece ID` tells an examiner what was
# mailed and why from the contact ledger alone: the same answer once the
# batch folder is deleted. An unknown piece is exit 1, a state directory
# without a ledger exit 2 (and no ledger is created there).
. "$(dirname "$0")/../lib.sh"

# csv_field FILE ROW COLUMN: one field of an RFC 4180 file (quotes undone).
csv_field() {
	perl -e '
		my ($file, $row, $col) = @ARGV;
		open(my $fh, "<", $file) or die "$file: $!";
		while (<$fh>) {
			next unless $. == $row;
			s/\r?\n\z//;
			my @f;
			while (/\G(?:"((?:[^"]|"")*)"|([^,]*))(,|\z)/g) {
				my $v = defined $1 ? $1 : $2;
				$v =~ s/""/"/g;
				push @f, $v;
				last if $3 eq "";
			}
			print $f[$col - 1];
			last;
		}' "$1" "$2" "$3"
}

run_demo a
is "the demo batch runs (exit 1: some records rejected)" "$RUN_RC" 1
STATE=$TMP/a/state
M=$BUNDLE/print/manifest.csv
ok "the bundle has a piece manifest" test -f "$M"

# The first piece, as the manifest names it (columns of README "Outputs").
piece=$(csv_field "$M" 2 1)
account=$(csv_field "$M" 2 2)
template=$(csv_field "$M" 2 9)
vend=$(csv_field "$M" 2 20)
batch=$(basename "$BUNDLE")
ok "a piece id in the manifest" test -n "$piece"

$FAIRNOTICE explain --state "$STATE" --piece "$piece" >"$TMP/before.txt" 2>"$TMP/before.err"
is "explain --piece: exit 0" $? 0
contains "names the piece" "$TMP/before.txt" "piece $piece of batch $batch"
contains "names the account" "$TMP/before.txt" "account $account"
contains "names the template" "$TMP/before.txt" "template $template version"
contains "gives the validation end date" "$TMP/before.txt" "validation period ends $vend"
contains "gives the run and mail dates" "$TMP/before.txt" "dates: run 2026-11-23, mail "
contains "says where it is in the bundle" "$TMP/before.txt" "in the bundle: print/"
contains "gives the rules digest" "$TMP/before.txt" \
	"rules set digest: $(grep -o 'rules-digest="[0-9a-f]*"' "$BUNDLE/audit/manifest.xml" | head -1 | cut -d'"' -f2)"
contains "ends with how to check the bundle" "$TMP/before.txt" \
	"to check the bundle, if you still have it: fairnotice verify OUT/$batch"
is "nothing on stderr" "$(cat "$TMP/before.err")" ""

# What bundle.c hands the ledger for retention (struct ledger_piece:
# verdict, group, sheets, byte range and its digest, audit record hash;
# struct ledger_batch: the bundle zip's digest), checked against the bundle.
contains "a rule that fired, with its citation" "$TMP/before.txt" \
	"US-REGF-VALIDATION-PERIOD [12 CFR 1006.34(b)(5)] "
contains "the rule's source file and line" "$TMP/before.txt" "federal.xml:"
lacks "every retention field kept" "$TMP/before.txt" "(not kept)"
is "the bundle zip digest is bundle.zip's" \
	"$(sed -n 's/^bundle zip SHA-256 (print\/bundle.zip): //p' "$TMP/before.txt")" \
	"$(cut -d' ' -f1 "$BUNDLE/print/bundle.zip.sha256")"
is "the pages digest is the manifest's" \
	"$(sed -n 's/.*their SHA-256 //p' "$TMP/before.txt")" "$(csv_field "$M" 2 24)"
ok "the audit record hash is a record's hash in the audit manifest" \
	grep -qF " hash=\"$(sed -n 's/^audit record hash: //p' "$TMP/before.txt")\"" \
	"$BUNDLE/audit/manifest.xml"
ok "each disclosure digest is the audit manifest's text-sha256" sh -c '
	sed -n "/^texts placed/,/^audit record/p" "$1" | awk "NF == 3 { print \$3 }" >"$1.sha"
	test -s "$1.sha" || exit 1
	while read -r sha; do grep -q "text-sha256=\"$sha\"" "$2" || exit 1; done <"$1.sha"' \
	sh "$TMP/before.txt" "$BUNDLE/audit/manifest.xml"

# Years later: the batch folder is gone, the ledger answers alone.
rm -rf "$BUNDLE"
ok "the bundle directory is gone" test ! -e "$BUNDLE"
$FAIRNOTICE explain --state "$STATE" --piece "$piece" >"$TMP/after.txt" 2>&1
is "without the bundle: exit 0" $? 0
ok "without the bundle: the same answer" cmp "$TMP/before.txt" "$TMP/after.txt"

$FAIRNOTICE explain --state "$STATE" --piece NO-SUCH-PIECE >"$TMP/none.out" 2>"$TMP/none.err"
is "unknown piece: exit 1" $? 1
is "unknown piece: says so, naming the ledger" "$(cat "$TMP/none.err")" \
	"fairnotice: no piece 'NO-SUCH-PIECE' in the ledger at '$STATE/ledger.sqlite'"
is "unknown piece: nothing on stdout" "$(cat "$TMP/none.out")" ""

mkdir -p "$TMP/empty"
$FAIRNOTICE explain --state "$TMP/empty" --piece "$piece" >/dev/null 2>"$TMP/noledger.err"
is "no ledger: exit 2" $? 2
contains "no ledger: names the path" "$TMP/noledger.err" "'$TMP/empty/ledger.sqlite'"
ok "no ledger: none is created" test ! -e "$TMP/empty/ledger.sqlite"

$FAIRNOTICE explain --piece "$piece" >/dev/null 2>&1
is "--piece without --state: exit 2" $? 2
$FAIRNOTICE explain --state "$STATE" --piece "$piece" --batch "$FIXTURES/demo" >/dev/null 2>&1
is "--piece with --batch: exit 2" $? 2
done_testing
