/*
 * u-csv.c: the streaming CSV record reader of the ingest stage.
 *
 * Each case is data: an input and the dump of the records the reader
 * returns. A record dumps as "LINE#NFIELDS field|field|..." with
 * " !PROBLEM@FIELD" when framing went wrong (only the fields stored are
 * shown); records are joined by newlines, and CR/LF inside fields show as
 * \r and \n. Every case runs with the default chunk and with tiny chunks
 * (1, 2, 3, 5 bytes), so a quote, a CRLF or the BOM split across two
 * fread() calls is exercised too.
 */
#include "pl.h"
#include "core/buf.h"
#include "core/diag.h"
#include "core/csv.h"
#include "tap.h"

static const char *problem_tag(enum csv_problem p)
{
	switch (p) {
	case CSV_FINE:            return "";
	case CSV_BARE_QUOTE:      return "BARE_QUOTE";
	case CSV_JUNK_AFTER_QUOTE: return "JUNK";
	case CSV_UNTERMINATED:    return "UNTERMINATED";
	case CSV_FIELD_TOO_LONG:  return "FIELD_TOO_LONG";
	case CSV_RECORD_TOO_LONG: return "RECORD_TOO_LONG";
	case CSV_TOO_MANY_FIELDS: return "TOO_MANY_FIELDS";
	case CSV_BAD_UTF8:        return "BAD_UTF8";
	}
	return "?";
}

/* Dump every record of input (len bytes) read with chunk; caller frees. */
static char *dump(const char *input, size_t len, size_t chunk, int *status)
{
	struct buf out = BUF_INIT(1 << 20);
	struct csv_reader r;
	const struct csv_record *rec;
	FILE *fp = fmemopen((void *)input, len ? len : 1, "r");
	int rc;

	if (!len) {
		/* fmemopen() wants a size; an empty stream is one at EOF. */
		fseek(fp, 0, SEEK_END);
	}
	csv_init(&r, fp, chunk);
	while ((rc = csv_next(&r, &rec)) == PL_OK) {
		if (out.len && buf_addch(&out, '\n'))
			break;
		if (buf_addf(&out, "%u#%zu ", rec->line, rec->nfields))
			break;
		for (size_t i = 0; i < rec->nstored; i++) {
			if (i && buf_addch(&out, '|'))
				break;
			for (size_t k = 0; k < rec->len[i]; k++) {
				char c = rec->field[i][k];
				int e = c == '\n' ? buf_addstr(&out, "\\n") :
					c == '\r' ? buf_addstr(&out, "\\r") :
					c == '\0' ? buf_addstr(&out, "\\0") :
					buf_addch(&out, c);
				if (e)
					break;
			}
		}
		if (rec->problem != CSV_FINE &&
		    buf_addf(&out, " !%s@%zu", problem_tag(rec->problem),
			     rec->problem_field))
			break;
	}
	*status = rc;
	csv_release(&r);
	fclose(fp);
	return buf_detach(&out, NULL);
}

/* Check input against want, then that tiny chunks read it the same. */
static void check_len(const char *name, const char *input, size_t len,
		      const char *want)
{
	static const size_t tiny[] = { 1, 2, 3, 5 };
	char title[200];
	int status = -1;
	char *got = dump(input, len, 0, &status);
	bool same = true;

	is_str(got, want, name);
	if (status != PL_DONE) {
		snprintf(title, sizeof(title), "%s: ends with PL_DONE", name);
		is_int(status, PL_DONE, title);
	}
	for (size_t i = 0; i < PL_ARRAY_SIZE(tiny); i++) {
		char *small = dump(input, len, tiny[i], &status);

		if (strcmp(small, got) || status != PL_DONE) {
			printf("#   chunk %zu: got '%s'\n", tiny[i], small);
			same = false;
		}
		free(small);
	}
	snprintf(title, sizeof(title), "%s: same with 1-5 byte chunks", name);
	ok(same, title);
	free(got);
}

static void check(const char *name, const char *input, const char *want)
{
	check_len(name, input, strlen(input), want);
}

static void test_basics(void)
{
	check("two records, LF", "a,b,c\n1,2,3\n", "1#3 a|b|c\n2#3 1|2|3");
	check("CRLF line ends", "a,b\r\nc,d\r\n", "1#2 a|b\n2#2 c|d");
	check("lone CR line ends", "a,b\rc,d\r", "1#2 a|b\n2#2 c|d");
	check("no final newline", "a,b\nc,d", "1#2 a|b\n2#2 c|d");
	check("no final newline, CRLF file", "a,b\r\nc,d", "1#2 a|b\n2#2 c|d");
	check("empty input", "", "");
	check("only blank lines", "\n\r\n\n", "");
	check("BOM at the start", "\xEF\xBB\xBF" "a,b\n", "1#2 a|b");
	check("BOM only", "\xEF\xBB\xBF", "");
	check("BOM later is data", "a,\xEF\xBB\xBF\n", "1#2 a|\xEF\xBB\xBF");
	check("half a BOM is data", "\xEF\xBB" "a\n", "1#1 \xEF\xBB" "a !BAD_UTF8@0");
	check("empty fields", ",,\n", "1#3 ||");
	check("trailing comma at EOF", "a,", "1#2 a|");
	check("spaces are data", " a , b \n", "1#2  a | b ");
	check("blank lines skipped, lines counted",
	      "\n\na,b\n\n\r\nc,d\n\n", "3#2 a|b\n6#2 c|d");
}

static void test_quotes(void)
{
	check("quoted comma and escaped quotes",
	      "\"a,b\",\"say \"\"hi\"\"\",c\n", "1#3 a,b|say \"hi\"|c");
	check("empty quoted field", "\"\"\n", "1#1 ");
	check("empty quoted field at EOF", "a,\"\"", "1#2 a|");
	check("embedded newline: record spans lines",
	      "x,\"line1\nline2\",z\nnext,1,2\n",
	      "1#3 x|line1\\nline2|z\n3#3 next|1|2");
	check("embedded CRLF and blank line inside quotes",
	      "\"a\r\n\r\nb\",c\r\nd,e\r\n", "1#2 a\\r\\n\\r\\nb|c\n4#2 d|e");
	check("line of a record after a multi-line record",
	      "h\n\"1\n2\n3\"\n\nlast\n", "1#1 h\n2#1 1\\n2\\n3\n6#1 last");
	check("quote right after a newline inside quotes",
	      "\"a\n\"\"b\"\"\"\n", "1#1 a\\n\"b\"");
	check("unterminated quote takes the rest of the file",
	      "a,b\n\"open,\nmore\nc,d\n",
	      "1#2 a|b\n2#1 open,\\nmore\\nc,d\\n !UNTERMINATED@0");
	check("unterminated quote in a later field",
	      "a,\"b", "1#2 a|b !UNTERMINATED@1");
}

static void test_quotes_resync(void)
{
	check("bare quote resynchronises",
	      "a,b\"c\nd,e\n", "1#2 a|b\"c !BARE_QUOTE@1\n2#2 d|e");
	check("text after a closing quote",
	      "\"a\"b,c\nd,e\n", "1#2 ab|c !JUNK@0\n2#2 d|e");
	check("quoted field then newline",
	      "\"a\"\n\"b\"\r\n", "1#1 a\n2#1 b");
}

static void test_limits(void)
{
	struct buf in = BUF_INIT(1 << 22);
	struct buf want = BUF_INIT(1 << 16);
	char name[80];
	int rc = PL_OK;

	/* A field one byte over the cap, then a good record. */
	rc |= buf_addstr(&in, "x,");
	for (int i = 0; i < PL_MAX_FIELD_BYTES + 1; i++)
		rc |= buf_addch(&in, 'y');
	rc |= buf_addstr(&in, ",z\nok,1\n");
	ok(rc == PL_OK, "limits: build input");
	check_len("field over PL_MAX_FIELD_BYTES", in.data, in.len,
		  "1#3 x !FIELD_TOO_LONG@1\n2#2 ok|1");

	/* Exactly at the cap is fine. */
	buf_clear(&in);
	buf_clear(&want);
	for (int i = 0; i < PL_MAX_FIELD_BYTES; i++) {
		rc |= buf_addch(&in, 'y');
		rc |= buf_addch(&want, 'y');
	}
	rc |= buf_addstr(&in, "\n");
	snprintf(name, sizeof(name), "field of exactly %d bytes", PL_MAX_FIELD_BYTES);
	{
		char *w = NULL;
		struct buf wb = BUF_INIT(1 << 16);

		rc |= buf_addstr(&wb, "1#1 ");
		rc |= buf_add(&wb, want.data, want.len);
		w = buf_detach(&wb, NULL);
		check_len(name, in.data, in.len, w);
		free(w);
	}

	/* An over-long quoted field full of commas and newlines: skipped cleanly. */
	buf_clear(&in);
	rc |= buf_addstr(&in, "a,\"");
	for (int i = 0; i < 2000; i++)
		rc |= buf_addstr(&in, "q,\n");
	rc |= buf_addstr(&in, "\",c\nok,1\n");
	check_len("over-long quoted multi-line field", in.data, in.len,
		  "1#3 a !FIELD_TOO_LONG@1\n2002#2 ok|1");

	/* A record over PL_MAX_RECORD_BYTES made of fields under the cap. */
	buf_clear(&in);
	for (int f = 0; f < 20; f++) {
		if (f)
			rc |= buf_addch(&in, ',');
		for (int i = 0; i < 4000; i++)
			rc |= buf_addch(&in, 'r');
	}
	rc |= buf_addstr(&in, "\nok,2\n");
	{
		int status;
		char *got = dump(in.data, in.len, 0, &status);
		const char *second = strrchr(got, '\n');

		ok(strstr(got, " !RECORD_TOO_LONG@16\n") != NULL,
		   "record over PL_MAX_RECORD_BYTES is flagged at field 17");
		ok(strncmp(got, "1#20 ", 5) == 0, "over-long record: all 20 fields counted");
		is_str(second ? second + 1 : "", "2#2 ok|2",
		       "over-long record: next record comes through");
		free(got);
	}

	/* More fields than PL_MAX_FIELDS_PER_RECORD. */
	buf_clear(&in);
	for (int i = 0; i < 200; i++)
		rc |= buf_addch(&in, ',');
	rc |= buf_addstr(&in, "\nok\n");
	{
		int status;
		char *got = dump(in.data, in.len, 3, &status);

		ok(strstr(got, "1#201 ") == got, "too many fields: all counted");
		ok(strstr(got, "!TOO_MANY_FIELDS@128\n2#1 ok") != NULL,
		   "too many fields: flagged, next record fine");
		free(got);
	}
	ok(rc == PL_OK, "limits: inputs built");
	buf_release(&in);
	buf_release(&want);
}

static void test_utf8(void)
{
	check("invalid UTF-8 (bad continuation)", "a,\xC3\x28\nb,c\n",
	      "1#2 a|\xC3( !BAD_UTF8@1\n2#2 b|c");
	check("overlong UTF-8 encoding", "\xC0\xAF\n", "1#1 \xC0\xAF !BAD_UTF8@0");
	check("valid UTF-8 passes", "Jos\xC3\xA9,\xE2\x82\xAC\n", "1#2 Jos\xC3\xA9|\xE2\x82\xAC");
	check_len("NUL byte is not text", "a,b\0c\nd\n", 8,
		  "1#2 a|b\\0c !BAD_UTF8@1\n2#1 d");
}

static void test_io_error(void)
{
	struct csv_reader r;
	const struct csv_record *rec;
	FILE *fp = fopen("/", "rb");   /* reading a directory fails with EISDIR */

	if (!fp) {
		ok(1, "io error: skipped (cannot open /)");
		return;
	}
	csv_init(&r, fp, 0);
	is_int(csv_next(&r, &rec), PL_IO, "io error: reading a directory is PL_IO");
	ok(r.io_errno != 0, "io error: errno kept");
	csv_release(&r);
	fclose(fp);
}

int main(void)
{
	test_basics();
	test_quotes();
	test_quotes_resync();
	test_limits();
	test_utf8();
	test_io_error();
	return tap_done();
}
