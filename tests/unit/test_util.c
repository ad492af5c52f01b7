/*
 * test_util.c: integer parsing and the home/XDG path rules.
 */
#include "config.h"

#include <stdlib.h>
#include <time.h>

#include "tap.h"
#include "util.h"

static void
test_parse_uint(void)
{
	static const struct {
		const char *in;
		uint64_t min, max;
		int ret;
		uint64_t val;
		const char *why;
	} cases[] = {
		{ "0", 0, 10, 0, 0, NULL },
		{ "587", 1, 65535, 0, 587, NULL },
		{ "65535", 1, 65535, 0, 65535, NULL },
		{ "65536", 1, 65535, -1, 0, "too large" },
		{ "0", 1, 65535, -1, 0, "too small" },
		{ "", 0, 10, -1, 0, "not a number" },
		{ "-1", 0, 10, -1, 0, "not a number" },
		{ "+1", 0, 10, -1, 0, "not a number" },
		{ " 1", 0, 10, -1, 0, "not a number" },
		{ "1 ", 0, 10, -1, 0, "not a number" },
		{ "0x10", 0, 100, -1, 0, "not a number" },
		{ "18446744073709551615", 0, UINT64_MAX, 0, UINT64_MAX, NULL },
		{ "18446744073709551616", 0, UINT64_MAX, -1, 0, "too large" },
		{ "99999999999999999999999", 0, UINT64_MAX, -1, 0,
		    "too large" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		uint64_t v = 12345;
		const char *why = NULL;
		int r = util_parse_uint(cases[i].in, cases[i].min, cases[i].max,
		    &v, &why);

		IS_INT(r, cases[i].ret, cases[i].in);
		if (r == 0)
			IS_INT(v, cases[i].val, "value");
		else
			IS_STR(why, cases[i].why, "reason");
	}
}

static void
test_paths(void)
{
	char *p;

	setenv("HOME", "/nonexistent-postern-home", 1);
	setenv("XDG_CONFIG_HOME", "/xdg/config", 1);
	unsetenv("XDG_STATE_HOME");
	p = util_default_config_path();
	IS_STR(p, "/xdg/config/postern/config", "XDG_CONFIG_HOME is used");
	free(p);
	p = util_default_queue_path();
	IS_STR(p, "/nonexistent-postern-home/.local/state/postern/queue",
	    "queue defaults under HOME/.local/state");
	free(p);
	setenv("XDG_CONFIG_HOME", "relative/dir", 1);
	p = util_default_config_path();
	IS_STR(p, "/nonexistent-postern-home/.config/postern/config",
	    "a relative XDG_CONFIG_HOME is ignored");
	free(p);

	/* cron: no HOME at all, the password database answers. */
	unsetenv("HOME");
	p = util_home_dir();
	OK(p != NULL && p[0] == '/', "without HOME the passwd entry is used");
	free(p);
	setenv("HOME", "not/absolute", 1);
	p = util_home_dir();
	OK(p != NULL && p[0] == '/', "a relative HOME is not trusted");
	free(p);
}

static void
test_misc(void)
{
	char small[4];
	char *p;

	IS_INT(strlcpy(small, "abcdef", sizeof(small)), 6,
	    "strlcpy returns the source length");
	IS_STR(small, "abc", "and truncates safely");
	OK(util_has_crlf("a\rb") && util_has_crlf("a\nb"), "CR and LF found");
	OK(!util_has_crlf("plain"), "no CR/LF in a plain string");
	p = util_path_join("/a", "b/c");
	IS_STR(p, "/a/b/c", "path_join");
	free(p);
}

/* One monotonic clock in milliseconds for every duration and deadline. */
static void
test_now_ms(void)
{
	const struct timespec ten = { 0, 10 * 1000 * 1000 };
	uint64_t a, b;

	a = util_now_ms();
	(void)nanosleep(&ten, NULL);
	b = util_now_ms();
	OK(b >= a + 10, "util_now_ms advances with the time slept");
	OK(b - a < 60 * 1000, "and in milliseconds, not microseconds");
}

int
main(void)
{
	test_parse_uint();
	test_paths();
	test_misc();
	test_now_ms();
	return tap_done();
}
