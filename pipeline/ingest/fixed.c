/*
 * fixed.c: fixed-width account files and their layout.
 *
 * Older collection systems write one account per line, each field at a
 * fixed column. A layout file, named by the profile's <input> spec, says
 * where each canonical field lies and how it is written
 * (docs/input-formats.md):
 *
 *   <layout record-length="220">
 *     <field name="account_id" start="1" length="12"/>
 *     <field name="current_balance" start="120" length="10" type="cents"
 *            justify="right" pad="0"/>
 *     <field name="itemization_date" start="90" length="8" type="date"
 *            format="YYYYMMDD"/>
 *     <field start="200" length="21"/>          (filler: no name)
 *   </layout>
 *
 * Columns count characters from 1; in the single-byte encodings a
 * character is a byte. A line whose length is not record-length is a
 * reject (BAD_RECORD_LENGTH): a short line means a field was cut off, and
 * guessing which would misplace every field after it. The types only turn
 * the legacy way of writing a value into the canonical text (20250115 ->
 * 2025-01-15, 0000012345 cents -> 123.45); fields.c then validates it
 * exactly like a CSV value, so a bad value gets the same reject code.
 *
 * A broken layout (unknown field, overlapping or out-of-record columns, a
 * required field missing) is fatal, like an unknown CSV column: an
 * agency's typo must not shift or drop data silently.
 *
 * Memory: one read chunk and one line (PL_MAX_FIXED_LINE_BYTES, and its
 * UTF-8 form), whatever the file size.
 */
#include "../pl.h"
#include "../core/xalloc.h"
#include "../core/xmlsafe.h"
#include "ingest-int.h"

#include <glib.h>

#define FIXED_CHUNK_BYTES 65536

enum fixed_type { FT_TEXT = 0, FT_NUMBER, FT_MONEY, FT_CENTS, FT_DATE };
enum fixed_date { FD_ISO = 0, FD_YYYYMMDD, FD_MMDDYYYY };

struct fixed_field {
	int index;             /* into ingest_fields */
	unsigned start, length;   /* 1-based column, characters */
	enum fixed_type type;
	enum fixed_date date_format;
	bool right;            /* right-justified: the pad is on the left */
	char pad;
};

struct fixed_source {
	const char *path;      /* borrowed */
	FILE *fp;              /* owned */
	enum text_encoding encoding;
	unsigned record_length;
	struct fixed_field fields[INGEST_NFIELDS];
	size_t nfields;
	int id_field;          /* fields[] index of account_id, -1 */
	char *chunk;           /* owned, FIXED_CHUNK_BYTES */
	size_t pos, len;
	bool eof;
	int io_errno;
	char *line;            /* owned, PL_MAX_FIXED_LINE_BYTES + 1 */
	char *utf8;            /* owned, the line decoded */
	unsigned line_no;      /* of the last line read */
};

/* ---- the layout ---- */

static unsigned line_of(xmlNode *n)
{
	long l = xmlGetLineNo(n);

	return l > 0 ? (unsigned)l : 0;
}

/* A positive whole number attribute (at most max), or 0. */
static unsigned number_attr(xmlNode *n, const char *name, unsigned max)
{
	char *v = xmlsafe_attr_dup(n, name);
	size_t len = strlen(v);
	unsigned long x = 0;

	if (!len || len > 7 || strspn(v, "0123456789") != len)
		x = 0;
	else
		x = strtoul(v, NULL, 10);
	free(v);
	return x <= max ? (unsigned)x : 0;
}

static int layout_field(struct fixed_source *f, xmlNode *n, const char *layout,
			struct pl_diag *diag)
{
	char *name = xmlsafe_attr_dup(n, "name");
	char *type = xmlsafe_attr_dup(n, "type");
	char *format = xmlsafe_attr_dup(n, "format");
	char *justify = xmlsafe_attr_dup(n, "justify");
	char *pad = xmlsafe_attr_dup(n, "pad");
	struct fixed_field fld = { .index = -1, .pad = ' ' };
	unsigned line = line_of(n);
	int rc = PL_OK;

	fld.start = number_attr(n, "start", PL_MAX_FIXED_LINE_BYTES);
	fld.length = number_attr(n, "length", PL_MAX_FIXED_LINE_BYTES);
	if (!fld.start || !fld.length)
		rc = pl_diag_set(diag, PL_PARSE, layout, line,
				 "layout field '%s' needs start and length (whole numbers from 1)",
				 name);
	else if (fld.start - 1 + fld.length > f->record_length)
		rc = pl_diag_set(diag, PL_PARSE, layout, line,
				 "layout field '%s' (columns %u-%u) runs past record-length %u",
				 name, fld.start, fld.start + fld.length - 1, f->record_length);
	if (rc == PL_OK && *name) {
		fld.index = ingest_field_index(name);
		if (fld.index < 0)
			rc = pl_diag_set(diag, PL_PARSE, layout, line,
					 "unknown field '%.100s' in the layout", name);
	}
	if (rc == PL_OK) {
		if (!*type || !strcmp(type, "text"))
			fld.type = FT_TEXT;
		else if (!strcmp(type, "number"))
			fld.type = FT_NUMBER;
		else if (!strcmp(type, "money"))
			fld.type = FT_MONEY;
		else if (!strcmp(type, "cents"))
			fld.type = FT_CENTS;
		else if (!strcmp(type, "date"))
			fld.type = FT_DATE;
		else
			rc = pl_diag_set(diag, PL_PARSE, layout, line,
					 "layout field '%s' type '%.40s' is not text, number, money, cents or date",
					 name, type);
	}
	if (rc == PL_OK && fld.type == FT_DATE) {
		if (!*format || !strcmp(format, "YYYYMMDD"))
			fld.date_format = FD_YYYYMMDD;
		else if (!strcmp(format, "MMDDYYYY"))
			fld.date_format = FD_MMDDYYYY;
		else if (!strcmp(format, "YYYY-MM-DD"))
			fld.date_format = FD_ISO;
		else
			rc = pl_diag_set(diag, PL_PARSE, layout, line,
					 "layout field '%s' date format '%.40s' is not YYYYMMDD, MMDDYYYY or YYYY-MM-DD",
					 name, format);
	} else if (rc == PL_OK && *format) {
		rc = pl_diag_set(diag, PL_PARSE, layout, line,
				 "layout field '%s' has a format but is not type date", name);
	}
	if (rc == PL_OK) {
		fld.right = fld.type == FT_NUMBER || fld.type == FT_MONEY ||
			    fld.type == FT_CENTS;
		if (!strcmp(justify, "right"))
			fld.right = true;
		else if (!strcmp(justify, "left"))
			fld.right = false;
		else if (*justify)
			rc = pl_diag_set(diag, PL_PARSE, layout, line,
					 "layout field '%s' justify '%.40s' is not left or right",
					 name, justify);
	}
	if (rc == PL_OK && *pad) {
		if (strlen(pad) != 1 || (unsigned char)pad[0] >= 0x80)
			rc = pl_diag_set(diag, PL_PARSE, layout, line,
					 "layout field '%s' pad '%.40s' is not one ASCII character",
					 name, pad);
		else
			fld.pad = pad[0];
	}
	/* Columns may not overlap: two fields reading one column is a typo. */
	for (size_t i = 0; rc == PL_OK && i < f->nfields; i++) {
		const struct fixed_field *o = &f->fields[i];

		if (fld.start < o->start + o->length && o->start < fld.start + fld.length)
			rc = pl_diag_set(diag, PL_PARSE, layout, line,
					 "layout field '%s' (columns %u-%u) overlaps '%s' (columns %u-%u)",
					 name, fld.start, fld.start + fld.length - 1,
					 o->index >= 0 ? ingest_fields[o->index].name : "(filler)",
					 o->start, o->start + o->length - 1);
		else if (fld.index >= 0 && o->index == fld.index)
			rc = pl_diag_set(diag, PL_PARSE, layout, line,
					 "layout names field '%s' twice", name);
	}
	if (rc == PL_OK && f->nfields == PL_ARRAY_SIZE(f->fields))
		rc = pl_diag_set(diag, PL_LIMIT, layout, line,
				 "more than %zu fields in the layout", PL_ARRAY_SIZE(f->fields));
	if (rc == PL_OK) {
		if (fld.index == 0)
			f->id_field = (int)f->nfields;
		f->fields[f->nfields++] = fld;
	}
	free(name);
	free(type);
	free(format);
	free(justify);
	free(pad);
	return rc;
}

static int layout_load(struct fixed_source *f, const char *layout,
		       struct pl_diag *diag)
{
	xmlDoc *doc = NULL;
	xmlNode *root;
	int rc = xmlsafe_read(layout, PL_MAX_LAYOUT_BYTES, &doc, diag);

	if (rc != PL_OK)
		return rc;
	root = xmlDocGetRootElement(doc);
	if (strcmp((const char *)root->name, "layout")) {
		rc = pl_diag_set(diag, PL_PARSE, layout, line_of(root),
				 "root element is '%s', expected 'layout'",
				 (const char *)root->name);
		goto out;
	}
	f->record_length = number_attr(root, "record-length", PL_MAX_FIXED_LINE_BYTES);
	if (!f->record_length) {
		rc = pl_diag_set(diag, PL_PARSE, layout, line_of(root),
				 "layout needs record-length (characters, 1 to %d)",
				 PL_MAX_FIXED_LINE_BYTES);
		goto out;
	}
	for (xmlNode *n = root->children; n && rc == PL_OK; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)n->name, "field"))
			rc = pl_diag_set(diag, PL_PARSE, layout, line_of(n),
					 "unknown element <%s> in the layout (only <field>)",
					 (const char *)n->name);
		else
			rc = layout_field(f, n, layout, diag);
	}
	for (size_t i = 0; rc == PL_OK && i < INGEST_NFIELDS; i++) {
		bool found = false;

		if (!ingest_fields[i].required)
			continue;
		for (size_t k = 0; k < f->nfields; k++)
			found |= f->fields[k].index == (int)i;
		if (!found)
			rc = pl_diag_set(diag, PL_PARSE, layout, line_of(root),
					 "layout lacks required field '%s'",
					 ingest_fields[i].name);
	}
out:
	xmlFreeDoc(doc);
	return rc;
}

/* ---- open / release ---- */

void fixed_source_free(struct fixed_source *f)
{
	if (!f)
		return;
	if (f->fp)
		fclose(f->fp);
	free(f->chunk);
	free(f->line);
	free(f->utf8);
	free(f);
}

int fixed_source_open(struct fixed_source **out, const char *path,
		      const struct input_spec *spec, struct pl_diag *diag)
{
	struct fixed_source *f = xcalloc(1, sizeof(*f));
	int rc;

	*out = NULL;
	f->path = path;
	f->encoding = encoding_of(spec->encoding);
	f->id_field = -1;
	rc = layout_load(f, spec->layout, diag);
	if (rc == PL_OK) {
		f->fp = fopen(path, "rb");
		if (!f->fp)
			rc = pl_diag_set(diag, PL_IO_OPEN, path, 0,
					 "cannot open account file '%s': %s", path,
					 strerror(errno));
	}
	if (rc == PL_OK) {
		f->chunk = xmalloc(FIXED_CHUNK_BYTES);
		f->line = xmalloc(PL_MAX_FIXED_LINE_BYTES + 1);
		f->utf8 = xmalloc(PL_MAX_FIXED_LINE_BYTES * ENCODING_MAX_GROWTH + 1);
		*out = f;
		f = NULL;
	}
	fixed_source_free(f);
	return rc;
}

/* ---- lines ---- */

static int next_byte(struct fixed_source *f)
{
	if (f->pos == f->len) {
		if (f->eof)
			return -1;
		f->len = fread(f->chunk, 1, FIXED_CHUNK_BYTES, f->fp);
		f->pos = 0;
		if (f->len == 0) {
			f->eof = true;
			if (ferror(f->fp))
				f->io_errno = errno ? errno : EIO;
			return -1;
		}
	}
	return (unsigned char)f->chunk[f->pos++];
}

/*
 * The next non-empty line into f->line (without its LF or CRLF). PL_OK
 * with *len (and *too_long when bytes past the cap were dropped), PL_DONE
 * at the end, PL_IO.
 */
static int read_line(struct fixed_source *f, size_t *len, bool *too_long,
		     struct pl_diag *diag)
{
	for (;;) {
		size_t n = 0;
		bool any = false;
		int c;

		*too_long = false;
		while ((c = next_byte(f)) >= 0 && c != '\n') {
			any = true;
			if (n < PL_MAX_FIXED_LINE_BYTES)
				f->line[n++] = (char)c;
			else
				*too_long = true;
		}
		if (f->io_errno)
			return pl_diag_set(diag, PL_IO, f->path, f->line_no,
					   "cannot read account file '%s': %s", f->path,
					   strerror(f->io_errno));
		if (c < 0 && !any)
			return PL_DONE;
		f->line_no++;
		if (n && f->line[n - 1] == '\r' && !*too_long)
			n--;
		/* Blank lines (and a DOS end-of-file mark) are not records. */
		if ((n == 0 || (n == 1 && f->line[0] == 0x1A)) && !*too_long)
			continue;
		f->line[n] = '\0';
		*len = n;
		return PL_OK;
	}
}

/* ---- one record ---- */

/* The characters [start, start + length) of the UTF-8 line s. Arena-owned. */
static char *slice(struct arena *arena, const char *s, const struct fixed_field *fld)
{
	const char *b = g_utf8_offset_to_pointer(s, (glong)fld->start - 1);
	const char *e = g_utf8_offset_to_pointer(b, (glong)fld->length);

	return arena_strndup(arena, b, (size_t)(e - b));
}

/* Strip the pad on the justified side, then blanks. In place. */
static char *unpad(char *v, const struct fixed_field *fld)
{
	size_t n = strlen(v);

	if (fld->right) {
		size_t k = 0;

		/* Zero padding stops before a decimal point: "000.50" is 0.50. */
		while (k < n && v[k] == fld->pad &&
		       !(fld->pad == '0' && v[k + 1] == '.'))
			k++;
		/* A field that is all pad: "0" for numbers padded with zeros. */
		if (k == n && n && fld->pad == '0' && fld->type != FT_TEXT &&
		    fld->type != FT_DATE)
			k = n - 1;
		memmove(v, v + k, n - k + 1);
		n -= k;
	} else {
		while (n && v[n - 1] == fld->pad)
			v[--n] = '\0';
	}
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		v[--n] = '\0';
	{
		size_t k = strspn(v, " \t");

		memmove(v, v + k, n - k + 1);
	}
	return v;
}

static bool all_digits(const char *s, size_t n)
{
	return strlen(s) == n && strspn(s, "0123456789") == n;
}

/*
 * The canonical text of one field. A value the type cannot read is passed
 * on as written, so fields.c rejects it with its usual code and message.
 */
static const char *field_value(struct arena *arena, const char *line,
			       const struct fixed_field *fld)
{
	char *v = unpad(slice(arena, line, fld), fld);
	size_t n = strlen(v);

	switch (fld->type) {
	case FT_TEXT:
		return v;
	case FT_NUMBER:
	case FT_MONEY: {
		size_t k = 0;

		/* Leading zeros: "0000123.45" is 123.45. */
		while (k + 1 < n && v[k] == '0' && v[k + 1] != '.')
			k++;
		return v + k;
	}
	case FT_CENTS:
		if (!n || !all_digits(v, n))
			return v;
		while (n > 3 && *v == '0') {
			v++;
			n--;
		}
		if (n < 3)
			return arena_printf(arena, "0.%s%s", n == 1 ? "0" : "", v);
		return arena_printf(arena, "%.*s.%s", (int)(n - 2), v, v + n - 2);
	case FT_DATE:
		/* Blank or all zeros is how legacy files write "no date". */
		if (!n || strspn(v, "0") == n)
			return "";
		if (fld->date_format == FD_YYYYMMDD && all_digits(v, 8))
			return arena_printf(arena, "%.4s-%.2s-%.2s", v, v + 4, v + 6);
		if (fld->date_format == FD_MMDDYYYY && all_digits(v, 8))
			return arena_printf(arena, "%.4s-%.2s-%.2s", v + 4, v, v + 2);
		return v;
	}
	return v;
}

int fixed_source_next(struct fixed_source *f, struct arena *arena,
		      struct raw_account *out, struct pl_diag *diag)
{
	size_t len = 0, ulen = 0, bad = 0;
	bool too_long = false;
	long chars;
	int rc = read_line(f, &len, &too_long, diag);

	if (rc != PL_OK)
		return rc;
	out->line = f->line_no;
	if (too_long) {
		raw_reject(out, arena, REJECT_TOO_LONG, "",
			   "record is longer than %d bytes", PL_MAX_FIXED_LINE_BYTES);
		return PL_OK;
	}
	if (!encoding_decode(f->encoding, f->line, len, f->utf8, &ulen, &bad)) {
		raw_reject(out, arena, REJECT_BAD_UTF8, "",
			   "byte 0x%02X at byte %zu of the line is not valid %s",
			   (unsigned char)f->line[bad], bad + 1,
			   encoding_name(f->encoding));
		return PL_OK;
	}
	chars = g_utf8_strlen(f->utf8, (gssize)ulen);
	/* Name the record even when it is cut short, if account_id is in it. */
	if (f->id_field >= 0) {
		const struct fixed_field *idf = &f->fields[f->id_field];

		if ((long)(idf->start - 1 + idf->length) <= chars)
			out->account_id = field_value(arena, f->utf8, idf);
	}
	if (chars != (long)f->record_length) {
		raw_reject(out, arena, REJECT_BAD_RECORD_LENGTH, "",
			   "record is %ld characters long, the layout says %u",
			   chars, f->record_length);
		return PL_OK;
	}
	for (size_t i = 0; i < f->nfields; i++) {
		const struct fixed_field *fld = &f->fields[i];

		if (fld->index >= 0)
			out->values[fld->index] = field_value(arena, f->utf8, fld);
	}
	return PL_OK;
}
