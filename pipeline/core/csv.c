/*
 * csv.c: a streaming RFC 4180 record reader.
 *
 * The file is read in fixed chunks through a byte-at-a-time state machine,
 * so memory is one chunk plus one record whatever the file size. Fields
 * are unquoted and unescaped into one buffer sized for the largest record
 * PL_MAX_RECORD_BYTES allows (plus a NUL per field).
 *
 * Beyond RFC 4180 the reader accepts what agencies' tools actually write:
 * LF as well as CRLF (and a lone CR) as the line end, a UTF-8 byte order
 * mark at the very start (UTF-8 files only), a last line without a line end, and blank lines,
 * which are skipped and are not records.
 *
 * A framing problem never loses the place in the file: the state machine
 * keeps running to the end of the record (respecting quotes) and only
 * stops storing bytes, so the next record starts where it should. The
 * exception is a quote that is never closed: then, as RFC 4180 reads it,
 * the rest of the file is that one record.
 */
#include "../pl.h"
#include "csv.h"
#include "xalloc.h"

#include <glib.h>

/* Room for the biggest storable record: its bytes and a NUL per field. */
#define CSV_DATA_BYTES (PL_MAX_RECORD_BYTES + PL_MAX_FIELDS_PER_RECORD + 1)

enum csv_state {
	ST_FIELD_START,   /* nothing of this field read yet */
	ST_UNQUOTED,
	ST_QUOTED,
	ST_QUOTE_SEEN,    /* a '"' inside a quoted field: end or escape? */
};

void csv_init(struct csv_reader *r, FILE *fp, size_t chunk_size)
{
	memset(r, 0, sizeof(*r));
	r->fp = fp;
	r->chunk_size = chunk_size ? chunk_size : CSV_CHUNK_BYTES;
	r->chunk = xmalloc(r->chunk_size);
	r->data = xmalloc(CSV_DATA_BYTES);
	r->line = 1;
}

void csv_release(struct csv_reader *r)
{
	free(r->chunk);
	free(r->data);
	r->chunk = NULL;
	r->data = NULL;
	r->fp = NULL;
}

const char *csv_problem_name(enum csv_problem p)
{
	switch (p) {
	case CSV_FINE:            return "no problem";
	case CSV_BARE_QUOTE:      return "stray quote in an unquoted field";
	case CSV_JUNK_AFTER_QUOTE: return "text after a closing quote";
	case CSV_UNTERMINATED:    return "quote not closed before the end of the file";
	case CSV_FIELD_TOO_LONG:  return "field too long";
	case CSV_RECORD_TOO_LONG: return "record too long";
	case CSV_TOO_MANY_FIELDS: return "too many fields";
	case CSV_BAD_UTF8:        return "not valid UTF-8";
	}
	return "unknown problem";
}

/* ---- bytes in ---- */

/*
 * Read up to n bytes into dst, looping over short reads (pipes). Returns
 * the count; sets eof or io_error when it stops early.
 */
static size_t read_some(struct csv_reader *r, void *dst, size_t n)
{
	size_t got = 0;

	while (got < n && !r->eof && !r->io_error) {
		size_t k = fread((char *)dst + got, 1, n - got, r->fp);

		got += k;
		if (k == 0) {
			if (ferror(r->fp)) {
				r->io_error = true;
				r->io_errno = errno ? errno : EIO;
			} else {
				r->eof = true;
			}
		}
	}
	return got;
}

/* The slow path of next_byte(): BOM check, then a new chunk. -1 at end. */
static int refill(struct csv_reader *r)
{
	if (!r->head_read) {
		static const unsigned char bom[3] = { 0xEF, 0xBB, 0xBF };

		r->head_read = true;
		r->head_len = read_some(r, r->head, sizeof(r->head));
		if (!r->bytes_only && r->head_len == 3 && !memcmp(r->head, bom, 3))
			r->head_len = 0;
	}
	if (r->head_pos < r->head_len)
		return r->head[r->head_pos++];
	if (r->eof || r->io_error)
		return -1;
	r->pos = 0;
	r->len = fread(r->chunk, 1, r->chunk_size, r->fp);
	if (r->len == 0) {
		if (ferror(r->fp)) {
			r->io_error = true;
			r->io_errno = errno ? errno : EIO;
		} else {
			r->eof = true;
		}
		return -1;
	}
	return (unsigned char)r->chunk[r->pos++];
}

/* Next byte (0-255) or -1 at end of input / error; counts lines. */
static inline int next_byte(struct csv_reader *r)
{
	int c;

	if (r->pos < r->len)
		c = (unsigned char)r->chunk[r->pos++];
	else
		c = refill(r);
	/* CR, LF and CRLF each end one physical line. */
	if (c == '\r' || (c == '\n' && !r->last_cr))
		r->line++;
	r->last_cr = c == '\r';
	return c;
}

/* ---- one record ---- */

struct record_build {
	size_t data_len;       /* bytes used in r->data */
	size_t field_start;    /* where the current field began in r->data */
	size_t raw;            /* bytes of the record read so far */
	bool storing;          /* false once a cap is hit: count, don't keep */
};

static void note_problem(struct csv_record *rec, enum csv_problem p)
{
	if (rec->problem == CSV_FINE) {
		rec->problem = p;
		rec->problem_field = rec->nfields;
	}
}

static void add_byte(struct csv_reader *r, struct record_build *b, int c)
{
	if (!b->storing)
		return;
	if (b->data_len - b->field_start >= PL_MAX_FIELD_BYTES) {
		note_problem(&r->rec, CSV_FIELD_TOO_LONG);
		b->storing = false;
		return;
	}
	r->data[b->data_len++] = (char)c;
}

static void end_field(struct csv_reader *r, struct record_build *b)
{
	struct csv_record *rec = &r->rec;

	if (b->storing && rec->nfields >= PL_MAX_FIELDS_PER_RECORD) {
		note_problem(rec, CSV_TOO_MANY_FIELDS);
		b->storing = false;
	}
	if (b->storing) {
		r->data[b->data_len] = '\0';
		rec->field[rec->nstored] = r->data + b->field_start;
		rec->len[rec->nstored] = b->data_len - b->field_start;
		rec->nstored++;
		b->data_len++;
		b->field_start = b->data_len;
	}
	rec->nfields++;
}

static void check_utf8(struct csv_record *rec)
{
	for (size_t i = 0; i < rec->nstored; i++) {
		/* With an explicit length, glib also refuses NUL bytes. */
		if (!g_utf8_validate(rec->field[i], (gssize)rec->len[i], NULL)) {
			rec->problem = CSV_BAD_UTF8;
			rec->problem_field = i;
			return;
		}
	}
}

int csv_next(struct csv_reader *r, const struct csv_record **out)
{
	struct csv_record *rec = &r->rec;
	struct record_build b = { 0, 0, 0, true };
	enum csv_state st = ST_FIELD_START;
	bool started = false;
	int c;

	rec->nfields = 0;
	rec->nstored = 0;
	rec->problem = CSV_FINE;
	rec->problem_field = 0;
	rec->line = r->line;

	for (;;) {
		unsigned line_before = r->line;

		c = next_byte(r);
		if (c < 0)
			break;

		if (st != ST_QUOTED && (c == '\r' || c == '\n')) {
			if (started) {
				end_field(r, &b);
				goto done;
			}
			/* A blank line, or the LF of the CRLF that ended the last record. */
			rec->line = r->line;
			continue;
		}
		if (!started) {
			started = true;
			rec->line = line_before;
		}
		if (++b.raw > PL_MAX_RECORD_BYTES && b.storing) {
			note_problem(rec, CSV_RECORD_TOO_LONG);
			b.storing = false;
		}

		switch (st) {
		case ST_FIELD_START:
			if (c == '"') {
				st = ST_QUOTED;
			} else if (c == ',') {
				end_field(r, &b);
			} else {
				add_byte(r, &b, c);
				st = ST_UNQUOTED;
			}
			break;
		case ST_UNQUOTED:
			if (c == ',') {
				end_field(r, &b);
				st = ST_FIELD_START;
			} else {
				/* A bare quote is kept as data; the record is bad anyway. */
				if (c == '"')
					note_problem(rec, CSV_BARE_QUOTE);
				add_byte(r, &b, c);
			}
			break;
		case ST_QUOTED:
			if (c == '"')
				st = ST_QUOTE_SEEN;
			else
				add_byte(r, &b, c);
			break;
		case ST_QUOTE_SEEN:
			if (c == '"') {
				add_byte(r, &b, c);
				st = ST_QUOTED;
			} else if (c == ',') {
				end_field(r, &b);
				st = ST_FIELD_START;
			} else {
				note_problem(rec, CSV_JUNK_AFTER_QUOTE);
				add_byte(r, &b, c);
				st = ST_UNQUOTED;
			}
			break;
		}
	}

	/* End of input. */
	if (r->io_error)
		return PL_IO;
	if (!started)
		return PL_DONE;
	if (st == ST_QUOTED) {
		/* Overrides any earlier problem: the rest of the file is this record. */
		rec->problem = CSV_UNTERMINATED;
		rec->problem_field = rec->nfields;
	}
	end_field(r, &b);
done:
	if (rec->problem == CSV_FINE && !r->bytes_only)
		check_utf8(rec);
	*out = rec;
	return PL_OK;
}
