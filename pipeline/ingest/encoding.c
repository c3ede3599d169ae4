/*
 * encoding.c: the text encodings an agency may declare, decoded to UTF-8.
 *
 * Every string fairnotice holds is UTF-8. Agencies' older systems write
 * Windows-1252 or ISO-8859-1, so the profile's <input> names the encoding
 * of each kind of file and the readers decode field by field on the way
 * in. Both are single-byte encodings, so a table does it exactly and
 * deterministically (no iconv, whose tables vary between C libraries):
 *
 *   ISO-8859-1    byte b is U+00bb
 *   Windows-1252  the same, except 0x80-0x9F, which hold typographic
 *                 characters (euro sign, curly quotes, dashes ...); the
 *                 five bytes 0x81 0x8D 0x8F 0x90 0x9D are undefined and
 *                 therefore invalid
 *
 * NUL is invalid in every encoding (it would cut a C string short), as
 * are malformed sequences of UTF-8 input (glib's validator, which also
 * refuses overlong forms and surrogates). An invalid byte rejects the
 * record (BAD_ENCODING); it never reaches a letter as a guess.
 */
#include "../pl.h"
#include "ingest-int.h"

#include <glib.h>

/* Windows-1252 0x80-0x9F; 0 marks the undefined bytes. */
static const uint16_t cp1252_high[32] = {
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
};

enum text_encoding encoding_of(const char *name)
{
	if (name && !strcmp(name, "windows-1252"))
		return ENC_WINDOWS_1252;
	if (name && !strcmp(name, "iso-8859-1"))
		return ENC_ISO_8859_1;
	return ENC_UTF8;
}

const char *encoding_name(enum text_encoding e)
{
	switch (e) {
	case ENC_UTF8:         return "UTF-8";
	case ENC_WINDOWS_1252: return "Windows-1252";
	case ENC_ISO_8859_1:   return "ISO-8859-1";
	}
	return "?";
}

/* One code point (below U+10000) as UTF-8 at out; returns the bytes written. */
static size_t put_utf8(char *out, unsigned cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	out[0] = (char)(0xE0 | (cp >> 12));
	out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[2] = (char)(0x80 | (cp & 0x3F));
	return 3;
}

bool encoding_decode(enum text_encoding e, const char *in, size_t n, char *out,
		     size_t *out_len, size_t *bad_at)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t o = 0;

	if (e == ENC_UTF8) {
		const char *end = NULL;

		/* With an explicit length, glib also refuses NUL bytes. */
		if (!g_utf8_validate(in, (gssize)n, &end)) {
			*bad_at = (size_t)(end - in);
			return false;
		}
		memcpy(out, in, n);
		out[n] = '\0';
		*out_len = n;
		return true;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned cp = p[i];

		if (cp == 0) {
			*bad_at = i;
			return false;
		}
		if (e == ENC_WINDOWS_1252 && cp >= 0x80 && cp <= 0x9F) {
			cp = cp1252_high[cp - 0x80];
			if (!cp) {
				*bad_at = i;
				return false;
			}
		}
		o += put_utf8(out + o, cp);
	}
	out[o] = '\0';
	*out_len = o;
	return true;
}
