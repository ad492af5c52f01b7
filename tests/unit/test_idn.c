/*
 * test_idn.c: idn.c on a table of U-label / A-label pairs (IDNA2008,
 * UTS #46 non-transitional, NFC input), names libidn2 refuses (each
 * with the reason it must give), the ASCII fast path, the reverse
 * conversion for display, and envelope addresses.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idn.h"
#include "tap.h"

struct icase {
	const char *in;
	const char *want; /* A-labels, or NULL: refused */
	const char *why;  /* for a refused name: part of the error text */
};

static const struct icase cases[] = {
	/* valid names: U-labels to A-labels */
	{ "例え.jp", "xn--r8jz45g.jp", NULL },
	{ "smtp.例え.jp", "smtp.xn--r8jz45g.jp", NULL },
	{ "xn--r8jz45g.example.test", "xn--r8jz45g.example.test", NULL },
	{ "例え.example.test", "xn--r8jz45g.example.test", NULL },
	{ "bücher.example", "xn--bcher-kva.example", NULL },
	{ "München.DE", "xn--mnchen-3ya.de", NULL },         /* mapped */
	{ "straße.de", "xn--strae-oqa.de", NULL },           /* not ss */
	{ "Mu\xcc\x88nchen.de", "xn--mnchen-3ya.de", NULL }, /* NFC */
	{ "\xef\xac\x80.de", "ff.de", NULL },                /* U+FB00 */
	{ "فارسی.example", "xn--mgbug7c06b.example", NULL }, /* RTL */
	{ "日本語.jp", "xn--wgv71a119e.jp", NULL },
	{ "mail.xn--bcher-kva.example", "mail.xn--bcher-kva.example", NULL },
	{ "Mixed.例え.JP", "mixed.xn--r8jz45g.jp", NULL },
	/* ASCII fast path: returned as it is */
	{ "smtp.example.com", "smtp.example.com", NULL },
	{ "SMTP.Example.COM", "SMTP.Example.COM", NULL },
	{ "127.0.0.1", "127.0.0.1", NULL },
	/* refused, with libidn2's reason */
	{ "\xe2\x98\x83.example", NULL, "disallowed" }, /* snowman */
	{ "a\xe2\x98\x83.example", NULL, "disallowed" },
	{ "\xe2\x92\x88.example", NULL, "disallowed" }, /* U+2488 */
	{ "١٢٣a.example", NULL, "bi-directional" },     /* bidi rule */
	{ "ü-.de", NULL, "hyphen" },
	{ "\xffx.de", NULL, "encoding" }, /* not UTF-8 */
	{ "caf\xc3.de", NULL, "encoding" },
};

static void
test_table(void)
{
	char out[IDN_NAME_MAX], what[600];
	struct err e;
	size_t i;
	int r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct icase *c = &cases[i];

		err_clear(&e);
		out[0] = '\0';
		r = idn_to_ascii("host", c->in, out, sizeof(out), &e);
		(void)snprintf(what, sizeof(what), "%s -> %s", c->in,
		    c->want ? c->want : "refused");
		if (c->want != NULL) {
			IS_INT(r, 0, what);
			IS_STR(out, c->want, what);
			continue;
		}
		IS_INT(r, -1, what);
		OK(e.cls == ERR_DATA && strstr(e.text, c->why) != NULL &&
		        strncmp(e.text, "host \"", 6) == 0 &&
		        strstr(e.text, c->in) != NULL,
		    "the error names the host and libidn2's reason");
		if (strstr(e.text, c->why) == NULL)
			printf("#   %s\n", e.text);
	}
}

/* Labels and names too long for DNS once encoded. */
static void
test_lengths(void)
{
	static const char label[] = "\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc"
	                            "\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc"
	                            "abcdefghijklmnopqrs.";
	char name[1024], out[IDN_NAME_MAX];
	struct err e;
	size_t i, n = 0;

	/* 62 'a' + one 'ü' is a label of more than 63 octets as an A-label */
	for (i = 0; i < 62; i++)
		name[n++] = 'a';
	memcpy(name + n, "\xc3\xbc.de", 6);
	OK(idn_to_ascii("host", name, out, sizeof(out), &e) == -1 &&
	        e.cls == ERR_DATA && strstr(e.text, "host \"aaa") != NULL,
	    "an over-long label is refused");
	printf("# %s\n", e.text);
	/* 10 labels of 8 'ü' and 19 letters: each 36 octets as A-label */
	for (n = 0, i = 0; i < 10; i++) {
		memcpy(name + n, label, sizeof(label) - 1);
		n += sizeof(label) - 1;
	}
	memcpy(name + n, "de", 3);
	OK(idn_to_ascii("host", name, out, sizeof(out), &e) == -1 &&
	        e.cls == ERR_DATA,
	    "a name over 253 octets in A-labels is refused");
	printf("# %s\n", e.text);
	OK(idn_to_ascii("host", "例え.jp", out, 10, &e) == -1 &&
	        strstr(e.text, "longer than 9") != NULL,
	    "a result longer than the caller's buffer is an error");
	OK(idn_to_ascii("host", "ab.jp", out, 4, &e) == -1,
	    "so is an ASCII name longer than the buffer");
}

static void
test_unicode(void)
{
	struct err e;
	char *u = NULL;

	OK(idn_to_unicode("host", "xn--r8jz45g.example.test", &u, &e) == 0,
	    "A-labels to U-labels");
	IS_STR(u, "例え.example.test", "for display");
	free(u);
	OK(idn_to_unicode("host", "smtp.example.com", &u, &e) == 0,
	    "plain ASCII");
	IS_STR(u, "smtp.example.com", "is copied");
	free(u);
	OK(idn_to_unicode("host", "例え.jp", &u, &e) == 0, "U-labels stay");
	IS_STR(u, "例え.jp", "as they are");
	free(u);
	u = NULL;
	OK(idn_to_unicode("host", "xn--a.example", &u, &e) == -1 && u == NULL &&
	        e.cls == ERR_DATA && strstr(e.text, "xn--a.example"),
	    "a bad A-label is refused, not decoded loosely");
	OK(idn_to_unicode("host", "xn--zz.example", &u, &e) == -1 &&
	        strstr(e.text, "punycode") != NULL,
	    "invalid punycode: libidn2's reason");
}

static void
test_addr(void)
{
	struct err e;
	char *a = NULL;

	OK(idn_addr_to_ascii("bob@例え.jp", &a, &e) == 0, "address");
	IS_STR(a, "bob@xn--r8jz45g.jp", "domain in A-labels");
	free(a);
	OK(idn_addr_to_ascii("用户@例え.jp", &a, &e) == 0, "UTF-8 local");
	IS_STR(a, "用户@xn--r8jz45g.jp", "local part untouched");
	free(a);
	OK(idn_addr_to_ascii("bob@example.org", &a, &e) == 0, "ASCII");
	IS_STR(a, "bob@example.org", "copied");
	free(a);
	OK(idn_addr_to_ascii("root", &a, &e) == 0, "no domain");
	IS_STR(a, "root", "copied");
	free(a);
	OK(idn_addr_to_ascii("\"a@b\"@bücher.example", &a, &e) == 0,
	    "the last '@' separates the domain");
	IS_STR(a, "\"a@b\"@xn--bcher-kva.example", "quoted local part kept");
	free(a);
	OK(idn_addr_to_ascii("x@[127.0.0.1]", &a, &e) == 0, "literal");
	IS_STR(a, "x@[127.0.0.1]", "copied");
	free(a);
	a = NULL;
	OK(idn_addr_to_ascii("bob@a\xe2\x98\x83.example", &a, &e) == -1 &&
	        a == NULL,
	    "a bad domain is refused");
	IS_STR(e.text,
	    "address <bob@a\xe2\x98\x83.example>: domain "
	    "\"a\xe2\x98\x83.example\": not a valid international domain "
	    "name: string contains a disallowed character",
	    "naming the address and the reason");
	OK(idn_addr_local_ascii("bob@例え.jp"), "ASCII local part");
	OK(!idn_addr_local_ascii("用户@example.org"), "UTF-8 local part");
	OK(!idn_addr_local_ascii("用户"), "UTF-8 bare name");
	OK(idn_is_ascii("a.b") && !idn_is_ascii("例"), "idn_is_ascii");
	OK(idn_library_version() != NULL, "libidn2 version");
}

int
main(void)
{
	test_table();
	test_lengths();
	test_unicode();
	test_addr();
	return tap_done();
}
