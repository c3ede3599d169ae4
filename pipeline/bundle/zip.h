/*
 * zip.h: a small deterministic zip writer for the print bundle (bundle
 * internal; control.c is its one caller).
 *
 * It writes PKWARE's format (APPNOTE 6.3.x): for each
 * entry a local header, the file deflated raw by zlib; then the central
 * directory and the end record. The bytes depend only on the entries'
 * names and contents and the order they are added in: every entry has
 * the DOS time 1980-01-01 00:00, mode 0644, no extra fields, no comment,
 * deflate level 6. Files are streamed in chunks, never held whole in
 * memory; each local header is written first with its CRC-32 and sizes
 * zeroed and patched once the entry is done, so readers that trust local
 * headers (streaming unzippers) see the true values and no data
 * descriptor is needed.
 *
 * Order of calls:
 *   atomfile_open(&af, "print/bundle.zip", &diag)
 *   zip_begin(&z, &af)
 *   zip_add_file(&z, "audit/manifest.xml", path, &diag)   in sorted order
 *   zip_finish(&z, &diag)        central directory, end record, rehash
 *   atomfile_commit(&af, ...)
 *   zip_release(&z)              always; frees what zip_begin() took
 *
 * A bundle of a million letters is tens of GiB, so the 32-bit fields do
 * not always hold (APPNOTE 4.5.3, 4.3.14, 4.3.15): an entry whose file
 * might deflate to 4 GiB or more (zlib's bound on its size, known before
 * it is written) carries its sizes in a ZIP64 extra field, in its local
 * header and in its central record; a local header at 4 GiB or more has
 * its offset in the central record's ZIP64 extra field; and a central
 * directory past the 32-bit fields, or with 65,535 entries or more, is
 * followed by the ZIP64 end record and its locator before the end
 * record. A small bundle has none of them, so its bytes are those of the
 * plain format.
 *
 * Ownership: the zip borrows its atomfile, which must stay open until
 * zip_finish(); it seeks inside the atomfile's FILE and calls
 * atomfile_rehash(), so the caller commits the digest of the final bytes.
 */
#ifndef PL_BUNDLE_ZIP_H
#define PL_BUNDLE_ZIP_H

#include "../pl.h"
#include "../core/atomfile.h"
#include "../core/diag.h"

struct z_stream_s;

/* One central directory record, kept until zip_finish(). */
struct zip_entry {
	char *name;          /* owned */
	uint32_t crc;
	uint64_t compressed_size, size;
	uint64_t offset;     /* of its local header */
	uint16_t flags;      /* bit 11: the name is UTF-8 */
	bool zip64_sizes;    /* its sizes are in ZIP64 extra fields */
};

struct zip {
	struct atomfile *af;          /* borrowed, open */
	struct z_stream_s *stream;    /* owned deflate state, reset per entry */
	struct zip_entry *entries;    /* owned */
	size_t nentries, alloc;
	uint64_t offset;              /* bytes written so far */
	unsigned char *in, *out;      /* owned chunk buffers */
	/*
	 * A size or offset from this value on is written in ZIP64 form:
	 * 0xffffffff, or what FAIRNOTICE_ZIP64_FROM says (a test's way to
	 * see the ZIP64 records without writing 4 GiB).
	 */
	uint64_t zip64_from;
};

/* Start an archive at the beginning of af (nothing written yet). */
void zip_begin(struct zip *z, struct atomfile *af);
/*
 * Add the file at path as the entry name (a relative path with '/'
 * separators, as it should appear in the archive). PL_IO_* when path
 * cannot be read or af written; PL_LIMIT past the format's 32-bit
 * fields. After a failure the archive is unusable: roll af back.
 */
PL_WARN_UNUSED int zip_add_file(struct zip *z, const char *name, const char *path,
				struct pl_diag *diag);
/* Write the central directory and the end record and rehash af. */
PL_WARN_UNUSED int zip_finish(struct zip *z, struct pl_diag *diag);
/* Free what the zip owns (not af). Safe after any failure. */
void zip_release(struct zip *z);

#endif
