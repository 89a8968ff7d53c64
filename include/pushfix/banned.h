#ifndef PUSHFIX_BANNED_H
#define PUSHFIX_BANNED_H

/*
 * Functions that are easy to misuse, after git's banned.h: using one is a
 * compile error naming it.  Use pf_buf_addf(), snprintf(), memcpy() with
 * a known length, pf_parse_ulong() or strtol() with an end check, and the
 * reentrant *_r time functions instead.  Included last from util.h, so
 * every file of ours that includes util.h gets it after the system
 * headers have declared the real functions.
 */

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) BANNED(strncat)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef strtok_r
#define strtok_r(x, y, z) BANNED(strtok_r)

#undef sprintf
#undef vsprintf
#define sprintf(...) BANNED(sprintf)
#define vsprintf(...) BANNED(vsprintf)

#undef gets
#define gets(x) BANNED(gets)

/* No error detection: "12abc" and "" both parse. */
#undef atoi
#define atoi(x) BANNED(atoi)
#undef atol
#define atol(x) BANNED(atol)
#undef atoll
#define atoll(x) BANNED(atoll)

/* Static buffers shared by every thread (the diff works in threads). */
#undef gmtime
#define gmtime(t) BANNED(gmtime)
#undef localtime
#define localtime(t) BANNED(localtime)
#undef ctime
#define ctime(t) BANNED(ctime)
#undef ctime_r
#define ctime_r(t, buf) BANNED(ctime_r)
#undef asctime
#define asctime(t) BANNED(asctime)
#undef asctime_r
#define asctime_r(t, buf) BANNED(asctime_r)

#endif
