/*
 * diag.c: status names and the diagnostic record (see diag.h).
 */
#include "../pl.h"
#include "diag.h"

void pl_bug(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "BUG: %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

const char *pl_strerror(int status)
{
	switch (PL_CLASS(status)) {
	case PL_OK:       return "ok";
	case PL_DONE:     return "done";
	case PL_IO:       return "i/o error";
	case PL_PARSE:    return "unreadable input";
	case PL_RULE:     return "rules error";
	case PL_TEMPLATE: return "template error";
	case PL_RENDER:   return "rendering error";
	case PL_MANIFEST: return "bundle error";
	case PL_USAGE:    return "usage error";
	case PL_LIMIT:    return "limit exceeded";
	}
	return "unknown error";
}

int pl_diag_set(struct pl_diag *diag, int status, const char *file,
		unsigned line, const char *fmt, ...)
{
	va_list ap;

	if (!diag)
		return status;
	diag->status = status;
	snprintf(diag->file, sizeof(diag->file), "%s", file ? file : "");
	diag->line = line;
	va_start(ap, fmt);
	vsnprintf(diag->message, sizeof(diag->message), fmt, ap);
	va_end(ap);
	return status;
}

void pl_diag_clear(struct pl_diag *diag)
{
	memset(diag, 0, sizeof(*diag));
}

char *pl_diag_format(const struct pl_diag *diag, char *out, size_t size)
{
	if (diag->file[0] && diag->line)
		snprintf(out, size, "%s (at %s:%u)", diag->message, diag->file,
			 diag->line);
	else if (diag->file[0])
		snprintf(out, size, "%s (at %s)", diag->message, diag->file);
	else
		snprintf(out, size, "%s", diag->message);
	return out;
}
