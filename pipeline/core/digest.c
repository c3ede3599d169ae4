/*
 * digest.c: SHA-256 through GLib's GChecksum (see digest.h).
 */
#include "../pl.h"
#include "digest.h"
#include "diag.h"

#include <glib.h>

void digest_init(struct digest *d)
{
	d->state = g_checksum_new(G_CHECKSUM_SHA256);
}

void digest_update(struct digest *d, const void *data, size_t len)
{
	g_checksum_update(d->state, data, (gssize)len);
}

void digest_finish(struct digest *d, char hex[PL_SHA256_HEX])
{
	snprintf(hex, PL_SHA256_HEX, "%s", g_checksum_get_string(d->state));
	g_checksum_free(d->state);
	d->state = NULL;
}

void sha256_hex(const void *data, size_t len, char hex[PL_SHA256_HEX])
{
	struct digest d;

	digest_init(&d);
	digest_update(&d, data, len);
	digest_finish(&d, hex);
}

int sha256_file(const char *path, char hex[PL_SHA256_HEX])
{
	FILE *f = fopen(path, "rb");
	struct digest d;
	char chunk[65536];
	size_t n;
	int rc = PL_OK;

	if (!f)
		return PL_IO_OPEN;
	digest_init(&d);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		digest_update(&d, chunk, n);
	if (ferror(f))
		rc = PL_IO;
	fclose(f);
	digest_finish(&d, hex);
	return rc;
}
