/*
 * test_util.c: integer parsing, the home/XDG path rules and the system
 * queue's state directory.
 */
#include "config.h"

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

/* util_system_state_dir on dir (mode), as the first of two entries. */
static char *
state_dir_with(const char *dir, mode_t mode, struct err *e)
{
	char env[512];

	(void)chmod(dir, mode);
	(void)snprintf(env, sizeof(env), "%s:/elsewhere", dir);
	setenv("STATE_DIRECTORY", env, 1);
	err_clear(e);
	return util_system_state_dir(e);
}

/* The system queue's state: $STATE_DIRECTORY's first entry, checked. */
static void
test_state_dir(void)
{
	char tmpl[] = "/tmp/postern-test-state.XXXXXX", link[64];
	char *dir = mkdtemp(tmpl), *p;
	struct err e;

	if (dir == NULL) {
		OK(0, "mkdtemp");
		return;
	}
	p = state_dir_with(dir, 0700, &e);
	IS_STR(p, dir, "the first entry of STATE_DIRECTORY, mode 0700");
	free(p);
	p = state_dir_with(dir, 0750, &e);
	OK(p == NULL && e.cls == ERR_CONFIG &&
	        strstr(e.text, "closed to group and others") != NULL,
	    "open to the group: refused");
	free(p);
	p = state_dir_with(dir, 0701, &e);
	OK(p == NULL, "open to others: refused");
	free(p);
	(void)snprintf(link, sizeof(link), "%s.lnk", dir);
	(void)chmod(dir, 0700);
	OK(symlink(dir, link) == 0, "symlink");
	p = state_dir_with(link, 0700, &e);
	OK(p == NULL && e.cls == ERR_CONFIG, "a symbolic link: refused");
	free(p);
	(void)unlink(link);
	(void)rmdir(dir);
	p = state_dir_with(dir, 0700, &e);
	OK(p == NULL && strstr(e.text, "cannot open the state directory"),
	    "a missing directory: refused, not made");
	free(p);
	setenv("STATE_DIRECTORY", "relative", 1);
	err_clear(&e);
	p = util_system_state_dir(&e);
	OK(p == NULL ? strstr(e.text, STATEDIR) != NULL
	             : strcmp(p, STATEDIR) == 0,
	    "a relative STATE_DIRECTORY is ignored: the built-in default");
	free(p);
	unsetenv("STATE_DIRECTORY");
}

int
main(void)
{
	test_parse_uint();
	test_paths();
	test_misc();
	test_now_ms();
	test_state_dir();
	return tap_done();
}
