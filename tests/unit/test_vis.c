/*
 * test_vis.c: what a server sends, made safe for a terminal (vis.h):
 * printable ASCII and well-formed UTF-8 unchanged, everything else \xHH,
 * escapes never cut, the buf variant the same.
 */
#include "config.h"

#include <string.h>

#include "tap.h"
#include "vis.h"

static void
test_table(void)
{
	static const struct {
		const char *in, *keep, *want;
	} cases[] = {
		{ "250 OK", "", "250 OK" },
		{ "", "", "" },
		{ "220 evil\x1b]0;X\x07", "", "220 evil\\x1b]0;X\\x07" },
		{ "X-\x1b]52;c;ZXZpbA==\x07", "",
		    "X-\\x1b]52;c;ZXZpbA==\\x07" },
		{ "a\r\nb\tc\x7f", "", "a\\x0d\\x0ab\\x09c\\x7f" },
		{ "a\nb\r", "\n", "a\nb\\x0d" },
		{ "caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x93\xa7", "",
		    "caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x93\xa7" },
		{ "\xc2\x9b"
		  "2J",
		    "",
		    "\\xc2\\x9b"
		    "2J" }, /* C1 CSI */
		{ "\x9b"
		  "2J",
		    "",
		    "\\x9b"
		    "2J" },                                /* 8-bit CSI */
		{ "caf\xc3", "", "caf\\xc3" },             /* cut short */
		{ "\xc0\xaf", "", "\\xc0\\xaf" },          /* overlong */
		{ "\xed\xa0\x80", "", "\\xed\\xa0\\x80" }, /* surrogate */
		{ "\xf4\x90\x80\x80", "",
		    "\\xf4\\x90\\x80\\x80" }, /* > U+10FFFF */
		{ "\xff\xfe", "", "\\xff\\xfe" },
	};
	char out[256], what[64];
	struct buf b;
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		(void)snprintf(what, sizeof(what), "case %zu", i);
		n = vis_str(out, sizeof(out), cases[i].in, strlen(cases[i].in),
		    cases[i].keep);
		IS_STR(out, cases[i].want, what);
		IS_INT(n, strlen(cases[i].want), "the length written");
		buf_init(&b, 256);
		IS_INT(vis_buf(&b, cases[i].in, strlen(cases[i].in),
		           cases[i].keep),
		    0, "buf: fits");
		IS_STR(buf_str(&b), cases[i].want, "buf: the same");
		buf_free(&b);
	}
}

static void
test_edges(void)
{
	char out[8];
	struct buf b;

	IS_INT(vis_str(out, sizeof(out), "a\0b", 3, ""), 6, "a NUL is shown");
	IS_STR(out, "a\\x00b", "as \\x00");
	IS_INT(vis_str(out, 5, "ab\x1b", 3, ""), 2,
	    "an escape that does not fit is left out whole");
	IS_STR(out, "ab", "not cut in half");
	IS_INT(vis_str(out, 0, "x", 1, ""), 0, "cap 0 writes nothing");
	buf_init(&b, 3);
	IS_INT(vis_buf(&b, "\x1b", 1, ""), -1, "buf: over its cap");
	buf_free(&b);
}

int
main(void)
{
	test_table();
	test_edges();
	return tap_done();
}
