/*
 * test_idn.c: idn.c on a table of U-label / A-label pairs (IDNA2008,
 * UTS #46 non-transitional, NFC input), names libidn2 refuses (each
 * with the reason it must give), the ASCII fast path, the reverse
 * conversion for display, and envelope addresses; then the SMTP
 * engine's per-address decisions against a scripted peer (peer.h):
 * UTF-8 with SMTPUTF8, A-labels without it, a recipient with a UTF-8
 * local part refused alone (553 5.6.7), the sender's or a UTF-8 header
 * address failing the message.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "idn.h"
#include "msg.h"
#include "peer.h"
#include "vis.h"
#include "smtp.h"
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
	char out[IDN_NAME_MAX], what[600], shown[600];
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
		/* a name that is not UTF-8 is shown with \xHH (vis.h) */
		(void)vis_str(shown, sizeof(shown), c->in, strlen(c->in), "");
		OK(e.cls == ERR_DATA && strstr(e.text, c->why) != NULL &&
		        strncmp(e.text, "host \"", 6) == 0 &&
		        strstr(e.text, shown) != NULL,
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
	OK(idn_addr_to_ascii("x@[\xbe\x8b]", &a, &e) == -1 && a == NULL &&
	        strstr(e.text, "domain literal must be ASCII") != NULL,
	    "a literal with 8-bit bytes is refused (found by fuzz_idn)");
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

/* --- the header: which addresses make the message need SMTPUTF8 ------- */

static int
hdr_write(void *arg, const void *data, size_t len, struct err *e)
{
	(void)e;
	return buf_add(arg, data, len);
}

/* Prepare in (headers only); 1: needs SMTPUTF8, 0: not, -1: error. */
static int
hdr_needs(const char *in, const char *full_name, struct buf *out)
{
	struct msg_opts o;
	struct msg_result res;
	struct msg *m = NULL;
	struct err e;
	int r = -1;

	memset(&o, 0, sizeof(o));
	o.envelope_from = "me@xn--r8jz45g.jp";
	o.from_full_name = full_name;
	o.remove_bcc_headers = true;
	o.msgid_left = "x";
	buf_reset(out);
	if (msg_new(&m, &o, hdr_write, out, &e) == 0 &&
	    msg_feed(m, in, strlen(in), &e) == 0 &&
	    msg_finish(m, &res, &e) == 0) {
		r = res.needs_smtputf8;
		msg_result_free(&res);
	}
	msg_free(m);
	return r;
}

static void
test_header(void)
{
	struct buf out;

	buf_init(&out, 1 << 20);
	IS_INT(hdr_needs("To: bob@例え.jp\n\nx\n", NULL, &out), 1,
	    "a U-label domain in To needs SMTPUTF8");
	IS_INT(hdr_needs("Cc: a@x.test,\n 用户@x.test\n\nx\n", NULL, &out), 1,
	    "a UTF-8 local part in a folded Cc");
	IS_INT(hdr_needs("From: jörg@x.test\n\nx\n", NULL, &out), 1,
	    "a UTF-8 From");
	IS_INT(hdr_needs("Bcc: 用户@x.test\nTo: a@x.test\n\nx\n", NULL, &out),
	    0, "a dropped Bcc does not count");
	IS_INT(hdr_needs("From: 山田 <a@x.test>\nSubject: 日本\n\nx\n", NULL,
	           &out),
	    0, "a raw UTF-8 display name or subject is 8BITMIME only");
	IS_INT(hdr_needs("To: bob@xn--r8jz45g.jp\n\nx\n", NULL, &out), 0,
	    "A-labels are ASCII");
	IS_INT(hdr_needs("Subject: x\n\nx\n", "山田 太郎", &out), 0,
	    "-F with Japanese: no SMTPUTF8");
	OK(strstr(buf_str(&out),
	       "From: =?UTF-8?B?5bGx55SwIOWkqumDjg==?= <me@xn--r8jz45g.jp>"
	       "\r\n") != NULL,
	    "the display name is an RFC 2047 encoded-word");
	buf_free(&out);
}

/* --- the engine ------------------------------------------------------ */

#define GREET "S:220 mx.test ESMTP"
#define NOUTF8 "S:250-mx.test", "S:250-PIPELINING", "S:250 8BITMIME"
#define UTF8                                                                   \
	"S:250-mx.test", "S:250-PIPELINING", "S:250-SMTPUTF8", "S:250 8BITMIME"

static struct smtp_rcpt rcpt[3];

static void
mail_init(struct smtp_mail *m, const char *from, const char *r0, const char *r1,
    const char *r2)
{
	static const char body[] = "Subject: x\r\n\r\nx\r\n";
	FILE *f = tmpfile();
	size_t n = 0;

	memset(m, 0, sizeof(*m));
	memset(rcpt, 0, sizeof(rcpt));
	rcpt[n++].addr = r0;
	if (r1 != NULL)
		rcpt[n++].addr = r1;
	if (r2 != NULL)
		rcpt[n++].addr = r2;
	(void)fputs(body, f);
	(void)fflush(f);
	m->fd = dup(fileno(f));
	(void)fclose(f);
	m->size = (off_t)strlen(body);
	m->from = from;
	m->rcpts = rcpt;
	m->nrcpts = n;
}

static int
run(struct peer *p, const char *const *script, struct smtp_mail *m,
    struct err *e)
{
	struct smtp_params par;
	struct smtp_session *s;
	int r;

	memset(&par, 0, sizeof(par));
	par.host = "test.invalid";
	par.helo = "client.example";
	par.timeout = 5;
	if (peer_start(p, script) == -1) {
		OK(0, "peer starts");
		return -1;
	}
	r = smtp_open_fd(&s, p->fd, &par, NULL, e);
	if (r == 0) {
		r = smtp_send(s, m, e);
		smtp_close(s);
	}
	close(m->fd);
	peer_finish(p);
	if (p->status != 0)
		printf("# peer transcript:\n# %s\n", p->log);
	return r;
}

static void
test_engine_ascii(void)
{
	static const char *const script[] = { GREET, "C:EHLO client.example",
		NOUTF8, "C:MAIL FROM:<me@xn--r8jz45g.jp>",
		"C:RCPT TO:<bob@xn--bcher-kva.example>", "C:RCPT TO:<c@x.test>",
		"C:DATA", "S:250 ok", "S:250 ok", "S:250 ok", "S:354 go",
		"BODY", "S:250 queued", "C:QUIT", "S:221 bye", NULL };
	struct smtp_mail m;
	struct peer p;
	struct err e;

	mail_init(&m, "me@例え.jp", "用户@例え.jp", "bob@bücher.example",
	    "c@x.test");
	IS_INT(run(&p, script, &m, &e), 0, "no SMTPUTF8: delivered");
	IS_INT(p.status, 0,
	    "A-label domains, no SMTPUTF8, the UTF-8 "
	    "local part never sent");
	IS_INT(m.naccepted, 2, "two recipients took it");
	OK(rcpt[0].status == SMTP_RCPT_PERMFAIL && rcpt[0].code == 553 &&
	        strcmp(rcpt[0].esc, "5.6.7") == 0,
	    "the UTF-8 local part is refused alone: 553 5.6.7");
	IS_STR(rcpt[0].text,
	    "553 5.6.7 <用户@例え.jp>: non-ASCII local part needs SMTPUTF8, "
	    "which mx.test does not offer; not sent",
	    "with a clear text");
	OK(rcpt[1].status == SMTP_RCPT_OK && rcpt[2].status == SMTP_RCPT_OK,
	    "the others are delivered");
	free(p.log);
}

/* Without PIPELINING: the refused recipient is skipped in between. */
static void
test_engine_serial(void)
{
	static const char *const script[] = { GREET, "C:EHLO client.example",
		"S:250-mx.test", "S:250 8BITMIME", "C:MAIL FROM:<me@x.test>",
		"S:250 ok", "C:RCPT TO:<a@x.test>", "S:250 ok",
		"C:RCPT TO:<c@xn--r8jz45g.jp>", "S:550 5.1.1 unknown", "C:DATA",
		"S:354 go", "BODY", "S:250 queued", "C:QUIT", "S:221 bye",
		NULL };
	struct smtp_mail m;
	struct peer p;
	struct err e;

	mail_init(&m, "me@x.test", "a@x.test", "jörg@x.test", "c@例え.jp");
	IS_INT(run(&p, script, &m, &e), 0, "serial: delivered");
	IS_INT(p.status, 0, "one RCPT per accepted address, in order");
	OK(rcpt[0].status == SMTP_RCPT_OK &&
	        rcpt[1].status == SMTP_RCPT_PERMFAIL && rcpt[1].code == 553 &&
	        rcpt[2].status == SMTP_RCPT_PERMFAIL && rcpt[2].code == 550,
	    "refused before RCPT and by the server, each with its code");
	free(p.log);
}

static void
test_engine_utf8(void)
{
	static const char *const script[] = { GREET, "C:EHLO client.example",
		UTF8, "C:MAIL FROM:<me@例え.jp> SMTPUTF8",
		"C:RCPT TO:<用户@例え.jp>", "C:RCPT TO:<c@x.test>", "C:DATA",
		"S:250 ok", "S:250 ok", "S:250 ok", "S:354 go", "BODY",
		"S:250 queued", "C:QUIT", "S:221 bye", NULL };
	static const char *const ascii[] = { GREET, "C:EHLO client.example",
		UTF8, "C:MAIL FROM:<me@x.test>", "C:RCPT TO:<c@x.test>",
		"C:DATA", "S:250 ok", "S:250 ok", "S:354 go", "BODY",
		"S:250 queued", "C:QUIT", "S:221 bye", NULL };
	static const char *const header[] = { GREET, "C:EHLO client.example",
		UTF8, "C:MAIL FROM:<me@x.test> SMTPUTF8",
		"C:RCPT TO:<c@x.test>", "C:DATA", "S:250 ok", "S:250 ok",
		"S:354 go", "BODY", "S:250 queued", "C:QUIT", "S:221 bye",
		NULL };
	struct smtp_mail m;
	struct peer p;
	struct err e;

	mail_init(&m, "me@例え.jp", "用户@例え.jp", "c@x.test", NULL);
	IS_INT(run(&p, script, &m, &e), 0, "SMTPUTF8: delivered");
	IS_INT(p.status, 0, "UTF-8 addresses as they are, with SMTPUTF8");
	IS_INT(m.naccepted, 2, "to both");
	free(p.log);
	mail_init(&m, "me@x.test", "c@x.test", NULL, NULL);
	IS_INT(run(&p, ascii, &m, &e), 0, "ASCII only");
	IS_INT(p.status, 0, "no SMTPUTF8 parameter when nothing needs it");
	free(p.log);
	mail_init(&m, "me@x.test", "c@x.test", NULL, NULL);
	m.needs_smtputf8 = true;
	IS_INT(run(&p, header, &m, &e), 0, "a UTF-8 address in the header");
	IS_INT(p.status, 0, "SMTPUTF8 with ASCII envelope addresses");
	free(p.log);
}

static void
test_engine_refused(void)
{
	static const char *const quit[] = { GREET, "C:EHLO client.example",
		NOUTF8, "C:QUIT", "S:221 bye", NULL };
	struct smtp_mail m;
	struct peer p;
	struct err e;

	mail_init(&m, "jörg@x.test", "c@x.test", NULL, NULL);
	IS_INT(run(&p, quit, &m, &e), -1, "UTF-8 sender, no SMTPUTF8");
	OK(p.status == 0 && e.cls == ERR_DATA && !e.temporary &&
	        strcmp(e.esc, "5.6.7") == 0,
	    "fails the message before MAIL (data error, 5.6.7)");
	IS_STR(e.text,
	    "sender <jörg@x.test>: non-ASCII local part needs SMTPUTF8, "
	    "which mx.test does not offer",
	    "naming the sender");
	free(p.log);
	mail_init(&m, "me@x.test", "c@x.test", NULL, NULL);
	m.needs_smtputf8 = true;
	IS_INT(run(&p, quit, &m, &e), -1, "UTF-8 address in the header");
	OK(p.status == 0 && e.cls == ERR_DATA &&
	        strstr(e.text, "header holds a UTF-8 address") != NULL,
	    "fails the message before MAIL");
	free(p.log);
	mail_init(&m, "me@x.test", "jörg@x.test", "用户@例え.jp", NULL);
	IS_INT(run(&p, quit, &m, &e), -1, "every recipient UTF-8");
	OK(p.status == 0 && e.cls == ERR_NOUSER && e.smtp_code == 553 &&
	        strcmp(e.esc, "5.6.7") == 0,
	    "every recipient refused (553 5.6.7), nothing sent");
	free(p.log);
}

static void
test_engine_bad_domain(void)
{
	static const char *const script[] = { GREET, "C:EHLO client.example",
		UTF8, "C:MAIL FROM:<me@x.test>", "C:RCPT TO:<c@x.test>",
		"C:DATA", "S:250 ok", "S:250 ok", "S:354 go", "BODY",
		"S:250 queued", "C:QUIT", "S:221 bye", NULL };
	struct smtp_mail m;
	struct peer p;
	struct err e;

	mail_init(&m, "me@x.test", "x@a\xe2\x98\x83.example", "c@x.test", NULL);
	IS_INT(run(&p, script, &m, &e), 0, "a bad IDN recipient");
	OK(p.status == 0 && rcpt[0].status == SMTP_RCPT_PERMFAIL &&
	        strncmp(rcpt[0].text, "553 5.1.3 ", 10) == 0 &&
	        strstr(rcpt[0].text, "disallowed character") != NULL,
	    "is refused alone with libidn2's reason, even with SMTPUTF8");
	free(p.log);
}

int
main(void)
{
	test_table();
	test_lengths();
	test_unicode();
	test_addr();
	test_header();
	test_engine_ascii();
	test_engine_serial();
	test_engine_utf8();
	test_engine_refused();
	test_engine_bad_domain();
	return tap_done();
}
