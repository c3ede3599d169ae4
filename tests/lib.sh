# lib.sh: TAP helpers for the end-to-end tests (sourced by tests/e2e/*.t).
#
# Pins what the output may depend on (locale, time zone, fonts), gives each
# test a scratch directory that is removed on exit, and prints TAP that
# `prove` reads. Usage:
#   . "$(dirname "$0")/../lib.sh"
#   ok "name" test -f file
#   is "name" "$got" "$want"
#   done_testing

set -u
export LC_ALL=C.UTF-8 TZ=UTC
TOP=$(cd "$(dirname "$0")/../.." && pwd)
O=${O:-build}
case $O in /*) ;; *) O=$TOP/$O ;; esac
FAIRNOTICE=$O/fairnotice
# Only the fonts fairnotice ships: a tool that reads our PDFs back must not
# be able to substitute a machine font and hide a missing embedding.
export FONTCONFIG_FILE=$TOP/tests/fonts.conf
FIXTURES=$TOP/fixtures
export LSAN_OPTIONS=suppressions=$TOP/tests/lsan.supp
TMP=$(mktemp -d "${TMPDIR:-/tmp}/fairnotice-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
tap_n=0
tap_failed=0

if [ "${VALGRIND:-}" = 1 ]; then
	FAIRNOTICE="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --suppressions=$TOP/tests/valgrind.supp $FAIRNOTICE"
fi

# ok NAME COMMAND...: passes when the command succeeds.
ok() {
	name=$1; shift
	tap_n=$((tap_n + 1))
	if "$@" >"$TMP/.ok.out" 2>&1; then
		echo "ok $tap_n - $name"
	else
		echo "not ok $tap_n - $name"
		sed 's/^/#   /' "$TMP/.ok.out" | head -20
		tap_failed=$((tap_failed + 1))
	fi
}

# is NAME GOT WANT: passes when the strings are equal.
is() {
	tap_n=$((tap_n + 1))
	if [ "$2" = "$3" ]; then
		echo "ok $tap_n - $1"
	else
		echo "not ok $tap_n - $1"
		printf '#   got:  %s\n#   want: %s\n' "$2" "$3"
		tap_failed=$((tap_failed + 1))
	fi
}

# contains NAME FILE TEXT: the file holds TEXT (fixed string), with runs of
# white space (line breaks from PDF text extraction) folded to one space.
contains() {
	tap_n=$((tap_n + 1))
	if tr -s ' \n\t' '   ' <"$2" | grep -qF -- "$3"; then
		echo "ok $tap_n - $1"
	else
		echo "not ok $tap_n - $1"
		echo "#   '$3' not found in $2"
		tap_failed=$((tap_failed + 1))
	fi
}

lacks() {
	tap_n=$((tap_n + 1))
	if tr -s ' \n\t' '   ' <"$2" | grep -qF -- "$3"; then
		echo "not ok $tap_n - $1"
		echo "#   '$3' found in $2"
		tap_failed=$((tap_failed + 1))
	else
		echo "ok $tap_n - $1"
	fi
}

# The demo batch run into a fresh OUT and STATE under $TMP/$1.
# Sets RUN_RC, BUNDLE; stdout/stderr in $TMP/$1/{stdout,stderr}.
run_demo() {
	dir=$TMP/$1; shift
	mkdir -p "$dir"
	$FAIRNOTICE run --batch "${BATCH:-$FIXTURES/demo}" --out "$dir/out" \
		--state "${STATE:-$dir/state}" --date "${DATE:-2026-11-23}" "$@" \
		>"$dir/stdout" 2>"$dir/stderr"
	RUN_RC=$?
	BUNDLE=$(ls -d "$dir"/out/*/ 2>/dev/null | head -1)
	BUNDLE=${BUNDLE%/}
}

# valgrind_skip REASON: under VALGRIND=1 (make check-full), skip this
# case: it reads back outputs of the same code paths other cases already
# run under valgrind, and each run there costs some 20 s.
valgrind_skip() {
	if [ "${VALGRIND:-}" = 1 ]; then
		echo "ok 1 # skip under valgrind: $1"
		echo "1..1"
		exit 0
	fi
}

# Rows of a CSV file, header excluded (records may not span lines here).
csv_rows() { tail -n +2 "$1" | grep -c ''; }

# The text of one account's letter: piece_text BUNDLE ACCOUNT_ID
# [pdftotext options]. Its print/manifest.csv row names the PDF of its
# group (column 3) and its pages there (columns 4 and 5).
piece_text() {
	_b=$1 _id=$2; shift 2
	_row=$(grep "^[^,]*,$_id," "$_b/print/manifest.csv")
	_pdf=$(echo "$_row" | cut -d, -f3)
	_first=$(echo "$_row" | cut -d, -f4)
	_count=$(echo "$_row" | cut -d, -f5)
	pdftotext "$@" -f "$_first" -l $((_first + _count - 1)) "$_b/print/$_pdf" -
}

# The text of every print PDF of a bundle, one after the other.
all_pdf_text() {
	for _f in "$1"/print/*.pdf; do
		[ -e "$_f" ] && pdftotext "$_f" -
	done
}

done_testing() {
	echo "1..$tap_n"
	[ $tap_failed -eq 0 ]
}
