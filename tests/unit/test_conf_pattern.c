/*
 * test_conf_pattern.c: msmtp's %U, %H, %C, %M and %% in from/domain, and
 * the refusals (%F, unknown patterns, values not available).
 */
#include "config.h"

#include "conf_pattern.h"
#include "tap.h"
#include "util.h"

static void
test_expand(void)
{
	static const struct conf_pattern_env env = { "alice", "box",
		"box.example.org", "example.org" };
	static const struct conf_pattern_env none = { NULL, NULL, NULL, NULL };
	static const struct {
		const char *in;
		const struct conf_pattern_env *env;
		const char *want; /* NULL: refused with why */
		const char *why;
	} cases[] = {
		{ "%U@%C", &env, "alice@box.example.org", NULL },
		{ "%U@%H.example.org", &env, "alice@box.example.org", NULL },
		{ "%M", &env, "example.org", NULL },
		{ "postmaster@%M", &env, "postmaster@example.org", NULL },
		{ "100%%@x", &env, "100%@x", NULL },
		{ "plain@example.org", &none, "plain@example.org", NULL },
		{ "%F", &env, NULL,
		    "%F (the message's From) is not supported: set from" },
		{ "%Q@x", &env, NULL,
		    "unknown pattern (use %U, %H, %C, %M or %%)" },
		{ "trailing%", &env, NULL,
		    "unknown pattern (use %U, %H, %C, %M or %%)" },
		{ "%U@x", &none, NULL, "%U: no user name" },
		{ "%M", &none, NULL,
		    "%M: no mailname file (" SYSCONFDIR "/mailname)" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *why = NULL;
		struct buf out;
		int r;

		buf_init(&out, 1024);
		r = conf_pattern_expand(cases[i].in, cases[i].env, &out, &why);
		if (cases[i].want != NULL) {
			IS_INT(r, 0, cases[i].in);
			IS_STR(buf_str(&out), cases[i].want, "expanded");
		} else {
			IS_INT(r, -1, cases[i].in);
			IS_STR(why, cases[i].why, "reason");
		}
		buf_free(&out);
	}
}

static void
test_cap(void)
{
	static const struct conf_pattern_env env = { "alice", "h", "h", "m" };
	const char *why = NULL;
	struct buf out;

	buf_init(&out, 8);
	IS_INT(conf_pattern_expand("%U%U%U", &env, &out, &why), -1,
	    "an expansion past the cap is refused");
	IS_STR(why, "the expanded value is too long", "with a reason");
	buf_free(&out);
}

int
main(void)
{
	test_expand();
	test_cap();
	return tap_done();
}
