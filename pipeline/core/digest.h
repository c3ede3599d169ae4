/*
 * digest.h: SHA-256, streaming and one-shot, as lowercase hex.
 *
 * A thin wrapper over OpenSSL's libcrypto (EVP), which uses the CPU's
 * SHA instructions where there are some: every byte of every PDF is
 * hashed two or three times (the file's digest as it is written, each
 * piece's pages), so the hash is on the run's critical path. No stage
 * hand-writes a hash and every stage spells the digest alike.
 *
 * Ownership: struct digest owns its EVP state until digest_finish().
 */
#ifndef PL_DIGEST_H
#define PL_DIGEST_H

#include "../pl.h"

#define PL_SHA256_HEX 65   /* 64 hex digits and the NUL */

struct digest {
	void *state;   /* owned EVP_MD_CTX */
};

void digest_init(struct digest *d);
void digest_update(struct digest *d, const void *data, size_t len);
/* Write the hex digest into hex and free the state. */
void digest_finish(struct digest *d, char hex[PL_SHA256_HEX]);

void sha256_hex(const void *data, size_t len, char hex[PL_SHA256_HEX]);
/* Digest of a whole file; PL_IO_OPEN when it cannot be read. */
PL_WARN_UNUSED int sha256_file(const char *path, char hex[PL_SHA256_HEX]);

#endif
