/*
 * pl.h: the first include of every fairnotice source file.
 *
 * It fixes the feature macros, pulls in the standard headers every module
 * uses, defines the attributes we rely on and bans the unsafe libc
 * functions (core/banned.h). Nothing here depends on a stage.
 */
#ifndef PL_H
#define PL_H

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1
#endif

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PL_NORETURN __attribute__((noreturn))
#define PL_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define PL_WARN_UNUSED __attribute__((warn_unused_result))
#define PL_UNUSED __attribute__((unused))

#define PL_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A broken invariant: abort with the place it was noticed. */
#define PL_BUG(...) pl_bug(__FILE__, __LINE__, __VA_ARGS__)
PL_NORETURN PL_PRINTF(3, 4) void pl_bug(const char *file, int line,
					const char *fmt, ...);

#include "core/banned.h"

#endif
