/*
 * slices.c: slice files and their results (see slices.h).
 *
 * Both files are a sequence of records [u32 length][bytes] ending with a
 * record of length 0. An entry is its file index, mark and letter number,
 * the account as presort packs it, then the history field by field; a
 * result is a letter_ref field by field. Numbers are written in the
 * machine's own byte order: the files never leave the run that wrote
 * them.
 */
#include "../pl.h"
#include "slices.h"
#include "../core/buf.h"
#include "../core/xalloc.h"
#include "../presort/presort.h"

#include <unistd.h>

/* A record is an account with its history: bounded by ingest's caps. */
#define MAX_RECORD_BYTES (16u << 20)
/* Contact events of one history that a slice keeps (decide's window). */
#define MAX_EVENTS 100000u

/* ---- one file of records ---- */

struct recfile {
	FILE *fp;              /* owned */
	char *path;            /* owned */
	struct buf rec;        /* owned: the record being written */
	unsigned char *in;     /* owned: the record read */
	size_t in_len, in_alloc;
	bool writing;
};

char *slice_path(const char *dir, unsigned slice)
{
	return xasprintf("%s/.slice-%06u", dir, slice);
}

static char *results_path(const char *dir, unsigned slice)
{
	return xasprintf("%s/.slice-%06u.done", dir, slice);
}

static int recfile_open(struct recfile *f, char *path, bool writing,
			struct pl_diag *diag)
{
	memset(f, 0, sizeof(*f));
	f->path = path;
	f->writing = writing;
	buf_init(&f->rec, MAX_RECORD_BYTES);
	f->fp = fopen(path, writing ? "wb" : "rb");
	if (!f->fp)
		return pl_diag_set(diag, PL_IO_OPEN, path, 0, "cannot %s '%s': %s",
				   writing ? "create" : "open", path, strerror(errno));
	/* Slices are read and written whole: a big buffer, few system calls. */
	setvbuf(f->fp, NULL, _IOFBF, 1u << 16);
	return PL_OK;
}

static int recfile_flush_record(struct recfile *f, struct pl_diag *diag)
{
	uint32_t len = (uint32_t)f->rec.len;

	if (fwrite(&len, sizeof(len), 1, f->fp) != 1 ||
	    (len && fwrite(f->rec.data, 1, len, f->fp) != len))
		return pl_diag_set(diag, PL_IO_WRITE, f->path, 0, "cannot write '%s': %s",
				   f->path, strerror(errno));
	buf_clear(&f->rec);
	return PL_OK;
}

/* Read the next record into f->rec; PL_DONE at the end record. */
static int recfile_next(struct recfile *f, struct pl_diag *diag)
{
	uint32_t len;

	f->in_len = 0;
	if (fread(&len, sizeof(len), 1, f->fp) != 1 || len > MAX_RECORD_BYTES)
		goto torn;
	if (len == 0)
		return PL_DONE;
	if (len > f->in_alloc) {
		f->in_alloc = len;
		f->in = xrealloc(f->in, len);
	}
	if (fread(f->in, 1, len, f->fp) != len)
		goto torn;
	f->in_len = len;
	return PL_OK;
torn:
	return pl_diag_set(diag, PL_IO, f->path, 0, "cannot read '%s': %s", f->path,
			   ferror(f->fp) ? strerror(errno) : "it is cut short or damaged");
}

/* Close; writing: the end record first. Frees everything. */
static int recfile_close(struct recfile *f, struct pl_diag *diag)
{
	int rc = PL_OK;

	if (f->fp && f->writing) {
		buf_clear(&f->rec);
		rc = recfile_flush_record(f, diag);
		if ((fflush(f->fp) != 0 || ferror(f->fp)) && rc == PL_OK)
			rc = pl_diag_set(diag, PL_IO_WRITE, f->path, 0, "cannot write '%s': %s",
					 f->path, strerror(errno));
	}
	if (f->fp && fclose(f->fp) != 0 && rc == PL_OK && f->writing)
		rc = pl_diag_set(diag, PL_IO_WRITE, f->path, 0, "cannot write '%s': %s",
				 f->path, strerror(errno));
	f->fp = NULL;
	buf_release(&f->rec);
	free(f->in);
	f->in = NULL;
	free(f->path);
	f->path = NULL;
	return rc;
}

static void recfile_discard(struct recfile *f)
{
	char *path = f->path ? xstrdup(f->path) : NULL;

	f->writing = false;
	(void)recfile_close(f, NULL);
	if (path)
		unlink(path);
	free(path);
}

/* ---- packing fields ---- */

static void put(struct buf *b, const void *data, size_t len)
{
	if (buf_add(b, data, len) != PL_OK)
		PL_BUG("a slice record over %u bytes", MAX_RECORD_BYTES);
}

static void put_u64(struct buf *b, uint64_t v)
{
	put(b, &v, sizeof(v));
}

static void put_str(struct buf *b, const char *s)
{
	uint64_t len = s ? strlen(s) : 0;

	put_u64(b, len);
	if (len)
		put(b, s, (size_t)len);
}

/* A reader's position in a record; ok turns false when it runs out. */
struct cursor {
	const unsigned char *p, *end;
	bool ok;
};

static uint64_t get_u64(struct cursor *c)
{
	uint64_t v = 0;

	if (!c->ok || (size_t)(c->end - c->p) < sizeof(v)) {
		c->ok = false;
		return 0;
	}
	memcpy(&v, c->p, sizeof(v));
	c->p += sizeof(v);
	return v;
}

static const char *get_str(struct cursor *c, struct arena *arena)
{
	uint64_t len = get_u64(c);

	if (!c->ok || (uint64_t)(c->end - c->p) < len) {
		c->ok = false;
		return "";
	}
	c->p += len;
	return arena_strndup(arena, (const char *)c->p - len, (size_t)len);
}

/* A fixed char array (imb, digests): as a string, truncated to fit. */
static void get_chars(struct cursor *c, char *out, size_t size)
{
	uint64_t len = get_u64(c);

	if (!c->ok || (uint64_t)(c->end - c->p) < len || len >= size) {
		c->ok = false;
		out[0] = '\0';
		return;
	}
	memcpy(out, c->p, (size_t)len);
	out[len] = '\0';
	c->p += len;
}

static int bad_record(const struct recfile *f, struct pl_diag *diag)
{
	return pl_diag_set(diag, PL_IO, f->path, 0, "cannot read '%s': a record is damaged",
			   f->path);
}

/* ---- entries ---- */

struct slice_writer {
	struct recfile f;
};

struct slice_reader {
	struct recfile f;
};

int slice_writer_open(struct slice_writer **out, const char *dir, unsigned slice,
		      struct pl_diag *diag)
{
	struct slice_writer *w = xcalloc(1, sizeof(*w));

	*out = w;
	return recfile_open(&w->f, slice_path(dir, slice), true, diag);
}

static void put_event(struct buf *b, const struct contact_event *ev)
{
	put_str(b, ev->file);
	put_u64(b, ev->line);
	put_str(b, ev->consumer_id);
	put_str(b, ev->account_id);
	put_u64(b, (uint64_t)(int64_t)ev->date);
	put_str(b, ev->at);
	put_u64(b, (uint64_t)ev->channel);
	put_u64(b, (uint64_t)ev->kind);
}

int slice_put(struct slice_writer *w, const struct slice_entry *e, struct pl_diag *diag)
{
	struct buf *b = &w->f.rec;
	const struct account_history *h = &e->history;

	if (e->account.rejected || (h->nevents && !h->events))
		PL_BUG("slice_put of a rejected account or a history without its events");
	put_u64(b, e->file_index);
	put_u64(b, (uint64_t)e->mark);
	put_u64(b, e->letter_no);
	presort_pack_account(b, &e->account);
	put_u64(b, (uint64_t)(int64_t)h->validation_sent_on);
	put_str(b, h->validation_piece_id);
	put_u64(b, (uint64_t)(int64_t)h->validation_end_date);
	put_u64(b, h->letters_issued);
	put_str(b, h->last_letter_code);
	put_u64(b, (uint64_t)(int64_t)h->last_letter_date);
	put_u64(b, h->nevents);
	for (size_t i = 0; i < h->nevents; i++)
		put_event(b, &h->events[i]);
	return recfile_flush_record(&w->f, diag);
}

int slice_writer_close(struct slice_writer *w, struct pl_diag *diag)
{
	int rc = recfile_close(&w->f, diag);

	free(w);
	return rc;
}

void slice_writer_discard(struct slice_writer *w)
{
	if (!w)
		return;
	recfile_discard(&w->f);
	free(w);
}

int slice_reader_open(struct slice_reader **out, const char *dir, unsigned slice,
		      struct pl_diag *diag)
{
	struct slice_reader *r = xcalloc(1, sizeof(*r));

	*out = r;
	return recfile_open(&r->f, slice_path(dir, slice), false, diag);
}

static int to_int(uint64_t v)
{
	return (int)(int64_t)v;
}

int slice_next(struct slice_reader *r, struct arena *arena, struct slice_entry *e,
	       struct pl_diag *diag)
{
	int rc = recfile_next(&r->f, diag);
	struct cursor c;
	struct account_history *h = &e->history;
	struct contact_event *events;

	if (rc != PL_OK)
		return rc;
	memset(e, 0, sizeof(*e));
	c = (struct cursor){ r->f.in, r->f.in + r->f.in_len, true };
	e->file_index = (unsigned)get_u64(&c);
	e->mark = (enum slice_mark)get_u64(&c);
	e->letter_no = (unsigned long)get_u64(&c);
	if (c.ok) {
		c.p = presort_unpack_account(c.p, c.end, arena, &e->account);
		c.ok = c.p != NULL;
		if (!c.ok)
			c.p = c.end;
	}
	h->validation_sent_on = to_int(get_u64(&c));
	h->validation_piece_id = get_str(&c, arena);
	h->validation_end_date = to_int(get_u64(&c));
	h->letters_issued = (unsigned)get_u64(&c);
	h->last_letter_code = get_str(&c, arena);
	h->last_letter_date = to_int(get_u64(&c));
	h->nevents = (size_t)get_u64(&c);
	if (!c.ok || h->nevents > MAX_EVENTS)
		return bad_record(&r->f, diag);
	events = h->nevents ? arena_alloc(arena, h->nevents * sizeof(*events)) : NULL;
	for (size_t i = 0; i < h->nevents; i++) {
		struct contact_event *ev = &events[i];

		memset(ev, 0, sizeof(*ev));
		ev->file = get_str(&c, arena);
		ev->line = (unsigned)get_u64(&c);
		ev->consumer_id = get_str(&c, arena);
		ev->account_id = get_str(&c, arena);
		ev->date = to_int(get_u64(&c));
		get_chars(&c, ev->at, sizeof(ev->at));
		ev->channel = (enum channel)get_u64(&c);
		ev->kind = (enum contact_kind)get_u64(&c);
	}
	h->events = events;
	if (!c.ok || c.p != c.end || e->mark > SLICE_DOES_NOT_FIT)
		return bad_record(&r->f, diag);
	return PL_OK;
}

void slice_reader_free(struct slice_reader *r)
{
	if (!r)
		return;
	(void)recfile_close(&r->f, NULL);
	free(r);
}

/* ---- results ---- */

struct slice_results {
	struct recfile f;
};

int slice_results_open(struct slice_results **out, const char *dir, unsigned slice,
		       struct pl_diag *diag)
{
	struct slice_results *w = xcalloc(1, sizeof(*w));

	*out = w;
	return recfile_open(&w->f, results_path(dir, slice), true, diag);
}

int slice_results_put(struct slice_results *w, const struct letter_ref *l,
		      struct pl_diag *diag)
{
	struct buf *b = &w->f.rec;

	put_str(b, l->template_id);
	put_str(b, l->template_version);
	put_str(b, l->group);
	put_str(b, l->envelope);
	put_str(b, l->pdf);
	put_u64(b, l->first_page);
	put_u64(b, l->pdf_offset);
	put_u64(b, l->pdf_length);
	put_str(b, l->pages_sha256);
	put_u64(b, l->page_count);
	put_u64(b, l->sheet_count);
	put_str(b, l->content_sha256);
	put_str(b, l->language);
	put_str(b, l->imb);
	put_u64(b, l->imb_serial);
	return recfile_flush_record(&w->f, diag);
}

int slice_results_close(struct slice_results *w, struct pl_diag *diag)
{
	int rc = recfile_close(&w->f, diag);

	free(w);
	return rc;
}

void slice_results_discard(struct slice_results *w)
{
	if (!w)
		return;
	recfile_discard(&w->f);
	free(w);
}

int slice_results_read_open(struct slice_results **out, const char *dir,
			    unsigned slice, struct pl_diag *diag)
{
	struct slice_results *r = xcalloc(1, sizeof(*r));

	*out = r;
	return recfile_open(&r->f, results_path(dir, slice), false, diag);
}

int slice_results_next(struct slice_results *r, struct arena *arena,
		       struct letter_ref *l, struct pl_diag *diag)
{
	int rc = recfile_next(&r->f, diag);
	struct cursor c;

	if (rc != PL_OK)
		return rc;
	memset(l, 0, sizeof(*l));
	c = (struct cursor){ r->f.in, r->f.in + r->f.in_len, true };
	l->template_id = get_str(&c, arena);
	l->template_version = get_str(&c, arena);
	l->group = get_str(&c, arena);
	l->envelope = get_str(&c, arena);
	l->pdf = get_str(&c, arena);
	l->first_page = (unsigned)get_u64(&c);
	l->pdf_offset = (unsigned long)get_u64(&c);
	l->pdf_length = (unsigned long)get_u64(&c);
	get_chars(&c, l->pages_sha256, sizeof(l->pages_sha256));
	l->page_count = (unsigned)get_u64(&c);
	l->sheet_count = (unsigned)get_u64(&c);
	get_chars(&c, l->content_sha256, sizeof(l->content_sha256));
	l->language = get_str(&c, arena);
	get_chars(&c, l->imb, sizeof(l->imb));
	l->imb_serial = (unsigned long)get_u64(&c);
	if (!c.ok || c.p != c.end)
		return bad_record(&r->f, diag);
	return PL_OK;
}

void slice_results_free(struct slice_results *r)
{
	if (!r)
		return;
	(void)recfile_close(&r->f, NULL);
	free(r);
}

void slice_remove(const char *dir, unsigned slice)
{
	char *p = slice_path(dir, slice), *d = results_path(dir, slice);

	unlink(p);
	unlink(d);
	free(p);
	free(d);
}
