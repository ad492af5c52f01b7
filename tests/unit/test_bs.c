/*
 * test_bs.c: -bs without a network: the command parser, paths and MAIL
 * parameters, the reply for a failed submission, and the session state
 * machine driven through its I/O loop (bs_serve over files) with fake
 * transaction operations that record what they were given.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bs.h"
#include "tap.h"
#include "util.h"

/* --- the parser --------------------------------------------------------- */

static void
test_command(void)
{
	struct bs_cmd c;

	bs_parse_command("EHLO [127.0.0.1]", &c);
	IS_INT(c.verb, BS_CMD_EHLO, "EHLO");
	IS_STR(c.arg, "[127.0.0.1]", "EHLO argument");
	bs_parse_command("mail FROM:<a@b>  ", &c);
	IS_INT(c.verb, BS_CMD_MAIL, "verbs are case-insensitive");
	IS_INT(c.arglen, 10, "trailing blanks are not part of the argument");
	bs_parse_command("QUIT", &c);
	IS_INT(c.verb, BS_CMD_QUIT, "QUIT");
	IS_INT(c.arglen, 0, "no argument");
	bs_parse_command("", &c);
	IS_INT(c.verb, BS_CMD_EMPTY, "empty line");
	bs_parse_command(" NOOP", &c);
	IS_INT(c.verb, BS_CMD_UNKNOWN, "a leading blank is not a verb");
	bs_parse_command("DATAX", &c);
	IS_INT(c.verb, BS_CMD_UNKNOWN, "a verb is matched whole");
	bs_parse_command("starttls", &c);
	IS_INT(c.verb, BS_CMD_NOTIMPL, "STARTTLS is known, not offered");
	bs_parse_command("AUTH PLAIN AGFhAGI=", &c);
	IS_INT(c.verb, BS_CMD_NOTIMPL, "AUTH is known, not offered");
}

static void
test_path(void)
{
	struct bs_path p;
	const char *why = NULL;
	char long_arg[400];
	const char *a;

	a = "FROM:<a@b> SIZE=10 BODY=8BITMIME";
	IS_INT(bs_parse_path(a, strlen(a), "FROM:", &p, &why), 0, "path");
	IS_STR(p.path, "a@b", "path inside <>");
	IS_MEM(p.params, p.paramslen, "SIZE=10 BODY=8BITMIME", 21, "params");
	a = "from:<>";
	IS_INT(bs_parse_path(a, strlen(a), "FROM:", &p, &why), 0, "<>");
	IS_STR(p.path, "", "null path");
	a = "FROM: <a@b>";
	IS_INT(bs_parse_path(a, strlen(a), "FROM:", &p, &why), 0, "blank");
	IS_STR(p.path, "a@b", "a blank after the colon is tolerated");
	a = "TO:a@b";
	IS_INT(bs_parse_path(a, strlen(a), "TO:", &p, &why), 0, "no <>");
	IS_STR(p.path, "a@b", "a path without <> is tolerated");
	a = "TO:<\"x >y\"@b>";
	IS_INT(bs_parse_path(a, strlen(a), "TO:", &p, &why), 0, "quoted");
	IS_STR(p.path, "\"x >y\"@b", "'>' inside quotes is part of it");
	a = "FROM:<a@b";
	IS_INT(bs_parse_path(a, strlen(a), "FROM:", &p, &why), -1, "no >");
	IS_STR(why, "syntax error: no closing '>' in the path", "why");
	a = "FROM:<a@b>x";
	IS_INT(bs_parse_path(a, strlen(a), "FROM:", &p, &why), -1, "glued");
	a = "TO:<a@b>";
	IS_INT(bs_parse_path(a, strlen(a), "FROM:", &p, &why), -1,
	    "TO: where FROM: is expected");
	memset(long_arg, 'a', sizeof(long_arg));
	memcpy(long_arg, "TO:<", 4);
	long_arg[sizeof(long_arg) - 2] = '>';
	long_arg[sizeof(long_arg) - 1] = '\0';
	IS_INT(bs_parse_path(long_arg, strlen(long_arg), "TO:", &p, &why), -1,
	    "a path over 257 octets");
	IS_STR(why, "path too long", "why");
}

static void
test_params(void)
{
	struct bs_mail_params mp;
	const char *why = NULL;

	IS_INT(bs_parse_mail_params("", 0, &mp, &why), 0, "no parameters");
	IS_INT(bs_parse_mail_params("SIZE=123 body=8bitmime", 22, &mp, &why), 0,
	    "SIZE and BODY");
	IS_INT(mp.size, 123, "SIZE value");
	OK(mp.body_8bit, "BODY=8BITMIME");
	IS_INT(bs_parse_mail_params("SIZE=12x", 8, &mp, &why), -1, "bad SIZE");
	OK(!mp.unknown, "a bad SIZE is a syntax error (501)");
	IS_INT(bs_parse_mail_params("SMTPUTF8", 8, &mp, &why), -1, "SMTPUTF8");
	OK(mp.unknown, "an unimplemented parameter (555)");
	IS_INT(bs_parse_mail_params("BODY=BINARYMIME", 15, &mp, &why), -1,
	    "BINARYMIME");
	OK(mp.unknown, "BINARYMIME is not implemented (555)");
}

static void
test_reply_for_err(void)
{
	struct err e;
	char out[BS_REPLY_MAX - 2];

	err_set(&e, ERR_NOUSER, "every recipient refused; x");
	e.smtp_code = 550;
	(void)strlcpy(e.esc, "5.1.1", sizeof(e.esc));
	bs_reply_for_err(&e, out, sizeof(out));
	IS_STR(out, "550 5.1.1 every recipient refused; x", "server's 550");
	err_set_temp(&e, ERR_TEMP, "closing");
	e.smtp_code = 421;
	(void)strlcpy(e.esc, "4.3.2", sizeof(e.esc));
	bs_reply_for_err(&e, out, sizeof(out));
	IS_STR(out, "451 4.3.2 closing", "421 is never passed on");
	err_set(&e, ERR_DATA, "sender refused");
	e.smtp_code = 553;
	(void)strlcpy(e.esc, "5.7.1", sizeof(e.esc));
	bs_reply_for_err(&e, out, sizeof(out));
	IS_STR(out, "554 5.7.1 sender refused", "553 cannot answer DATA");
	err_set_temp(&e, ERR_TEMP, "connection refused");
	bs_reply_for_err(&e, out, sizeof(out));
	IS_STR(out, "451 4.3.0 connection refused", "no server reply, temp");
	err_set(&e, ERR_CONFIG, "a:1: bad\nb:2: worse");
	bs_reply_for_err(&e, out, sizeof(out));
	IS_STR(out, "554 5.3.5 a:1: bad b:2: worse", "config, one line");
	err_set(&e, ERR_NOPERM, "auth \001failed");
	e.smtp_code = 535;
	(void)strlcpy(e.esc, "5.7.8", sizeof(e.esc));
	bs_reply_for_err(&e, out, sizeof(out));
	IS_STR(out, "554 5.7.8 auth \\x01failed",
	    "535 becomes 554, controls made visible");
	(void)strlcpy(e.text, "evil\x1b]0;X\x07", sizeof(e.text)); /* raw */
	bs_reply_for_err(&e, out, sizeof(out));
	IS_STR(out, "554 5.7.8 evil\\x1b]0;X\\x07",
	    "a text not made by err_set: controls made visible too");
}

/* --- the session, with fake operations ---------------------------------- */

struct fake {
	int nmail, nspool, nsubmit, nend;
	int fail_mail;   /* ops->mail fails with ERR_CONFIG */
	int fail_submit; /* ops->submit answers 550 */
	char sender[300];
	char rcpts[4096];
	char data[4][4096]; /* each submitted message */
};

static int
fake_mail(void *arg, const char *sender, struct err *e)
{
	struct fake *f = arg;

	f->nmail++;
	(void)strlcpy(f->sender, sender, sizeof(f->sender));
	if (f->fail_mail)
		return err_set(e, ERR_CONFIG, "no account for %s", sender);
	return 0;
}

static int
fake_spool(void *arg, int *fd, struct err *e)
{
	char path[] = "/tmp/test_bs.XXXXXX";
	struct fake *f = arg;

	f->nspool++;
	if ((*fd = mkstemp(path)) == -1)
		return err_set(e, ERR_CANTCREAT, "mkstemp");
	(void)unlink(path);
	return 0;
}

static int
fake_submit(void *arg, char **rcpts, size_t n, int fd, char *reply, size_t cap,
    struct err *e)
{
	struct fake *f = arg;
	char *d = f->data[f->nsubmit % 4];
	ssize_t got;
	size_t i;

	f->rcpts[0] = '\0';
	for (i = 0; i < n; i++) {
		(void)strlcat(f->rcpts, i ? "," : "", sizeof(f->rcpts));
		(void)strlcat(f->rcpts, rcpts[i], sizeof(f->rcpts));
	}
	got = pread(fd, d, sizeof(f->data[0]) - 1, 0);
	d[got > 0 ? got : 0] = '\0';
	f->nsubmit++;
	if (f->fail_submit) {
		err_set(e, ERR_NOUSER, "every recipient refused");
		e->smtp_code = 550;
		(void)strlcpy(e->esc, "5.1.1", sizeof(e->esc));
		bs_reply_for_err(e, reply, cap);
		return -1;
	}
	(void)snprintf(reply, cap, "250 2.0.0 Ok: message %d", f->nsubmit);
	return 0;
}

static void
fake_end(void *arg)
{
	((struct fake *)arg)->nend++;
}

/* Run a whole session over files: input in, the replies into out. */
static int
session(struct fake *f, const char *in, size_t inlen, char *out, size_t cap,
    struct bs_session *keep)
{
	const struct bs_ops ops = { fake_mail, fake_spool, fake_submit,
		fake_end, f };
	char ip[] = "/tmp/test_bs.in.XXXXXX", op[] = "/tmp/test_bs.out.XXXXXX";
	int ifd = mkstemp(ip), ofd = mkstemp(op), r;
	struct bs_session s;
	struct err e;
	ssize_t n;

	(void)unlink(ip);
	(void)unlink(op);
	if (write(ifd, in, inlen) != (ssize_t)inlen)
		return -2;
	(void)lseek(ifd, 0, SEEK_SET);
	bs_session_init(&s, "test.host", &ops, NULL);
	err_clear(&e);
	r = bs_serve(&s, ifd, ofd, &e);
	bs_session_free(&s);
	if (keep != NULL)
		*keep = s;
	n = pread(ofd, out, cap - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	(void)close(ifd);
	(void)close(ofd);
	return r;
}

#define SESSION(f, in, out, keep)                                              \
	session((f), (in), strlen(in), (out), sizeof(out), (keep))

static const char ehlo_reply[] = "250-test.host\r\n"
                                 "250-PIPELINING\r\n"
                                 "250-8BITMIME\r\n"
                                 "250-SIZE 104857600\r\n"
                                 "250 ENHANCEDSTATUSCODES\r\n";

/* Symfony's SendmailTransport with -bs: two messages, one session. */
static void
test_symfony(void)
{
	struct fake f = { 0 };
	struct bs_session s;
	static char out[8192];
	char want[8192];
	const char *in = "EHLO [127.0.0.1]\r\n"
	                 "MAIL FROM:<a@x.test>\r\n"
	                 "RCPT TO:<b@y.test>\r\n"
	                 "DATA\r\n"
	                 "Subject: one\r\n\r\n"
	                 "..\r\n"
	                 "..leading dot\r\n"
	                 ".\r\n"
	                 "MAIL FROM:<a@x.test>\r\n"
	                 "RCPT TO:<c@y.test>\r\n"
	                 "RCPT TO:<d@y.test>\r\n"
	                 "DATA\r\n"
	                 "Subject: two\r\n\r\nbody\r\n"
	                 ".\r\n"
	                 "QUIT\r\n"
	                 "NOOP\r\n";

	IS_INT(SESSION(&f, in, out, &s), 0, "session ends cleanly");
	(void)snprintf(want, sizeof(want),
	    "220 test.host ESMTP postern\r\n%s"
	    "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n"
	    "354 End data with <CR><LF>.<CR><LF>\r\n"
	    "250 2.0.0 Ok: message 1\r\n"
	    "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n"
	    "354 End data with <CR><LF>.<CR><LF>\r\n"
	    "250 2.0.0 Ok: message 2\r\n"
	    "221 2.0.0 Bye\r\n",
	    ehlo_reply);
	IS_STR(out, want, "every reply, in order; nothing after QUIT");
	IS_STR(f.data[0], "Subject: one\r\n\r\n.\r\n.leading dot\r\n",
	    "message 1: dots undone, a \".\" line is data");
	IS_STR(f.data[1], "Subject: two\r\n\r\nbody\r\n", "message 2");
	IS_STR(f.sender, "a@x.test", "MAIL FROM is the sender");
	IS_STR(f.rcpts, "c@y.test,d@y.test", "the RCPTs of message 2");
	IS_INT(f.nmail, 2, "two transactions");
	IS_INT(f.nend, 2, "each one ended");
	IS_INT(s.ncompleted, 2, "two completed");
	IS_INT(s.nfailed, 0, "none failed");
}

/* Bare LF, RSET, NOOP, HELO, the order errors, all pipelined. */
static void
test_pipelined(void)
{
	struct fake f = { 0 };
	static char out[8192];
	const char *in = "HELO client\n"
	                 "RCPT TO:<b@y>\n"
	                 "DATA\n"
	                 "MAIL FROM:<>\n"
	                 "MAIL FROM:<a@x>\n"
	                 "DATA\n"
	                 "RCPT TO:<b@y> NOTIFY=NEVER\n"
	                 "RCPT TO:<>\n"
	                 "RCPT TO:<-oQ>\n"
	                 "RSET\n"
	                 "RCPT TO:<b@y>\n"
	                 "NOOP anything\n"
	                 "MAIL FROM:<a@x> SIZE=104857601\n"
	                 "MAIL FROM:<a@x> FOO=bar\n"
	                 "VRFY root\n"
	                 "EXPN list\n"
	                 "STARTTLS\n"
	                 "BOGUS\n"
	                 "\n"
	                 "EHLO\n"
	                 "MAIL FROM:<a@x> BODY=8BITMIME SIZE=10\n"
	                 "RCPT TO:<b@y>\n"
	                 "DATA\n"
	                 "line one\n"
	                 "line two\r\n"
	                 ".\r\n"
	                 "QUIT\n";

	IS_INT(SESSION(&f, in, out, NULL), 0, "pipelined session");
	IS_STR(out,
	    "220 test.host ESMTP postern\r\n"
	    "250 test.host\r\n"
	    "503 5.5.1 Error: need MAIL command\r\n"
	    "503 5.5.1 Error: need MAIL command\r\n"
	    "250 2.1.0 Ok\r\n"
	    "503 5.5.1 Error: nested MAIL command\r\n"
	    "554 5.5.1 Error: no valid recipients\r\n"
	    "555 5.5.4 RCPT parameters are not implemented\r\n"
	    "501 5.1.3 Bad recipient address: empty address\r\n"
	    "501 5.1.3 Bad recipient address: address may not start with "
	    "'-': -oQ\r\n"
	    "250 2.0.0 Ok\r\n"
	    "503 5.5.1 Error: need MAIL command\r\n"
	    "250 2.0.0 Ok\r\n"
	    "552 5.3.4 Message size exceeds the limit of 104857600 bytes\r\n"
	    "555 5.5.4 unrecognised MAIL parameter (SIZE and BODY are "
	    "implemented)\r\n"
	    "252 2.5.2 Cannot VRFY; send the message and postern will try\r\n"
	    "502 5.5.1 Error: command not implemented\r\n"
	    "502 5.5.1 Error: command not implemented\r\n"
	    "500 5.5.2 Error: command not recognized\r\n"
	    "500 5.5.2 Error: bad syntax\r\n"
	    "501 5.5.4 Syntax: EHLO hostname\r\n"
	    "250 2.1.0 Ok\r\n"
	    "250 2.1.5 Ok\r\n"
	    "354 End data with <CR><LF>.<CR><LF>\r\n"
	    "250 2.0.0 Ok: message 1\r\n"
	    "221 2.0.0 Bye\r\n",
	    "replies in order, bare LF accepted");
	IS_STR(f.data[0], "line one\r\nline two\r\n", "a bare LF became CRLF");
	IS_INT(f.nmail, 2, "MAIL <> and the last MAIL reached the operation");
	IS_INT(f.nend, 2, "RSET ended the first transaction");
}

/*
 * SMTP smuggling (issue 18): the data ends only on CRLF "." CRLF. Every
 * other dot line is text, so what follows it never runs as commands.
 */
static void
test_smuggling(void)
{
	struct fake f = { 0 };
	struct bs_session s;
	static char out[8192];
	char want[8192];
	const char *in = "EHLO x\r\n"
	                 "MAIL FROM:<a@x.test>\r\n"
	                 "RCPT TO:<b@y.test>\r\n"
	                 "DATA\r\n"
	                 "Subject: innocent\r\n\r\nhello\n.\n"
	                 "MAIL FROM:<a@x.test>\n"
	                 "RCPT TO:<victim@evil.test>\n"
	                 "DATA\n"
	                 "Subject: smuggled\n\nevil\n.\r\n"
	                 "x\r\n.\n"
	                 "y\r\n.\r\n"
	                 "QUIT\r\n";

	IS_INT(SESSION(&f, in, out, &s), 0, "smuggling session");
	(void)snprintf(want, sizeof(want),
	    "220 test.host ESMTP postern\r\n%s"
	    "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n"
	    "354 End data with <CR><LF>.<CR><LF>\r\n"
	    "250 2.0.0 Ok: message 1\r\n"
	    "221 2.0.0 Bye\r\n",
	    ehlo_reply);
	IS_STR(out, want,
	    "one message: <LF>.<LF>, <LF>.<CR><LF> and "
	    "<CR><LF>.<LF> do not end the data");
	IS_INT(f.nsubmit, 1, "one submission");
	IS_INT(f.nmail, 1, "one MAIL reached the operation");
	IS_STR(f.rcpts, "b@y.test", "only the real recipient");
	IS_STR(f.data[0],
	    "Subject: innocent\r\n\r\nhello\r\n.\r\n"
	    "MAIL FROM:<a@x.test>\r\nRCPT TO:<victim@evil.test>\r\n"
	    "DATA\r\nSubject: smuggled\r\n\r\nevil\r\n.\r\n"
	    "x\r\n.\r\ny\r\n",
	    "the would-be commands are text; lone dots kept");
	IS_INT(s.ncompleted, 1, "one completed");
}

/* Over-long lines: a command gets 500 and the session goes on. */
static void
test_long_lines(void)
{
	struct fake f = { 0 };
	struct bs_session s;
	static char out[8192], in[8192];
	char *p = in;

	p += snprintf(p, 100, "EHLO x\r\nNOOP ");
	memset(p, 'a', 505); /* 5 + 505 + 2 = 512: the limit */
	p += 505;
	p += snprintf(p, 100, "\r\nNOOP ");
	memset(p, 'a', 506); /* 513 */
	p += 506;
	p += snprintf(p, 200,
	    "\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\n"
	    "DATA\r\nok\r\n");
	memset(p, 'b', 999); /* 1001 with CRLF */
	p += 999;
	p += snprintf(p, 100, "\r\n.\r\nNOOP\r\n");
	IS_INT(session(&f, in, (size_t)(p - in), out, sizeof(out), &s), 0,
	    "session with long lines");
	IS_STR(strstr(out, "250 ENHANCEDSTATUSCODES\r\n") + 25,
	    "250 2.0.0 Ok\r\n"
	    "500 5.5.2 Error: line too long (the limit is 512 octets)\r\n"
	    "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n"
	    "354 End data with <CR><LF>.<CR><LF>\r\n"
	    "500 5.5.2 Error: line too long (the limit is 1000 octets); "
	    "message refused\r\n"
	    "250 2.0.0 Ok\r\n",
	    "512 ok, 513 refused; a 1001-octet text line refuses the message");
	IS_INT(f.nsubmit, 0, "the message was not submitted");
	IS_INT(s.nfailed, 1, "it counts as a failure");
	IS_INT(s.last.cls, ERR_DATA, "of class ERR_DATA");
}

/* EOF in the middle of DATA: nothing is submitted, the txn is ended. */
static void
test_eof(void)
{
	struct fake f = { 0 };
	struct bs_session s;
	static char out[4096];

	IS_INT(SESSION(&f,
	           "EHLO x\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n"
	           "Subject: cut\r\n\r\nno end",
	           out, &s),
	    0, "EOF without QUIT is a clean end");
	IS_INT(f.nsubmit, 0, "nothing submitted");
	IS_INT(f.nend, 1, "the transaction was ended");
	IS_INT(s.ncompleted, 0, "no message completed");
	OK(strstr(out, "354 ") != NULL && strstr(out, "221") == NULL,
	    "no reply after 354");
}

/* Failures of the operations become replies and the exit status. */
static void
test_failures(void)
{
	struct fake f = { 0 };
	struct bs_session s;
	static char out[4096];
	const char *in = "EHLO x\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\n"
	                 "DATA\r\nx\r\n.\r\nQUIT\r\n";

	f.fail_submit = 1;
	IS_INT(SESSION(&f, in, out, &s), 0, "refused message");
	OK(strstr(out, "\r\n550 5.1.1 every recipient refused\r\n221 ") != NULL,
	    "the server's 550 answers the end of data");
	IS_INT(s.nfailed, 1, "one failure");
	IS_INT(s.last.cls, ERR_NOUSER, "its class");
	memset(&f, 0, sizeof(f));
	f.fail_mail = 1;
	IS_INT(SESSION(&f, "MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nQUIT\r\n", out,
	           &s),
	    0, "MAIL failed");
	IS_STR(strchr(out, '\n') + 1,
	    "554 5.3.5 no account for a@x\r\n"
	    "503 5.5.1 Error: need MAIL command\r\n"
	    "221 2.0.0 Bye\r\n",
	    "a configuration failure answers MAIL; no transaction is left");
	IS_INT(f.nend, 1, "the failed transaction was ended");
	IS_INT(s.last.cls, ERR_CONFIG, "and counts for the exit status");
}

/* The last strlen(want) bytes of out (all of out when shorter). */
static const char *
tail(const char *out, const char *want)
{
	size_t n = strlen(out), w = strlen(want);

	return n > w ? out + n - w : out;
}

/* Caps: recipients per message, commands per session, NUL. */
static void
test_caps(void)
{
	struct fake f = { 0 };
	struct buf in;
	struct bs_session s;
	static char out[256 * 1024];
	size_t i;

	buf_init(&in, 1024 * 1024);
	(void)buf_add_str(&in, "MAIL FROM:<a@x>\r\n");
	for (i = 0; i <= BS_RCPTS_MAX; i++)
		(void)buf_printf(&in, "RCPT TO:<r%zu@y>\r\n", i);
	(void)buf_add(&in, "NO\0OP\r\n", 7);
	IS_INT(session(&f, in.data, in.len, out, sizeof(out), &s), 0, "rcpts");
	IS_STR(tail(out,
	           "250 2.1.5 Ok\r\n"
	           "452 4.5.3 Error: too many recipients\r\n"
	           "500 5.5.2 Error: NUL in command\r\n"),
	    "250 2.1.5 Ok\r\n"
	    "452 4.5.3 Error: too many recipients\r\n"
	    "500 5.5.2 Error: NUL in command\r\n",
	    "recipient 1001 gets 452; a NUL in a command 500");
	buf_reset(&in);
	for (i = 0; i <= BS_COMMANDS_MAX; i++)
		(void)buf_add_str(&in, "NOOP\r\n");
	(void)buf_add_str(&in, "NOOP\r\n");
	memset(&f, 0, sizeof(f));
	IS_INT(session(&f, in.data, in.len, out, sizeof(out), &s), 0, "cmds");
	IS_STR(tail(out,
	           "250 2.0.0 Ok\r\n"
	           "421 4.7.0 test.host Error: too many commands; "
	           "closing\r\n"),
	    "250 2.0.0 Ok\r\n"
	    "421 4.7.0 test.host Error: too many commands; closing\r\n",
	    "command 10001 closes the session with 421, nothing after");
	OK(bs_done(&s), "the session is over");
	buf_free(&in);
}

int
main(void)
{
	test_command();
	test_path();
	test_params();
	test_reply_for_err();
	test_symfony();
	test_pipelined();
	test_smuggling();
	test_long_lines();
	test_eof();
	test_failures();
	test_caps();
	return tap_done();
}
