/*
 * tap.h: a tiny TAP producer for postern's C unit tests.
 *
 * Each check prints "ok N - what" or "not ok N - what" with both values on
 * failure; tap_done() prints the plan and returns the exit status, so a
 * test's main() ends with `return tap_done();`. Run under automake's
 * tap-driver.sh by `make check`.
 */
#ifndef POSTERN_TAP_H
#define POSTERN_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_count;
static int tap_failed;

static int
tap_ok(int cond, const char *file, int line, const char *what)
{
	tap_count++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - %s\n", cond ? "" : "not ", tap_count, what);
	if (!cond)
		printf("#   at %s:%d\n", file, line);
	return cond;
}

#define OK(cond, what) tap_ok(!!(cond), __FILE__, __LINE__, (what))

#define IS_INT(got, want, what)                                                \
	do {                                                                   \
		long long g_ = (long long)(got), w_ = (long long)(want);       \
		if (!tap_ok(g_ == w_, __FILE__, __LINE__, (what)))             \
			printf("#   got %lld, want %lld\n", g_, w_);           \
	} while (0)

#define IS_STR(got, want, what)                                                \
	do {                                                                   \
		const char *g_ = (got), *w_ = (want);                          \
		int eq_ = (g_ == NULL && w_ == NULL) ||                        \
		    (g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0);         \
		if (!tap_ok(eq_, __FILE__, __LINE__, (what)))                  \
			printf("#   got  \"%s\"\n#   want \"%s\"\n",           \
			    g_ ? g_ : "(null)", w_ ? w_ : "(null)");           \
	} while (0)

#define IS_MEM(got, glen, want, wlen, what)                                    \
	do {                                                                   \
		size_t gl_ = (glen), wl_ = (wlen);                             \
		int eq_ = gl_ == wl_ && memcmp((got), (want), gl_) == 0;       \
		if (!tap_ok(eq_, __FILE__, __LINE__, (what)))                  \
			printf("#   got %zu bytes \"%.*s\"\n"                  \
			       "#   want %zu bytes \"%.*s\"\n",                \
			    gl_, (int)gl_, (const char *)(got), wl_, (int)wl_, \
			    (const char *)(want));                             \
	} while (0)

static int
tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
