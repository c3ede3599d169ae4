/*
 * banned.h: functions that are easy to misuse are compile errors here.
 *
 * Use the bounded replacements instead: snprintf, struct buf, strtol with
 * an end pointer. Included last from pl.h so system headers are unaffected.
 */
#ifndef PL_BANNED_H
#define PL_BANNED_H

#define PL_BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) PL_BANNED(strcpy)
#undef strcat
#define strcat(x, y) PL_BANNED(strcat)
#undef sprintf
#define sprintf(...) PL_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) PL_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) PL_BANNED(strtok)
#undef atoi
#define atoi(x) PL_BANNED(atoi)
#undef gets
#define gets(x) PL_BANNED(gets)

#endif
