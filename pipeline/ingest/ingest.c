/*
 * ingest.c: one account file, record by record.
 *
 * The canonical CSV is read here; the other formats are record sources
 * (xml.c, fixed.c) that hand over the raw text of each canonical field,
 * which then goes through exactly the same validation (fields.c) and
 * duplicate check (ids.c) as a CSV record's.
 *
 * ingest_open() reads the header row and maps each column to a canonical
 * field. The header is strict: an unknown column is fatal, because an
 * agency's typo ("acount_id") silently ignored would drop data on the
 * floor; a duplicate column or a missing required column is fatal too.
 *
 * ingest_next() turns each record into a struct account: first the
 * framing (csv.c reports quotes, lengths, encoding; here the field count
 * is checked against the header), then the field values (fields.c), then
 * duplicates across the batch (ids.c). Each problem becomes a reject on
 * the account; only I/O errors and caps of the whole batch are statuses.
 *
 * Opening a file, mapping its header against a field table and turning
 * framing problems into rejects do not depend on the table, so the
 * contacts reader (contacts.c) uses the same code (ingest-int.h).
 */
#include "../pl.h"
#include "../core/xalloc.h"
#include "ingest-int.h"

#include <glib.h>

/* ---- USPS codes ---- */

/*
 * The 50 states and DC, the territories with their own USPS codes (Puerto
 * Rico, Virgin Islands, Guam, American Samoa, Northern Mariana Islands)
 * and the military "states" (Armed Forces Americas, Europe, Pacific).
 */
static const char usps_codes[][3] = {
	"AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA",
	"HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA", "ME", "MD",
	"MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ",
	"NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC",
	"SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY",
	"DC",
	"PR", "VI", "GU", "AS", "MP",
	"AA", "AE", "AP",
};

bool usps_state_known(const char *code)
{
	if (!code || strlen(code) != 2)
		return false;
	for (size_t i = 0; i < PL_ARRAY_SIZE(usps_codes); i++)
		if (code[0] == usps_codes[i][0] && code[1] == usps_codes[i][1])
			return true;
	return false;
}

/* ---- the header ---- */

static int map_header(struct ingest_state *st, const struct csv_record *hdr,
		      struct pl_diag *diag)
{
	char name[PL_MAX_FIELD_BYTES + 1];

	if (hdr->problem != CSV_FINE)
		return pl_diag_set(diag, PL_PARSE, st->path, hdr->line,
				   "cannot read the header row: %s",
				   csv_problem_name(hdr->problem));
	for (size_t col = 0; col < hdr->nstored; col++) {
		const char *start = hdr->field[col];
		size_t len = hdr->len[col];
		int idx = -1;

		fields_trim(&start, &len);
		memcpy(name, start, len);
		name[len] = '\0';
		if (!len)
			return pl_diag_set(diag, PL_PARSE, st->path, hdr->line,
					   "empty column name in the header (column %zu)",
					   col + 1);
		for (size_t i = 0; i < st->nfields && idx < 0; i++)
			if (!strcmp(st->fields[i].name, name))
				idx = (int)i;
		if (idx < 0)
			return pl_diag_set(diag, PL_PARSE, st->path, hdr->line,
					   "unknown column '%.100s' in the header (column %zu)",
					   name, col + 1);
		if (st->field_column[idx] >= 0)
			return pl_diag_set(diag, PL_PARSE, st->path, hdr->line,
					   "duplicate column '%s' in the header (columns %d and %zu)",
					   name, st->field_column[idx] + 1, col + 1);
		st->field_column[idx] = (int)col;
		st->column_field[col] = idx;
	}
	st->ncolumns = hdr->nstored;
	for (size_t i = 0; i < st->nfields; i++)
		if (st->fields[i].required && st->field_column[i] < 0)
			return pl_diag_set(diag, PL_PARSE, st->path, hdr->line,
					   "missing required column '%s' in the header",
					   st->fields[i].name);
	return PL_OK;
}

/* ---- decoding single-byte encodings ---- */

/* Room for a decoded record: every stored byte may triple. */
#define CSV_CONV_BYTES \
	((PL_MAX_RECORD_BYTES + PL_MAX_FIELDS_PER_RECORD + 1) * ENCODING_MAX_GROWTH)

/*
 * csv_next(), then for a file not in UTF-8 decode every stored field into
 * st->conv. A byte the encoding does not define becomes the record's
 * CSV_BAD_UTF8 problem (reported as BAD_ENCODING naming the encoding),
 * unless the framing already had a problem.
 */
static int read_record(struct ingest_state *st, const struct csv_record **out)
{
	const struct csv_record *rec = NULL;
	struct csv_record *c = &st->conv_rec;
	size_t used = 0;
	int rc = csv_next(&st->csv, &rec);

	*out = rec;
	if (rc != PL_OK || st->encoding == ENC_UTF8)
		return rc;
	c->line = rec->line;
	c->nfields = rec->nfields;
	c->nstored = rec->nstored;
	c->problem = rec->problem;
	c->problem_field = rec->problem_field;
	for (size_t i = 0; i < rec->nstored; i++) {
		size_t len = 0, bad = 0;
		char *dst = st->conv + used;

		if (!encoding_decode(st->encoding, rec->field[i], rec->len[i], dst,
				     &len, &bad)) {
			if (c->problem == CSV_FINE) {
				c->problem = CSV_BAD_UTF8;
				c->problem_field = i;
			}
			*dst = '\0';
			len = 0;
		}
		c->field[i] = dst;
		c->len[i] = len;
		used += len + 1;
	}
	*out = c;
	return rc;
}

/* ---- open / release ---- */

void ingest_state_free(struct ingest_state *st)
{
	if (!st)
		return;
	xml_source_free(st->xml);
	fixed_source_free(st->fixed);
	free(st->conv);
	csv_release(&st->csv);
	if (st->fp)
		fclose(st->fp);
	free(st);
}

int ingest_state_open(struct ingest_state **out, const char *path,
		      const char *what, const struct field_spec *fields,
		      size_t n, enum text_encoding encoding, int run_date,
		      struct pl_diag *diag)
{
	struct ingest_state *st = xcalloc(1, sizeof(*st));
	const struct csv_record *hdr = NULL;
	const char *slash = strrchr(path, '/');
	int rc = PL_OK;

	if (n > INGEST_NFIELDS)
		PL_BUG("a field table of %zu rows", n);
	*out = NULL;
	st->path = path;
	st->base = slash ? slash + 1 : path;
	st->what = what;
	st->run_date = run_date;
	st->fields = fields;
	st->nfields = n;
	st->format = INPUT_CSV;
	st->encoding = encoding;
	for (size_t i = 0; i < INGEST_NFIELDS; i++)
		st->field_column[i] = -1;

	st->fp = fopen(path, "rb");
	if (!st->fp)
		rc = pl_diag_set(diag, PL_IO_OPEN, path, 0, "cannot open %s '%s': %s",
				 what, path, strerror(errno));
	if (rc == PL_OK) {
		csv_init(&st->csv, st->fp, 0);
		if (encoding != ENC_UTF8) {
			st->csv.bytes_only = true;
			st->conv = xmalloc(CSV_CONV_BYTES);
		}
		rc = read_record(st, &hdr);
		if (rc == PL_DONE)
			rc = pl_diag_set(diag, PL_PARSE, path, 0, "%s has no header row",
					 what);
		else if (rc != PL_OK)
			rc = pl_diag_set(diag, PL_IO, path, 0, "cannot read %s '%s': %s",
					 what, path, strerror(st->csv.io_errno));
	}
	if (rc == PL_OK)
		rc = map_header(st, hdr, diag);
	if (rc == PL_OK) {
		*out = st;
		st = NULL;
	}
	ingest_state_free(st);
	return rc;
}

/* A state for a format other than CSV: the source reads the file. */
static int source_open(struct ingest_state **out, const char *path,
		       const struct input_spec *spec, int run_date,
		       struct pl_diag *diag)
{
	struct ingest_state *st = xcalloc(1, sizeof(*st));
	const char *slash = strrchr(path, '/');
	int rc;

	st->path = path;
	st->base = slash ? slash + 1 : path;
	st->what = "account file";
	st->run_date = run_date;
	st->fields = ingest_fields;
	st->nfields = INGEST_NFIELDS;
	st->format = spec->format;
	st->encoding = encoding_of(spec->encoding);
	if (spec->format == INPUT_XML)
		rc = xml_source_open(&st->xml, path, spec, diag);
	else
		rc = fixed_source_open(&st->fixed, path, spec, diag);
	if (rc == PL_OK) {
		*out = st;
		st = NULL;
	}
	ingest_state_free(st);
	return rc;
}

int ingest_open(struct ingest *in, const char *path,
		const struct input_spec *spec, struct ingest_ids *ids,
		int run_date, struct pl_diag *diag)
{
	struct ingest_state *st = NULL;
	int rc, file_index;

	in->state = NULL;
	if (!spec)
		spec = ingest_default_spec();
	if (spec->contacts)
		PL_BUG("ingest_open() on a contacts spec ('%s')", spec->match);
	if (spec->format == INPUT_CSV)
		rc = ingest_state_open(&st, path, "account file", ingest_fields,
				       INGEST_NFIELDS, encoding_of(spec->encoding),
				       run_date, diag);
	else
		rc = source_open(&st, path, spec, run_date, diag);
	if (rc == PL_OK) {
		st->ids = ids;
		file_index = ingest_ids_add_file(ids, path);
		if (file_index < 0)
			rc = pl_diag_set(diag, PL_LIMIT, path, 0,
					 "more than %d account files in one batch",
					 PL_MAX_ACCOUNT_FILES);
		else
			st->file_index = (unsigned)file_index;
	}
	if (rc == PL_OK) {
		in->state = st;
		st = NULL;
	}
	ingest_state_free(st);
	return rc;
}

void ingest_release(struct ingest *in)
{
	ingest_state_free(in->state);
	in->state = NULL;
}

/* ---- one record ---- */

int ingest_state_next(struct ingest_state *st, const struct csv_record **rec,
		      struct pl_diag *diag)
{
	int rc = read_record(st, rec);

	if (rc == PL_IO)
		rc = pl_diag_set(diag, PL_IO, st->path, st->csv.line,
				 "cannot read %s '%s': %s", st->what, st->path,
				 strerror(st->csv.io_errno));
	if (rc == PL_OK)
		st->records++;
	return rc;
}

/* "'creditor_name' (column 3)", or "column 9" past the header. Arena-owned. */
static const char *column_desc(const struct ingest_state *st, size_t col,
			       struct arena *arena)
{
	if (col < st->ncolumns)
		return arena_printf(arena, "'%s' (column %zu)",
				    st->fields[st->column_field[col]].name, col + 1);
	return arena_printf(arena, "column %zu", col + 1);
}

static const char *column_name(const struct ingest_state *st, size_t col)
{
	return col < st->ncolumns ? st->fields[st->column_field[col]].name : "";
}

const char *ingest_raw_field(const struct ingest_state *st,
			     const struct csv_record *rec, int idx,
			     struct arena *arena)
{
	int col = st->field_column[idx];
	const char *start;
	size_t len;

	if (col < 0 || (size_t)col >= rec->nstored)
		return "";
	start = rec->field[col];
	len = rec->len[col];
	if (!g_utf8_validate(start, (gssize)len, NULL))
		return "";
	fields_trim(&start, &len);
	return arena_strndup(arena, start, len);
}

bool ingest_reject_framing(const struct ingest_state *st,
			   const struct csv_record *rec, struct reject *r,
			   struct arena *arena)
{
	size_t col = rec->problem_field;
	const char *field = column_name(st, col);

	switch (rec->problem) {
	case CSV_FINE:
		if (rec->nfields == st->ncolumns)
			return false;
		ingest_reject(r, arena, REJECT_FIELD_COUNT, "",
			      "record has %zu fields, the header has %zu",
			      rec->nfields, st->ncolumns);
		break;
	case CSV_BARE_QUOTE:
		ingest_reject(r, arena, REJECT_BAD_CSV, field,
			      "stray quote in unquoted field %s",
			      column_desc(st, col, arena));
		break;
	case CSV_JUNK_AFTER_QUOTE:
		ingest_reject(r, arena, REJECT_BAD_CSV, field,
			      "text after the closing quote of field %s",
			      column_desc(st, col, arena));
		break;
	case CSV_UNTERMINATED:
		ingest_reject(r, arena, REJECT_BAD_CSV, field,
			      "quote opened in field %s is not closed before the end of the file",
			      column_desc(st, col, arena));
		break;
	case CSV_FIELD_TOO_LONG:
		ingest_reject(r, arena, REJECT_TOO_LONG, field,
			      "field %s is longer than %d bytes",
			      column_desc(st, col, arena), PL_MAX_FIELD_BYTES);
		break;
	case CSV_RECORD_TOO_LONG:
		ingest_reject(r, arena, REJECT_TOO_LONG, "",
			      "record is longer than %d bytes", PL_MAX_RECORD_BYTES);
		break;
	case CSV_TOO_MANY_FIELDS:
		ingest_reject(r, arena, REJECT_FIELD_COUNT, "",
			      "record has more than %d fields, the header has %zu",
			      PL_MAX_FIELDS_PER_RECORD, st->ncolumns);
		break;
	case CSV_BAD_UTF8:
		ingest_reject(r, arena, REJECT_BAD_UTF8, field,
			      "field %s is not valid %s",
			      column_desc(st, col, arena), encoding_name(st->encoding));
		break;
	}
	return true;
}

void raw_reject(struct raw_account *raw, struct arena *arena, const char *code,
		const char *field, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ingest_vreject(&raw->reject, arena, code, field, fmt, ap);
	va_end(ap);
	raw->rejected = true;
}

/*
 * The next CSV record as raw field text: framing problems become the
 * reject, else values[] point at the record's fields (borrowed until the
 * next read).
 */
static int csv_source_next(struct ingest_state *st, struct arena *arena,
			   struct raw_account *raw, struct pl_diag *diag)
{
	const struct csv_record *rec = NULL;
	int rc = ingest_state_next(st, &rec, diag);

	if (rc != PL_OK)
		return rc;   /* PL_DONE or the read error */
	raw->line = rec->line;
	raw->account_id = ingest_raw_field(st, rec, 0, arena); /* field 0 */
	/* Framing first: with a broken record the fields cannot be trusted. */
	if (ingest_reject_framing(st, rec, &raw->reject, arena)) {
		raw->rejected = true;
		return PL_OK;
	}
	for (size_t i = 0; i < INGEST_NFIELDS; i++) {
		int col = st->field_column[i];

		raw->values[i] = col >= 0 ? rec->field[col] : "";
	}
	return PL_OK;
}

int ingest_next(struct ingest *in, struct arena *arena, struct account *out,
		struct pl_diag *diag)
{
	struct ingest_state *st = in->state;
	struct raw_account raw;
	const char *first_file = "";
	unsigned first_line = 0;
	int rc;

	fields_defaults(out);
	if (!st)
		PL_BUG("ingest_next() on an ingest that is not open");
	memset(&raw, 0, sizeof(raw));
	raw.account_id = "";
	switch (st->format) {
	case INPUT_CSV:
		rc = csv_source_next(st, arena, &raw, diag);
		break;
	case INPUT_XML:
		rc = xml_source_next(st->xml, arena, &raw, diag);
		break;
	case INPUT_FIXED:
		rc = fixed_source_next(st->fixed, arena, &raw, diag);
		break;
	default:
		PL_BUG("input format %d", (int)st->format);
	}
	if (rc != PL_OK)
		goto out;   /* PL_DONE or fatal */
	if (st->format != INPUT_CSV)
		st->records++;

	out->file = st->path;
	out->line = raw.line;
	out->record = st->records;
	out->account_id = raw.account_id ? raw.account_id : "";
	if (raw.rejected) {
		out->rejected = true;
		out->reject = raw.reject;
		goto out;
	}

	fields_convert(out, raw.values, st->run_date, arena);
	if (out->rejected)
		goto out;

	/* Only a record that is good in every other way counts as seen. */
	rc = ingest_ids_insert(st->ids, out->account_id, st->file_index, out->line,
			       &first_file, &first_line);
	if (rc == PL_DONE) {
		/*
		 * The base name, not the path: the batch's files share one
		 * directory, and the message lands in rejects.csv, which must
		 * not change with where the batch lies (same input, same bytes).
		 */
		const char *slash = strrchr(first_file, '/');

		fields_reject(out, arena, REJECT_DUPLICATE_ID, "account_id",
			      "account_id '%s' already appears at %s:%u",
			      fields_shown(arena, out->account_id),
			      slash ? slash + 1 : first_file, first_line);
		rc = PL_OK;
	} else if (rc == PL_LIMIT) {
		rc = pl_diag_set(diag, PL_LIMIT, st->path, out->line,
				 "more than %ld accounts in one batch",
				 (long)PL_MAX_BATCH_ACCOUNTS);
	}
out:
	return rc;
}
