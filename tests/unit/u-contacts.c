/*
 * u-contacts.c: contact event files (contacts*.csv) through the ingest
 * stage: the timestamp grammar on its own (table-driven), then whole
 * files: every reject code, CRLF and a BOM, the header rules, the date of
 * an event taken in its own offset, and the fixture of
 * fixtures/accounts/contacts/. The run date of every case is 2026-11-23.
 */
#include "pl.h"
#include "core/arena.h"
#include "core/date.h"
#include "core/diag.h"
#include "ingest/ingest.h"
#include "ingest/ingest-int.h"
#include "tap.h"

#include <unistd.h>

#ifndef PL_DATADIR
#define PL_DATADIR "."
#endif
#define CONTACTS_FIXTURES PL_DATADIR "/fixtures/accounts/contacts/"

static int run_date;
static char tmpdir[64];

static bool same(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

static int d(const char *iso)
{
	int v = PL_NO_DATE;

	if (date_parse_iso(iso, &v) != 0)
		PL_BUG("bad test date '%s'", iso);
	return v;
}

static char *write_temp(const char *name, const char *content)
{
	static char path[128];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fp = fopen(path, "wb");
	if (!fp || fputs(content, fp) == EOF || fclose(fp) != 0)
		PL_BUG("cannot write '%s'", path);
	return path;
}

/* ---- the timestamp grammar ---- */

static void test_timestamps(void)
{
	static const struct {
		const char *at;
		const char *date;   /* NULL: refused */
	} cases[] = {
		{ "2026-11-20T14:05:00-05:00", "2026-11-20" },
		{ "2026-11-20T14:05Z", "2026-11-20" },
		{ "2026-11-20T14:05:07Z", "2026-11-20" },
		{ "2026-11-20T14:05:07.1Z", "2026-11-20" },
		{ "2026-11-20T14:05:07.123+01:00", "2026-11-20" },
		{ "2026-11-20T00:00:00+14:00", "2026-11-20" },
		{ "2026-11-20T23:59:59-14:00", "2026-11-20" },
		{ "2026-11-20T23:30:00-00:00", "2026-11-20" },
		{ "2024-02-29T12:00:00+05:30", "2024-02-29" },
		/* the date written, not the UTC date (UTC is 2026-11-21 04:30) */
		{ "2026-11-20T23:30:00-05:00", "2026-11-20" },
		/* and the other way (UTC is 2026-11-19 19:30) */
		{ "2026-11-20T05:30:00+10:00", "2026-11-20" },
		{ "2026-11-20T14:05:00", NULL },            /* no offset */
		{ "2026-11-20 14:05:00Z", NULL },           /* space for T */
		{ "2026-11-20t14:05:00Z", NULL },
		{ "2026-11-20T14:05:00z", NULL },
		{ "2026-11-20", NULL },
		{ "2026-11-20T", NULL },
		{ "2026-11-20T14Z", NULL },
		{ "2026-11-20T1:05Z", NULL },
		{ "2026-11-20T24:00:00Z", NULL },
		{ "2026-11-20T14:60:00Z", NULL },
		{ "2026-11-20T14:05:60Z", NULL },
		{ "2026-11-20T14:05:00.Z", NULL },          /* empty fraction */
		{ "2026-11-20T14:05:00.1234Z", NULL },      /* past milliseconds */
		{ "2026-11-20T14:05.5Z", NULL },            /* fraction of a minute */
		{ "2026-11-20T14:05:00+14:01", NULL },
		{ "2026-11-20T14:05:00-15:00", NULL },
		{ "2026-11-20T14:05:00+0500", NULL },
		{ "2026-11-20T14:05:00+05", NULL },
		{ "2026-11-20T14:05:00+05:60", NULL },
		{ "2026-11-20T14:05:00Z ", NULL },          /* trailing byte */
		{ "2026-11-20T14:05:00-05:00x", NULL },
		{ "2026-02-29T14:05:00Z", NULL },           /* not a leap year */
		{ "2026-13-01T14:05:00Z", NULL },
		{ "1899-12-31T14:05:00Z", NULL },           /* before date.h's range */
		{ "20261120T140500Z", NULL },               /* basic format */
		{ "", NULL },
	};
	char title[160];

	for (size_t i = 0; i < PL_ARRAY_SIZE(cases); i++) {
		int got = PL_NO_DATE;
		int rc = contacts_parse_at(cases[i].at, &got);

		snprintf(title, sizeof(title), "timestamp: '%s' %s", cases[i].at,
			 cases[i].date ? cases[i].date : "refused");
		if (cases[i].date)
			ok(rc == 0 && got == d(cases[i].date), title);
		else
			ok(rc == -1 && got == PL_NO_DATE, title);
	}
}

/* ---- whole files ---- */

struct expect {
	unsigned line;
	const char *account_id;
	const char *code;         /* "" for a good event */
	const char *field;        /* NULL: not checked */
	const char *message;      /* NULL: not checked */
	/* a good event: */
	const char *consumer_id;
	const char *date;
	const char *at;
	enum channel channel;
	enum contact_kind kind;
};

/* Read every event of path and compare with want; one test per event. */
static void run_file(const char *path, const char *base,
		     const struct expect *want, size_t nwant)
{
	struct contacts c;
	struct arena arena;
	struct contact_event ev;
	struct pl_diag diag;
	char title[300];
	size_t n = 0;
	int rc;

	memset(&ev, 0, sizeof(ev));
	arena_init(&arena);
	pl_diag_clear(&diag);
	rc = contacts_open(&c, path, NULL, run_date, &diag);
	snprintf(title, sizeof(title), "%s: opens", base);
	if (!tap_ok(rc == PL_OK, __FILE__, __LINE__, title))
		printf("#   %s\n", diag.message);
	while (rc == PL_OK && (rc = contacts_next(&c, &arena, &ev, &diag)) == PL_OK) {
		const struct expect *w = n < nwant ? &want[n] : NULL;
		const char *code = ev.rejected ? ev.reject.code : "";
		bool good = w && ev.line == w->line && same(ev.account_id, w->account_id) &&
			same(code, w->code) && same(ev.file, base) &&
			(!w->field || same(ev.reject.field, w->field)) &&
			(!w->message || same(ev.reject.message, w->message));

		if (good && w && !w->code[0])
			good = same(ev.consumer_id, w->consumer_id) &&
			       ev.date == d(w->date) && same(ev.at, w->at) &&
			       ev.channel == w->channel && ev.kind == w->kind;
		snprintf(title, sizeof(title), "%s event %zu: line %u %s", base, n + 1,
			 w ? w->line : 0, w && w->code[0] ? w->code : "good");
		if (!tap_ok(good, __FILE__, __LINE__, title)) {
			char day[PL_DATE_ISO_LEN];

			printf("#   got line %u id '%s' consumer '%s' file '%s' code '%s' "
			       "field '%s' message '%s' date %s at '%s' channel %d kind %d\n",
			       ev.line, ev.account_id, ev.consumer_id, ev.file, code,
			       ev.reject.field, ev.reject.message,
			       date_format_iso(ev.date, day), ev.at, (int)ev.channel,
			       (int)ev.kind);
		}
		n++;
		arena_clear(&arena);
	}
	snprintf(title, sizeof(title), "%s: %zu events then PL_DONE", base, nwant);
	if (!tap_ok(rc == PL_DONE && n == nwant, __FILE__, __LINE__, title))
		printf("#   rc %d after %zu events: %s\n", rc, n, diag.message);
	is_int(ev.rejected, 0, "out is cleared at PL_DONE");
	contacts_release(&c);
	arena_release(&arena);
}

#define GOOD(line, id, cons, date, at, ch, k) \
	{ line, id, "", NULL, NULL, cons, date, at, ch, k }
#define BAD(line, id, code, field, msg) \
	{ line, id, code, field, msg, NULL, NULL, NULL, 0, 0 }

/*
 * Columns in another order than DESIGN.md's, a BOM, CRLF, padded names,
 * a last line without a line end.
 */
static const char mixed_file[] =
	"\xEF\xBB\xBF"
	"kind, at ,channel,account_id,consumer_id\r\n"
	"attempt,2026-11-20T14:05:00-05:00,call,A-1,C-1\r\n"                 /* 2 */
	"conversation,2026-11-20T23:30:00-05:00,CALL,A-1,\r\n"               /* 3 */
	"Delivered,2026-11-21T09:00Z,letter, A-2 ,\r\n"                      /* 4 */
	"attempt,2026-11-22T10:00:00.250+05:30,sms,A-3,C-3\r\n"              /* 5 */
	"attempt,2026-11-23T23:59:59-14:00,email,A-4,C-4\r\n"                /* 6: the run date */
	"\r\n"                                                               /* 7: blank */
	"attempt,2026-11-24T00:00:00+14:00,call,A-5,\r\n"                    /* 8 */
	"attempt,2026-11-20T14:05:00,call,A-6,\r\n"                          /* 9 */
	"attempt,,call,A-7,\r\n"                                             /* 10 */
	"attempt,2026-11-20T14:05:00Z,fax,A-8,\r\n"                          /* 11 */
	"called,2026-11-20T14:05:00Z,call,A-9,\r\n"                          /* 12 */
	"attempt,2026-11-20T14:05:00Z,,A-10,\r\n"                            /* 13 */
	",2026-11-20T14:05:00Z,call,A-11,\r\n"                               /* 14 */
	"attempt,2026-11-20T14:05:00Z,call,,C-12\r\n"                        /* 15 */
	"attempt,2026-11-20T14:05:00Z,call,A-13\r\n"                         /* 16 */
	"attempt,2026-11-20T14:05:00Z,call,A-14,C-14,x\r\n"                  /* 17 */
	"attempt,\"2026-11-20T14:05:00Z\"x,call,A-15,\r\n"                   /* 18 */
	"attempt,2026-11-20T14:05:00Z,c\"all,A-16,\r\n"                      /* 19 */
	"attempt,2026-11-20T14:05:00Z,call,A-17,C\xff\r\n"                   /* 20 */
	"attempt,2026-11-30T25:00:00Z,call,A-18,\r\n"                        /* 21: two problems */
	"delivered,2026-11-01T08:00:00-08:00,letter,A-19,C-19";              /* 22 */

static void test_mixed(void)
{
	const struct expect want[] = {
		GOOD(2, "A-1", "C-1", "2026-11-20", "2026-11-20T14:05:00-05:00",
		     CHANNEL_CALL, CONTACT_ATTEMPT),
		/* 04:30 UTC on the 21st, but the 20th where it happened */
		GOOD(3, "A-1", "A-1", "2026-11-20", "2026-11-20T23:30:00-05:00",
		     CHANNEL_CALL, CONTACT_CONVERSATION),
		GOOD(4, "A-2", "A-2", "2026-11-21", "2026-11-21T09:00Z",
		     CHANNEL_LETTER, CONTACT_DELIVERED),
		GOOD(5, "A-3", "C-3", "2026-11-22", "2026-11-22T10:00:00.250+05:30",
		     CHANNEL_SMS, CONTACT_ATTEMPT),
		GOOD(6, "A-4", "C-4", "2026-11-23", "2026-11-23T23:59:59-14:00",
		     CHANNEL_EMAIL, CONTACT_ATTEMPT),
		BAD(8, "A-5", "DATE_IN_FUTURE", "at",
		    "at '2026-11-24T00:00:00+14:00' falls on 2026-11-24, after the "
		    "run date 2026-11-23"),
		BAD(9, "A-6", "BAD_TIMESTAMP", "at",
		    "at '2026-11-20T14:05:00' is not a timestamp with an offset "
		    "(YYYY-MM-DDTHH:MM[:SS[.fff]] and Z, +HH:MM or -HH:MM)"),
		BAD(10, "A-7", "MISSING_FIELD", "at", "required field 'at' is empty"),
		BAD(11, "A-8", "BAD_VALUE", "channel",
		    "channel 'fax' is not one of call, letter, email, sms"),
		BAD(12, "A-9", "BAD_VALUE", "kind",
		    "kind 'called' is not one of attempt, conversation, delivered"),
		BAD(13, "A-10", "MISSING_FIELD", "channel",
		    "required field 'channel' is empty"),
		BAD(14, "A-11", "MISSING_FIELD", "kind", "required field 'kind' is empty"),
		BAD(15, "", "MISSING_FIELD", "account_id",
		    "required field 'account_id' is empty"),
		BAD(16, "A-13", "FIELD_COUNT", "", "record has 4 fields, the header has 5"),
		BAD(17, "A-14", "FIELD_COUNT", "", "record has 6 fields, the header has 5"),
		BAD(18, "A-15", "BAD_CSV", "at",
		    "text after the closing quote of field 'at' (column 2)"),
		BAD(19, "A-16", "BAD_CSV", "channel",
		    "stray quote in unquoted field 'channel' (column 3)"),
		BAD(20, "A-17", "BAD_ENCODING", "consumer_id",
		    "field 'consumer_id' (column 5) is not valid UTF-8"),
		/* the timestamp is checked before the date can be */
		BAD(21, "A-18", "BAD_TIMESTAMP", "at", NULL),
		GOOD(22, "A-19", "C-19", "2026-11-01", "2026-11-01T08:00:00-08:00",
		     CHANNEL_LETTER, CONTACT_DELIVERED),
	};
	const char *path = write_temp("contacts-mixed.csv", mixed_file);

	run_file(path, "contacts-mixed.csv", want, PL_ARRAY_SIZE(want));
	unlink(path);
}

/* A field over the cap, and a quote never closed: the last record. */
static void test_long_and_open(void)
{
	static const char head[] = "consumer_id,account_id,at,channel,kind\n"
				   "C-1,A-1,2026-11-20T14:05:00Z,call,attempt\n";
	char *content = malloc(sizeof(head) + PL_MAX_FIELD_BYTES + 200);
	char *p = content;
	const struct expect want[] = {
		GOOD(2, "A-1", "C-1", "2026-11-20", "2026-11-20T14:05:00Z",
		     CHANNEL_CALL, CONTACT_ATTEMPT),
		BAD(3, "A-2", "FIELD_TOO_LONG", "kind",
		    "field 'kind' (column 5) is longer than 4096 bytes"),
		GOOD(4, "A-3", "A-3", "2026-11-21", "2026-11-21T08:00Z",
		     CHANNEL_SMS, CONTACT_DELIVERED),
		BAD(5, "A-4", "BAD_CSV", "kind",
		    "quote opened in field 'kind' (column 5) is not closed before "
		    "the end of the file"),
	};
	const char *path;

	memcpy(p, head, sizeof(head) - 1);
	p += sizeof(head) - 1;
	p += snprintf(p, 100, "C-2,A-2,2026-11-20T14:05:00Z,call,");
	memset(p, 'x', PL_MAX_FIELD_BYTES + 1);
	p += PL_MAX_FIELD_BYTES + 1;
	snprintf(p, 200, "\n,A-3,2026-11-21T08:00Z,sms,delivered\n"
		 ",A-4,2026-11-21T08:00Z,sms,\"delivered\n");
	path = write_temp("contacts-long.csv", content);
	free(content);
	run_file(path, "contacts-long.csv", want, PL_ARRAY_SIZE(want));
	unlink(path);
}

/* The fixture shared with the end-to-end cases. */
static void test_fixture(void)
{
	const struct expect want[] = {
		GOOD(2, "RR-10001", "CONS-0001", "2026-11-18",
		     "2026-11-18T10:15:00-05:00", CHANNEL_CALL, CONTACT_ATTEMPT),
		GOOD(3, "RR-10001", "CONS-0001", "2026-11-19",
		     "2026-11-19T16:40:00-05:00", CHANNEL_CALL, CONTACT_CONVERSATION),
		GOOD(4, "RR-10002", "RR-10002", "2026-11-20",
		     "2026-11-20T23:30:00-05:00", CHANNEL_EMAIL, CONTACT_DELIVERED),
		BAD(5, "RR-10003", "BAD_TIMESTAMP", "at", NULL),
		BAD(6, "RR-10004", "BAD_VALUE", "channel", NULL),
		BAD(7, "RR-10005", "DATE_IN_FUTURE", "at", NULL),
		GOOD(8, "RR-10005", "RR-10005", "2026-11-23",
		     "2026-11-23T08:00:00.500Z", CHANNEL_SMS, CONTACT_ATTEMPT),
	};

	run_file(CONTACTS_FIXTURES "contacts-2026-11-23.csv",
		 "contacts-2026-11-23.csv", want, PL_ARRAY_SIZE(want));
}

/* ---- fatal header problems ---- */

static void expect_fatal(const char *name, const char *content, int status,
			 const char *message, unsigned line)
{
	struct contacts c = { (struct ingest_state *)1 };
	struct pl_diag diag;
	char title[300];
	const char *path = content ? write_temp(name, content) : name;
	int rc;

	pl_diag_clear(&diag);
	rc = contacts_open(&c, path, NULL, run_date, &diag);
	snprintf(title, sizeof(title), "fatal: %s is status %d", name, status);
	is_int(rc, status, title);
	if (message) {
		snprintf(title, sizeof(title), "fatal: %s message", name);
		is_str(diag.message, message, title);
	}
	snprintf(title, sizeof(title), "fatal: %s names the file and line %u", name, line);
	ok(same(diag.file, path) && diag.line == line && c.state == NULL, title);
	contacts_release(&c);   /* allowed after a failed open */
	if (content)
		unlink(path);
}

static void test_fatal(void)
{
	expect_fatal("unknown.csv", "consumer_id,account_id,at,channel,kind,note\n",
		     PL_PARSE, "unknown column 'note' in the header (column 6)", 1);
	expect_fatal("missing.csv", "consumer_id,account_id,at,kind\n", PL_PARSE,
		     "missing required column 'channel' in the header", 1);
	expect_fatal("no-consumer.csv", "account_id,at,channel,kind\r\nA,x,y,z\r\n",
		     PL_PARSE, "missing required column 'consumer_id' in the header", 1);
	expect_fatal("dup.csv", "\n\nconsumer_id,account_id,at,channel,kind,at\n",
		     PL_PARSE, "duplicate column 'at' in the header (columns 3 and 6)", 3);
	expect_fatal("accounts.csv", "account_id,creditor_name\n", PL_PARSE,
		     "unknown column 'creditor_name' in the header (column 2)", 1);
	expect_fatal("empty.csv", "", PL_PARSE, "contacts file has no header row", 0);
	expect_fatal("/nonexistent/contacts.csv", NULL, PL_IO_OPEN,
		     "cannot open contacts file '/nonexistent/contacts.csv': "
		     "No such file or directory", 0);
}

/* A header only: no events, and memory stays flat over many. */
static void test_streaming(void)
{
	size_t size = 64 + 20000 * 64;
	char *content = malloc(size);
	size_t len = (size_t)snprintf(content, size, "consumer_id,account_id,at,channel,kind\n");
	struct contacts c;
	struct contact_event ev;
	struct arena arena;
	struct pl_diag diag;
	size_t first = 0, max = 0, n = 0;
	const char *path;
	int rc;

	for (int i = 0; i < 20000; i++)
		len += (size_t)snprintf(content + len, size - len,
					",S%06d,2026-11-%02dT10:00:00-05:00,call,attempt\n",
					i, 1 + i % 23);
	path = write_temp("many.csv", content);
	free(content);
	arena_init(&arena);
	rc = contacts_open(&c, path, NULL, run_date, &diag);
	while (rc == PL_OK && (rc = contacts_next(&c, &arena, &ev, &diag)) == PL_OK) {
		if (ev.rejected)
			break;
		if (++n == 1)
			first = arena.used_total;
		if (arena.used_total > max)
			max = arena.used_total;
		arena_clear(&arena);
	}
	is_int(rc, PL_DONE, "streaming: all good, then PL_DONE");
	is_int(n, 20000, "streaming: 20000 events");
	ok(max <= first + 64, "streaming: arena use per event stays flat");
	contacts_release(&c);
	arena_release(&arena);
	unlink(path);

	path = write_temp("header-only.csv", "consumer_id,account_id,at,channel,kind\r\n");
	arena_init(&arena);
	rc = contacts_open(&c, path, NULL, run_date, &diag);
	ok(rc == PL_OK && contacts_next(&c, &arena, &ev, &diag) == PL_DONE,
	   "header only: no events");
	contacts_release(&c);
	arena_release(&arena);
	unlink(path);
}

int main(void)
{
	run_date = d("2026-11-23");
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/u-contacts-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_timestamps();
	test_mixed();
	test_long_and_open();
	test_fixture();
	test_fatal();
	test_streaming();
	rmdir(tmpdir);
	return tap_done();
}
