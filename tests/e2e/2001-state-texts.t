#!/bin/sh
# 2001: the demo batch's letters carry exactly the state and city texts
# their jurisdiction requires, and no other state's text. Each letter's
# pages are read back with pdftotext (RULE: CA-*, CO-*, MA-*, NY-*, WI-*,
# NM-*; see rules/state-*.xml).
. "$(dirname "$0")/../lib.sh"
valgrind_skip "the demo run of 9001, its texts read back"

run_demo a
ok "demo batch completes" test "$RUN_RC" -le 1
M=$BUNDLE/print/manifest.csv

# marker name | phrase (a fixed string of the mandated text)
cat >"$TMP/markers" <<'TXT'
CA-ROSENTHAL|The state Rosenthal Fair Debt Collection Practices Act and the federal Fair Debt Collection Practices Act require
CA-TB-D1|Because of the age of your debt, we will not sue you for it. If you do not pay the debt, Rockville Recovery Services, LLC may report it
CA-TB-D2|Because of the age of your debt, we will not sue you for it, and we will not report it to any credit reporting agency.
CO|FOR INFORMATION ABOUT THE COLORADO FAIR DEBT COLLECTION PRACTICES ACT
MA|NOTICE OF IMPORTANT RIGHTS
NY|Ninety percent of your wages or salary earned in the last sixty days.
WI|This collection agency is licensed by the Division of Banking in the Wisconsin Department of Financial Institutions
NM-TB|We are required by New Mexico Attorney General rule to notify you of the following information.
TXT

# The markers a letter must carry, from its account and state.
expected() {
	case $2 in
	CA) echo CA-ROSENTHAL ;;
	CO) echo CO ;;
	MA) echo MA ;;
	NY) echo NY ;;
	WI) echo WI ;;
	esac
	case $1 in
	RR-10052) echo CA-TB-D1 ;;
	RR-10053) echo CA-TB-D2 ;;
	RR-10056) echo NM-TB ;;
	esac
}

letters=0
tail -n +2 "$M" | tr -d '\r' | while IFS=, read -r piece acct pdf first count rest; do
	# state is column 15; names and addresses may hold quoted commas, so
	# take it from the audit manifest instead of splitting the CSV here.
	state=$(grep -o "<account id=\"$acct\"[^>]*" "$BUNDLE/audit/manifest.xml" | grep -o 'jurisdiction="US-[A-Z][A-Z]' | cut -d- -f2)
	pdftotext -f "$first" -l $((first + count - 1)) "$BUNDLE/print/$pdf" - | tr -s ' \n\t' '   ' >"$TMP/letter.txt"
	want=$(expected "$acct" "$state")
	while IFS='|' read -r name phrase; do
		if echo "$want" | grep -qx "$name"; then
			contains "$acct ($state) carries $name" "$TMP/letter.txt" "$phrase"
		else
			lacks "$acct ($state) has no $name" "$TMP/letter.txt" "$phrase"
		fi
	done <"$TMP/markers"
	echo "$tap_n $tap_failed" >"$TMP/counts"
done
read tap_n tap_failed <"$TMP/counts"
all_pdf_text "$BUNDLE" | tr -s ' \n\t' '   ' >"$TMP/all.txt"
ok "every marker seen at least once across the batch" sh -c '
	for n in CA-ROSENTHAL CA-TB-D1 CA-TB-D2 CO MA NY WI NM-TB; do
		phrase=$(grep "^$n|" "'"$TMP"'/markers" | cut -d"|" -f2)
		cat "'"$TMP"'/all.txt" | grep -qF -- "$phrase" || { echo "missing $n"; exit 1; }
	done'
done_testing
