#!/bin/sh
# 9001: the demo batch end to end. Counts reconcile, every output file is
# there with the agreed columns, the PDF is sound (qpdf), every font is
# embedded (pdffonts), and the letters say what Model Form B-1 says.
. "$(dirname "$0")/../lib.sh"

run_demo a
is "exit code 1: complete, some records rejected" "$RUN_RC" 1
ok "bundle directory exists" test -d "$BUNDLE"
ok "no staging directory left" sh -c "! ls -a '$TMP/a/out' | grep -q partial"

# 60 records: 39 letters, 8 suppressed, 5 deferred, 8 rejected; and 10
# contact events, 2 of them rejected.
contains "summary line reconciles" "$TMP/a/stdout" "read 60 = 39 letters + 8 suppressed + 5 deferred + 8 rejected"
contains "ingest stage line" "$TMP/a/stderr" "ingest: 60 records read from 1 file, 8 rejected"
contains "contacts stage line" "$TMP/a/stderr" "ingest: 10 contact events read from 1 file, 2 rejected"
contains "decide stage line" "$TMP/a/stderr" "decide: 39 letters, 8 suppressed, 5 deferred"

P=$BUNDLE/print
A=$BUNDLE/audit
is "manifest.csv header" "$(head -1 "$P/manifest.csv" | cut -d, -f1-17)" \
  "piece_id,account_id,pdf,first_page,page_count,sheet_count,envelope,mail_class,template,language,name,address_line1,address_line2,city,state,postal_code,imb"
is "suppressed.csv header" "$(head -1 "$A/suppressed.csv" | cut -d, -f1-5)" \
  "account_id,outcome,reason_code,citation,message"
is "rejects.csv header" "$(head -1 "$A/rejects.csv" | tr -d '\r' | cut -d, -f1-6)" \
  "file,line,account_id,reason_code,field,message"
is "one manifest row per letter" "$(csv_rows "$P/manifest.csv")" 39
is "one row per suppression or deferral" "$(csv_rows "$A/suppressed.csv")" 13
is "one reject row per rejected record or contact event" "$(csv_rows "$A/rejects.csv")" 10
is "audit manifest has every record" "$(grep -c '<account ' "$A/manifest.xml")" 60

for code in CEASE_1006.6 DISPUTE_HOLD BANKRUPTCY_STAY REPRESENTED DECEDENT_NO_REP IDENTITY_THEFT_CLAIM \
	UNLICENSED NC_58-70-115 SOL_UNKNOWN DATA_MISSING:charge_off_date DATA_MISSING:debt_buyer \
	FREQ_LIMIT:WA VALIDATION_NOTICE_FIRST; do
	contains "suppressed: $code" "$A/suppressed.csv" "$code"
done
for code in MISSING_FIELD BAD_DATE BAD_AMOUNT BALANCE_MISMATCH UNKNOWN_STATE DUPLICATE_ACCOUNT_ID BAD_VALUE BAD_POSTAL_CODE; do
	contains "rejected: $code" "$A/rejects.csv" "$code"
done
contains "reject names file, line and field" "$A/rejects.csv" "accounts-2026-11-23.csv,22,RR-10041,MISSING_FIELD,last_name"

# The PDFs read back: one per print group (docs/print-bundle.md).
is "print files: the demo's groups" "$(cd "$P" && ls *.pdf | tr '\n' ' ')" "window-1-001.pdf window-2-001.pdf "
for PDF in "$P"/*.pdf; do
	f=$(basename "$PDF")
	ok "$f: qpdf --check passes" qpdf --check "$PDF"
	pages=$(qpdf --show-npages "$PDF")
	sum=$(tail -n +2 "$P/manifest.csv" | awk -F, -v f="$f" '$3 == f { s += $5 } END { print s }')
	is "$f: pages = sum of its pieces' page_count" "$pages" "$sum"
	pdffonts "$PDF" >"$TMP/fonts.txt" 2>&1
	ok "$f: pdffonts lists fonts" test "$(tail -n +3 "$TMP/fonts.txt" | grep -c '')" -gt 0
	ok "$f: every font embedded" sh -c "tail -n +3 '$TMP/fonts.txt' | awk '{ if (\$(NF-4) != \"yes\") exit 1 }'"
	ok "$f: only Liberation fonts" sh -c "! tail -n +3 '$TMP/fonts.txt' | grep -v Liberation"
done

for f in "$P"/*.pdf; do pdftotext -layout "$f" -; done >"$TMP/all.txt"
# The first account's letter (RR-10000): its pages only.
count=$(grep '^[^,]*,RR-10000,' "$P/manifest.csv" | cut -d, -f5)
piece_text "$BUNDLE" RR-10000 >"$TMP/one.txt"
contains "B-1: debt collector statement" "$TMP/one.txt" "Rockville Recovery Services, LLC is a debt collector. We are trying to collect a debt that you owe to"
contains "B-1: information shows" "$TMP/one.txt" "Our information shows:"
contains "B-1: total now" "$TMP/one.txt" "Total amount of the debt now:"
contains "B-1: dispute by end date" "$TMP/one.txt" "Call or write to us by January 1, 2027, to dispute all or part of the debt."
contains "B-1: stop collection" "$TMP/one.txt" "If you write to us by January 1, 2027, we must stop collection on any amount you dispute"
contains "B-1: original creditor" "$TMP/one.txt" "Write to ask for the name and address of the original creditor"
contains "B-1: CFPB website" "$TMP/one.txt" "Go to www.cfpb.gov/debt-collection to learn more about your rights under federal law."
contains "B-1: tear-off heading" "$TMP/one.txt" "How do you want to respond?"
contains "B-1: check all" "$TMP/one.txt" "Check all that apply:"
contains "B-1: not my debt" "$TMP/one.txt" "This is not my debt."
contains "page X of Y" "$TMP/one.txt" "Page 1 of $count"
contains "account number masked" "$TMP/one.txt" "****9313"
lacks "full account number never printed" "$TMP/all.txt" "6991-1950-9313"
contains "text is text: markup characters print literally" "$TMP/all.txt" "O'Hara & Sons"
contains "text is text: angle brackets print literally" "$TMP/all.txt" "c/o <Billing> & Co"
contains "text is text: percent signs print literally" "$TMP/all.txt" "%s%n"
lacks "a held consumer gets no letter" "$TMP/all.txt" "Moreau"
# Maria Gonzalez (RR-10000) asked for Spanish, but California's texts exist
# only in English: her whole letter is English, with no Spanish text in it.
lacks "a letter in English carries no Spanish disclosure text" "$TMP/one.txt" "Contáctenos"
is "Spanish letters only where every text has Spanish (NM: one)" \
  "$(tail -n +2 "$P/manifest.csv" | tr -d '\r' | awk -F, '$10 == "es"' | grep -c '')" 1

# The ledger holds each letter once.
pieces=$(sqlite3 "$TMP/a/state/ledger.sqlite" "select count(*) from pieces")
is "ledger holds 39 pieces" "$pieces" 39
distinct=$(sqlite3 "$TMP/a/state/ledger.sqlite" "select count(distinct account_id) from pieces")
is "one piece per account" "$distinct" 39

contains "summary: read = outcomes for the account file" "$A/summary.txt" \
	"accounts-2026-11-23.csv: read 60 = 39 letters + 8 suppressed + 5 deferred + 8 rejected"
contains "summary: read = imported + rejected for the contacts file" "$A/summary.txt" \
	"contacts-2026-11-23.csv: read 10 = 8 contact events imported + 2 rejected"
done_testing
