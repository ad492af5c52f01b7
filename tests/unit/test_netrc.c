/*
 * test_netrc.c: the ~/.netrc parser finds the right entry (machine and
 * login, entries without a login, default last), skips macdef bodies and
 * account values, decodes quoted tokens, and refuses what it cannot read.
 */
#include "config.h"

#include <string.h>

#include "netrc.h"
#include "tap.h"

/* find(data, host, user): the password, "<none>" or "<error>". */
static const char *
find(const char *data, const char *host, const char *user)
{
	static char got[NETRC_TOKEN_MAX + 1];
	struct buf out;
	struct err e;
	int r;

	buf_init(&out, NETRC_TOKEN_MAX);
	err_clear(&e);
	r = netrc_find(data, strlen(data), host, user, &out, &e);
	if (r == 0)
		(void)snprintf(got, sizeof(got), "%s", buf_str(&out));
	else
		(void)snprintf(got, sizeof(got), "%s",
		    r == 1 ? "<none>" : "<error>");
	if (r == -1 && e.cls != ERR_CONFIG)
		(void)snprintf(got, sizeof(got), "<wrong class>");
	buf_wipe(&out);
	return got;
}

static void
test_basic(void)
{
	const char *rc = "machine a.example login joe password pa\n"
	                 "machine b.example login ann password pb1\n"
	                 "machine b.example login bob password pb2\n";

	IS_STR(find(rc, "a.example", "joe"), "pa", "machine and login match");
	IS_STR(find(rc, "A.EXAMPLE", "joe"), "pa",
	    "machine names compare without case");
	IS_STR(find(rc, "a.example", "Joe"), "<none>",
	    "logins compare with case");
	IS_STR(find(rc, "b.example", "bob"), "pb2",
	    "the entry with the right login, not the first for the host");
	IS_STR(find(rc, "c.example", "joe"), "<none>", "no such machine");
	IS_STR(find("", "a", "b"), "<none>", "an empty file has nothing");
	IS_STR(find("machine a.example login joe\n", "a.example", "joe"),
	    "<none>", "an entry without a password answers nothing");
}

static void
test_layout(void)
{
	IS_STR(find("machine h password nologin", "h", "anyone"), "nologin",
	    "an entry without login matches any user");
	IS_STR(find("machine h\n\tlogin u\n\tpassword p\n", "h", "u"), "p",
	    "one token per line, tabs");
	IS_STR(find("machine h login u account acct password p", "h", "u"), "p",
	    "account's value is skipped");
	IS_STR(find("machine h login u password \"two words \\\" q\\\\\"", "h",
	           "u"),
	    "two words \" q\\", "a quoted password with escapes");
	IS_STR(find("machine h login u password p\r\n", "h", "u"), "p",
	    "CRLF line ends");
	IS_STR(find("machine h login u password \"open", "h", "u"), "<error>",
	    "an unclosed quote is an error");
}

static void
test_default(void)
{
	const char *rc = "machine h login u password ph\n"
	                 "default login u password pd\n";

	IS_STR(find(rc, "h", "u"), "ph", "the machine entry beats default");
	IS_STR(find(rc, "other", "u"), "pd", "default for any other host");
	IS_STR(find(rc, "other", "v"), "<none>",
	    "default with a login only for that login");
	IS_STR(find("default password any", "x", "y"), "any",
	    "default without login matches everything");
	IS_STR(find("default password d\nmachine h password m\n", "h", "u"),
	    "m", "a machine entry after default still wins");
}

static void
test_macdef(void)
{
	const char *rc = "machine h login u password p1\n"
	                 "macdef init\n"
	                 "machine evil login u password bad\n"
	                 "password bad2\n"
	                 "\n"
	                 "machine g login u password p2\n";

	IS_STR(find(rc, "h", "u"), "p1", "entry before a macdef");
	IS_STR(find(rc, "evil", "u"), "<none>",
	    "tokens inside a macdef body are not entries");
	IS_STR(find(rc, "g", "u"), "p2",
	    "an entry after the macdef's blank line");
	IS_STR(find("macdef x\r\ncd /\r\n\r\nmachine h password p", "h", "u"),
	    "p", "a macdef body ending in a CRLF blank line");
	IS_STR(find("machine h password p macdef x\nmachine h2 password q",
	           "h2", "u"),
	    "<none>", "a macdef running to the end swallows the rest");
}

static void
test_limits(void)
{
	static char big[NETRC_TOKEN_MAX + 64];
	size_t n;

	n = (size_t)snprintf(big, sizeof(big), "machine h password ");
	memset(big + n, 'x', NETRC_TOKEN_MAX + 1);
	big[n + NETRC_TOKEN_MAX + 1] = '\0';
	IS_STR(find(big, "h", "u"), "<error>",
	    "a token longer than the cap is refused");
	{
		const char *rc = "machine h login u password secret";
		struct buf out;
		struct err e;

		buf_init(&out, 64);
		IS_INT(netrc_find(rc, strlen(rc) - 6, "h", "u", &out, &e), 1,
		    "parsing stops at the given length");
		buf_free(&out);
	}
}

int
main(void)
{
	test_basic();
	test_layout();
	test_default();
	test_macdef();
	test_limits();
	return tap_done();
}
