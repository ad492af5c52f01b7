/*
 * test_smtp_reply.c: the pure parts of the SMTP engine: the reply
 * parser (multi-line, enhanced codes, limits, malformed input), the EHLO
 * capability reader, dot-stuffing of tricky bodies, and xtext.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "smtp.h"
#include "smtp_int.h"
#include "tap.h"
#include "util.h"

static struct smtp_reply reply;

static int
parse(const char *in, size_t *used, const char **why)
{
	return smtp_reply_parse(in, strlen(in), &reply, used, why);
}

static void
test_single(void)
{
	size_t used = 0;
	const char *why;
	const char *in = "250 2.1.0 Ok\r\nEXTRA";

	IS_INT(parse(in, &used, &why), 1, "one-line reply parses");
	IS_INT(reply.code, 250, "code");
	IS_STR(reply.esc, "2.1.0", "enhanced status code");
	IS_INT(reply.nlines, 1, "one line");
	IS_STR(reply.line[0], "2.1.0 Ok", "text keeps the enhanced code");
	IS_INT(used, 14, "consumed up to the CRLF only");
	IS_INT(parse("354\r\n", &used, &why), 1, "bare code parses");
	IS_STR(reply.line[0], "", "bare code has empty text");
	IS_INT(parse("220 mx ESMTP\n", &used, &why), 1, "bare LF tolerated");
	IS_STR(reply.line[0], "mx ESMTP", "text without CR");
}

static void
test_multi(void)
{
	size_t used = 0;
	const char *why;
	const char *in =
	    "250-mx.example.org\r\n250-PIPELINING\r\n"
	    "250-SIZE 10240000\r\n250-AUTH PLAIN LOGIN\r\n"
	    "250-AUTH=LOGIN\r\n250-8BITMIME\r\n250-STARTTLS\r\n"
	    "250-ENHANCEDSTATUSCODES\r\n250-dsn\r\n250-SMTPUTF8\r\n"
	    "250 CHUNKING\r\n";
	struct smtp_info info;

	IS_INT(parse(in, &used, &why), 1, "EHLO reply parses");
	IS_INT(reply.nlines, 11, "eleven lines");
	IS_INT(used, strlen(in), "all consumed");
	IS_STR(reply.esc, "", "no enhanced code in an EHLO greeting");
	memset(&info, 0, sizeof(info));
	smtp_caps_parse(&reply, &info);
	IS_STR(info.ehlo_host, "mx.example.org", "server name");
	OK(info.caps & SMTP_CAP_PIPELINING, "PIPELINING");
	OK(info.caps & SMTP_CAP_SIZE, "SIZE");
	IS_INT(info.size_max, 10240000, "SIZE value");
	OK(info.caps & SMTP_CAP_DSN, "dsn (lower case)");
	OK(info.caps & SMTP_CAP_CHUNKING, "CHUNKING");
	OK(info.caps & SMTP_CAP_SMTPUTF8, "SMTPUTF8");
	OK(info.caps & SMTP_CAP_STARTTLS, "STARTTLS");
	OK(info.caps & SMTP_CAP_8BITMIME, "8BITMIME");
	IS_STR(info.auth_offered, "PLAIN LOGIN LOGIN", "AUTH and AUTH= lists");
	OK(!(info.caps & SMTP_CAP_REQUIRETLS), "no REQUIRETLS");

	IS_INT(parse("250-a\r\n250-b\r\n", &used, &why), 0,
	    "unfinished multi-line reply needs more");
	IS_INT(parse("250-a\r\n250 b", &used, &why), 0,
	    "last line without CRLF needs more");
	IS_INT(parse("", &used, &why), 0, "empty input needs more");
}

static void
test_bad(void)
{
	size_t used = 0;
	const char *why = NULL;
	char *big;
	size_t i;

	IS_INT(parse("250-a\r\n550 b\r\n", &used, &why), -1,
	    "different codes across lines refused");
	IS_STR(why, "reply lines carry different codes", "reason");
	IS_INT(parse("25\r\n", &used, &why), -1, "two-digit code refused");
	IS_INT(parse("2x0 ok\r\n", &used, &why), -1, "non-digit code refused");
	IS_INT(parse("650 ok\r\n", &used, &why), -1, "6xx refused");
	IS_INT(parse("160 ok\r\n", &used, &why), -1, "1xx refused");
	IS_INT(parse("270 ok\r\n", &used, &why), -1, "x7x refused");
	IS_INT(parse("250_ok\r\n", &used, &why), -1, "bad separator refused");
	IS_INT(parse("\r\n", &used, &why), -1, "empty line refused");
	IS_INT(parse("250-\r\n2", &used, &why), 0,
	    "short continuation then a partial line needs more");
	IS_INT(parse("250-\r\n2\r\n", &used, &why), -1,
	    "short continuation line refused, no overread");

	big = malloc(2000);
	memset(big, 'x', 2000);
	memcpy(big, "250 ", 4);
	big[1999] = '\0';
	IS_INT(parse(big, &used, &why), -1, "over-long line without end");
	big[600] = '\r';
	big[601] = '\n';
	big[602] = '\0';
	IS_INT(parse(big, &used, &why), -1, "over-long line with end");
	memcpy(big + 510, "\r\n", 3);
	IS_INT(parse(big, &used, &why), 1, "line of 512 octets with CRLF ok");
	big[510] = 'x';
	memcpy(big + 511, "\r\n", 3);
	IS_INT(parse(big, &used, &why), -1, "line of 513 octets refused");
	free(big);

	big = malloc(200 * 8 + 1);
	for (i = 0; i < 200; i++)
		memcpy(big + i * 8, "250-ab\r\n", 8);
	big[200 * 8] = '\0';
	IS_INT(parse(big, &used, &why), -1, "too many lines refused");
	IS_STR(why, "reply has too many lines", "reason");
	memcpy(big + 99 * 8, "250 ab\r\n", 8);
	IS_INT(parse(big, &used, &why), 1, "100 lines accepted");
	IS_INT(reply.nlines, 100, "100 lines");
	free(big);
}

static void
test_esc_and_format(void)
{
	size_t used;
	const char *why;
	char out[64];

	(void)parse("550 5.1.1 <x@y>: no\r\n", &used, &why);
	IS_STR(reply.esc, "5.1.1", "5xx with 5.x.x");
	(void)parse("550 4.1.1 mismatch\r\n", &used, &why);
	IS_STR(reply.esc, "", "class differing from code ignored");
	(void)parse("451 4.3.0\r\n", &used, &why);
	IS_STR(reply.esc, "4.3.0", "code alone at end of line");
	(void)parse("250 2.0.0x\r\n", &used, &why);
	IS_STR(reply.esc, "", "trailing garbage is not a code");
	(void)parse("250 2.1000.0 x\r\n", &used, &why);
	IS_STR(reply.esc, "", "four-digit subject is not a code");
	(void)parse("550-5.7.1 first\r\n550 5.7.1 se\001cond\r\n", &used, &why);
	smtp_reply_format(&reply, out, sizeof(out));
	IS_STR(out, "550 5.7.1 first / 5.7.1 se\\x01cond",
	    "format joins lines, masks controls");
	smtp_reply_format(&reply, out, 8);
	IS_STR(out, "550 5.7", "format truncates");
}

/* Stuff a message in chunks of k bytes. */
static int
stuff(const char *in, size_t k, char *out, size_t *olen)
{
	struct smtp_stuffer st;
	size_t i, n, len = strlen(in);
	ssize_t r;

	smtp_stuff_init(&st);
	*olen = 0;
	for (i = 0; i < len; i += n) {
		n = len - i < k ? len - i : k;
		if ((r = smtp_stuff(&st, in + i, n, out + *olen)) == -1)
			return -1;
		*olen += (size_t)r;
	}
	if ((r = smtp_stuff_end(&st, out + *olen)) == -1)
		return -1;
	*olen += (size_t)r;
	out[*olen] = '\0';
	return 0;
}

/*
 * In place, as smtp_body_round does: the input in the back half of a
 * buffer of twice its size, stuffed forward into the front, gives the
 * same bytes as stuffing into a separate buffer; dot lines (the worst
 * case) and runs of text (memmove) both.
 */
static void
test_stuffing_in_place(void)
{
	static const char *const in[] = { ".\r\n.\r\n.\r\n.\r\n..\r\n.x\r\n",
		"plain text run\r\n.dot\r\nand more text\r\n.\r\n",
		"no dots at all in here\r\n" };
	struct smtp_stuffer st;
	char buf[256], want[256];
	size_t i, n;
	ssize_t a, b;

	for (i = 0; i < ARRAY_SIZE(in); i++) {
		n = strlen(in[i]);
		smtp_stuff_init(&st);
		a = smtp_stuff(&st, in[i], n, want);
		memcpy(buf + n, in[i], n); /* room 2n, input at the back */
		smtp_stuff_init(&st);
		b = smtp_stuff(&st, buf + n, n, buf);
		OK(a > 0 && a == b && memcmp(buf, want, (size_t)a) == 0,
		    "in-place stuffing equals stuffing into another buffer");
	}
}

static void
test_stuffing(void)
{
	static const struct {
		const char *in, *want, *what;
	} cases[] = {
		{ "a\r\n", "a\r\n.\r\n", "plain line" },
		{ ".\r\n", "..\r\n.\r\n", "lone dot line" },
		{ "a\r\n.\r\nb\r\n", "a\r\n..\r\nb\r\n.\r\n",
		    "dot line inside" },
		{ "..x\r\n", "...x\r\n.\r\n", "double dot at start" },
		{ "a.\r\n.b\r\n", "a.\r\n..b\r\n.\r\n",
		    "dot only at line start" },
		{ "a\r\nb", "a\r\nb\r\n.\r\n", "no final CRLF gets one" },
		{ "a\r\n.", "a\r\n..\r\n.\r\n", "ends in a lone dot" },
		{ "", ".\r\n", "empty message" },
		{ "\r\n\r\n", "\r\n\r\n.\r\n", "empty lines" },
		{ "long line one\r\n.two.\r\nthree\r\n",
		    "long line one\r\n..two.\r\nthree\r\n.\r\n",
		    "runs of text between line ends" },
	};
	char out[128];
	size_t i, k, olen;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		for (k = 1; k <= 4; k++) {
			int r = stuff(cases[i].in, k, out, &olen);
			if (k == 1)
				IS_STR(r == 0 ? out : "(failed)", cases[i].want,
				    cases[i].what);
			else if (r != 0 || strcmp(out, cases[i].want) != 0)
				OK(0, "chunking changes the result");
		}
	}
	OK(stuff("a\nb\r\n", 3, out, &olen) == -1, "bare LF refused");
	OK(stuff("a\rb\r\n", 3, out, &olen) == -1, "bare CR refused");
	OK(stuff("a\r\n\n.\n", 3, out, &olen) == -1, "LF.LF refused");
	OK(stuff("a\r", 3, out, &olen) == -1, "trailing bare CR refused");
	{
		struct smtp_stuffer st;
		smtp_stuff_init(&st);
		OK(smtp_stuff(&st, "a\0b", 3, out) == -1, "NUL refused");
		smtp_stuff_init(&st);
		OK(smtp_stuff_check(&st, ".a\r\n.\r\n", 7) == 0,
		    "check passes canonical text with dots");
		OK(smtp_stuff_check(&st, "x\ny", 3) == -1,
		    "check refuses bare LF");
		smtp_stuff_init(&st);
		OK(smtp_stuff_check(&st, "ab\rcd\r\n", 7) == -1,
		    "check refuses a bare CR followed by text");
		IS_INT(st.off, 3, "at the byte after the CR");
		smtp_stuff_init(&st);
		OK(smtp_stuff(&st, "abc\r\nxy\0z", 9, out) == -1 && st.off == 7,
		    "a NUL after a run of text is found at its offset");
		smtp_stuff_init(&st);
		OK(smtp_stuff_check(&st, "abc\r\n", 5) == 0 &&
		        smtp_stuff_check(&st, "de\r", 3) == 0 &&
		        smtp_stuff_check(&st, "f\r\n", 3) == -1 && st.off == 8,
		    "a bare CR across check calls is refused");
	}
}

static void
test_xtext(void)
{
	struct buf b;

	buf_init(&b, 1000);
	OK(smtp_xtext("a+b=c d\x01\xc3\xa9", &b) == 0, "xtext encodes");
	IS_STR(buf_str(&b), "a+2Bb+3Dc+20d+01+C3+A9", "xtext output");
	buf_free(&b);
}

int
main(void)
{
	test_single();
	test_multi();
	test_bad();
	test_esc_and_format();
	test_stuffing();
	test_stuffing_in_place();
	test_xtext();
	return tap_done();
}
