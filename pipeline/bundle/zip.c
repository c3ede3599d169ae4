/*
 * zip.c: the deterministic zip writer of zip.h.
 *
 * Byte layout (APPNOTE 6.3.x, sections 4.3.7, 4.3.12, 4.3.16), all
 * integers little-endian:
 *
 *   per entry   local header (30 bytes + name), deflated data
 *   then        one central directory header per entry (46 bytes + name)
 *               the end of central directory record (22 bytes)
 *
 * Nothing in it depends on the clock, the host or the file system: the
 * time is DOS 1980-01-01 00:00 (date 0x0021, time 0), "made by" is Unix
 * 2.0 with mode 0644 in the external attributes, and the deflate stream
 * is zlib's raw deflate at a fixed level, window and memory level. PDFs
 * are deflated at level 0 (stored blocks): their content is compressed
 * already, and deflating them again cost about 0.4 ms a letter for a
 * quarter of their size.
 *
 * The local header's CRC-32 and sizes are known only after the data, so
 * the header is written with zeros and patched by seeking back in the
 * atomfile's FILE; so the archive is written to that FILE directly and
 * zip_finish() has the atomfile hash the final bytes once
 * (atomfile_rehash()). ZIP64
 * (zip.h) is used only where a value needs it, so an entry's form is
 * decided from its file's size before its data is written.
 */
#include "../pl.h"
#include "zip.h"
#include "../core/xalloc.h"

#include <sys/stat.h>
#include <zlib.h>

#define ZIP_CHUNK          65536
#define ZIP_LEVEL          6        /* zlib's default, written out: the bytes
					   must not follow a changed default */
#define ZIP_LEVEL_STORED   0        /* files compressed inside (PDF) */
#define ZIP_MEM_LEVEL      8
#define ZIP_VERSION        20       /* 2.0: deflate */
#define ZIP_MADE_BY        ((3 << 8) | ZIP_VERSION)   /* 3: Unix */
#define ZIP_METHOD_DEFLATE 8
#define ZIP_DOS_TIME       0x0000   /* 00:00:00 */
#define ZIP_DOS_DATE       0x0021   /* 1980-01-01: (0 << 9) | (1 << 5) | 1 */
#define ZIP_FLAG_UTF8      0x0800
#define ZIP_MODE           0100644u /* regular file, rw-r--r-- */
#define ZIP_MAX_32         0xffffffffu
#define ZIP_MAX_ENTRIES    0xffffu
#define ZIP_MAX_NAME       0xffffu

#define ZIP_LOCAL_SIG      0x04034b50u
#define ZIP_CENTRAL_SIG    0x02014b50u
#define ZIP_END_SIG        0x06054b50u
#define ZIP_LOCAL_LEN      30
#define ZIP_CENTRAL_LEN    46
#define ZIP_END_LEN        22
#define ZIP_LOCAL_CRC_AT   14       /* crc, compressed size, size: 12 bytes */
/* ZIP64 (APPNOTE 4.3.14, 4.3.15, 4.5.3). */
#define ZIP64_VERSION      45
#define ZIP64_MADE_BY      ((3 << 8) | ZIP64_VERSION)
#define ZIP64_EXTRA_ID     0x0001
#define ZIP64_END_SIG      0x06064b50u
#define ZIP64_LOCATOR_SIG  0x07064b50u
#define ZIP64_END_LEN      56
#define ZIP64_LOCATOR_LEN  20
#define ZIP64_LOCAL_EXTRA  20       /* id, length, size, compressed size */

/* ---- little-endian fields ---- */

static unsigned char *put16(unsigned char *p, unsigned v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	return p + 2;
}

static unsigned char *put32(unsigned char *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = (v >> 24) & 0xff;
	return p + 4;
}

static unsigned char *put64(unsigned char *p, uint64_t v)
{
	p = put32(p, (uint32_t)v);
	return put32(p, (uint32_t)(v >> 32));
}

static int write_error(struct zip *z, struct pl_diag *diag)
{
	int err = errno;

	return pl_diag_set(diag, PL_IO_WRITE, z->af->path, 0, "cannot write '%s': %s",
			   z->af->path, err ? strerror(err) : "write failed");
}

static int limit_error(struct zip *z, const char *name, const char *what,
		       struct pl_diag *diag)
{
	return pl_diag_set(diag, PL_LIMIT, z->af->path, 0,
			   "cannot add '%s' to the zip: %s", name, what);
}

/*
 * Write len bytes at the end of the archive, counting the offset. Straight
 * to the atomfile's FILE: the local headers are patched afterwards, so
 * zip_finish() has the atomfile hash the final bytes (atomfile_rehash())
 * and a digest taken while writing would only be thrown away.
 */
static int emit(struct zip *z, const void *data, size_t len, struct pl_diag *diag)
{
	if (len && fwrite(data, 1, len, z->af->fp) != len) {
		z->af->failed = true;
		return write_error(z, diag);
	}
	z->offset += len;
	return PL_OK;
}

/* ---- the archive ---- */

void zip_begin(struct zip *z, struct atomfile *af)
{
	const char *from = getenv("FAIRNOTICE_ZIP64_FROM");

	memset(z, 0, sizeof(*z));
	z->af = af;
	z->zip64_from = ZIP_MAX_32;
	if (from && *from) {
		char *end;
		unsigned long long v = strtoull(from, &end, 10);

		if (!*end && v > 0 && v < ZIP_MAX_32)
			z->zip64_from = v;
	}
}

/* Is name a file that is compressed inside (a PDF)? */
static bool compressed_inside(const char *name)
{
	size_t len = strlen(name);

	return len > 4 && !strcmp(name + len - 4, ".pdf");
}

/* The deflate state, made once and reset for each entry, at its level. */
static int stream_ready(struct zip *z, int level, struct pl_diag *diag)
{
	if (z->stream)
		return deflateReset(z->stream) == Z_OK &&
		       deflateParams(z->stream, level, Z_DEFAULT_STRATEGY) == Z_OK
			? PL_OK
			: pl_diag_set(diag, PL_IO_WRITE, z->af->path, 0,
				      "cannot reset zlib's deflate state");
	z->stream = xcalloc(1, sizeof(*z->stream));
	z->in = xmalloc(ZIP_CHUNK);
	z->out = xmalloc(ZIP_CHUNK);
	/* Negative window bits: raw deflate, no zlib header or trailer. */
	if (deflateInit2(z->stream, level, Z_DEFLATED, -MAX_WBITS,
			 ZIP_MEM_LEVEL, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(z->stream);
		z->stream = NULL;
		return pl_diag_set(diag, PL_IO_WRITE, z->af->path, 0,
				   "cannot start zlib's deflate");
	}
	return PL_OK;
}

/*
 * Deflate the open file in into the archive. *crc_out, *size_out and
 * *compressed_out receive the entry's values.
 */
static int deflate_file(struct zip *z, FILE *in, const char *name,
			const char *path, uint32_t *crc_out, uint64_t *size_out,
			uint64_t *compressed_out, bool zip64, struct pl_diag *diag)
{
	z_stream *s = z->stream;
	uLong crc = crc32(0L, Z_NULL, 0);
	uint64_t size = 0, compressed = 0;
	int flush = Z_NO_FLUSH, zrc = Z_OK, rc = PL_OK;

	while (rc == PL_OK && flush != Z_FINISH) {
		size_t n = fread(z->in, 1, ZIP_CHUNK, in);

		if (ferror(in)) {
			rc = pl_diag_set(diag, PL_IO_OPEN, path, 0,
					 "cannot read '%s': %s", path, strerror(errno));
			break;
		}
		if (n < ZIP_CHUNK && feof(in))
			flush = Z_FINISH;
		size += n;
		if (!zip64 && size >= z->zip64_from) {
			/* Its size was taken before: the file grew while zipped. */
			rc = limit_error(z, name, "the file grew while it was added", diag);
			break;
		}
		crc = crc32(crc, z->in, (uInt)n);
		s->next_in = z->in;
		s->avail_in = (uInt)n;
		do {
			size_t have;

			s->next_out = z->out;
			s->avail_out = ZIP_CHUNK;
			zrc = deflate(s, flush);
			if (zrc == Z_STREAM_ERROR)
				PL_BUG("zlib's deflate state is broken");
			have = ZIP_CHUNK - s->avail_out;
			compressed += have;
			rc = emit(z, z->out, have, diag);
		} while (rc == PL_OK && s->avail_out == 0);
		if (rc == PL_OK && s->avail_in != 0)
			PL_BUG("deflate left input behind");
	}
	if (rc == PL_OK && zrc != Z_STREAM_END)
		PL_BUG("deflate did not end its stream");
	if (rc == PL_OK && !zip64 && compressed >= z->zip64_from)
		rc = limit_error(z, name, "the file grew while it was added", diag);
	*crc_out = (uint32_t)crc;
	*size_out = size;
	*compressed_out = compressed;
	return rc;
}

/* Seek back to the local header at offset and fill in its three values. */
static int patch_local(struct zip *z, const struct zip_entry *e, size_t name_len,
		       struct pl_diag *diag)
{
	unsigned char b[12], x[16], *p = b;
	FILE *fp = z->af->fp;

	p = put32(p, e->crc);
	if (e->zip64_sizes) {
		/* The 32-bit fields stay 0xffffffff; the sizes go in the extra. */
		p = put32(p, ZIP_MAX_32);
		put32(p, ZIP_MAX_32);
		put64(put64(x, e->size), e->compressed_size);
	} else {
		p = put32(p, (uint32_t)e->compressed_size);
		put32(p, (uint32_t)e->size);
	}
	if (fflush(fp) != 0 ||
	    fseeko(fp, (off_t)e->offset + ZIP_LOCAL_CRC_AT, SEEK_SET) != 0 ||
	    fwrite(b, 1, sizeof(b), fp) != sizeof(b) ||
	    (e->zip64_sizes &&
	     (fseeko(fp, (off_t)(e->offset + ZIP_LOCAL_LEN + name_len + 4), SEEK_SET) != 0 ||
	      fwrite(x, 1, sizeof(x), fp) != sizeof(x))) ||
	    fseeko(fp, 0, SEEK_END) != 0) {
		z->af->failed = true;
		return write_error(z, diag);
	}
	/* The digest is recomputed in zip_finish(); only the end must match. */
	if ((uint64_t)ftello(fp) != z->offset) {
		z->af->failed = true;
		return pl_diag_set(diag, PL_IO_WRITE, z->af->path, 0,
				   "cannot write '%s': the archive is %lld bytes, "
				   "expected %llu", z->af->path, (long long)ftello(fp),
				   (unsigned long long)z->offset);
	}
	return PL_OK;
}

int zip_add_file(struct zip *z, const char *name, const char *path,
		 struct pl_diag *diag)
{
	unsigned char head[ZIP_LOCAL_LEN + ZIP64_LOCAL_EXTRA], *p = head;
	struct zip_entry e = { 0 };
	size_t name_len = strlen(name);
	FILE *in = NULL;
	struct stat st;
	int level = compressed_inside(name) ? ZIP_LEVEL_STORED : ZIP_LEVEL;
	int rc = PL_OK;

	if (!name_len || name_len > ZIP_MAX_NAME || name[0] == '/')
		PL_BUG("zip entry name '%s' is not a relative path", name);

	in = fopen(path, "rb");
	if (!in)
		return pl_diag_set(diag, PL_IO_OPEN, path, 0, "cannot open '%s': %s",
				   path, strerror(errno));
	if (fstat(fileno(in), &st) != 0 || !S_ISREG(st.st_mode))
		rc = pl_diag_set(diag, PL_IO_OPEN, path, 0,
				 "cannot add '%s' to the zip: not a regular file", path);
	if (rc == PL_OK)
		rc = stream_ready(z, level, diag);
	/*
	 * ZIP64 sizes when the file, or the most zlib can make of it, could
	 * reach the 32-bit fields' end: decided before the data, from the
	 * file's size, so the local header has room for them.
	 */
	if (rc == PL_OK)
		e.zip64_sizes = (uint64_t)st.st_size >= z->zip64_from ||
				deflateBound(z->stream, (uLong)st.st_size) >= z->zip64_from;

	for (size_t i = 0; i < name_len; i++)
		if ((unsigned char)name[i] >= 0x80)
			e.flags = ZIP_FLAG_UTF8;
	e.offset = z->offset;
	p = put32(p, ZIP_LOCAL_SIG);
	p = put16(p, e.zip64_sizes ? ZIP64_VERSION : ZIP_VERSION);
	p = put16(p, e.flags);
	p = put16(p, ZIP_METHOD_DEFLATE);
	p = put16(p, ZIP_DOS_TIME);
	p = put16(p, ZIP_DOS_DATE);
	p = put32(p, 0);               /* CRC-32, patched */
	p = put32(p, 0);               /* compressed size, patched */
	p = put32(p, 0);               /* size, patched */
	p = put16(p, (unsigned)name_len);
	p = put16(p, e.zip64_sizes ? ZIP64_LOCAL_EXTRA : 0);
	if (rc == PL_OK)
		rc = emit(z, head, ZIP_LOCAL_LEN, diag);
	if (rc == PL_OK)
		rc = emit(z, name, name_len, diag);
	if (rc == PL_OK && e.zip64_sizes) {
		p = put16(head, ZIP64_EXTRA_ID);
		p = put16(p, 16);
		p = put64(p, 0);           /* size, patched */
		put64(p, 0);               /* compressed size, patched */
		rc = emit(z, head, ZIP64_LOCAL_EXTRA, diag);
	}
	if (rc == PL_OK)
		rc = deflate_file(z, in, name, path, &e.crc, &e.size,
				  &e.compressed_size, e.zip64_sizes, diag);
	if (rc == PL_OK)
		rc = patch_local(z, &e, name_len, diag);
	if (rc == PL_OK) {
		if (z->nentries == z->alloc) {
			z->alloc = z->alloc ? 2 * z->alloc : 16;
			z->entries = xrealloc(z->entries, z->alloc * sizeof(*z->entries));
		}
		e.name = xstrdup(name);
		z->entries[z->nentries++] = e;
	}
	fclose(in);
	return rc;
}

/* One central directory record, with its ZIP64 extra field when it needs one. */
static int central_record(struct zip *z, const struct zip_entry *e, struct pl_diag *diag)
{
	unsigned char b[ZIP_CENTRAL_LEN], x[4 + 24], *p = b, *q = x + 4;
	bool far = e->offset >= z->zip64_from;
	bool zip64 = e->zip64_sizes || far;
	int rc;

	if (e->zip64_sizes) {
		q = put64(q, e->size);
		q = put64(q, e->compressed_size);
	}
	if (far)
		q = put64(q, e->offset);
	put16(put16(x, ZIP64_EXTRA_ID), (unsigned)(q - x - 4));

	p = put32(p, ZIP_CENTRAL_SIG);
	p = put16(p, zip64 ? ZIP64_MADE_BY : ZIP_MADE_BY);
	p = put16(p, zip64 ? ZIP64_VERSION : ZIP_VERSION);
	p = put16(p, e->flags);
	p = put16(p, ZIP_METHOD_DEFLATE);
	p = put16(p, ZIP_DOS_TIME);
	p = put16(p, ZIP_DOS_DATE);
	p = put32(p, e->crc);
	p = put32(p, e->zip64_sizes ? ZIP_MAX_32 : (uint32_t)e->compressed_size);
	p = put32(p, e->zip64_sizes ? ZIP_MAX_32 : (uint32_t)e->size);
	p = put16(p, (unsigned)strlen(e->name));
	p = put16(p, zip64 ? (unsigned)(q - x) : 0);   /* extra field */
	p = put16(p, 0);            /* comment */
	p = put16(p, 0);            /* disk number */
	p = put16(p, 0);            /* internal attributes */
	p = put32(p, (uint32_t)ZIP_MODE << 16);   /* Unix mode */
	put32(p, far ? ZIP_MAX_32 : (uint32_t)e->offset);
	rc = emit(z, b, ZIP_CENTRAL_LEN, diag);
	if (rc == PL_OK)
		rc = emit(z, e->name, strlen(e->name), diag);
	if (rc == PL_OK && zip64)
		rc = emit(z, x, (size_t)(q - x), diag);
	return rc;
}

/* The ZIP64 end of central directory record and its locator. */
static int zip64_end(struct zip *z, uint64_t cd_start, uint64_t cd_size,
		     struct pl_diag *diag)
{
	unsigned char b[ZIP64_END_LEN + ZIP64_LOCATOR_LEN], *p = b;
	uint64_t at = z->offset;

	p = put32(p, ZIP64_END_SIG);
	p = put64(p, ZIP64_END_LEN - 12);   /* the record's size after this field */
	p = put16(p, ZIP64_MADE_BY);
	p = put16(p, ZIP64_VERSION);
	p = put32(p, 0);                    /* this disk */
	p = put32(p, 0);                    /* disk of the central directory */
	p = put64(p, z->nentries);
	p = put64(p, z->nentries);
	p = put64(p, cd_size);
	p = put64(p, cd_start);
	p = put32(p, ZIP64_LOCATOR_SIG);
	p = put32(p, 0);                    /* disk of the ZIP64 end record */
	p = put64(p, at);
	put32(p, 1);                        /* disks */
	return emit(z, b, sizeof(b), diag);
}

int zip_finish(struct zip *z, struct pl_diag *diag)
{
	unsigned char b[ZIP_END_LEN], *p;
	uint64_t start = z->offset, size;
	bool many, zip64;
	int rc = PL_OK;

	for (size_t i = 0; rc == PL_OK && i < z->nentries; i++)
		rc = central_record(z, &z->entries[i], diag);
	size = z->offset - start;
	many = z->nentries >= ZIP_MAX_ENTRIES;
	zip64 = many || start >= z->zip64_from || size >= z->zip64_from;
	if (rc == PL_OK && zip64)
		rc = zip64_end(z, start, size, diag);
	if (rc == PL_OK) {
		/* Each field too small for its value says so with all ones. */
		p = b;
		p = put32(p, ZIP_END_SIG);
		p = put16(p, 0);            /* this disk */
		p = put16(p, 0);            /* disk of the central directory */
		p = put16(p, many ? ZIP_MAX_ENTRIES : (unsigned)z->nentries);
		p = put16(p, many ? ZIP_MAX_ENTRIES : (unsigned)z->nentries);
		p = put32(p, size >= z->zip64_from ? ZIP_MAX_32 : (uint32_t)size);
		p = put32(p, start >= z->zip64_from ? ZIP_MAX_32 : (uint32_t)start);
		put16(p, 0);                /* comment */
		rc = emit(z, b, ZIP_END_LEN, diag);
	}
	if (rc == PL_OK)
		rc = atomfile_rehash(z->af, diag);
	if (rc == PL_OK && z->af->bytes != z->offset)
		rc = pl_diag_set(diag, PL_IO_WRITE, z->af->path, 0,
				 "cannot write '%s': %llu bytes on disk, %llu written",
				 z->af->path, (unsigned long long)z->af->bytes,
				 (unsigned long long)z->offset);
	return rc;
}

void zip_release(struct zip *z)
{
	if (z->stream) {
		deflateEnd(z->stream);
		free(z->stream);
	}
	for (size_t i = 0; i < z->nentries; i++)
		free(z->entries[i].name);
	free(z->entries);
	free(z->in);
	free(z->out);
	memset(z, 0, sizeof(*z));
}
