/*
 * u-typeset.c: the typeset stage, end to end on hand-built accounts.
 *
 * Builds an agency, accounts and verdicts by hand (the disclosure texts are
 * those of rules/federal.xml), typesets validation notices into a PDF and
 * reads the PDF back with the poppler and qpdf tools: page counts, fonts
 * embedded, the B-1 sentences, the masked account number, literal
 * printing of markup characters, byte-identical reruns, and the failures
 * that must stop a run (missing required disclosure, unknown slot,
 * address too big for the window, a changed font file, a broken
 * template, a PDF that cannot be written); state and city disclosures:
 * several texts in one slot, minimum sizes and emphasis, the reverse side
 * and duplex page counts, the licence line and the envelope windows, a
 * letter without a template (TYPESET_NO_TEMPLATE). Template format v3
 * (templates/README.md) on templates written here: if= and unless=, the
 * plan schedule, page breaks, <keep>, the coupon and its scanline, the
 * IMb and its serials, the QR code of {portal_link}, the profile's
 * windows and duplex, dates in Spanish from labels, names and addresses
 * too big for the window (TYPESET_DOES_NOT_FIT), the PNG preview, and
 * the template mistakes v3 adds (and one only the schema catches).
 *
 * Needs the font files: $O/fonts (make sets O), else build/fonts. Set
 * KEEP=1 to keep the temporary folder (its path is printed) with PNGs of
 * the first letter and of the California letter; ONLY=lfmowsr3e runs only
 * some groups (letters, failures, masking, open failures, write error,
 * state disclosures, reverse side, format v3, its elements alone).
 */
#include "pl.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/date.h"
#include "core/diag.h"
#include "core/xalloc.h"
#include "typeset/scanline.h"
#include "typeset/typeset.h"
#include "tap.h"

#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmp[] = "/tmp/u-typeset.XXXXXX";
static char font_files[PL_MAX_PATH];
/*
 * The templates these tests typeset: a copy of templates/validation-
 * notice.en.xml alone (the other letters are tested by their own cases),
 * with the schema of templates/.
 */
static char templates[PL_MAX_PATH];
static struct agency agency;

/* ---- fixtures ---- */

static const char *const texts[][2] = {
	{ "debt-collector-statement", "{collector} is a debt collector. We are trying to collect a debt that you owe to {creditor}. We will use any information you give us to help collect the debt." },
	{ "debt-description", "You had a credit card from {itemization_creditor} with account number {account_number}." },
	{ "dispute-call-or-write", "Call or write to us by {validation_end_date}, to dispute all or part of the debt. If you do not, we will assume that our information is correct." },
	{ "dispute-in-writing", "If you write to us by {validation_end_date}, we must stop collection on any amount you dispute until we send you information that shows you owe the debt. You may use the form below or write to us without the form. You may also include supporting documents." },
	{ "dispute-electronic", "We accept disputes electronically at {dispute_url}." },
	{ "original-creditor", "Write to ask for the name and address of the original creditor, if different from the current creditor. If you write by {validation_end_date}, we must stop collection until we send you that information. You may use the form below or write to us without the form." },
	{ "original-creditor-electronic", "We accept such requests electronically at {dispute_url}." },
	{ "cfpb-website", "Go to www.cfpb.gov/debt-collection to learn more about your rights under federal law. For instance, you have the right to stop or limit how we contact you." },
	{ "payment-options", "Contact us about your payment options." },
	{ "spanish-offer", "Póngase en contacto con nosotros para solicitar una copia de este formulario en español." },
};

static int day(const char *iso)
{
	int d;

	if (date_parse_iso(iso, &d) != 0)
		PL_BUG("bad test date '%s'", iso);
	return d;
}

static void make_agency(void)
{
	agency.id = "acme";
	agency.legal_name = "Acme Recovery Services, LLC";
	agency.envelope_name = "ARS";
	agency.mailing.line1 = "100 Main Street";
	agency.mailing.line2 = "Suite 200";
	agency.mailing.city = "Springfield";
	agency.mailing.state = "IL";
	agency.mailing.postal_code = "62701";
	agency.remittance = agency.mailing;
	agency.phone = "(800) 555-0100";
	agency.hours = "from 8am to 8pm CT, Monday to Friday";
	agency.website = "www.acme-recovery.example";
	agency.portal_url = "pay.acme-recovery.example";
	agency.dispute_url = "acme-recovery.example/dispute";
	agency.mail_class = "first-class";
	profile_print_defaults(&agency.print);
}

static void make_account(struct account *a, const char *id, const char *last)
{
	memset(a, 0, sizeof(*a));
	a->file = "accounts.csv";
	a->account_id = id;
	a->consumer_id = id;
	a->creditor_name = "Bank of Rockville";
	a->original_creditor = "";
	a->creditor_account_ref = "4111111123456789";
	a->debt_type = DEBT_CREDIT_CARD;
	a->first_name = "Jane";
	a->middle_name = "Q";
	a->last_name = last;
	a->name_suffix = "";
	a->address_line1 = "12 Elm Street";
	a->address_line2 = "Apt 3";
	a->city = "Peoria";
	a->state = "IL";
	a->postal_code = "616021234";
	a->language = "en";
	a->itemization_date_type = ITEMIZATION_LAST_STATEMENT;
	a->itemization_date = day("2026-06-30");
	a->amount_at_itemization = 223456;
	a->interest_since = 7500;
	a->fees_since = 2500;
	a->payments_since = 3000;
	a->credits_since = 2000;
	a->current_balance = 228456;
	a->delinquency_date = day("2026-01-15");
	a->last_payment_date = a->charge_off_date = PL_NO_DATE;
	a->letter = "auto";
	a->validation_sent_on = a->dispute_received_on = PL_NO_DATE;
	a->verification_sent_on = a->cease_requested_on = PL_NO_DATE;
	a->settlement_expires_on = a->plan_first_due = PL_NO_DATE;
	a->portal_code = "";
}

static void make_verdict(struct verdict *v, const char *skip_slot)
{
	memset(v, 0, sizeof(*v));
	v->outcome = OUTCOME_LETTER;
	v->reason_code = v->citation = v->message = "";
	v->deferred_until = PL_NO_DATE;
	v->letter_code = "validation-notice";
	v->language = "en";
	v->mail_date = day("2026-11-24");
	v->assumed_receipt_date = day("2026-12-02");
	v->validation_end_date = day("2027-01-01");
	v->holiday_method = "conservative";
	v->calendar_version = "test";
	v->jurisdiction = "US";
	for (size_t i = 0; i < PL_ARRAY_SIZE(texts); i++) {
		struct disclosure *d;

		if (skip_slot && !strcmp(skip_slot, texts[i][0]))
			continue;
		d = &v->disclosures[v->ndisclosures++];
		d->slot = texts[i][0];
		d->rule_id = "US-REGF-TEST";
		d->citation = "12 CFR 1006.34";
		d->text = texts[i][1];
	}
}

static void make_opts(struct typeset_opts *o, const char *pdf, const char *dump)
{
	memset(o, 0, sizeof(*o));
	o->templates_dir = templates;
	o->schema_path = "templates/template.rng";
	o->fonts_dir = "fonts";
	o->font_files_dir = font_files;
	o->pdf_path = pdf;
	o->agency = &agency;
	o->run_date = day("2026-11-23");
	o->dump_dir = dump;
}

/* ---- helpers ---- */

static char *path_in_tmp(const char *name)
{
	return xasprintf("%s/%s", tmp, name);
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* Output of a shell command, white space collapsed to single spaces. */
static char *run_text(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	size_t len = 0, alloc = 65536;
	char *out = xmalloc(alloc);
	int c;
	bool space = false;

	if (!p)
		PL_BUG("cannot run '%s'", cmd);
	while ((c = fgetc(p)) != EOF) {
		if (c == ' ' || c == '\n' || c == '\t' || c == '\f' || c == '\r') {
			space = true;
			continue;
		}
		if (len + 3 > alloc)
			out = xrealloc(out, alloc *= 2);
		if (space && len)
			out[len++] = ' ';
		space = false;
		out[len++] = (char)c;
	}
	out[len] = '\0';
	pclose(p);
	return out;
}

static PL_PRINTF(1, 2) char *run_textf(const char *fmt, ...)
{
	va_list ap;
	char cmd[2 * PL_MAX_PATH];
	char *out;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	out = run_text(cmd);
	return out;
}

static bool lock_exists(const char *path)
{
	char *lock = xasprintf("%s.lock", path);
	bool found = exists(lock);

	free(lock);
	return found;
}

static bool same_bytes(const char *a, const char *b)
{
	char *cmd = xasprintf("cmp -s '%s' '%s'", a, b);
	int rc = system(cmd);

	free(cmd);
	return rc == 0;
}

static void ref_keep(struct letter_ref *r);
static void ref_drop(struct letter_ref *r);

/* Typeset the standard two letters into pdf; 0 on success. */
static int render_two(const char *pdf, const char *dump, struct letter_ref refs[2],
		      struct pl_diag *diag)
{
	struct typeset_opts o;
	struct typesetter *ts = NULL;
	struct account a;
	struct verdict v;
	struct arena arena;
	int rc;

	arena_init(&arena);
	make_opts(&o, pdf, dump);
	rc = typeset_open(&ts, &o, diag);
	if (rc == PL_OK) {
		make_account(&a, "A-1001", "Public");
		make_verdict(&v, NULL);
		rc = typeset_letter(ts, &a, &v, "P000001", &arena, &refs[0], diag);
	}
	if (rc == PL_OK) {
		/* The arena is the caller's per-account pool: keep refs[0] readable. */
		make_account(&a, "A-1002", "Smith <&> 100% Jones");
		a.first_name = "";
		a.middle_name = "";
		a.address_line2 = "";
		rc = typeset_letter(ts, &a, &v, "P000002", &arena, &refs[1], diag);
	}
	if (rc == PL_OK)
		rc = typeset_finish(ts, diag);
	if (rc == PL_OK) {
		ref_keep(&refs[0]);
		ref_keep(&refs[1]);
	}
	typeset_free(ts);
	arena_release(&arena);
	return rc;
}

/* A letter_ref borrows from the arena and the typesetter: keep copies. */
static void ref_keep(struct letter_ref *r)
{
	r->piece_id = xstrdup(r->piece_id);
	r->template_id = xstrdup(r->template_id);
	r->template_version = xstrdup(r->template_version);
	r->language = xstrdup(r->language);
}

static void ref_drop(struct letter_ref *r)
{
	free((char *)r->piece_id);
	free((char *)r->template_id);
	free((char *)r->template_version);
	free((char *)r->language);
}

/* ---- tests ---- */

static void test_letters(void)
{
	char *pdf = path_in_tmp("letters.pdf"), *pdf2 = path_in_tmp("again.pdf");
	char *dumps = path_in_tmp("dump"), *cmd, *text, *fonts;
	struct letter_ref refs[2], refs2[2];
	struct pl_diag diag = { 0 };
	int rc;

	mkdir(dumps, 0755);
	rc = render_two(pdf, dumps, refs, &diag);
	if (!ok(rc == PL_OK, "two validation notices typeset"))
		printf("#   %s (at %s:%u)\n", diag.message, diag.file, diag.line);
	if (rc != PL_OK)
		goto out;
	is_int(refs[0].page_count, 2, "letter 1: two pages (body, tear-off)");
	is_int(refs[1].page_count, 2, "letter 2: two pages");
	is_int(refs[0].first_page, 1, "letter 1 starts on page 1");
	is_int(refs[1].first_page, 3, "letter 2 starts on page 3");
	is_int(refs[1].sheet_count, 2, "simplex: sheets = pages");
	is_str(refs[0].template_id, "validation-notice", "template id");
	is_str(refs[0].template_version, "3", "template version");
	is_str(refs[0].language, "en", "language used");
	is_str(refs[0].piece_id, "P000001", "piece id echoed");
	is_int(strlen(refs[0].content_sha256), 64, "content digest is SHA-256 hex");
	ok(strcmp(refs[0].content_sha256, refs[1].content_sha256),
	   "different letters, different content digests");
	ok(!lock_exists(pdf), "no lock file left");

	cmd = xasprintf("qpdf --check '%s' >/dev/null 2>&1", pdf);
	is_int(system(cmd), 0, "qpdf --check passes");
	free(cmd);

	cmd = xasprintf("pdfinfo '%s' | grep '^Pages:'", pdf);
	text = run_text(cmd);
	is_str(text, "Pages: 4", "combined PDF has 4 pages");
	free(text);
	free(cmd);

	/* Every font embedded, every font ours. */
	cmd = xasprintf("pdffonts '%s' | tail -n +3 | awk '{ print $1, $(NF-4) }'", pdf);
	fonts = run_text(cmd);
	ok(strstr(fonts, "LiberationSans") && !strstr(fonts, " no"),
	   "pdffonts: all fonts embedded");
	{
		char *cmd2 = xasprintf("pdffonts '%s' | tail -n +3 | grep -vc Liberation", pdf);
		char *n = run_text(cmd2);
		is_str(n, "0", "pdffonts: only Liberation fonts");
		free(n);
		free(cmd2);
	}
	printf("# fonts: %s\n", fonts);
	free(fonts);
	free(cmd);

	/* RULE: US-REGF-1006.34(c): the B-1 text, the dates, the masked number. */
	cmd = xasprintf("pdftotext '%s' -", pdf);
	text = run_text(cmd);
	ok(strstr(text, "Acme Recovery Services, LLC is a debt collector. We are trying to collect a debt that you owe to Bank of Rockville."),
	   "text: debt collector statement");
	ok(strstr(text, "Call or write to us by January 1, 2027, to dispute all or part of the debt."),
	   "text: end date in the dispute sentence");
	ok(strstr(text, "If you write by January 1, 2027, we must stop collection until we send you that information."),
	   "text: end date in the original-creditor sentence");
	ok(strstr(text, "with account number ****6789."), "text: masked account number");
	ok(!strstr(text, "4111111123456789") && !strstr(text, "11123456789"),
	   "text: never the full account number");
	ok(strstr(text, "Smith <&> 100% Jones"), "text: markup characters print literally");
	ok(strstr(text, "Jane Q Public"), "text: consumer name joined");
	ok(strstr(text, "Peoria, IL 61602-1234"), "text: city, state and ZIP+4");
	ok(strstr(text, "How do you want to respond?") && strstr(text, "Check all that apply:"),
	   "text: tear-off headings");
	ok(strstr(text, "Other (please describe on reverse or attach additional information)."),
	   "text: tear-off prompt");
	ok(strstr(text, "Make your check payable to Acme Recovery Services, LLC. Include the reference number A-1001."),
	   "text: payment prompt");
	ok(strstr(text, "Quiero este formulario en español."), "text: Spanish box");
	ok(strstr(text, "Total amount of the debt now:") && strstr(text, "$ 2,284.56"),
	   "text: total amount");
	ok(strstr(text, "– $ 50.00"), "text: payments and credits");
	ok(strstr(text, "November 24, 2026"), "text: mail date");
	ok(strstr(text, "Page 1 of 2") && strstr(text, "Page 2 of 2"), "text: page X of Y");
	free(text);
	free(cmd);

	/* The layout dump. */
	{
		char *dump = xasprintf("%s/P000002.layout", dumps);
		char *head = run_textf("head -1 '%s'", dump);
		char *hit = run_textf("grep -c 'text=Smith <&> 100%% Jones$' '%s'", dump);
		char *font = run_textf("grep -c 'font=Liberation Sans 10 400 text=' '%s'", dump);

		is_str(head, "page 1", "dump: starts with its page header");
		is_str(hit, "2", "dump: the name, literally, in window and tear-off");
		ok(strcmp(font, "0"), "dump: lines name their font");
		free(head);
		free(hit);
		free(font);
		free(dump);
	}

	/* Same input, same bytes. */
	rc = render_two(pdf2, NULL, refs2, &diag);
	ok(rc == PL_OK, "second rendering");
	ok(same_bytes(pdf, pdf2), "same input, byte-identical PDF");
	is_str(refs2[1].content_sha256, refs[1].content_sha256, "same content digest");
	if (rc == PL_OK) {
		ref_drop(&refs2[0]);
		ref_drop(&refs2[1]);
	}

	if (getenv("KEEP")) {
		cmd = xasprintf("pdftoppm -png -r 60 -f 1 -l 2 '%s' '%s/page'", pdf, tmp);
		ok(system(cmd) == 0, "page 1 rendered to PNG");
		free(cmd);
	}
	ref_drop(&refs[0]);
	ref_drop(&refs[1]);
out:
	free(pdf);
	free(pdf2);
	free(dumps);
}

/* One letter that must fail; the PDF must not appear. */
static int render_bad(struct account *a, struct verdict *v, struct pl_diag *diag);

/* ---- state and city disclosures ---- */

/* Civ. Code 1812.700(a), verbatim from REGULATIONS.md 6.1. */
static const char rosenthal[] = "The state Rosenthal Fair Debt Collection Practices Act and the federal Fair Debt Collection Practices Act require that, except under unusual circumstances, collectors may not contact you before 8 a.m. or after 9 p.m. They may not harass you by using threats of violence or arrest or by using obscene language. Collectors may not use false or misleading statements or call you at work if they know or have reason to know that you may not receive personal calls at work. For the most part, collectors may not tell another person, other than your attorney or spouse, about your debt. Collectors may contact another person to confirm your location or enforce a judgment. For more information about debt collection activities, you may contact the Federal Trade Commission at 1-877-FTC-HELP or www.ftc.gov.";

/* Civ. Code 1788.14(d)(1), {collector} for the statute's placeholder. */
static const char ca_time_barred[] = "The law limits how long you can be sued on a debt. Because of the age of your debt, we will not sue you for it. If you do not pay the debt, {collector} may report it to the credit reporting agencies as unpaid for as long as the law permits this reporting.";

static void add_disclosure(struct verdict *v, const char *slot, const char *rule,
			   const char *text, int min_size, bool emphasis)
{
	struct disclosure *d = &v->disclosures[v->ndisclosures++];

	d->slot = slot;
	d->rule_id = rule;
	d->citation = "test";
	d->text = text;
	d->min_size = min_size;
	d->emphasis = emphasis;
}

/*
 * A California letter as decide makes it (decide puts the licence number
 * into the text): Rosenthal on the reverse, the B-1 pointer on the front,
 * the licence number under the letterhead at 12 pt.
 */
static void make_ca_verdict(struct verdict *v)
{
	make_verdict(v, NULL);
	v->jurisdiction = "US-CA";
	add_disclosure(v, "licence-number", "CA-LICENCE-1788.11",
		       "California Debt Collection License: 10059-99", 12, false);
	add_disclosure(v, "reverse-notice", "CA-ROSENTHAL-1812.700", rosenthal, 0, false);
	add_disclosure(v, "reverse-pointer", "US-REGF-REVERSE-POINTER",
		       "Notice: See reverse side for important information.", 0, false);
}

/* Typeset one letter per verdict into pdf (dumps in dump if not NULL). */
static int render_many(const char *pdf, const char *dump, struct verdict *v,
		       size_t n, struct letter_ref *refs, struct pl_diag *diag)
{
	struct typeset_opts o;
	struct typesetter *ts = NULL;
	struct account a;
	struct arena arena;
	int rc;

	arena_init(&arena);
	make_opts(&o, pdf, dump);
	rc = typeset_open(&ts, &o, diag);
	for (size_t i = 0; i < n && rc == PL_OK; i++) {
		char id[32], piece[32];

		snprintf(id, sizeof(id), "A-50%02zu", i + 1);
		snprintf(piece, sizeof(piece), "P0050%02zu", i + 1);
		make_account(&a, id, "Garcia");
		a.city = "Fresno";
		a.state = "CA";
		a.postal_code = "93721";
		rc = typeset_letter(ts, &a, &v[i], piece, &arena, &refs[i], diag);
		if (rc == PL_OK)
			ref_keep(&refs[i]);
	}
	if (rc == PL_OK)
		rc = typeset_finish(ts, diag);
	typeset_free(ts);
	arena_release(&arena);
	return rc;
}

static char *page_text(const char *pdf, unsigned page)
{
	return run_textf("pdftotext -f %u -l %u '%s' -", page, page, pdf);
}

static void test_state(void)
{
	char *pdf = path_in_tmp("state.pdf"), *dumps = path_in_tmp("state-dump");
	struct verdict v[3];
	struct letter_ref refs[3];
	struct pl_diag diag = { 0 };
	char *text, *dump, *hit;
	int rc;

	mkdir(dumps, 0755);
	/* Two state notices, in verdict order, each its own paragraph. */
	make_verdict(&v[0], NULL);
	add_disclosure(&v[0], "state-notice", "US-XA-FIRST", "First state notice: alpha.", 0, false);
	add_disclosure(&v[0], "state-notice", "US-XB-SECOND", "Second state notice: beta.", 0, false);
	/* RULE: NYC-6RCNY-2-191: 12 pt, set off, right under the amount. */
	make_verdict(&v[1], NULL);
	add_disclosure(&v[1], "time-barred-notice", "NYC-TIME-BARRED-2-191",
		       "We are not allowed to sue you for this time-barred test debt.", 12, true);
	/* A numbered list keeps its items on lines of their own. */
	add_disclosure(&v[1], "state-notice", "NY-LIST",
		       "Income that may not be taken:\n    1. Social security;\n    2. Veterans'\n"
		       "    benefits; and\n    11. Ninety\n    percent of wages.", 0, false);
	/* Two licence numbers (New York State and City): one line each. */
	make_verdict(&v[2], NULL);
	add_disclosure(&v[2], "licence-number", "NY-LICENCE", "New York licence: 111", 0, false);
	add_disclosure(&v[2], "licence-number", "NYC-LICENCE", "NYC DCWP licence: 222", 0, false);

	rc = render_many(pdf, dumps, v, 3, refs, &diag);
	if (!ok(rc == PL_OK, "state letters typeset"))
		printf("#   %s (at %s:%u)\n", diag.message, diag.file, diag.line);
	if (rc != PL_OK)
		goto out;
	is_int(refs[0].page_count, 2, "no reverse: two pages, as before");
	is_int(refs[0].sheet_count, 2, "no reverse: simplex, sheets = pages");

	text = page_text(pdf, 1);
	ok(strstr(text, "First state notice: alpha.") && strstr(text, "Second state notice: beta.") &&
	   strstr(text, "alpha.") < strstr(text, "beta."),
	   "two state notices, in verdict order, on the front");
	ok(strstr(text, "Spanish") == NULL && strstr(text, "español.") < strstr(text, "alpha."),
	   "state notices after the What else can you do? list");
	free(text);
	dump = xasprintf("%s/P005001.layout", dumps);
	hit = run_textf("grep -c 'text=First state notice: alpha.$' '%s'; grep -c 'text=Second state notice: beta.$' '%s'",
			dump, dump);
	is_str(hit, "1 1", "dump: each state notice starts its own paragraph");
	free(hit);
	hit = run_textf("grep -c ' rule width=' '%s'", dump);
	is_str(hit, "0", "dump: no rules without emphasis");
	free(hit);
	free(dump);

	dump = xasprintf("%s/P005002.layout", dumps);
	hit = run_textf("grep -c 'font=Liberation Sans 12 700 text=We are not allowed to sue you' '%s'", dump);
	is_str(hit, "1", "dump: time-barred notice at 12 pt, bold");
	free(hit);
	hit = run_textf("grep -c '^page 1 .* rule width=' '%s'", dump);
	is_str(hit, "2", "dump: a rule above and below it");
	free(hit);
	/* Adjacent to the amount: the next text line after the total row. */
	hit = run_textf("grep -A1 'text=\\$ 2,284.56$' '%s' | tail -1 | grep -c 'rule width='", dump);
	is_str(hit, "1", "dump: the set-off notice directly under the total amount");
	free(hit);
	hit = run_textf("grep -c -e 'text=Income that may not be taken:$' -e 'text=1. Social security;$' "
			"-e \"text=2. Veterans' benefits; and$\" -e 'text=11. Ninety percent of wages.$' '%s'", dump);
	is_str(hit, "4", "dump: a numbered list, one item a line; other line breaks are spaces");
	free(hit);
	free(dump);

	dump = xasprintf("%s/P005003.layout", dumps);
	hit = run_textf("grep -c 'text=New York licence: 111$' '%s'; grep -c 'text=NYC DCWP licence: 222$' '%s'",
			dump, dump);
	is_str(hit, "1 1", "dump: two licence numbers, one line each");
	free(hit);
	free(dump);
	for (size_t i = 0; i < 3; i++)
		ref_drop(&refs[i]);
out:
	free(pdf);
	free(dumps);
}

static void test_reverse(void)
{
	char *pdf = path_in_tmp("ca.pdf"), *pdf2 = path_in_tmp("ca-again.pdf");
	char *dumps = path_in_tmp("ca-dump"), *text, *hit, *dump;
	struct verdict v[2];
	struct letter_ref refs[2], refs2[2];
	struct pl_diag diag = { 0 };
	int rc;

	mkdir(dumps, 0755);
	/* RULE: CA-ROSENTHAL-1812.700: on the reverse, pointer on the front. */
	make_ca_verdict(&v[0]);
	add_disclosure(&v[0], "time-barred-notice", "CA-TIME-BARRED-1788.14(d)(1)",
		       ca_time_barred, 0, false);
	make_verdict(&v[1], NULL);    /* and a one-sided letter after it */
	rc = render_many(pdf, dumps, v, 2, refs, &diag);
	if (!ok(rc == PL_OK, "California letter typeset"))
		printf("#   %s (at %s:%u)\n", diag.message, diag.file, diag.line);
	if (rc != PL_OK)
		goto out;
	is_int(refs[0].page_count, 4, "duplex: front, reverse, front with tear-off, blank back");
	is_int(refs[0].sheet_count, 2, "duplex: sheets = pages / 2");
	is_int(refs[1].first_page, 5, "next letter starts on page 5 (a front)");
	is_int(refs[1].page_count, 2, "next letter without reverse: two pages");
	is_int(refs[1].sheet_count, 2, "next letter: simplex");

	text = page_text(pdf, 1);
	ok(strstr(text, "Notice: See reverse side for important information."),
	   "page 1: the pointer to the reverse");
	ok(strstr(text, "California Debt Collection License: 10059-99"),
	   "page 1: the licence number");
	ok(strstr(text, "we will not sue you for it. If you do not pay the debt, Acme Recovery Services, LLC may report it"),
	   "page 1: the time-barred notice, placeholder filled");
	ok(!strstr(text, "Rosenthal"), "page 1: not the Rosenthal notice");
	ok(strstr(text, "Page 1 of 4"), "page 1: Page 1 of 4");
	free(text);
	text = page_text(pdf, 2);
	ok(strstr(text, "Important information") && strstr(text, rosenthal),
	   "page 2: heading and the Rosenthal notice, whole");
	ok(strstr(text, "Page 2 of 4") && strstr(text, "P005001"),
	   "page 2: page number and piece id");
	ok(!strstr(text, "How do you want to respond?"), "page 2: no tear-off");
	free(text);
	text = page_text(pdf, 3);
	ok(strstr(text, "How do you want to respond?") && strstr(text, "Page 3 of 4"),
	   "page 3: the tear-off, on a front");
	free(text);
	text = page_text(pdf, 4);
	ok(strstr(text, "This page intentionally left blank") && strstr(text, "Page 4 of 4") &&
	   !strstr(text, "Rosenthal") && !strstr(text, "respond"),
	   "page 4: intentionally blank, numbered");
	free(text);

	dump = xasprintf("%s/P005001.layout", dumps);
	hit = run_textf("grep -c '^page 1 .*font=Liberation Sans 12 400 text=California Debt Collection License: 10059-99$' '%s'", dump);
	is_str(hit, "1", "dump: licence number on page 1 at 12 pt");
	free(hit);
	hit = run_textf("grep -c '^page 2 .*text=The state Rosenthal' '%s'; grep -c '^page 4 .*text=This page intentionally left blank$' '%s'; grep -c '^page [1-4]$' '%s'",
			dump, dump, dump);
	is_str(hit, "1 1 4", "dump: reverse and blank pages");
	free(hit);
	free(dump);

	hit = run_textf("qpdf --check '%s' >/dev/null 2>&1; echo $?; pdfinfo '%s' | grep '^Pages:'",
			pdf, pdf);
	is_str(hit, "0 Pages: 6", "qpdf --check passes; 6 pages");
	free(hit);
	hit = run_textf("pdffonts '%s' | tail -n +3 | grep -vc 'Liberation.* yes '", pdf);
	is_str(hit, "0", "pdffonts: only Liberation fonts, all embedded");
	free(hit);

	/* Same input, same bytes, same digest; a different reverse, another digest. */
	rc = render_many(pdf2, NULL, v, 2, refs2, &diag);
	ok(rc == PL_OK && same_bytes(pdf, pdf2), "duplex: byte-identical rerun");
	if (rc == PL_OK) {
		is_str(refs2[0].content_sha256, refs[0].content_sha256, "duplex: same digest");
		ref_drop(&refs2[0]);
		ref_drop(&refs2[1]);
	}
	v[0].disclosures[v[0].ndisclosures - 3].text = "Another reverse text.";
	rc = render_many(pdf2, NULL, v, 1, refs2, &diag);
	if (rc == PL_OK) {
		ok(strcmp(refs2[0].content_sha256, refs[0].content_sha256),
		   "digest covers the reverse page");
		ref_drop(&refs2[0]);
	}

	if (getenv("KEEP")) {
		char *cmd = xasprintf("pdftoppm -png -r 60 -f 1 -l 4 '%s' '%s/ca'", pdf, tmp);
		ok(system(cmd) == 0, "California letter rendered to PNG");
		free(cmd);
	}
	ref_drop(&refs[0]);
	ref_drop(&refs[1]);
out:
	free(pdf);
	free(pdf2);
	free(dumps);
}

/* What must stop the run, or defer the account, around the new slots. */
static void test_reverse_failures(void)
{
	char *pdf = path_in_tmp("nt.pdf"), *text;
	struct typeset_opts o;
	struct typesetter *ts = NULL;
	struct account a;
	struct verdict v;
	struct letter_ref ref;
	struct arena arena;
	struct pl_diag diag = { 0 };
	struct buf big = BUF_INIT(1 << 20);
	int rc;

	/* No template for the reminder: defer, having drawn nothing. */
	arena_init(&arena);
	make_opts(&o, pdf, NULL);
	make_account(&a, "A-6001", "Later");
	make_verdict(&v, NULL);
	v.letter_code = "reminder";
	rc = typeset_open(&ts, &o, &diag);
	if (rc == PL_OK)
		rc = typeset_letter(ts, &a, &v, "P006001", &arena, &ref, &diag);
	is_int(rc, TYPESET_NO_TEMPLATE, "letter 'reminder': TYPESET_NO_TEMPLATE");
	is_str(diag.message, "no template for letter 'reminder' in language 'en'",
	       "message names letter and language");
	pl_diag_clear(&diag);
	make_verdict(&v, NULL);
	rc = typeset_letter(ts, &a, &v, "P006002", &arena, &ref, &diag);
	ok(rc == PL_OK && ref.first_page == 1, "the next letter starts on page 1: nothing was drawn");
	if (rc == PL_OK)
		rc = typeset_finish(ts, &diag);
	typeset_free(ts);
	ts = NULL;
	text = run_textf("pdfinfo '%s' | grep '^Pages:'", pdf);
	is_str(text, "Pages: 2", "the PDF holds the one letter");
	free(text);
	arena_release(&arena);

	/* Three licence lines reach the recipient window: stop the run. */
	make_account(&a, "A-6003", "Window");
	make_ca_verdict(&v);
	add_disclosure(&v, "licence-number", "X-LICENCE-2", "Second Licence Number: 2222222", 12, false);
	add_disclosure(&v, "licence-number", "X-LICENCE-3", "Third Licence Number: 3333333", 12, false);
	rc = render_bad(&a, &v, &diag);
	is_int(PL_CLASS(rc), PL_TEMPLATE, "licence lines in the window: PL_TEMPLATE");
	ok(strstr(diag.message, "window 'recipient'") != NULL, "message names the window");
	printf("# %s\n", diag.message);

	/* A reverse longer than a page. */
	for (int i = 0; i < 400; i++)
		if (buf_addstr(&big, "This reverse text goes on and on. ") != PL_OK)
			PL_BUG("test buffer");
	make_ca_verdict(&v);
	v.disclosures[v.ndisclosures - 2].text = buf_str(&big);
	rc = render_bad(&a, &v, &diag);
	is_int(PL_CLASS(rc), PL_TEMPLATE, "reverse longer than a page: PL_TEMPLATE");
	ok(strstr(diag.message, "reverse side") != NULL, "message says so");

	buf_release(&big);
	free(pdf);
}

/*
 * A duplex letter whose body runs onto the back of sheet 2: the tear-off
 * goes to the front of sheet 3 (cutting it off takes nothing from the
 * other side), whose back is the blank page. A pointer without a reverse
 * does not print.
 */
static void test_reverse_long(void)
{
	char *pdf = path_in_tmp("long.pdf"), *text;
	struct verdict v[2];
	struct letter_ref refs[2];
	struct pl_diag diag = { 0 };
	int rc;

	/* RULE: US-REGF-1006.34(d)(3): texts before it cannot push the pointer off page 1. */
	make_ca_verdict(&v[0]);
	add_disclosure(&v[0], "time-barred-notice", "X-LONG", rosenthal, 12, true);
	for (int i = 0; i < 9; i++)
		add_disclosure(&v[0], "state-notice", "US-XX-LONG", rosenthal, 0, false);
	make_verdict(&v[1], NULL);
	add_disclosure(&v[1], "reverse-pointer", "US-REGF-REVERSE-POINTER",
		       "Notice: See reverse side for important information.", 0, false);
	rc = render_many(pdf, NULL, v, 2, refs, &diag);
	if (!ok(rc == PL_OK, "long duplex letter typeset"))
		printf("#   %s (at %s:%u)\n", diag.message, diag.file, diag.line);
	if (rc != PL_OK)
		goto out;
	is_int(refs[0].page_count, 6, "body on pages 1, 3, 4; tear-off on 5; 6 blank");
	is_int(refs[0].sheet_count, 3, "three sheets");
	text = page_text(pdf, 1);
	ok(strstr(text, "Notice: See reverse side for important information.") &&
	   strstr(text, "Póngase") == NULL,
	   "page 1: the pointer, though the list goes on on page 3");
	free(text);
	for (unsigned page = 1; page <= 6; page++) {
		char name[64];
		bool tear, blank;

		text = page_text(pdf, page);
		tear = strstr(text, "How do you want to respond?") != NULL;
		blank = strstr(text, "This page intentionally left blank") != NULL;
		snprintf(name, sizeof(name), "page %u: %s", page,
			 page == 5 ? "the tear-off" : page == 6 ? "blank" : "no tear-off, not blank");
		ok(page == 5 ? tear && !blank : page == 6 ? blank && !tear : !tear && !blank, name);
		free(text);
	}
	text = page_text(pdf, 7);
	ok(!strstr(text, "See reverse side"), "a pointer without a reverse does not print");
	free(text);
	is_int(refs[1].page_count, 2, "and that letter is simplex");
	ref_drop(&refs[0]);
	ref_drop(&refs[1]);
out:
	free(pdf);
}

/* One letter that must fail; the PDF must not appear. */
static int render_bad(struct account *a, struct verdict *v, struct pl_diag *diag)
{
	char *pdf = path_in_tmp("bad.pdf");
	struct typeset_opts o;
	struct typesetter *ts = NULL;
	struct letter_ref ref;
	struct arena arena;
	int rc;

	arena_init(&arena);
	make_opts(&o, pdf, NULL);
	rc = typeset_open(&ts, &o, diag);
	if (rc == PL_OK)
		rc = typeset_letter(ts, a, v, "P000009", &arena, &ref, diag);
	typeset_free(ts);
	ok(!exists(pdf) && !lock_exists(pdf),
	   "failed run leaves no PDF and no lock file");
	arena_release(&arena);
	free(pdf);
	return rc;
}

static void test_failures(void)
{
	struct account a;
	struct verdict v;
	struct pl_diag diag = { 0 };
	int rc;

	/* RULE: US-REGF-1006.34(c): fail closed on a missing required disclosure. */
	make_account(&a, "A-2001", "Doe");
	make_verdict(&v, "debt-description");
	rc = render_bad(&a, &v, &diag);
	is_int(PL_CLASS(rc), PL_TEMPLATE, "missing required slot: PL_TEMPLATE");
	ok(strstr(diag.message, "'debt-description'") && strstr(diag.message, "'A-2001'"),
	   "message names the slot and the account");
	printf("# %s\n", diag.message);

	/* An optional slot may be missing. */
	{
		struct typeset_opts o;
		struct typesetter *ts = NULL;
		struct letter_ref ref;
		struct arena arena;
		char *pdf = path_in_tmp("optional.pdf"), *cmd, *text;

		arena_init(&arena);
		make_opts(&o, pdf, NULL);
		make_verdict(&v, "spanish-offer");
		rc = typeset_open(&ts, &o, &diag);
		if (rc == PL_OK)
			rc = typeset_letter(ts, &a, &v, "P000010", &arena, &ref, &diag);
		if (rc == PL_OK)
			rc = typeset_finish(ts, &diag);
		typeset_free(ts);
		ok(rc == PL_OK, "optional slot missing: letter still typeset");
		cmd = xasprintf("pdftotext '%s' -", pdf);
		text = run_text(cmd);
		ok(!strstr(text, "Quiero") && !strstr(text, "Póngase"),
		   "optional slot missing: its box goes too");
		free(text);
		free(cmd);
		free(pdf);
		arena_release(&arena);
	}

	/* A disclosure the template has no place for must not vanish. */
	make_verdict(&v, NULL);
	v.disclosures[v.ndisclosures].slot = "mini-miranda";
	v.disclosures[v.ndisclosures].rule_id = "US-XX-TEST";
	v.disclosures[v.ndisclosures].text = "A state notice.";
	v.ndisclosures++;
	rc = render_bad(&a, &v, &diag);
	/* RULE: US-REGF-1006.34(c): fail closed; the notice has no mini-Miranda slot. */
	is_int(PL_CLASS(rc), PL_TEMPLATE, "unknown slot: PL_TEMPLATE");
	is_str(diag.rule_id, "US-XX-TEST", "unknown slot: diag names the rule");

	/* No silent switch to English: the disclosures are in the verdict's
	 * language, so a missing template in it stops the run. */
	make_verdict(&v, NULL);
	v.language = "es";
	rc = render_bad(&a, &v, &diag);
	is_int(rc, TYPESET_NO_TEMPLATE, "no template in the verdict's language: TYPESET_NO_TEMPLATE");
	ok(strstr(diag.message, "language 'es'") != NULL, "message names the language");

	/* An unknown placeholder in a rule text. */
	make_verdict(&v, NULL);
	v.disclosures[0].text = "{collector} owes {nonsense}.";
	rc = render_bad(&a, &v, &diag);
	is_int(PL_CLASS(rc), PL_TEMPLATE, "unknown placeholder in a disclosure");
	ok(strstr(diag.message, "{nonsense}") != NULL, "message names the placeholder");

	/* An address that does not fit the window stops the run. */
	make_verdict(&v, NULL);
	a.address_line1 = "Building 4, Unit 17, The Very Long Name of an Apartment "
		"Complex With Many Words In It, Entrance C, Around The Back, Past "
		"the Garages, Near the Old Oak Tree, Ring Twice, Second Floor";
	rc = render_bad(&a, &v, &diag);
	is_int(rc, TYPESET_DOES_NOT_FIT, "address too big for the window: TYPESET_DOES_NOT_FIT");
	ok(strstr(diag.message, "'A-2001'") && strstr(diag.message, "'recipient'"),
	   "message names the account and the window");
	printf("# %s\n", diag.message);

	/* Characters the fonts do not have would print as boxes. */
	make_account(&a, "A-2002", "\xe5\xb1\xb1\xe7\x94\xb0");   /* CJK */
	rc = render_bad(&a, &v, &diag);
	is_int(PL_CLASS(rc), PL_RENDER, "name the fonts cannot print: PL_RENDER");
}

static void test_masking(void)
{
	char *pdf = path_in_tmp("mask.pdf"), *cmd, *text;
	struct typeset_opts o;
	struct typesetter *ts = NULL;
	struct account a;
	struct verdict v;
	struct letter_ref ref;
	struct arena arena;
	struct pl_diag diag;
	int rc;

	arena_init(&arena);
	make_opts(&o, pdf, NULL);
	make_verdict(&v, NULL);
	rc = typeset_open(&ts, &o, &diag);
	make_account(&a, "A-3001", "Short");
	a.creditor_account_ref = "7788";
	if (rc == PL_OK)
		rc = typeset_letter(ts, &a, &v, "P000011", &arena, &ref, &diag);
	make_account(&a, "A-3002", "Dashes");
	a.creditor_account_ref = "123-456-789";
	a.original_creditor = "Old Bank";
	if (rc == PL_OK)
		rc = typeset_letter(ts, &a, &v, "P000012", &arena, &ref, &diag);
	is_int(ref.first_page, 3, "second letter after the first's 2 pages");
	if (rc == PL_OK)
		rc = typeset_finish(ts, &diag);
	typeset_free(ts);
	ok(rc == PL_OK, "masking letters typeset");
	cmd = xasprintf("pdftotext '%s' -", pdf);
	text = run_text(cmd);
	ok(strstr(text, "account number ****88.") && !strstr(text, "7788"),
	   "short account number: only half shown");
	ok(strstr(text, "account number ****6789.") && !strstr(text, "456-789"),
	   "account number with dashes: last four digits");
	ok(strstr(text, "credit card from Old Bank"), "itemization creditor: original creditor");
	free(text);
	free(cmd);
	free(pdf);
	arena_release(&arena);
}

static void test_open_failures(void)
{
	char *pdf = path_in_tmp("never.pdf");
	char *fonts = path_in_tmp("badfonts"), *tpls = path_in_tmp("badtpl"), *cmd;
	struct typeset_opts o;
	struct typesetter *ts = NULL;
	struct pl_diag diag = { 0 };
	FILE *f;
	int rc;

	/* A font file that changed. */
	cmd = xasprintf("mkdir -p '%s' && cp '%s'/*.ttf '%s' && printf x >> '%s/LiberationSans-Bold.ttf'",
			fonts, font_files, fonts, fonts);
	ok(system(cmd) == 0, "copied the fonts");
	free(cmd);
	make_opts(&o, pdf, NULL);
	o.font_files_dir = fonts;
	rc = typeset_open(&ts, &o, &diag);
	typeset_free(ts);
	ts = NULL;
	is_int(PL_CLASS(rc), PL_RENDER, "changed font file: PL_RENDER");
	ok(strstr(diag.message, "LiberationSans-Bold.ttf") != NULL, "message names the font file");
	printf("# %s\n", diag.message);
	ok(!exists(pdf), "no PDF after a failed open");

	/* A template with an unknown placeholder, caught at open. */
	mkdir(tpls, 0755);
	cmd = xasprintf("%s/broken.xml", tpls);
	f = fopen(cmd, "w");
	fputs("<template xmlns=\"urn:fairnotice:template:1\" id=\"x\" version=\"1\"\n"
	      "  language=\"en\" letter=\"x\">\n"
	      "  <flow><p>Dear {consumer_nme},</p></flow>\n"
	      "</template>\n", f);
	fclose(f);
	free(cmd);
	make_opts(&o, pdf, NULL);
	o.templates_dir = tpls;
	rc = typeset_open(&ts, &o, &diag);
	typeset_free(ts);
	ts = NULL;
	is_int(PL_CLASS(rc), PL_TEMPLATE, "unknown template placeholder: PL_TEMPLATE");
	ok(strstr(diag.message, "{consumer_nme}") && diag.line == 3,
	   "message names the placeholder, line 3");
	printf("# %s (line %u)\n", diag.message, diag.line);

	/* An unknown attribute (a typo) is not silently ignored. */
	cmd = xasprintf("%s/broken.xml", tpls);
	f = fopen(cmd, "w");
	fputs("<template xmlns=\"urn:fairnotice:template:1\" id=\"x\" version=\"1\"\n"
	      "  language=\"en\" letter=\"x\">\n"
	      "  <flow><p spacebefore=\"3\">Hello</p></flow>\n"
	      "</template>\n", f);
	fclose(f);
	free(cmd);
	rc = typeset_open(&ts, &o, &diag);
	typeset_free(ts);
	ts = NULL;
	is_int(PL_CLASS(rc), PL_TEMPLATE, "unknown attribute: PL_TEMPLATE");

	/* A reverse side needs the text of the blank padding page. */
	cmd = xasprintf("%s/broken.xml", tpls);
	f = fopen(cmd, "w");
	fputs("<template xmlns=\"urn:fairnotice:template:1\" id=\"x\" version=\"1\"\n"
	      "  language=\"en\" letter=\"x\">\n"
	      "  <flow><p>Hello</p></flow>\n"
	      "  <reverse><p><slot name=\"reverse-notice\"/></p></reverse>\n"
	      "</template>\n", f);
	fclose(f);
	free(cmd);
	rc = typeset_open(&ts, &o, &diag);
	typeset_free(ts);
	ts = NULL;
	is_int(PL_CLASS(rc), PL_TEMPLATE, "<reverse> without a blank-page label: PL_TEMPLATE");
	ok(strstr(diag.message, "blank-page") != NULL, "message names the label");

	/* page="first" only makes sense in the flow. */
	cmd = xasprintf("%s/broken.xml", tpls);
	f = fopen(cmd, "w");
	fputs("<template xmlns=\"urn:fairnotice:template:1\" id=\"x\" version=\"1\"\n"
	      "  language=\"en\" letter=\"x\">\n"
	      "  <flow><p page=\"first\">Hello</p></flow>\n"
	      "  <tearoff><p page=\"first\">Cut</p></tearoff>\n"
	      "</template>\n", f);
	fclose(f);
	free(cmd);
	rc = typeset_open(&ts, &o, &diag);
	typeset_free(ts);
	ts = NULL;
	is_int(PL_CLASS(rc), PL_TEMPLATE, "page=\"first\" in the tear-off: PL_TEMPLATE");
	is_int(diag.line, 4, "message at line 4");
	free(pdf);
	free(fonts);
	free(tpls);
}

/*
 * STYLE.md practice 18: a PDF that cannot be written is reported, and
 * leaves nothing behind. A child process with a small file-size limit.
 */
static void test_write_error(void)
{
	char *pdf = path_in_tmp("full.pdf");
	pid_t pid;
	int status = 0;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct rlimit lim = { 8192, 8192 };
		struct typeset_opts o;
		struct typesetter *ts = NULL;
		struct account a;
		struct verdict v;
		struct letter_ref ref;
		struct arena arena;
		struct pl_diag diag = { 0 };
		int rc;

		signal(SIGXFSZ, SIG_IGN);
		setrlimit(RLIMIT_FSIZE, &lim);
		arena_init(&arena);
		make_opts(&o, pdf, NULL);
		make_account(&a, "A-4001", "Full");
		make_verdict(&v, NULL);
		rc = typeset_open(&ts, &o, &diag);
		if (rc == PL_OK)
			rc = typeset_letter(ts, &a, &v, "P000020", &arena, &ref, &diag);
		if (rc == PL_OK)
			rc = typeset_finish(ts, &diag);
		if (rc != PL_OK)
			printf("# child: %s\n", diag.message);
		fflush(stdout);
		typeset_free(ts);
		arena_release(&arena);
		_exit(PL_CLASS(rc));
	}
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || (WEXITSTATUS(status) != PL_RENDER &&
				   WEXITSTATUS(status) != PL_IO))
		printf("# child: exited %d status %d signal %d\n", WIFEXITED(status),
		       WEXITSTATUS(status), WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	ok(WIFEXITED(status) && (WEXITSTATUS(status) == PL_RENDER ||
				 WEXITSTATUS(status) == PL_IO),
	   "PDF write error: reported as PL_RENDER or PL_IO");
	ok(!exists(pdf) && !lock_exists(pdf),
	   "PDF write error: no PDF, no lock file");
	free(pdf);
}

/* ---- template format v3 (templates/README.md) ---- */

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		PL_BUG("cannot write '%s'", path);
	fputs(text, f);
	fclose(f);
}

/* Every element of format v3 in one letter. */
static const char engine_tpl[] =
	"<template xmlns=\"urn:fairnotice:template:1\" id=\"engine-test\" version=\"1\"\n"
	"          language=\"en\" letter=\"engine-test\">\n"
	"  <labels><label key=\"blank-page\">Left blank</label></labels>\n"
	"  <region name=\"return-address\" window=\"return\" size=\"9\">\n"
	"    <line>{envelope_name}</line><line>{agency_city_state_zip}</line>\n"
	"  </region>\n"
	"  <region name=\"recipient\" window=\"recipient\">\n"
	"    <line>{consumer_name}</line><line>{address_line1}</line>\n"
	"    <line>{address_line2}</line><line>{city_state_zip}</line>\n"
	"    <imb/>\n"
	"  </region>\n"
	"  <region name=\"pay\" x=\"5.25in\" y=\"2in\" width=\"2.5in\">\n"
	"    <line>Code {portal_code}</line>\n"
	"    <qr size=\"0.9in\"/>\n"
	"  </region>\n"
	"  <region name=\"page-number\" x=\"4.75in\" y=\"10.4in\" width=\"3in\" pages=\"all\">\n"
	"    <line>Page {page} of {pages}</line>\n"
	"  </region>\n"
	"  <flow x=\"0.75in\" width=\"7in\" top=\"3.5in\" top-next=\"0.75in\" bottom=\"10.25in\">\n"
	"    <p if=\"settlement_amount\">Settle for $ {settlement_amount} by {settlement_expires_on}.</p>\n"
	"    <p unless=\"settlement_amount\">No settlement offered.</p>\n"
	"    <p if=\"time_barred\">Time-barred: {time_barred}.</p>\n"
	"    <p unless=\"plan_count\">No plan.</p>\n"
	"    <p if=\"fees_since\">Fees charged.</p>\n"
	"    <p unless=\"fees_since\">No fees.</p>\n"
	"    <plan-schedule number-label=\"No.\" date-label=\"Due\" amount-label=\"Amount\"\n"
	"                   total-label=\"Total\"/>\n"
	"    <p>{plan_count} payments of $ {plan_installment} from {plan_first_due}: $ {plan_total}.</p>\n"
	"    <page-break/>\n"
	"    <p>After the break.</p>\n"
	"    <p>Remit to {remit_address_line1}, {remit_city_state_zip}; verified {verification_sent_on}.</p>\n"
	"  </flow>\n"
	"  <coupon>\n"
	"    <line>Pay {collector}</line>\n"
	"    <row><cell width=\"3in\">Ref {reference}</cell><cell>Due $ {current_balance}</cell></row>\n"
	"    <scanline/>\n"
	"  </coupon>\n"
	"</template>\n";

/* A <keep> that would straddle the page end. */
static const char keep_tpl[] =
	"<template xmlns=\"urn:fairnotice:template:1\" id=\"engine-keep\" version=\"1\"\n"
	"          language=\"en\" letter=\"engine-keep\">\n"
	"  <flow x=\"0.75in\" width=\"7in\" top=\"1in\" top-next=\"1in\" bottom=\"10in\">\n"
	"    <p>Start.</p><gap height=\"580\"/>\n"
	"    <keep><h>Kept heading</h><p>Kept one.</p><p>Kept two.</p><p>Kept three.</p></keep>\n"
	"    <page-break/>\n"
	"    <p>Again.</p><gap height=\"580\"/>\n"
	"    <h>Loose heading</h><p>Loose one.</p><p>Loose two.</p><p>Loose three.</p>\n"
	"  </flow>\n"
	"</template>\n";

/* Dates in Spanish from the template's labels. */
static const char es_tpl[] =
	"<template xmlns=\"urn:fairnotice:template:1\" id=\"engine-es\" version=\"1\"\n"
	"          language=\"es\" letter=\"engine-test\">\n"
	"  <labels>\n"
	"    <label key=\"month.1\">enero</label><label key=\"month.2\">febrero</label>\n"
	"    <label key=\"month.3\">marzo</label><label key=\"month.4\">abril</label>\n"
	"    <label key=\"month.5\">mayo</label><label key=\"month.6\">junio</label>\n"
	"    <label key=\"month.7\">julio</label><label key=\"month.8\">agosto</label>\n"
	"    <label key=\"month.9\">septiembre</label><label key=\"month.10\">octubre</label>\n"
	"    <label key=\"month.11\">noviembre</label><label key=\"month.12\">diciembre</label>\n"
	"    <label key=\"date.pattern\">{day} de {month} de {year}</label>\n"
	"  </labels>\n"
	"  <flow><p>Fecha: {mail_date}. Vence: {validation_end_date}.</p></flow>\n"
	"</template>\n";

static struct agency v3_agency;

static void make_v3_agency(void)
{
	v3_agency = agency;
	v3_agency.portal_url = "https://pay.example/x?lang=en";
	v3_agency.remittance.line1 = "PO Box 77";
	v3_agency.remittance.line2 = "";
	v3_agency.remittance.postal_code = "62705";
	profile_print_defaults(&v3_agency.print);
	v3_agency.print.have_imb = true;
	snprintf(v3_agency.print.barcode_id, sizeof(v3_agency.print.barcode_id), "00");
	snprintf(v3_agency.print.service_type, sizeof(v3_agency.print.service_type), "040");
	snprintf(v3_agency.print.mailer_id, sizeof(v3_agency.print.mailer_id), "123456");
}

static void make_v3_account(struct account *a, const char *id)
{
	make_account(a, id, "Rivera");
	a->settlement_amount = 148800;
	a->settlement_expires_on = day("2027-01-29");
	a->plan_installment = 12500;
	a->plan_count = 6;
	a->plan_first_due = day("2026-12-31");
	a->verification_sent_on = day("2026-10-02");
	a->portal_code = "PC 1/2";
}

static void make_v3_verdict(struct verdict *v, const char *letter)
{
	make_verdict(v, NULL);
	v->ndisclosures = 0;
	v->letter_code = letter;
	v->time_barred = TRI_YES;
}

/*
 * Typeset accounts a[0..n) with letter, from templates dir tdir, with the
 * agency ag. Dumps in dumps/<piece>.layout; refs kept (ref_keep).
 * Returns the first failure; *nok says how many letters were typeset.
 */
static int render_v3(const char *tdir, const struct agency *ag, const char *pdf,
		     const char *png, const char *dumps, struct account *a,
		     const struct verdict *v, size_t n, unsigned long base,
		     struct letter_ref *refs, const char **overflow,
		     struct pl_diag *diag)
{
	struct typeset_opts o;
	struct typesetter *ts = NULL;
	struct arena arena;
	int rc, first = PL_OK;

	arena_init(&arena);
	make_opts(&o, pdf, dumps);
	o.templates_dir = tdir;
	o.agency = ag;
	o.imb_serial_base = base;
	o.png_path = png;
	rc = typeset_open(&ts, &o, diag);
	for (size_t i = 0; i < n && rc == PL_OK; i++) {
		char piece[32];
		int r;

		snprintf(piece, sizeof(piece), "P%06zu", i + 1);
		r = typeset_letter(ts, &a[i], v, piece, &arena, &refs[i], diag);
		if (r == PL_OK)
			ref_keep(&refs[i]);
		else
			memset(&refs[i], 0, sizeof(refs[i]));
		if (r != PL_OK && first == PL_OK) {
			first = r;
			if (overflow)
				*overflow = typeset_overflow_field(ts);
		}
		/* A record that does not fit is not the run's end. */
		if (r != PL_OK && r != TYPESET_DOES_NOT_FIT)
			rc = r;
	}
	if (rc == PL_OK)
		rc = typeset_finish(ts, diag);
	typeset_free(ts);
	arena_release(&arena);
	return rc != PL_OK ? rc : first;
}

static void refs_drop(struct letter_ref *refs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (refs[i].piece_id)
			ref_drop(&refs[i]);
}

static char *grep_count(const char *pattern, const char *file)
{
	return run_textf("grep -c -e '%s' '%s'", pattern, file);
}

static void test_v3_elements(void)
{
	char *tdir = path_in_tmp("v3tpl"), *dumps = path_in_tmp("v3dump");
	char *pdf = path_in_tmp("v3.pdf"), *f, *dump, *hit;
	struct account a[2];
	struct verdict v;
	struct letter_ref refs[2];
	struct pl_diag diag = { 0 };
	char scan[SCANLINE_LEN], want[128];
	int rc;

	mkdir(tdir, 0755);
	mkdir(dumps, 0755);
	f = xasprintf("%s/engine-test.en.xml", tdir);
	write_file(f, engine_tpl);
	free(f);
	f = xasprintf("%s/engine-keep.en.xml", tdir);
	write_file(f, keep_tpl);
	free(f);
	f = xasprintf("%s/engine-test.es.xml", tdir);
	write_file(f, es_tpl);
	free(f);
	make_v3_agency();
	make_v3_account(&a[0], "A-7001");
	make_v3_account(&a[1], "A-7002");
	a[1].settlement_amount = 0;
	a[1].plan_count = 0;
	a[1].fees_since = 0;
	a[1].portal_code = "";
	make_v3_verdict(&v, "engine-test");
	rc = render_v3(tdir, &v3_agency, pdf, NULL, dumps, a, &v, 2, 7, refs, NULL, &diag);
	if (!ok(rc == PL_OK, "v3 letters typeset"))
		printf("#   %s (at %s:%u)\n", diag.message, diag.file, diag.line);
	if (rc != PL_OK)
		goto out;
	dump = xasprintf("%s/P000001.layout", dumps);

	/* if= and unless=: set, empty, zero, "yes". */
	hit = run_textf("grep -c -e 'text=Settle for \\$ 1,488.00 by January 29, 2027.$' "
			"-e 'text=Time-barred: yes.$' -e 'text=Fees charged.$' '%s'", dump);
	is_str(hit, "3", "if=: settlement, time_barred, fees shown when set");
	free(hit);
	hit = run_textf("grep -c -e 'No settlement offered' -e 'No plan' -e 'No fees' '%s'", dump);
	is_str(hit, "0", "unless=: hidden when the field is set");
	free(hit);
	f = xasprintf("%s/P000002.layout", dumps);
	hit = run_textf("grep -c -e 'text=No settlement offered.$' -e 'text=No plan.$' "
			"-e 'text=No fees.$' '%s'; grep -c -e 'Settle for' -e 'Fees charged' '%s'",
			f, f);
	is_str(hit, "3 0", "unless=: shown for empty and zero fields; if=: hidden");
	free(hit);

	/* <plan-schedule/>: heading, six months (the 31st clamps), total. */
	hit = run_textf("grep -c -e 'font=Liberation Sans 10 700 text=No.$' "
			"-e 'font=Liberation Sans 10 700 text=Total$' -e '700 text=\\$ 750.00$' '%s'", dump);
	is_str(hit, "3", "plan schedule: bold heading and total row");
	free(hit);
	hit = grep_count("400 text=\\$ 125.00$", dump);
	is_str(hit, "6", "plan schedule: six installments");
	free(hit);
	hit = run_textf("grep -o -e 'text=December 31, 2026$' -e 'text=February 28, 2027$' "
			"-e 'text=May 31, 2027$' '%s' | tr '\\n' ' '", dump);
	is_str(hit, "text=December 31, 2026 text=February 28, 2027 text=May 31, 2027",
	       "plan schedule: monthly, the 31st becomes the month's last day");
	free(hit);
	hit = grep_count("text=6 payments of \\$ 125.00 from December 31, 2026: \\$ 750.00.$", dump);
	is_str(hit, "1", "plan fields: count, installment, first due, total");
	free(hit);
	hit = run_textf("grep -c 'text=No.$' '%s'; grep -c 'font=.* text=Total$' '%s'", f, f);
	is_str(hit, "0 0", "no plan: no schedule");
	free(hit);

	/* <page-break/>, the remittance address, verification date. */
	hit = run_textf("grep -c '^page 2 .*text=After the break.$' '%s'", dump);
	is_str(hit, "1", "page-break: the next block on a new page");
	free(hit);
	hit = grep_count("text=Remit to PO Box 77, Springfield, IL 62705; verified October 2, 2026.$", dump);
	is_str(hit, "1", "remit_* and verification_sent_on");
	free(hit);

	/* <imb/>: tracking from the profile and the serial, routing ZIP+4. */
	is_str(refs[0].imb, "00040123456000000007616021234", "imb: tracking + routing");
	is_int(refs[0].imb_serial, 7, "imb: the first serial is the base");
	is_int(refs[1].imb_serial, 8, "imb: the next letter takes the next");
	hit = grep_count("^page 1 imb x=63.00 y=[0-9.]* w=[0-9.]* h=[0-9.]* region=recipient code=00040123456000000007616021234 bars=[FADT]\\{65\\}$", dump);
	is_str(hit, "1", "dump: the IMb with its code and 65 bars");
	free(hit);

	/* <qr/>: the portal link with the code escaped, after an existing query. */
	hit = grep_count("^page 1 qr x=378.00 y=[0-9.]* w=64.80 h=64.80 region=pay text=https://pay.example/x?lang=en&code=PC%201%2F2$", dump);
	is_str(hit, "1", "qr: {portal_link}, 0.9 in square");
	free(hit);
	hit = run_textf("grep -c ' qr ' '%s'", f);
	is_str(hit, "0", "qr: nothing drawn without a portal code");
	free(hit);

	/* <coupon>: cut line, lines, the scanline in Liberation Mono. */
	ok(scanline_format(scan, 7, 228456) == 0, "scanline formatted");
	snprintf(want, sizeof(want), "font=Liberation Mono 12 400 text=%s$", scan);
	hit = grep_count(want, dump);
	is_str(hit, "1", "coupon: scanline of serial and balance, monospaced");
	free(hit);
	hit = run_textf("grep -c -e ' cut width=' -e 'text=Pay Acme Recovery Services, LLC$' -e 'text=Due \\$ 2,284.56$' '%s'", dump);
	is_str(hit, "3", "coupon: cut line, line and row");
	free(hit);

	/* Windows: the profile's default boxes, inked extents inside them. */
	hit = run_textf("grep -c -e '^page 1 box name=recipient x=54.00 y=135.00 w=288.00 h=90.00$' "
			"-e '^page 1 box name=return-address x=36.00 y=36.00 w=252.00 h=63.00$' "
			"-e '^page 1 ink name=recipient ' '%s'", dump);
	is_str(hit, "3", "dump: window boxes and inked extents");
	free(hit);
	hit = run_textf("awk '/ box name=recipient /{for(i=1;i<=NF;i++){split($i,kv,\"=\");b[kv[1]]=kv[2]}} "
			"/ ink name=recipient /{for(i=1;i<=NF;i++){split($i,kv,\"=\");k[kv[1]]=kv[2]}} "
			"END{print (k[\"x\"]>=b[\"x\"]+9 && k[\"y\"]>=b[\"y\"]+9 && "
			"k[\"x\"]+k[\"w\"]<=b[\"x\"]+b[\"w\"]-9 && k[\"y\"]+k[\"h\"]<=b[\"y\"]+b[\"h\"]-9) ? \"inside\" : \"outside\"}' '%s'",
			dump);
	is_str(hit, "inside", "recipient ink (address and IMb) inside the window with 1/8 in clear");
	free(hit);
	free(f);
	free(dump);
	refs_drop(refs, 2);

	/* The profile's windows move the windows. */
	v3_agency.print.recipient_window.x = 72;
	v3_agency.print.recipient_window.width = 252;
	rc = render_v3(tdir, &v3_agency, pdf, NULL, dumps, a, &v, 1, 0, refs, NULL, &diag);
	ok(rc == PL_OK, "letter with the profile's own recipient window");
	dump = xasprintf("%s/P000001.layout", dumps);
	hit = run_textf("grep -c -e '^page 1 box name=recipient x=72.00 y=135.00 w=252.00 h=90.00$' "
			"-e '^page 1 y=[0-9.]* x=81.0 .*text=Jane Q Rivera$' '%s'", dump);
	is_str(hit, "2", "window place and address from the profile");
	free(hit);
	free(dump);
	refs_drop(refs, 1);
	make_v3_agency();

	/* No <imb> in the profile: no barcode, imb "". */
	v3_agency.print.have_imb = false;
	rc = render_v3(tdir, &v3_agency, pdf, NULL, dumps, a, &v, 1, 3, refs, NULL, &diag);
	dump = xasprintf("%s/P000001.layout", dumps);
	hit = run_textf("grep -c ' imb ' '%s'", dump);
	ok(rc == PL_OK && !strcmp(refs[0].imb, "") && refs[0].imb_serial == 3 &&
	   !strcmp(hit, "0"), "no <imb> in the profile: no barcode, imb empty, serial kept");
	free(hit);
	free(dump);
	refs_drop(refs, 1);
	make_v3_agency();

	/* <duplex>yes</duplex>: an even page count, the padding page marked. */
	v3_agency.print.duplex = true;
	rc = render_v3(tdir, &v3_agency, pdf, NULL, dumps, a, &v, 1, 0, refs, NULL, &diag);
	ok(rc == PL_OK, "duplex letter typeset");
	dump = xasprintf("%s/P000001.layout", dumps);
	is_int(refs[0].page_count % 2, 0, "duplex: even page count");
	is_int(refs[0].sheet_count, refs[0].page_count / 2, "duplex: sheets = pages / 2");
	hit = run_textf("grep -c '^page 2 .*text=Left blank$' '%s'; grep -c '^page 3 .*text=After the break.$' '%s'",
			dump, dump);
	is_str(hit, "1 1", "duplex: page-break goes to the next front, the back says blank");
	free(hit);
	free(dump);
	refs_drop(refs, 1);
	make_v3_agency();

	/* <keep>: moves whole to the next page; without it, it splits. */
	make_v3_verdict(&v, "engine-keep");
	rc = render_v3(tdir, &v3_agency, pdf, NULL, dumps, a, &v, 1, 0, refs, NULL, &diag);
	ok(rc == PL_OK, "keep letter typeset");
	dump = xasprintf("%s/P000001.layout", dumps);
	hit = run_textf("grep -c '^page 2 .*text=Kept heading$' '%s'; grep -c '^page 2 .*text=Kept three.$' '%s'; "
			"grep -c '^page 3 .*text=Loose heading$' '%s'; grep -c '^page 4 .*text=Loose three.$' '%s'",
			dump, dump, dump, dump);
	is_str(hit, "1 1 1 1", "keep: the kept blocks together on page 2; loose ones split");
	free(hit);
	free(dump);
	refs_drop(refs, 1);

	/* Dates in the letter's language, from its labels. */
	make_v3_verdict(&v, "engine-test");
	v.language = "es";
	rc = render_v3(tdir, &v3_agency, pdf, NULL, dumps, a, &v, 1, 0, refs, NULL, &diag);
	ok(rc == PL_OK, "Spanish letter typeset");
	dump = xasprintf("%s/P000001.layout", dumps);
	hit = grep_count("text=Fecha: 24 de noviembre de 2026. Vence: 1 de enero de 2027.$", dump);
	is_str(hit, "1", "es: dates from month labels and date.pattern");
	free(hit);
	free(dump);
	refs_drop(refs, 1);
out:
	free(tdir);
	free(dumps);
	free(pdf);
}

/*
 * A name or address too big for the recipient window: TYPESET_DOES_NOT_FIT
 * naming the field, nothing drawn, no serial taken; the batch goes on.
 */
static void test_v3_overflow(void)
{
	char *tdir = path_in_tmp("v3tpl"), *dumps = path_in_tmp("v3dump");
	char *pdf = path_in_tmp("v3o.pdf"), *text;
	struct account a[4];
	struct verdict v;
	struct letter_ref refs[4];
	struct pl_diag diag = { 0 };
	const char *field = NULL;
	int rc;

	make_v3_agency();
	make_v3_verdict(&v, "engine-test");
	make_v3_account(&a[0], "A-8001");
	a[0].last_name = "Featherstonehaugh-Cholmondeley-Marjoribanks-Wolfeschlegel";
	make_v3_account(&a[1], "A-8002");
	/* Four lines and the barcode fit. */
	a[1].address_line2 = "Building 4, Unit 17";
	make_v3_account(&a[2], "A-8003");
	a[2].address_line1 = "12345 North Very Long Boulevard Extension Road, Building Seven";
	make_v3_account(&a[3], "A-8004");
	rc = render_v3(tdir, &v3_agency, pdf, NULL, dumps, a, &v, 4, 100, refs, &field, &diag);
	is_int(rc, TYPESET_DOES_NOT_FIT, "long name: TYPESET_DOES_NOT_FIT");
	is_str(field, "name", "overflow field: name");
	ok(strstr(diag.message, "'A-8003'") && strstr(diag.message, "'recipient'") &&
	   strstr(diag.message, "1/8 in"), "message names the account, the window, the clearance");
	printf("# %s\n", diag.message);
	ok(refs[0].piece_id == NULL && refs[2].piece_id == NULL, "no letter for the records that do not fit");
	ok(refs[1].piece_id && refs[1].imb_serial == 100 && refs[1].first_page == 1,
	   "four-line address fits; it takes the first serial and page 1");
	ok(refs[3].piece_id && refs[3].imb_serial == 101,
	   "the next letter takes the next serial: a failed one takes none");
	text = run_textf("pdfinfo '%s' | grep '^Pages:'", pdf);
	is_str(text, "Pages: 4", "the PDF holds the two letters that fit");
	free(text);
	refs_drop(refs, 4);

	rc = render_v3(tdir, &v3_agency, pdf, NULL, dumps, &a[2], &v, 1, 0, refs, &field, &diag);
	is_int(rc, TYPESET_DOES_NOT_FIT, "long address line: TYPESET_DOES_NOT_FIT");
	is_str(field, "address_line1", "overflow field: address_line1");
	refs_drop(refs, 1);

	/* A short window: four lines and the barcode are too tall. */
	v3_agency.print.recipient_window.height = 54;
	rc = render_v3(tdir, &v3_agency, pdf, NULL, dumps, &a[1], &v, 1, 0, refs, &field, &diag);
	is_int(rc, TYPESET_DOES_NOT_FIT, "too tall for a short window: TYPESET_DOES_NOT_FIT");
	ok(strstr(diag.message, "with the barcode") != NULL, "message says the barcode counts");
	refs_drop(refs, 1);
	make_v3_agency();
	free(tdir);
	free(dumps);
	free(pdf);
}

/* PNG preview: the pages one under the other at 100 dpi. */
static void test_v3_png(void)
{
	char *tdir = path_in_tmp("v3tpl"), *png = path_in_tmp("v3.png"), *dims;
	struct account a;
	struct verdict v;
	struct letter_ref ref;
	struct pl_diag diag = { 0 };
	int rc;

	make_v3_agency();
	make_v3_verdict(&v, "engine-test");
	make_v3_account(&a, "A-9001");
	rc = render_v3(tdir, &v3_agency, NULL, png, NULL, &a, &v, 1, 0, &ref, NULL, &diag);
	if (!ok(rc == PL_OK, "PNG preview typeset"))
		printf("#   %s\n", diag.message);
	/* Width and height: big-endian at bytes 16 and 20 of a PNG. */
	dims = run_textf("head -c 24 '%s' | od -An -tu1 -j16 | "
			 "awk '{ print $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8 }'",
			 png);
	is_str(dims, ref.page_count == 2 ? "850 2200" : "?", "PNG: 850 px wide, 1100 px per page");
	free(dims);
	ok(!lock_exists(png), "PNG: no lock file left");
	refs_drop(&ref, 1);
	free(tdir);
	free(png);
}

/* Template mistakes of format v3, caught when the run starts. */
static void test_v3_template_errors(void)
{
	static const struct {
		const char *body;
		const char *want;
	} cases[] = {
		{ "<region name=\"r\" window=\"recipient\" x=\"1in\"><line>{consumer_name}</line></region><flow><p>x</p></flow>",
		  "from the agency profile" },
		{ "<region name=\"r\" window=\"return\"><line>{envelope_name}</line><qr/></region><flow><p>x</p></flow>",
		  "<qr/> cannot go in window" },
		{ "<region name=\"r\" x=\"1in\" y=\"1in\" width=\"3in\"><line>x</line><imb/></region><flow><p>x</p></flow>",
		  "window=\"recipient\"" },
		{ "<region name=\"r\" window=\"recipient\"><imb/><line>{consumer_name}</line></region><flow><p>x</p></flow>",
		  "after the lines" },
		{ "<region name=\"r\" window=\"recipient\" padding=\"4\"><line>{consumer_name}</line></region><flow><p>x</p></flow>",
		  "0.125in" },
		{ "<flow><p>x</p></flow><tearoff><p>a</p></tearoff><coupon><scanline/></coupon>",
		  "not both" },
		{ "<flow><p>x</p></flow><coupon><line>a</line></coupon>", "exactly one <scanline/>" },
		{ "<flow><p if=\"nonsense\">x</p></flow>", "names no field" },
		{ "<flow><plan-schedule number-label=\"n\"/></flow>", "needs number-label" },
		{ "<flow><keep><page-break/></keep></flow>", "<flow> only" },
		{ "<labels><label key=\"month.1\">enero</label></labels><flow><p>x</p></flow>",
		  "month.12 and date.pattern" },
		/* What only the schema catches: a label key with a space. */
		{ "<labels><label key=\"a b\">x</label></labels><flow><p>x</p></flow>",
		  "template.rng" },
	};
	char *tdir = path_in_tmp("badv3"), *file = xasprintf("%s/bad.xml", tdir);
	char *pdf = path_in_tmp("never3.pdf");

	mkdir(tdir, 0755);
	for (size_t i = 0; i < PL_ARRAY_SIZE(cases); i++) {
		struct typeset_opts o;
		struct typesetter *ts = NULL;
		struct pl_diag diag = { 0 };
		char *text = xasprintf("<template xmlns=\"urn:fairnotice:template:1\" id=\"x\" version=\"1\"\n"
				       "  language=\"en\" letter=\"x\">\n%s\n</template>\n", cases[i].body);
		char name[160];
		int rc;

		write_file(file, text);
		make_opts(&o, pdf, NULL);
		o.templates_dir = tdir;
		rc = typeset_open(&ts, &o, &diag);
		typeset_free(ts);
		snprintf(name, sizeof(name), "template error %zu: %s", i + 1, cases[i].want);
		if (!ok(PL_CLASS(rc) == PL_TEMPLATE && strstr(diag.message, cases[i].want), name))
			printf("#   got %d: %s\n", rc, diag.message);
		free(text);
	}
	ok(!exists(pdf), "no PDF after template errors");
	free(tdir);
	free(file);
	free(pdf);
}

/*
 * The shaping cache: the same letter typeset first with every text shaped
 * afresh and then again with every text from the cache has the same
 * layout (dump) and draws the same page (the pages' content, compared as
 * text, and the page bytes cairo wrote for it, but for the piece id).
 */
static void test_shaping_cache(void)
{
	char *pdf = path_in_tmp("cache.pdf"), *dump = path_in_tmp("cache-dumps");
	struct typeset_opts o;
	struct typesetter *ts = NULL;
	struct pl_diag diag = { 0 };
	struct account a;
	struct verdict v;
	struct arena arena;
	struct letter_ref r1, r2;
	unsigned long shaped = 0, reused = 0, shaped1 = 0;
	int rc;

	arena_init(&arena);
	if (mkdir(dump, 0755) != 0)
		PL_BUG("mkdir");
	make_opts(&o, pdf, dump);
	rc = typeset_open(&ts, &o, &diag);
	make_account(&a, "A-3001", "Cache");
	make_verdict(&v, NULL);
	if (rc == PL_OK)
		rc = typeset_letter(ts, &a, &v, "PIECE-A", &arena, &r1, &diag);
	if (rc == PL_OK)
		typeset_shaping_counts(ts, &shaped1, &reused);
	ok(rc == PL_OK && shaped1 > 10, "cache: the first letter shapes its texts");
	if (rc == PL_OK)
		rc = typeset_letter(ts, &a, &v, "PIECE-B", &arena, &r2, &diag);
	if (rc == PL_OK)
		typeset_shaping_counts(ts, &shaped, &reused);
	/* Only the texts with the piece id are new (the footer on each page). */
	ok(rc == PL_OK && shaped - shaped1 <= r1.page_count && reused >= shaped1 - r1.page_count,
	   "cache: the same letter again reuses its texts");
	if (rc == PL_OK)
		rc = typeset_finish(ts, &diag);
	ok(rc == PL_OK, "cache: both letters typeset");
	if (rc == PL_OK) {
		char *d1 = run_textf("sed 's/PIECE-A/PIECE/g' '%s/PIECE-A.layout'", dump);
		char *d2 = run_textf("sed 's/PIECE-B/PIECE/g' '%s/PIECE-B.layout'", dump);
		char *t1 = run_textf("pdftotext -f 1 -l %u '%s' - | sed 's/PIECE-A/PIECE/g'",
				     r1.page_count, pdf);
		char *t2 = run_textf("pdftotext -f %u -l %u '%s' - | sed 's/PIECE-B/PIECE/g'",
				     r2.first_page, r2.first_page + r2.page_count - 1, pdf);

		ok(strlen(d1) > 1000 && !strcmp(d1, d2), "cache: cold and warm layouts are the same");
		ok(strlen(t1) > 1000 && !strcmp(t1, t2), "cache: cold and warm pages read the same");
		free(d1);
		free(d2);
		free(t1);
		free(t2);
	}
	typeset_free(ts);
	arena_release(&arena);
	free(pdf);
	free(dump);
}

int main(void)
{
	const char *o = getenv("O");

	setenv("TZ", "UTC", 1);
	if (o && *o)
		snprintf(font_files, sizeof(font_files), "%s/fonts", o);
	else
#ifdef PL_FONTFILES
		snprintf(font_files, sizeof(font_files), "%s", PL_FONTFILES);
#else
		snprintf(font_files, sizeof(font_files), "build/fonts");
#endif
	if (!mkdtemp(tmp)) {
		printf("Bail out! cannot create a temporary folder\n");
		return 1;
	}
	make_agency();
	snprintf(templates, sizeof(templates), "%s/templates", tmp);
	{
		char *cmd = xasprintf("mkdir '%s' && cp templates/validation-notice.en.xml '%s'",
				      templates, templates);
		if (system(cmd) != 0) {
			printf("Bail out! cannot copy the templates\n");
			return 1;
		}
		free(cmd);
	}

	if (!getenv("ONLY") || strstr(getenv("ONLY"), "l")) test_letters();
	if (!getenv("ONLY") || strstr(getenv("ONLY"), "c")) test_shaping_cache();
	if (!getenv("ONLY") || strstr(getenv("ONLY"), "f")) test_failures();
	if (!getenv("ONLY") || strstr(getenv("ONLY"), "m")) test_masking();
	if (!getenv("ONLY") || strstr(getenv("ONLY"), "o")) test_open_failures();
	if (!getenv("ONLY") || strstr(getenv("ONLY"), "w")) test_write_error();
	if (!getenv("ONLY") || strstr(getenv("ONLY"), "s")) test_state();
	if (!getenv("ONLY") || strstr(getenv("ONLY"), "r")) {
		test_reverse();
		test_reverse_failures();
		test_reverse_long();
	}
	if (!getenv("ONLY") || strstr(getenv("ONLY"), "3") || strstr(getenv("ONLY"), "e")) {
		test_v3_elements();
	}
	if (!getenv("ONLY") || strstr(getenv("ONLY"), "3")) {
		test_v3_overflow();
		test_v3_png();
		test_v3_template_errors();
	}

	if (getenv("KEEP")) {
		printf("# kept %s\n", tmp);
	} else {
		char *cmd = xasprintf("rm -rf '%s'", tmp);
		if (system(cmd) != 0)
			printf("# cannot remove %s\n", tmp);
		free(cmd);
	}
	/* Let valgrind see a clean exit: drop the libraries' caches. */
	cairo_debug_reset_static_data();
	FcFini();
	return tap_done();
}
