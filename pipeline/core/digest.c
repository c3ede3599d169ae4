/*
 * digest.c: SHA-256 through OpenSSL's EVP interface (see digest.h).
 *
 * An allocation failure or an EVP error here is not a condition of the
 * input: it means the process cannot go on, like xmalloc's.
 */
#include "../pl.h"
#include "digest.h"
#include "diag.h"

#include <openssl/evp.h>

static void hex_of(const unsigned char *md, unsigned len, char hex[PL_SHA256_HEX])
{
	static const char digits[] = "0123456789abcdef";

	for (unsigned i = 0; i < len && 2 * i + 2 < PL_SHA256_HEX; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[PL_SHA256_HEX - 1] = '\0';
}

void digest_init(struct digest *d)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		PL_BUG("cannot start a SHA-256 digest");
	d->state = ctx;
}

void digest_update(struct digest *d, const void *data, size_t len)
{
	if (len && EVP_DigestUpdate(d->state, data, len) != 1)
		PL_BUG("cannot update a SHA-256 digest");
}

void digest_finish(struct digest *d, char hex[PL_SHA256_HEX])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned len = 0;

	if (EVP_DigestFinal_ex(d->state, md, &len) != 1 || len != 32)
		PL_BUG("cannot finish a SHA-256 digest");
	hex_of(md, len, hex);
	EVP_MD_CTX_free(d->state);
	d->state = NULL;
}

void sha256_hex(const void *data, size_t len, char hex[PL_SHA256_HEX])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned md_len = 0;

	if (EVP_Digest(data, len, md, &md_len, EVP_sha256(), NULL) != 1 || md_len != 32)
		PL_BUG("cannot compute a SHA-256 digest");
	hex_of(md, md_len, hex);
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
