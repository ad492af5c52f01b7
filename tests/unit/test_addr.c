/*
 * test_addr.c: the RFC 5322 address-list parser on a table of cases
 * (Appendix A of RFC 5322, groups, comments, quoting, folding, obsolete
 * forms, UTF-8, hostile input), envelope address checks, aliases.
 *
 * A table row gives the input and the expected list rendered as
 * "spec{display name}" joined by " | ", or NULL when the input must be
 * refused.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "buf.h"
#include "tap.h"

struct acase {
	const char *in;
	const char *want;
};

static const struct acase cases[] = {
	/* plain and RFC 5322 Appendix A */
	{ "a@b", "a@b" },
	{ "  a@b  ", "a@b" },
	{ "John Doe <jdoe@machine.example>", "jdoe@machine.example{John Doe}" },
	{ "Mary Smith <mary@example.net>", "mary@example.net{Mary Smith}" },
	{ "\"Joe Q. Public\" <john.q.public@example.com>",
	    "john.q.public@example.com{Joe Q. Public}" },
	{ "Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>",
	    "mary@x.test{Mary Smith} | jdoe@example.org | one@y.test{Who?}" },
	{ "<boss@nil.test>, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>",
	    "boss@nil.test | sysservices@example.net{Giant; \"Big\" Box}" },
	{ "A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
	    "c@a.test{Ed Jones} | joe@where.test | jdoe@one.test{John}" },
	{ "Undisclosed recipients:;", "" },
	{ "undisclosed-recipients:;", "" },
	{ "Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
	    "pete@silly.test{Pete}" },
	{ "A Group(Some people)\r\n     :Chris Jones <c@(Chris's host.)public.example>,\r\n"
	  "         joe@example.org,\r\n  John <jdoe@one.test> (my dear friend); (the end of the group)",
	    "c@public.example{Chris Jones} | joe@example.org | jdoe@one.test{John}" },
	{ "(Empty list)(start)Hidden recipients  :(nobody(that I know))  ;",
	    "" },
	{ "Joe Q. Public <john.q.public@example.com>",
	    "john.q.public@example.com{Joe Q. Public}" },
	{ "Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example",
	    "mary@example.net{Mary Smith} | jdoe@test.example" },
	{ "John Doe <jdoe@machine(comment).  example>",
	    "jdoe@machine.example{John Doe}" },
	{ "Mary Smith\r\n \r\n <mary@example.net>",
	    "mary@example.net{Mary Smith}" },
	/* groups */
	{ "team: a@b, c@d;", "a@b | c@d" },
	{ "team: a@b, c@d;, e@f", "a@b | c@d | e@f" },
	{ "x@y, team: a@b;", "x@y | a@b" },
	{ "team: a@b", "a@b" },
	{ "team: a@b; junk", NULL },
	{ "t1: a: b@c;;", NULL },
	{ ": a@b;", NULL },
	/* comments */
	{ "root (Cron Daemon)", "root" },
	{ "a@b (x (nested (deeper)) y)", "a@b" },
	{ "(c)a(c)@(c)b(c)", "a@b" },
	{ "a@b (unterminated", NULL },
	{ "a@b )", NULL },
	{ "Name (comment) <a@b>", "a@b{Name}" },
	/* quoting */
	{ "\"john doe\"@example.org", "\"john doe\"@example.org" },
	{ "\"john\"@example.org", "john@example.org" },
	{ "\"a.b\"@example.org", "a.b@example.org" },
	{ "\"a..b\"@example.org", "\"a..b\"@example.org" },
	{ "\"a\\\"b\"@example.org", "\"a\\\"b\"@example.org" },
	{ "\"a\\\\b\"@example.org", "\"a\\\\b\"@example.org" },
	{ "\"\"@example.org", "\"\"@example.org" },
	{ "\"Doe, John\" <jd@x.test>", "jd@x.test{Doe, John}" },
	{ "\"unbalanced <a@b>", NULL },
	{ "john.\"q p\".doe@x.test", "\"john.q p.doe\"@x.test" },
	{ "john . doe@x.test", "john.doe@x.test" },
	/* domain literals, odd domains */
	{ "a@[127.0.0.1]", "a@[127.0.0.1]" },
	{ "a@[IPv6:2001:db8::1]", "a@[IPv6:2001:db8::1]" },
	{ "a@[ 10.0.0.1 ]", "a@[10.0.0.1]" },
	{ "a@[127.0.0.1", NULL },
	{ "a@[1[2]", NULL },
	{ "a@b]", NULL },
	{ "a@", NULL },
	{ "a@b.", NULL },
	{ "a@.b", NULL },
	{ "@b", NULL },
	{ ".a@b", NULL },
	{ "a.@b", NULL },
	{ "a..b@c", NULL },
	/* unqualified */
	{ "root", "root" },
	{ "root, alice", "root | alice" },
	{ "<root>", "root" },
	{ "Admin <root>", "root{Admin}" },
	/* folding */
	{ "a@b,\r\n c@d", "a@b | c@d" },
	{ "a@b,\n\tc@d", "a@b | c@d" },
	{ "a@b,\r\nc@d", NULL },
	{ "a@b\rc@d", NULL },
	{ "a@b\n", NULL },
	/* UTF-8 */
	{ "j\xc3\xb6rg@example.org", "j\xc3\xb6rg@example.org" },
	{ "jorg@b\xc3\xbc"
	  "cher.example",
	    "jorg@b\xc3\xbc"
	    "cher.example" },
	{ "J\xc3\xb6rg <j@x.test>", "j@x.test{J\xc3\xb6rg}" },
	{ "=?UTF-8?B?SsO2cmc=?= <j@x.test>", "j@x.test{=?UTF-8?B?SsO2cmc=?=}" },
	/* hostile and malformed */
	{ "", "" },
	{ "   ", "" },
	{ ",,,", "" },
	{ "a@b c@d", NULL },
	{ "John Smith", NULL },
	{ "<>", NULL },
	{ "<a@b", NULL },
	{ "a@b>", NULL },
	{ "<<a@b>>", NULL },
	{ "a@b; c@d", NULL },
	{ "Name <a@b> extra", NULL },
	{ "a@b\\", NULL },
	{ "\x01@b", NULL },
	{ "a@b\x7f", NULL },
};

static void
render(const struct addr_list *l, struct buf *b)
{
	size_t i;

	buf_reset(b);
	for (i = 0; i < l->n; i++) {
		if (i > 0)
			(void)buf_add_str(b, " | ");
		(void)buf_add_str(b, l->v[i].spec);
		if (l->v[i].name != NULL)
			(void)buf_printf(b, "{%s}", l->v[i].name);
	}
}

static void
test_table(void)
{
	struct addr_list l;
	struct err err;
	struct buf b;
	char what[200];
	size_t i, k;
	int r;

	buf_init(&b, 1 << 20);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		addr_list_init(&l, 0);
		err_clear(&err);
		r = addr_parse_list(cases[i].in, strlen(cases[i].in), &l, &err);
		render(&l, &b);
		snprintf(what, sizeof what, "case %zu: %.60s", i, cases[i].in);
		for (k = 0; what[k] != '\0'; k++)
			if ((unsigned char)what[k] < 32)
				what[k] = '~';
		if (cases[i].want == NULL) {
			OK(r == -1 && l.n == 0 && err.cls == ERR_DATA, what);
		} else {
			OK(r == 0, what);
			IS_STR(buf_str(&b), cases[i].want, what);
		}
		addr_list_free(&l);
	}
	buf_free(&b);
}

static void
test_flags(void)
{
	struct addr_list l;
	struct err err;

	const char *s = "root (Cron Daemon), j\xc3\xb6rg@x.test, "
	                "a@b\xc3\xbc.test, \"a@b\"@c.test";

	addr_list_init(&l, 0);
	(void)addr_parse_list(s, strlen(s), &l, &err);
	IS_INT(l.n, 4, "four addresses");
	if (l.n != 4)
		return;
	OK(l.v[0].unqualified && !l.v[1].unqualified, "unqualified flag");
	IS_STR(l.v[0].comment, "Cron Daemon", "the comment is kept");
	OK(l.v[1].utf8_local && !l.v[1].utf8_domain, "UTF-8 local part");
	OK(!l.v[2].utf8_local && l.v[2].utf8_domain, "UTF-8 domain");
	OK(!l.v[3].unqualified && !l.v[3].utf8_local, "@ inside quotes");
	addr_list_free(&l);
}

static void
test_hostile(void)
{
	struct addr_list l;
	struct err err;
	struct buf b;
	int i, r;

	buf_init(&b, 4 << 20);
	for (i = 0; b.len < (1 << 20); i++)
		(void)buf_add_str(&b, "someone@example.org, ");
	addr_list_init(&l, 0);
	r = addr_parse_list(b.data, b.len, &l, &err);
	OK(r == -1 && l.n == 0, "a 1 MB list is refused past the cap");
	OK(strstr(err.text, "more than 1000") != NULL, "naming the cap");
	buf_reset(&b);
	for (i = 0; i < 100000; i++)
		(void)buf_add_char(&b, '(');
	r = addr_parse_list(b.data, b.len, &l, &err);
	OK(r == -1 && strstr(err.text, "nested") != NULL,
	    "100000 open comments: too deep, no crash");
	buf_reset(&b);
	for (i = 0; i < 31; i++)
		(void)buf_add_char(&b, '(');
	for (i = 0; i < 31; i++)
		(void)buf_add_char(&b, ')');
	(void)buf_add_str(&b, "a@b");
	r = addr_parse_list(b.data, b.len, &l, &err);
	OK(r == 0 && l.n == 1, "31 nested comments are fine");
	addr_list_free(&l);
	r = addr_parse_list("a@b\0c@d", 7, &l, &err);
	OK(r == -1 && strstr(err.text, "0x00") != NULL, "NUL is refused");
	buf_reset(&b);
	(void)buf_add_char(&b, '"');
	for (i = 0; i < 100; i++)
		(void)buf_add_str(&b, "x");
	(void)buf_add_str(&b, "\"@b");
	r = addr_parse_list(b.data, b.len, &l, &err);
	OK(r == -1 && strstr(err.text, "64") != NULL, "local part > 64");
	buf_reset(&b);
	(void)buf_add_str(&b, "a@");
	for (i = 0; i < 30; i++)
		(void)buf_add_str(&b, "abcdefghi.");
	(void)buf_add_str(&b, "org");
	r = addr_parse_list(b.data, b.len, &l, &err);
	OK(r == -1 && strstr(err.text, "254") != NULL, "path > 254");
	buf_reset(&b);
	(void)buf_add_str(&b, "a@");
	for (i = 0; i < 300; i++)
		(void)buf_add_str(&b, "abcdefghi.");
	(void)buf_add_str(&b, "org");
	r = addr_parse_list(b.data, b.len, &l, &err);
	OK(r == -1 && strstr(err.text, "254") != NULL,
	    "a 3000-octet domain is refused, not dropped");
	addr_list_free(&l);
	buf_free(&b);
}

static void
test_envelope(void)
{
	struct err err;
	char *s = NULL;
	bool unq = true;

	IS_INT(addr_parse_envelope("<a@b.test>", false, &s, &unq, &err), 0,
	    "<a@b.test> is accepted");
	IS_STR(s, "a@b.test", "and stripped of <>");
	OK(!unq, "qualified");
	free(s);
	IS_INT(addr_parse_envelope("root", false, &s, &unq, &err), 0,
	    "root is accepted");
	OK(unq, "flagged unqualified");
	free(s);
	IS_INT(addr_parse_envelope("<>", true, &s, NULL, &err), 0,
	    "<> is the null sender when allowed");
	IS_STR(s, "", "as an empty string");
	free(s);
	IS_INT(addr_parse_envelope("", false, &s, NULL, &err), -1,
	    "empty refused when null is not allowed");
	IS_INT(err.cls, ERR_USAGE, "as a usage error");
	IS_INT(addr_parse_envelope("-X/tmp/x@b", false, &s, NULL, &err), -1,
	    "a leading '-' is refused");
	IS_INT(err.cls, ERR_USAGE, "as a usage error");
	IS_INT(addr_parse_envelope("<-oQ@b>", false, &s, NULL, &err), -1,
	    "<-...> too");
	IS_INT(addr_parse_envelope("a@b\r\nRCPT TO:<c@d>", false, &s, NULL,
	           &err),
	    -1, "CRLF is refused");
	IS_INT(err.cls, ERR_USAGE, "as a usage error");
	IS_INT(addr_parse_envelope("Bob <a@b>", false, &s, NULL, &err), -1,
	    "a display name is refused");
	IS_INT(addr_parse_envelope("a@b, c@d", false, &s, NULL, &err), -1,
	    "two addresses are refused");
	IS_INT(addr_parse_envelope("g: a@b;", false, &s, NULL, &err), -1,
	    "a group is refused");
	IS_INT(addr_parse_envelope("\"x y\"@b", false, &s, NULL, &err), 0,
	    "a quoted local part is fine");
	IS_STR(s, "\"x y\"@b", "and stays quoted");
	free(s);
}

static const char aliases_text[] =
    "# postern aliases\n"
    "root: admin\n"
    "admin: alice@example.org, Bob <bob@example.org>\r\n"
    "\n"
    "  loop1: loop2\n"
    "loop2: loop1, x@example.org\n"
    "self: self, y@example.org\n"
    "Mixed: m@example.org\n"
    "root: ignored@example.org\n";

static void
resolve(const struct addr_aliases *al, const char *in, const char *dom,
    const char *want, const char *what)
{
	struct addr_list l, out;
	struct err err;
	struct buf b;

	buf_init(&b, 1 << 16);
	addr_list_init(&l, 0);
	addr_list_init(&out, 0);
	(void)addr_parse_list(in, strlen(in), &l, &err);
	if (addr_resolve(&l, al, dom, &out, &err) == -1)
		(void)buf_printf(&b, "error %s: %s", err_class_name(err.cls),
		    err.text);
	else
		render(&out, &b);
	IS_STR(buf_str(&b), want, what);
	addr_list_free(&l);
	addr_list_free(&out);
	buf_free(&b);
}

static void
test_aliases(void)
{
	struct addr_aliases *al = NULL, *def = NULL;
	struct err err;
	const char *d =
	    "default: postmaster@example.org\nroot: r@example.org\n";

	IS_INT(addr_aliases_parse(aliases_text, strlen(aliases_text), &al,
	           &err),
	    0, "the aliases file parses");
	resolve(al, "root", NULL, "alice@example.org | bob@example.org{Bob}",
	    "root expands through admin, recursively");
	resolve(al, "root, admin, alice@example.org", NULL,
	    "alice@example.org | bob@example.org{Bob}", "duplicates dropped");
	resolve(al, "loop1", "h.test", "loop1@h.test | x@example.org",
	    "a loop stops at the name met again");
	resolve(al, "self", NULL,
	    "error no user: recipient 'self' has no "
	    "domain: no alias matches it and local_domain is not set",
	    "self without local_domain: refused naming it");
	resolve(al, "self", "h.test", "self@h.test | y@example.org",
	    "self: self, y works with local_domain");
	resolve(al, "MIXED", NULL, "m@example.org", "names are case-blind");
	resolve(al, "nobody", "h.test", "nobody@h.test", "local_domain");
	resolve(NULL, "nobody", NULL,
	    "error no user: recipient 'nobody' has "
	    "no domain: no alias matches it and local_domain is not set",
	    "no alias, no local_domain: EX_NOUSER");
	IS_INT(addr_aliases_parse(d, strlen(d), &def, &err), 0, "default");
	resolve(def, "anyone, root", NULL,
	    "postmaster@example.org | r@example.org", "default: entry");
	addr_aliases_free(def);
	addr_aliases_free(al);
	al = NULL;
	IS_INT(addr_aliases_parse("no colon here\n", 14, &al, &err), -1,
	    "a line without a colon is refused");
	OK(strstr(err.text, "line 1") != NULL && err.cls == ERR_CONFIG,
	    "with its line number");
	IS_INT(addr_aliases_parse("a: b@\n", 6, &al, &err), -1,
	    "a bad address is refused");
	IS_INT(addr_aliases_parse("a:\n", 3, &al, &err), -1,
	    "an empty entry is refused");
	OK(al == NULL, "nothing is returned on error");
}

static void
test_deep_aliases(void)
{
	struct addr_aliases *al = NULL;
	struct err err;
	struct buf b;
	int i;

	buf_init(&b, 1 << 16);
	for (i = 0; i < 40; i++)
		(void)buf_printf(&b, "n%d: n%d\n", i, i + 1);
	IS_INT(addr_aliases_parse(b.data, b.len, &al, &err), 0, "a chain");
	resolve(al, "n0", "h.test",
	    "error config: aliases: expanding 'n0' "
	    "goes deeper than 16 levels",
	    "a deep chain is refused");
	addr_aliases_free(al);
	buf_free(&b);
}

int
main(void)
{
	test_table();
	test_flags();
	test_hostile();
	test_envelope();
	test_aliases();
	test_deep_aliases();
	return tap_done();
}
