#!/bin/sh
# gen-batch.sh N DIR: write a synthetic batch of N accounts into DIR
# (agency.xml from the demo + accounts.csv). Deterministic: the same N gives
# the same bytes. Mix: all states, ~10% held records, ~1% malformed.
set -eu
n=$1
dir=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$dir"
cp "$top/fixtures/demo/agency.xml" "$dir/agency.xml"
awk -v n="$n" 'BEGIN {
	srand(42);
	split("AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY", st, " ");
	split("credit_card medical auto student utility telecom rent personal_loan other", dt, " ");
	split("Smith Johnson Garcia Nguyen Okafor Kowalski Chen Rossi Haddad Lindqvist", ln, " ");
	split("Ana Ben Carla David Elena Farid Grace Hugo Iris Jamal", fn, " ");
	print "account_id,creditor_name,creditor_account_ref,debt_type,first_name,last_name,address_line1,city,state,postal_code,itemization_date_type,itemization_date,amount_at_itemization,interest_since,fees_since,payments_since,current_balance,delinquency_date,bankruptcy,cease_requested_on";
	for (i = 1; i <= n; i++) {
		amt = int(rand() * 900000) + 5000; int_ = int(rand() * 3000); fee = int(rand() * 2000); pay = int(rand() * 4000);
		bal = amt + int_ + fee - pay;
		s = st[(i % 51) + 1];
		bk = (i % 20 == 0) ? "Y" : "N";
		cease = (i % 20 == 10) ? "2026-10-01" : "";
		bad = (i % 100 == 50);
		printf "GEN-%08d,Sample Creditor %d,%04d-%06d,%s,%s,%s,%d Main St,Springfield,%s,%05d,last_statement,2026-0%d-1%d,%d.%02d,%d.%02d,%d.%02d,%d.%02d,%d.%02d,2025-06-15,%s,%s\r\n",
			i, i % 97, i % 10000, i, dt[(i % 9) + 1], fn[(i % 10) + 1], ln[(i * 7 % 10) + 1], i % 9000 + 1, s, 10000 + i % 89999,
			(i % 8) + 1, i % 9, amt / 100, amt % 100, int_ / 100, int_ % 100, fee / 100, fee % 100, pay / 100, pay % 100,
			(bad ? bal + 1 : bal) / 100, (bad ? bal + 1 : bal) % 100, bk, cease;
	}
}' >"$dir/accounts.csv"
