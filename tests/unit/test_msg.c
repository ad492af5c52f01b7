/*
 * test_msg.c: the message preparer: line ends, the lone-dot rule, NUL,
 * caps, every header fix-up, -t recipients, the quoted-printable second
 * pass, and that chunking the input never changes the output.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "msg.h"
#include "tap.h"
#include "util.h"

struct run {
	struct buf out;
	struct msg_result res;
	struct err err;
	int rc;
};

static int
sink(void *arg, const void *data, size_t len, struct err *err)
{
	struct buf *b = arg;

	if (buf_add(b, data, len) == -1)
		return err_set(err, ERR_IO, "sink full");
	return 0;
}

/* Feed in chunks of step bytes (0: all at once); pass two if needed. */
static void
run(struct run *r, const struct msg_opts *o, const char *in, size_t len,
    size_t step)
{
	struct msg *m = NULL;
	struct buf two;
	size_t off, n;

	memset(r, 0, sizeof *r);
	buf_init(&r->out, 64 << 20);
	r->rc = msg_new(&m, o, sink, &r->out, &r->err);
	for (off = 0; r->rc == 0 && off < len; off += n) {
		n = step == 0 || len - off < step ? len - off : step;
		r->rc = msg_feed(m, in + off, n, &r->err);
	}
	if (r->rc == 0)
		r->rc = msg_finish(m, &r->res, &r->err);
	if (r->rc == 0 && r->res.needs_reencode) {
		buf_init(&two, 64 << 20);
		r->rc = msg_reencode_begin(m, sink, &two, &r->err);
		for (off = 0; r->rc == 0 && off < r->out.len; off += n) {
			n = step == 0 || r->out.len - off < step
			    ? r->out.len - off
			    : step;
			r->rc =
			    msg_reencode_feed(m, r->out.data + off, n, &r->err);
		}
		if (r->rc == 0)
			r->rc = msg_reencode_finish(m, &r->res, &r->err);
		buf_free(&r->out);
		r->out = two;
	}
	msg_free(m);
}

static void
run_free(struct run *r)
{
	buf_free(&r->out);
	msg_result_free(&r->res);
}

/* Plain options: no fix-ups at all. */
static struct msg_opts
plain(void)
{
	struct msg_opts o;

	memset(&o, 0, sizeof o);
	o.set_from_header = MSG_FROM_OFF;
	return o;
}

static void
check(const struct msg_opts *o, const char *in, size_t len, const char *want,
    const char *what)
{
	struct run r;

	run(&r, o, in, len, 0);
	if (r.rc == -1)
		printf("# error: %s\n", r.err.text);
	IS_STR(buf_str(&r.out), want, what);
	run_free(&r);
}

#define CHECK(o, in, want, what)                                               \
	check((o), (in), sizeof(in) - 1, (want), (what))

static void
test_line_ends(void)
{
	struct msg_opts o = plain();

	CHECK(&o, "Subject: x\n\nbody\n", "Subject: x\r\n\r\nbody\r\n", "LF");
	CHECK(&o, "Subject: x\r\n\r\nbody\r\n", "Subject: x\r\n\r\nbody\r\n",
	    "CRLF");
	CHECK(&o, "Subject: x\r\n\nb1\nb2\r\n",
	    "Subject: x\r\n\r\nb1\r\nb2\r\n", "mixed");
	CHECK(&o, "S: x\n\na\rb\r\rc\r", "S: x\r\n\r\na\r\nb\r\n\r\nc\r\n",
	    "bare CR ends a body line");
	CHECK(&o, "S: x\rBcc: e@x\n\nb\n", "S: x Bcc: e@x\r\n\r\nb\r\n",
	    "bare CR in a header is a space: no header injection");
	CHECK(&o, "S: x\n\nlast", "S: x\r\n\r\nlast\r\n",
	    "final line without EOL");
	CHECK(&o, "S: x", "S: x\r\n\r\n", "headers only, no EOL");
	CHECK(&o, "", "\r\n", "empty input, no fix-ups");
	CHECK(&o, "S: x\n\na\n.\nb\n", "S: x\r\n\r\na\r\n.\r\nb\r\n",
	    "-i: a lone dot is data");
	CHECK(&o, "S: x\n\na\r.\rb\n", "S: x\r\n\r\na\r\n.\r\nb\r\n",
	    "\\r.\\r becomes an ordinary dot line");
	CHECK(&o, "S: x\n\na\n.\r\nb\n", "S: x\r\n\r\na\r\n.\r\nb\r\n",
	    "-i: \\n.\\r\\n is data");
	o.dot_ends_input = true;
	CHECK(&o, "S: x\n\na\n.\nb\n", "S: x\r\n\r\na\r\n",
	    "\\n.\\n ends input");
	CHECK(&o, "S: x\n\na\n.\r\nb\n", "S: x\r\n\r\na\r\n",
	    "\\n.\\r\\n ends input");
	CHECK(&o, "S: x\n\na\r.\rb\n", "S: x\r\n\r\na\r\n.\r\nb\r\n",
	    "\\r.\\r does not end input");
	CHECK(&o, "S: x\n\na\n..\n.x\n", "S: x\r\n\r\na\r\n..\r\n.x\r\n",
	    "other dot lines are data (smtp.c dot-stuffs)");
	CHECK(&o, "S: x\n.\nb\n", "S: x\r\n\r\n", "a dot in the headers ends");
	CHECK(&o, "S: x\n\na\n.", "S: x\r\n\r\na\r\n", "a dot at EOF ends");
}

static void
test_dot_result(void)
{
	struct msg_opts o = plain();
	struct run r;
	const char in[] = "S: x\n\nab\xc3\xa9\n.\nafter\n";

	o.dot_ends_input = true;
	run(&r, &o, in, sizeof in - 1, 0);
	OK(r.rc == 0 && r.res.ended_by_dot, "ended_by_dot is reported");
	OK(r.res.has_8bit, "8-bit body detected");
	IS_INT(r.res.size, r.out.len, "size is the output length");
	IS_INT(r.res.lines, 3, "three lines");
	run_free(&r);
	run(&r, &o, "S: x\n\nascii\n", 13, 0);
	OK(!r.res.has_8bit, "7-bit body");
	run_free(&r);
}

static void
test_refusals(void)
{
	struct msg_opts o = plain();
	struct run r;
	struct buf b;
	size_t i;

	run(&r, &o, "S: x\n\nab\0c\n", 11, 0);
	OK(r.rc == -1 && r.err.cls == ERR_DATA, "NUL refuses the message");
	OK(strstr(r.err.text, "line 3") != NULL, "naming the line");
	run_free(&r);
	buf_init(&b, 6 << 20);
	(void)buf_add_str(&b, "Subject: ");
	for (i = 0; i < 5 << 20; i++)
		(void)buf_add_char(&b, 'x');
	(void)buf_add_str(&b, "\n\nbody\n");
	run(&r, &o, b.data, b.len, 0);
	OK(r.rc == -1 && r.err.cls == ERR_DATA, "5 MB header line refused");
	OK(strstr(r.err.text, "longer than 998") != NULL, "as too long");
	run_free(&r);
	buf_reset(&b);
	for (i = 0; i < 20000; i++)
		(void)buf_add_str(&b,
		    "X-Filler: 0123456789012345678901234567890123456789012345678901234567890\n");
	run(&r, &o, b.data, b.len, 0);
	OK(r.rc == -1 && strstr(r.err.text, "header block") != NULL,
	    "a 1.4 MB header block is refused");
	run_free(&r);
	o.max_header_bytes = 100;
	run(&r, &o, b.data, b.len, 0);
	OK(r.rc == -1 && strstr(r.err.text, "100 octets") != NULL,
	    "the header cap is configurable");
	run_free(&r);
	buf_free(&b);
}

static struct msg_opts
fixing(void)
{
	struct msg_opts o;

	memset(&o, 0, sizeof o);
	o.set_from_header = MSG_FROM_AUTO;
	o.set_date_header = true;
	o.set_msgid_header = true;
	o.remove_bcc_headers = true;
	o.envelope_from = "me@example.org";
	o.account_from = "me@example.org";
	o.now = 1800000000; /* 2027-01-15 08:00:00 UTC */
	o.msgid_left = "fixed";
	return o;
}

static void
test_fixups(void)
{
	struct msg_opts o = fixing();
	struct run r;
	struct buf big;
	int i;

	CHECK(&o, "",
	    "From: me@example.org\r\n"
	    "Date: Fri, 15 Jan 2027 08:00:00 +0000\r\n"
	    "Message-ID: <fixed@example.org>\r\n\r\n",
	    "empty message: From, Date, Message-ID added");
	CHECK(&o,
	    "From someone Fri Jan 15 08:00:00 2027\nSubject: s\n"
	    "Date: x\nMessage-ID: <a@b>\nFrom: a@b.test\n\nFrom here\n",
	    "Subject: s\r\nDate: x\r\nMessage-ID: <a@b>\r\nFrom: a@b.test\r\n"
	    "\r\nFrom here\r\n",
	    "mbox From line dropped, nothing added");
	CHECK(&o,
	    "Bcc: hidden@x.test,\n  more@x.test\nresent-bcc: h@x\n"
	    "Subject: s\nDate: x\nMessage-id: <a@b>\nFrom: a@b.test\n\nb\n",
	    "Subject: s\r\nDate: x\r\nMessage-id: <a@b>\r\nFrom: a@b.test\r\n"
	    "\r\nb\r\n",
	    "Bcc and Resent-Bcc removed with continuations");
	o.from_full_name = "J\xc3\xb6rg Sch\xc3\xa4"
	                   "fer";
	o.set_date_header = o.set_msgid_header = false;
	CHECK(&o, "Subject: s\n\nb\n",
	    "Subject: s\r\nFrom: =?UTF-8?B?"
	    "SsO2cmcgU2Now6RmZXI=?= <me@example.org>\r\n\r\nb\r\n",
	    "a non-ASCII full name becomes an encoded-word");
	o.from_full_name = "Cron Daemon";
	CHECK(&o, "Subject: s\n\nb\n",
	    "Subject: s\r\n"
	    "From: Cron Daemon <me@example.org>\r\n\r\nb\r\n",
	    "-F name");
	o.from_full_name = "Doe, John";
	CHECK(&o, "Subject: s\n\nb\n",
	    "Subject: s\r\n"
	    "From: \"Doe, John\" <me@example.org>\r\n\r\nb\r\n",
	    "a name with specials is quoted");
	o.from_full_name = NULL;
	CHECK(&o, "From: root (Cron Daemon)\nTo: root\n\nb\n",
	    "From: Cron Daemon <me@example.org>\r\nTo: root\r\n\r\nb\r\n",
	    "cron's From is qualified with the account's from");
	o.local_domain = "host.test";
	CHECK(&o, "From: root (Cron Daemon)\nTo: root, a@b.test\n\nb\n",
	    "From: Cron Daemon <me@example.org>\r\n"
	    "To: root@host.test, a@b.test\r\n\r\nb\r\n",
	    "bare To names are qualified with local_domain");
	CHECK(&o, "From: Admin <root>\nCc: Bob <bob>\n\nb\n",
	    "From: Admin <me@example.org>\r\nCc: Bob <bob@host.test>\r\n\r\nb\r\n",
	    "display names are kept");
	CHECK(&o, "From: other@x.test\n\nb\n",
	    "From: other@x.test\r\n\r\nb\r\n",
	    "a qualified From is kept (auto)");
	o.set_from_header = MSG_FROM_ON;
	o.from_full_name = "Me";
	CHECK(&o, "From: other@x.test\nFrom: again@x.test\n\nb\n",
	    "From: Me <me@example.org>\r\n\r\nb\r\n", "set_from_header on");
	o.set_from_header = MSG_FROM_OFF;
	CHECK(&o, "From: root\n\nb\n", "From: root\r\n\r\nb\r\n",
	    "set_from_header off leaves From alone");
	CHECK(&o, "Subject: s\n\nb\n", "Subject: s\r\n\r\nb\r\n",
	    "and adds none");
	o = fixing();
	o.set_from_header = MSG_FROM_ON;
	run(&r, &o, "From: x@y.test\n\n", 16, 0);
	IS_STR(r.res.from_addr, "me@example.org", "from_addr after on");
	run_free(&r);
	o.set_from_header = MSG_FROM_AUTO;
	run(&r, &o, "From: X <x@y.test>\n\n", 20, 0);
	IS_STR(r.res.from_addr, "x@y.test", "from_addr of an existing From");
	run_free(&r);
	buf_init(&big, 1024);
	(void)buf_add_str(&big, "From: ");
	for (i = 0; i < 60; i++)
		(void)buf_add_char(&big, '\x9a');
	(void)buf_add_str(&big, " <root>\n\n");
	run(&r, &o, big.data, big.len, 0);
	OK(r.rc == 0 && strstr(buf_str(&r.out), "=?UTF-8?B?mpqa") != NULL &&
	        strstr(buf_str(&r.out), "<me@example.org>") != NULL,
	    "a display name that is not UTF-8 is still encoded (no hang)");
	run_free(&r);
	buf_free(&big);
	o.msgid_left = NULL;
	o.msgid_domain = "id.test";
	run(&r, &o, "S: x\n\n", 6, 0);
	OK(strstr(buf_str(&r.out), "@id.test>\r\n") != NULL &&
	        strstr(buf_str(&r.out), "Message-ID: <") != NULL,
	    "a random Message-ID on msgid_domain");
	run_free(&r);
}

static const char *
rcpts(struct run *r)
{
	static char s[1024];
	size_t i;

	s[0] = '\0';
	for (i = 0; i < r->res.rcpts.n; i++) {
		if (i > 0)
			strlcat(s, " ", sizeof s);
		strlcat(s, r->res.rcpts.v[i].spec, sizeof s);
	}
	return r->rc == 0 ? s : r->err.text;
}

static void
test_recipients(void)
{
	struct msg_opts o = plain();
	struct aliases_holder {
		struct addr_aliases *a;
	} h = { NULL };
	struct err err;
	struct run r;
	const char *al = "root: admin@example.org\n";
	const char in1[] = "To: a@x.test, B <b@x.test>\nCc: c@x.test\n"
	                   "Bcc: d@x.test, a@x.test\nSubject: s\n\nb\n";
	const char in2[] =
	    "Resent-To: r1@x.test\nResent-Cc: r2@x.test\n"
	    "Resent-Bcc: r3@x.test\nReceived: x\nResent-To: old@x.test\n"
	    "To: a@x.test\n\nb\n";

	o.read_recipients = true;
	o.remove_bcc_headers = true;
	run(&r, &o, in1, sizeof in1 - 1, 0);
	IS_STR(rcpts(&r), "a@x.test b@x.test c@x.test d@x.test",
	    "-t: To, Cc, Bcc, without duplicates");
	OK(strstr(buf_str(&r.out), "Bcc") == NULL, "and Bcc is gone");
	run_free(&r);
	run(&r, &o, in2, sizeof in2 - 1, 0);
	IS_STR(rcpts(&r), "r1@x.test r2@x.test r3@x.test",
	    "-t: only the first Resent- block");
	run_free(&r);
	(void)addr_aliases_parse(al, strlen(al), &h.a, &err);
	o.aliases = h.a;
	run(&r, &o, "To: root, alice\n\n", 17, 0);
	OK(r.rc == -1 && r.err.cls == ERR_NOUSER, "an unknown bare name");
	OK(strstr(r.err.text, "'alice'") != NULL, "is named in the error");
	run_free(&r);
	o.local_domain = "h.test";
	run(&r, &o, "To: root, alice\n\n", 17, 0);
	IS_STR(rcpts(&r), "admin@example.org alice@h.test",
	    "aliases, then local_domain");
	OK(strstr(buf_str(&r.out), "To: admin@example.org, alice@h.test\r\n") !=
	        NULL,
	    "the To header is qualified the same way");
	run_free(&r);
	run(&r, &o, "To: j\xc3\xb6rg@x.test\n\n", 18, 0);
	OK(r.res.needs_smtputf8 && r.res.has_8bit, "a UTF-8 local part");
	run_free(&r);
	o.max_recipients = 2;
	run(&r, &o, "To: a@x, b@x, c@x\n\n", 19, 0);
	OK(r.rc == -1 && strstr(r.err.text, "more than 2") != NULL,
	    "the recipient cap");
	run_free(&r);
	o.read_recipients = false;
	run(&r, &o, "To: a@x, b@x, c@x\n\n", 19, 0);
	IS_INT(r.res.rcpts.n, 0, "no -t, no recipients");
	run_free(&r);
	addr_aliases_free(h.a);
}

/* Decode quoted-printable text (CRLF lines) into out. */
static void
qp_decode(const char *s, size_t n, struct buf *out)
{
	size_t i;
	unsigned v;

	for (i = 0; i < n; i++) {
		if (s[i] == '=' && i + 2 < n && s[i + 1] == '\r') {
			i += 2;
		} else if (s[i] == '=' && i + 2 < n) {
			v = 0;
			for (int k = 1; k <= 2; k++)
				v = v * 16 +
				    (unsigned)(s[i + k] <= '9'
				            ? s[i + k] - '0'
				            : s[i + k] - 'A' + 10);
			(void)buf_add_char(out, (char)v);
			i += 2;
		} else
			(void)buf_add_char(out, s[i]);
	}
}

static size_t
longest_line(const char *s)
{
	size_t max = 0, cur = 0;

	for (; *s != '\0'; s++) {
		if (*s == '\r' || *s == '\n') {
			max = cur > max ? cur : max;
			cur = 0;
		} else
			cur++;
	}
	return cur > max ? cur : max;
}

static void
test_long_lines(void)
{
	struct msg_opts o = plain();
	struct buf in, body, dec;
	struct run r;
	const char *sep;
	size_t i;

	buf_init(&in, 1 << 20);
	buf_init(&body, 1 << 20);
	buf_init(&dec, 1 << 20);
	(void)buf_add_str(&body, "short = line \r\n");
	for (i = 0; i < 10000; i++)
		(void)buf_add_char(&body, "abcdefghij=\xc3\xa9 \t"[i % 15]);
	(void)buf_add_str(&body, "\r\ntrailing space \r\n.\r\n");
	(void)buf_printf(&in,
	    "Subject: s\nContent-Transfer-Encoding: 8bit\n"
	    "  (cont)\n\n%s",
	    body.data);
	run(&r, &o, in.data, in.len, 0);
	OK(r.rc == 0 && r.res.reencoded, "a 10,000-octet line: re-encoded");
	sep = strstr(buf_str(&r.out), "\r\n\r\n");
	IS_INT(longest_line(buf_str(&r.out)) <= 76, 1,
	    "no output line over 76 octets");
	OK(strstr(buf_str(&r.out), "MIME-Version: 1.0\r\n") != NULL,
	    "MIME-Version added");
	OK(strstr(buf_str(&r.out),
	       "Content-Type: text/plain; charset=utf-8\r\n") != NULL,
	    "Content-Type with utf-8 added");
	OK(strstr(buf_str(&r.out), "8bit") == NULL &&
	        strstr(buf_str(&r.out), "(cont)") == NULL,
	    "the old CTE and its continuation are gone");
	OK(strstr(buf_str(&r.out),
	       "Content-Transfer-Encoding: "
	       "quoted-printable\r\n\r\n") != NULL,
	    "CTE quoted-printable");
	OK(strstr(buf_str(&r.out), "short =3D line=20\r\n") != NULL,
	    "'=' and trailing space encoded");
	OK(!r.res.has_8bit, "the result is 7-bit");
	IS_INT(r.res.size, r.out.len, "size after the second pass");
	if (sep != NULL)
		qp_decode(sep + 4, strlen(sep + 4), &dec);
	IS_MEM(dec.data, dec.len, body.data, body.len,
	    "decoding gives back the body");
	run_free(&r);
	buf_reset(&in);
	(void)buf_add_str(&in, "Subject: s\n\n\xff");
	for (i = 0; i < 1000; i++)
		(void)buf_add_char(&in, 'x');
	run(&r, &o, in.data, in.len, 0);
	OK(strstr(buf_str(&r.out), "charset=unknown-8bit") != NULL,
	    "invalid UTF-8: unknown-8bit");
	run_free(&r);
	buf_reset(&in);
	(void)buf_add_str(&in,
	    "MIME-Version: 1.0\nContent-Type: multipart/"
	    "mixed; boundary=b\n\n--b\n");
	for (i = 0; i < 1000; i++)
		(void)buf_add_char(&in, 'x');
	run(&r, &o, in.data, in.len, 0);
	OK(r.rc == -1 && r.err.cls == ERR_DATA &&
	        strstr(r.err.text, "MIME") != NULL,
	    "multipart: refused");
	run_free(&r);
	buf_free(&in);
	buf_free(&body);
	buf_free(&dec);
}

/*
 * Body lines of exactly 998 and 999 octets, and 8-bit bytes after a run
 * of ASCII, each fed at once and in odd chunks: the fast path for runs
 * of text must see the same line lengths and bytes as the slow path.
 */
static void
test_body_runs(void)
{
	struct msg_opts o = plain();
	struct buf in;
	struct run r;
	size_t i, k, steps[] = { 0, 1, 5, 997 };

	buf_init(&in, 1 << 16);
	for (k = 0; k < sizeof steps / sizeof steps[0]; k++) {
		buf_reset(&in);
		(void)buf_add_str(&in, "S: x\n\n");
		for (i = 0; i < 998; i++)
			(void)buf_add_char(&in, 'a' + (char)(i % 26));
		(void)buf_add_str(&in, "\n.b\nascii then \xc3\xa9\n");
		run(&r, &o, in.data, in.len, steps[k]);
		OK(r.rc == 0 && !r.res.needs_reencode && !r.res.reencoded,
		    "998 octets: not re-encoded");
		OK(r.res.has_8bit, "8-bit after a run of text is seen");
		IS_INT(r.res.lines, 5, "five lines");
		IS_INT(r.out.len, in.len + 5, "only CRs added");
		run_free(&r);
		buf_reset(&in);
		(void)buf_add_str(&in, "S: x\n\n");
		for (i = 0; i < 999; i++)
			(void)buf_add_char(&in, 'z');
		(void)buf_add_str(&in, "\n");
		run(&r, &o, in.data, in.len, steps[k]);
		OK(r.rc == 0 && r.res.reencoded, "999 octets: re-encoded");
		run_free(&r);
	}
	buf_free(&in);
}

static void
test_chunking(void)
{
	struct msg_opts o = fixing();
	struct buf in;
	struct run one, step;
	size_t i, steps[] = { 1, 2, 3, 7, 64 };
	int same = 1;

	buf_init(&in, 1 << 20);
	o.read_recipients = true;
	o.local_domain = "h.test";
	o.dot_ends_input = true;
	(void)buf_add_str(&in,
	    "From x Fri Jan 15 2027\nFrom: root (Cron)\n"
	    "To: a, b@x.test\nBcc: c\nSubject: folded\n\tline\rwith CR\r\n"
	    "\nbody\r\rmixed\nCR\r\n.x\r.\r");
	for (i = 0; i < 1500; i++)
		(void)buf_add_char(&in, 'y');
	(void)buf_add_str(&in, "\n\xc3\xa9t\xc3\xa9\n.\r\nignored\n");
	run(&one, &o, in.data, in.len, 0);
	OK(one.rc == 0 && one.res.reencoded, "the big sample works");
	for (i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		run(&step, &o, in.data, in.len, steps[i]);
		same &= step.rc == 0 && step.out.len == one.out.len &&
		    memcmp(step.out.data, one.out.data, one.out.len) == 0 &&
		    step.res.rcpts.n == one.res.rcpts.n &&
		    step.res.lines == one.res.lines;
		run_free(&step);
	}
	OK(same, "1, 2, 3, 7 and 64-byte chunks give identical output");
	IS_INT(one.res.rcpts.n, 3, "three recipients");
	OK(strchr(buf_str(&one.out), '\0') == one.out.data + one.out.len,
	    "no NUL in the output");
	for (i = 0; i < one.out.len; i++)
		if ((one.out.data[i] == '\r') !=
		    (i + 1 < one.out.len && one.out.data[i + 1] == '\n'))
			break;
	IS_INT(i, one.out.len, "no bare CR, no bare LF");
	run_free(&one);
	buf_free(&in);
}

/* Every header line of out is at most max octets (CRLF excluded). */
static bool
lines_within(const char *out, size_t max)
{
	const char *end = strstr(out, "\r\n\r\n"), *nl;

	for (; out < end; out = nl + 2) {
		nl = strstr(out, "\r\n");
		if ((size_t)(nl - out) > max)
			return false;
	}
	return true;
}

/*
 * Generated From fields (issue 18): a long -F is folded into encoded
 * words within 78 columns, an absurd one refused, and CR/LF in a name
 * never start a field of their own.
 */
static void
test_names(void)
{
	struct msg_opts o = fixing();
	static char name[100001];
	struct run r;

	o.set_date_header = o.set_msgid_header = false;
	memset(name, 'a', 495); /* 11 words of 45: the last line is full */
	name[495] = '\0';
	o.from_full_name = name;
	run(&r, &o, "Subject: s\n\nb\n", 14, 0);
	IS_INT(r.rc, 0, "a 495-octet name is taken");
	OK(lines_within(buf_str(&r.out), 78), "folded within 78 columns");
	OK(strncmp(buf_str(&r.out), "Subject: s\r\nFrom: =?UTF-8?B?YWFh", 32) ==
	        0,
	    "as encoded words");
	OK(strstr(buf_str(&r.out), "?=\r\n =?UTF-8?B?") != NULL,
	    "one per line");
	OK(strstr(buf_str(&r.out), "?=\r\n <me@example.org>\r\n\r\nb") != NULL,
	    "the address folded onto its own line");
	run_free(&r);
	memset(name, 'a', sizeof(name) - 1);
	run(&r, &o, "Subject: s\n\nb\n", 14, 0);
	IS_INT(r.rc, -1, "a 100,000-octet name is refused");
	IS_INT(r.err.cls, ERR_DATA, "as bad data");
	IS_STR(r.err.text,
	    "the sender's full name (-F or from_full_name) is 100000 octets "
	    "long; the limit is 998",
	    "with a one-line reason");
	run_free(&r);
	o.from_full_name = "Eve\r\nBcc: victim@example.net\r\nX: y";
	CHECK(&o, "Subject: s\n\nb\n",
	    "Subject: s\r\n"
	    "From: \"Eve  Bcc: victim@example.net  X: y\" <me@example.org>\r\n"
	    "\r\nb\r\n",
	    "CR and LF in a name become spaces");
	o.from_full_name = "Tab\there\x7f";
	CHECK(&o, "Subject: s\n\nb\n",
	    "Subject: s\r\nFrom: Tab here  <me@example.org>\r\n\r\nb\r\n",
	    "so do TAB and DEL");
}

int
main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	test_line_ends();
	test_dot_result();
	test_refusals();
	test_fixups();
	test_names();
	test_recipients();
	test_long_lines();
	test_body_runs();
	test_chunking();
	return tap_done();
}
