/*
 * u-presort.c: accounts spooled and read back in presort order.
 *
 * Every field of struct account comes back as it went in (each field set
 * to a distinct value, so a field the codec skipped or swapped shows);
 * the order is ZIP, then ZIP+4 (none first), then file and record; the
 * same accounts sorted in memory and through many small spilled runs come
 * back identical and in the same order; the run files are gone after.
 */
#include "pl.h"
#include "presort/presort.h"
#include "core/arena.h"
#include "core/xalloc.h"
#include "tap.h"

#include <dirent.h>
#include <unistd.h>

static char root[] = "/tmp/u-presort-XXXXXX";

static void fill(struct account *a, struct arena *ar, unsigned i, const char *zip)
{
	memset(a, 0, sizeof(*a));
	a->line = 100 + i;
	a->record = i;
	a->account_id = arena_printf(ar, "A-%05u", i);
	a->consumer_id = arena_printf(ar, "C-%u", i);
	a->creditor_name = "Creditor \"Q\", Inc.";
	a->original_creditor = "Orig";
	a->creditor_account_ref = "1234-5678";
	a->debt_type = DEBT_MEDICAL;
	a->first_name = "Zoë";
	a->middle_name = "";
	a->last_name = arena_printf(ar, "Name%u", i);
	a->name_suffix = "Jr.";
	a->address_line1 = "1 Main St";
	a->address_line2 = "Apt <2> & 3";
	a->city = "Austin";
	a->state = "TX";
	a->postal_code = zip;
	a->language = "es";
	a->itemization_date_type = ITEMIZATION_CHARGE_OFF;
	a->itemization_date = 20001 + i;
	a->amount_at_itemization = 100001 + i;
	a->interest_since = 2;
	a->fees_since = 3;
	a->payments_since = 4;
	a->credits_since = 5;
	a->current_balance = -6;
	a->delinquency_date = 19000;
	a->last_payment_date = 19001;
	a->charge_off_date = 19002;
	a->letter = "auto";
	a->validation_sent_on = 19003;
	a->dispute_received_on = 19004;
	a->verification_sent_on = 19005;
	a->cease_requested_on = 19006;
	a->attorney_represented = true;
	a->bankruptcy = false;
	a->deceased = true;
	a->identity_theft_claim = false;
	a->settlement_amount = 7;
	a->settlement_expires_on = 19007;
	a->plan_installment = 8;
	a->plan_count = 9;
	a->plan_first_due = 19008;
	a->portal_code = "PC";
	a->debt_buyer = TRI_YES;
	a->opt_out_channels = 5;
}

static bool same(const struct account *a, const struct account *b)
{
#define SAME_S(m) (!strcmp(a->m, b->m))
	return SAME_S(account_id) && SAME_S(consumer_id) && SAME_S(creditor_name) &&
	       SAME_S(original_creditor) && SAME_S(creditor_account_ref) &&
	       SAME_S(first_name) && SAME_S(middle_name) && SAME_S(last_name) &&
	       SAME_S(name_suffix) && SAME_S(address_line1) && SAME_S(address_line2) &&
	       SAME_S(city) && SAME_S(state) && SAME_S(postal_code) && SAME_S(language) &&
	       SAME_S(letter) && SAME_S(portal_code) &&
	       a->line == b->line && a->record == b->record &&
	       a->debt_type == b->debt_type &&
	       a->itemization_date_type == b->itemization_date_type &&
	       a->itemization_date == b->itemization_date &&
	       a->amount_at_itemization == b->amount_at_itemization &&
	       a->interest_since == b->interest_since && a->fees_since == b->fees_since &&
	       a->payments_since == b->payments_since &&
	       a->credits_since == b->credits_since &&
	       a->current_balance == b->current_balance &&
	       a->delinquency_date == b->delinquency_date &&
	       a->last_payment_date == b->last_payment_date &&
	       a->charge_off_date == b->charge_off_date &&
	       a->validation_sent_on == b->validation_sent_on &&
	       a->dispute_received_on == b->dispute_received_on &&
	       a->verification_sent_on == b->verification_sent_on &&
	       a->cease_requested_on == b->cease_requested_on &&
	       a->attorney_represented == b->attorney_represented &&
	       a->bankruptcy == b->bankruptcy && a->deceased == b->deceased &&
	       a->identity_theft_claim == b->identity_theft_claim &&
	       a->settlement_amount == b->settlement_amount &&
	       a->settlement_expires_on == b->settlement_expires_on &&
	       a->plan_installment == b->plan_installment &&
	       a->plan_count == b->plan_count && a->plan_first_due == b->plan_first_due &&
	       a->debt_buyer == b->debt_buyer && a->opt_out_channels == b->opt_out_channels;
#undef SAME_S
}

static void test_keys(void)
{
	char k[PRESORT_ZIP_KEY + 1] = { 0 };

	presort_zip_key("94103-2211", k);
	is_str(k, "941032211", "key: ZIP+4 with hyphen");
	presort_zip_key("941032211", k);
	is_str(k, "941032211", "key: ZIP+4 without hyphen");
	presort_zip_key("02110", k);
	is_str(k, "02110    ", "key: ZIP alone sorts before any +4");
	presort_zip_key("0211", k);
	is_str(k, "99999    ", "key: short code last");
	presort_zip_key("94103-22", k);
	is_str(k, "99999    ", "key: cut +4 last");
	presort_zip_key(NULL, k);
	is_str(k, "99999    ", "key: none last");
}

/* n accounts with ZIPs in a scrambled order; read back through cap bytes. */
static void run_case(size_t cap, unsigned n, const char *label, unsigned *runs_out,
		     char ***ids_out)
{
	static const char *const zips[] = {
		"94103-2211", "02110", "94103", "10001-0001", "02110-0001",
		"60601", "94103-0001", "00501",
	};
	struct presort *ps = NULL;
	struct pl_diag diag = { 0 };
	struct arena in, out;
	char **ids = xcalloc(n, sizeof(*ids));
	char prev_key[PRESORT_ZIP_KEY + 1] = "";
	unsigned prev_file = 0, prev_rec = 0, got = 0;
	bool fields_ok = true, order_ok = true;
	int rc;

	arena_init(&in);
	arena_init(&out);
	ok(presort_open(&ps, root, cap, &diag) == PL_OK, "open");
	for (unsigned i = 1; i <= n; i++) {
		struct account a;
		arena_clear(&in);
		fill(&a, &in, i, zips[(i * 5) % PL_ARRAY_SIZE(zips)]);
		if (presort_add(ps, &a, (i * 7) % 3, &diag) != PL_OK)
			break;
	}
	is_int(presort_count(ps), n, label);
	ok(presort_sort(ps, &diag) == PL_OK, "sort");
	while (1) {
		struct account a, want;
		unsigned file;
		char key[PRESORT_ZIP_KEY + 1] = { 0 };

		arena_clear(&out);
		rc = presort_next(ps, &out, &a, &file, &diag);
		if (rc != PL_OK)
			break;
		arena_clear(&in);
		fill(&want, &in, a.record, a.postal_code);
		fields_ok &= same(&a, &want) && file == (a.record * 7) % 3 && !a.file;
		presort_zip_key(a.postal_code, key);
		if (got) {
			int c = strcmp(prev_key, key);
			order_ok &= c < 0 || (c == 0 && (prev_file < file ||
					      (prev_file == file && prev_rec < a.record)));
		}
		memcpy(prev_key, key, sizeof(key));
		prev_file = file;
		prev_rec = a.record;
		if (got < n)
			ids[got] = xstrdup(a.account_id);
		got++;
	}
	is_int(rc, PL_DONE, "ends with PL_DONE");
	is_int(got, n, "every account comes back once");
	ok(fields_ok, "every field comes back as it went in");
	ok(order_ok, "ZIP, +4, file, record order");
	*runs_out = presort_runs(ps);
	presort_free(ps);
	arena_release(&in);
	arena_release(&out);
	*ids_out = ids;
}

static unsigned files_left(void)
{
	DIR *d = opendir(root);
	struct dirent *e;
	unsigned n = 0;

	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	if (d)
		closedir(d);
	return n;
}

int main(void)
{
	unsigned runs_mem = 0, runs_disk = 0, n = 3000;
	char **a = NULL, **b = NULL;
	bool same_order = true;

	if (!mkdtemp(root))
		PL_BUG("mkdtemp");
	test_keys();
	run_case(0, n, "in memory: all accounts in", &runs_mem, &a);
	is_int(runs_mem, 0, "in memory: no run file");
	run_case(64 * 1024, n, "spilled: all accounts in", &runs_disk, &b);
	ok(runs_disk > 10, "spilled: many run files");
	for (unsigned i = 0; i < n; i++) {
		same_order &= a[i] && b[i] && !strcmp(a[i], b[i]);
		free(a[i]);
		free(b[i]);
	}
	ok(same_order, "memory and spilled runs give the same order");
	is_int(files_left(), 0, "no run file left behind");
	free(a);
	free(b);
	rmdir(root);
	return tap_done();
}
