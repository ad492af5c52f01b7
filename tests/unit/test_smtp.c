/*
 * test_smtp.c: the SMTP engine end to end against a scripted peer over
 * a socketpair (peer.h): pipelining order and one write per group,
 * partial recipients, 4xx vs 5xx classes, QUIT on every usable path,
 * BDAT framing, dot-stuffing on the wire, HELO fallback, the checks made
 * before MAIL (SIZE, 8BITMIME, DSN), AUTH redaction in the trace, no
 * AUTH in plaintext, STARTTLS response injection, timeouts, and several
 * messages over one session with RSET between, and smtp_send in its
 * two halves.
 */
#include "config.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "peer.h"
#include "sasl.h"
#include "smtp.h"
#include "tap.h"

static struct buf trace_text;

static void
trace_line(void *arg, enum smtp_trace_dir dir, const char *l, size_t n)
{
	(void)arg;
	(void)buf_add_str(&trace_text,
	    dir == SMTP_TRACE_SEND       ? "> "
	        : dir == SMTP_TRACE_RECV ? "< "
	                                 : "# ");
	(void)buf_add(&trace_text, l, n);
	(void)buf_add_char(&trace_text, '\n');
}

static const struct smtp_trace tracer = { trace_line, NULL };

static int
password(void *arg, const char *host, const char *user, struct buf *out,
    struct err *e)
{
	(void)arg;
	(void)host;
	(void)user;
	(void)e;
	return buf_add_str(out, "s3cret");
}

static struct smtp_params
params(void)
{
	struct smtp_params p;

	memset(&p, 0, sizeof(p));
	p.host = "test.invalid";
	p.tls = SMTP_TLS_NONE;
	p.helo = "client.example";
	p.timeout = 5;
	p.password = password;
	return p;
}

static struct smtp_rcpt rcpts[3];

static void
mail_init(struct smtp_mail *m, const char *body, size_t nrcpts)
{
	FILE *f = tmpfile();
	static const char *const addrs[] = { "a@x.example", "b@x.example",
		"c@x.example" };
	size_t i;

	memset(m, 0, sizeof(*m));
	memset(rcpts, 0, sizeof(rcpts));
	for (i = 0; i < 3; i++)
		rcpts[i].addr = addrs[i];
	(void)fputs(body, f);
	(void)fflush(f);
	m->fd = dup(fileno(f));
	(void)fclose(f);
	m->size = (off_t)strlen(body);
	m->from = "me@x.example";
	m->rcpts = rcpts;
	m->nrcpts = nrcpts;
}

/* Run one submission against a script; the transcript stays in *p. */
static int
run(struct peer *p, const char *const *script, struct smtp_params *par,
    struct smtp_mail *m, struct err *e)
{
	struct smtp_session *s;
	int r;

	buf_reset(&trace_text);
	if (peer_start(p, script) == -1) {
		OK(0, "peer starts");
		return -1;
	}
	r = smtp_open_fd(&s, p->fd, par, &tracer, e);
	if (r == 0) {
		r = smtp_send(s, m, e);
		smtp_close(s);
	}
	close(m->fd);
	peer_finish(p);
	return r;
}

#define GREET "S:220 mx.test ESMTP"

static void
test_pipelined_partial(void)
{
	static const char *const script[] = { GREET, "C:EHLO client.example",
		"S:250-mx.test", "S:250-PIPELINING", "S:250-SIZE 1000",
		"S:250 8BITMIME", "C:MAIL FROM:<me@x.example> SIZE=22",
		"C:RCPT TO:<a@x.example>", "C:RCPT TO:<b@x.example>", "C:DATA",
		"S:250 2.1.0 ok", "S:250 2.1.5 ok",
		"S:550 5.1.1 <b@x.example>: no such user", "S:354 go ahead",
		"BODY", "S:250 2.0.0 queued as X", "C:QUIT", "S:221 bye",
		NULL };
	struct peer p;
	struct smtp_params par = params();
	struct smtp_mail m;
	struct err e;

	mail_init(&m, "Subject: x\r\n\r\n.hi\r\n.\r\n", 2);
	IS_INT(run(&p, script, &par, &m, &e), 0, "partial delivery returns 0");
	IS_INT(p.status, 0, "peer script matched");
	OK(strstr(p.log,
	       "|MAIL FROM:<me@x.example> SIZE=22\r\nRCPT TO:"
	       "<a@x.example>\r\nRCPT TO:<b@x.example>\r\nDATA\r\n|") != NULL,
	    "MAIL, RCPTs and DATA arrive in one write");
	OK(strstr(p.log, "\r\n\r\n..hi\r\n..\r\n.\r\n") != NULL,
	    "body dot-stuffed with one end of data");
	IS_INT(rcpts[0].status, SMTP_RCPT_OK, "first recipient delivered");
	IS_INT(rcpts[1].status, SMTP_RCPT_PERMFAIL, "second refused");
	IS_STR(rcpts[1].text, "550 5.1.1 <b@x.example>: no such user",
	    "refusal text kept");
	IS_STR(rcpts[1].esc, "5.1.1", "refusal enhanced code");
	IS_INT(m.naccepted, 1, "one accepted");
	IS_STR(m.reply, "250 2.0.0 queued as X", "final reply kept");
	OK(strstr(p.log, "QUIT\r\n") != NULL, "QUIT sent");
	free(p.log);
}

static void
test_unpipelined(void)
{
	static const char *const script[] = { GREET, "C:EHLO client.example",
		"S:250 mx.test", "C:MAIL FROM:<me@x.example>", "S:250 ok",
		"C:RCPT TO:<a@x.example>", "S:250 ok", "C:DATA", "S:354 go",
		"BODY", "S:250 ok", "C:QUIT", "S:221 bye", NULL };
	struct peer p;
	struct smtp_params par = params();
	struct smtp_mail m;
	struct err e;

	mail_init(&m, "a\r\nb", 1);
	IS_INT(run(&p, script, &par, &m, &e), 0, "no PIPELINING: delivered");
	IS_INT(p.status, 0, "one command per reply");
	OK(strstr(p.log, "|a\r\nb\r\n.\r\n") != NULL,
	    "missing final CRLF added before the dot");
	free(p.log);
}

static void
test_all_refused(void)
{
	static const char *const perm[] = { GREET, "C:EHLO client.example",
		"S:250-mx.test", "S:250 PIPELINING", "C:MAIL*", "C:RCPT*",
		"C:RCPT*", "C:DATA", "S:250 ok", "S:550 5.1.1 no",
		"S:553 5.1.3 bad", "S:554 5.5.1 no valid recipients", "C:QUIT",
		"S:221 bye", NULL };
	static const char *const temp[] = { GREET, "C:EHLO client.example",
		"S:250 mx.test", "C:MAIL*", "S:250 ok", "C:RCPT*",
		"S:450 4.2.0 busy", "C:RCPT*", "S:550 5.1.1 no", "C:QUIT",
		"S:221 bye", NULL };
	struct peer p;
	struct smtp_params par = params();
	struct smtp_mail m;
	struct err e;

	mail_init(&m, "x\r\n", 2);
	IS_INT(run(&p, perm, &par, &m, &e), -1, "all refused fails");
	IS_INT(p.status, 0, "no body sent after a refused DATA; QUIT sent");
	IS_INT(e.cls, ERR_NOUSER, "every recipient 5xx: ERR_NOUSER");
	OK(!e.temporary, "permanent");
	IS_INT(e.smtp_code, 550, "first refusal's code");
	OK(strstr(e.text, "a@x.example") && strstr(e.text, "5.1.1 no"),
	    "text names the recipient and the reply");
	free(p.log);

	mail_init(&m, "x\r\n", 2);
	IS_INT(run(&p, temp, &par, &m, &e), -1, "4xx + 5xx fails");
	IS_INT(p.status, 0, "no DATA when nothing was accepted");
	IS_INT(e.cls, ERR_TEMP, "a 4xx recipient makes it temporary");
	OK(e.temporary, "temporary");
	IS_INT(rcpts[0].status, SMTP_RCPT_TEMPFAIL, "4xx recipient: tempfail");
	IS_INT(rcpts[1].status, SMTP_RCPT_PERMFAIL, "5xx recipient: permfail");
	free(p.log);
}

static void
test_refusals(void)
{
	static const char *const mail5[] = { GREET, "C:EHLO*", "S:250 mx",
		"C:MAIL*", "S:553 5.7.1 sender rejected", "C:QUIT", "S:221 bye",
		NULL };
	static const char *const mail4[] = { GREET, "C:EHLO*", "S:250 mx",
		"C:MAIL*", "S:451 4.3.0 try later", "C:QUIT", "S:221 bye",
		NULL };
	static const char *const final5[] = { GREET, "C:EHLO*", "S:250 mx",
		"C:MAIL*", "S:250 ok", "C:RCPT*", "S:250 ok", "C:DATA",
		"S:354 go", "BODY", "S:554 5.7.1 spam", "C:QUIT", "S:221 bye",
		NULL };
	static const char *const greet5[] = { "S:554 5.3.2 go away", "C:QUIT",
		"S:221 bye", NULL };
	static const char *const bye421[] = { GREET, "C:EHLO*", "S:250 mx",
		"C:MAIL*", "S:421 4.3.2 shutting down", "CLOSE", NULL };
	struct peer p;
	struct smtp_params par = params();
	struct smtp_mail m;
	struct err e;

	mail_init(&m, "x\r\n", 1);
	(void)run(&p, mail5, &par, &m, &e);
	OK(e.cls == ERR_DATA && !e.temporary && p.status == 0,
	    "MAIL 5xx: ERR_DATA, QUIT sent");
	OK(strstr(e.text, "553 5.7.1 sender rejected") != NULL,
	    "text has the server's reply");
	IS_STR(e.esc, "5.7.1", "enhanced code in the error");
	free(p.log);
	mail_init(&m, "x\r\n", 1);
	(void)run(&p, mail4, &par, &m, &e);
	OK(e.cls == ERR_TEMP && e.temporary && p.status == 0,
	    "MAIL 4xx: temporary, QUIT sent");
	free(p.log);
	mail_init(&m, "x\r\n", 1);
	(void)run(&p, final5, &par, &m, &e);
	OK(e.cls == ERR_DATA && p.status == 0, "5xx after data: ERR_DATA");
	IS_INT(rcpts[0].status, SMTP_RCPT_PENDING,
	    "accepted recipient not delivered when the message failed");
	free(p.log);
	mail_init(&m, "x\r\n", 1);
	(void)run(&p, greet5, &par, &m, &e);
	OK(e.cls == ERR_UNAVAILABLE && p.status == 0,
	    "554 greeting: unavailable, QUIT sent");
	free(p.log);
	mail_init(&m, "x\r\n", 1);
	(void)run(&p, bye421, &par, &m, &e);
	OK(e.cls == ERR_TEMP && e.temporary, "421: temporary");
	OK(strstr(p.log, "QUIT") == NULL, "no QUIT after 421");
	free(p.log);
}

static void
test_bdat(void)
{
	static const char *const script[] = { GREET, "C:EHLO client.example",
		"S:250-mx.test", "S:250-PIPELINING", "S:250-CHUNKING",
		"S:250 8BITMIME", "C:MAIL FROM:<me@x.example> BODY=8BITMIME",
		"C:RCPT TO:<a@x.example>", "S:250 ok", "S:250 ok",
		"C:BDAT 15 LAST", "RAW:15", "S:250 2.0.0 ok", "C:QUIT",
		"S:221 bye", NULL };
	struct peer p;
	struct smtp_params par = params();
	struct smtp_mail m;
	struct err e;

	mail_init(&m, ".a\r\n\xc3\xa9\r\n.\r\n..\r\n", 1);
	m.has_8bit = true;
	IS_INT(run(&p, script, &par, &m, &e), 0, "BDAT delivery");
	IS_INT(p.status, 0, "BDAT script matched");
	OK(strstr(p.log, "BDAT 15 LAST\r\n.a\r\n\xc3\xa9\r\n.\r\n..\r\n") !=
	        NULL,
	    "BDAT chunk is the raw message, not stuffed");
	free(p.log);
}

static void
test_checks(void)
{
	static const char *const script[] = { GREET, "C:EHLO*", "S:250-mx.test",
		"S:250 SIZE 10", "C:QUIT", "S:221 bye", NULL };
	struct peer p;
	struct smtp_params par = params();
	struct smtp_mail m;
	struct err e;

	mail_init(&m, "0123456789abc\r\n", 1);
	(void)run(&p, script, &par, &m, &e);
	OK(e.cls == ERR_DATA && !e.temporary && p.status == 0,
	    "too big for SIZE: refused before MAIL");
	free(p.log);
	mail_init(&m, "\xff\r\n", 1);
	m.has_8bit = true;
	(void)run(&p, script, &par, &m, &e);
	OK(e.cls == ERR_DATA && strstr(e.text, "8BITMIME"),
	    "8-bit without 8BITMIME: refused");
	free(p.log);
	mail_init(&m, "x\r\n", 1);
	m.dsn_notify = "FAILURE";
	par.dsn_required = true;
	(void)run(&p, script, &par, &m, &e);
	par.dsn_required = false;
	OK(e.cls == ERR_UNAVAILABLE && strstr(e.text, "DSN") && !m.dsn_dropped,
	    "DSN requested, not offered, dsn_required: unavailable");
	free(p.log);
	mail_init(&m, "x\r\n", 1);
	m.needs_smtputf8 = true;
	(void)run(&p, script, &par, &m, &e);
	OK(e.cls == ERR_DATA && strstr(e.text, "SMTPUTF8"),
	    "SMTPUTF8 needed, not offered: refused");
	free(p.log);
	mail_init(&m, "x\r\n", 1);
	rcpts[0].addr = "a@x\r\nRSET";
	(void)run(&p, script, &par, &m, &e);
	OK(e.cls == ERR_DATA && p.status == 0 && !strstr(p.log, "RSET"),
	    "CR/LF in an address never reaches the wire");
	free(p.log);
}

static void
test_dsn(void)
{
	static const char *const script[] = { GREET, "C:EHLO*", "S:250-mx.test",
		"S:250-SMTPUTF8", "S:250 DSN",
		"C:MAIL FROM:<me@x.example> SMTPUTF8 RET=HDRS ENVID=id+2B1",
		"S:250 ok",
		"C:RCPT TO:<a@x.example> NOTIFY=SUCCESS,FAILURE "
		"ORCPT=rfc822;a+3Dx@x.example",
		"S:250 ok", "C:DATA", "S:354 go", "BODY", "S:250 ok", "C:QUIT",
		"S:221 bye", NULL };
	struct peer p;
	struct smtp_params par = params();
	struct smtp_mail m;
	struct err e;

	mail_init(&m, "x\r\n", 1);
	m.dsn_notify = "SUCCESS,FAILURE";
	m.dsn_ret = "HDRS";
	m.dsn_envid = "id+1";
	m.needs_smtputf8 = true;
	rcpts[0].orcpt = "a=x@x.example";
	IS_INT(run(&p, script, &par, &m, &e), 0, "DSN parameters accepted");
	IS_INT(p.status, 0, "NOTIFY, ORCPT, RET, ENVID (xtext), SMTPUTF8");
	free(p.log);
}

static void
test_helo_and_auth(void)
{
	static const char *const helo[] = { GREET, "C:EHLO client.example",
		"S:502 5.5.1 no EHLO", "C:HELO client.example", "S:250 mx",
		"C:MAIL FROM:<me@x.example>", "S:250 ok", "C:RCPT*", "S:250 ok",
		"C:DATA", "S:354 go", "BODY", "S:250 ok", "C:QUIT", "S:221 bye",
		NULL };
	static const char *const plain[] = { GREET, "C:EHLO*", "S:250-mx.test",
		"S:250 AUTH PLAIN LOGIN", "C:AUTH PLAIN AHVzZXIAczNjcmV0",
		"S:235 2.7.0 ok", "C:MAIL*", "S:250 ok", "C:RCPT*", "S:250 ok",
		"C:DATA", "S:354 go", "BODY", "S:250 ok", "C:QUIT", "S:221 bye",
		NULL };
	static const char *const login_bad[] = { GREET, "C:EHLO*",
		"S:250-mx.test", "S:250 AUTH LOGIN", "C:AUTH LOGIN",
		"S:334 VXNlcm5hbWU6", "C:dXNlcg==", "S:334 UGFzc3dvcmQ6",
		"C:czNjcmV0", "S:535 5.7.8 bad credentials", "C:QUIT",
		"S:221 bye", NULL };
	static const char *const noauth[] = { GREET, "C:EHLO*", "S:250-mx.test",
		"S:250 AUTH PLAIN", "C:QUIT", "S:221 bye", NULL };
	struct peer p;
	struct smtp_params par = params();
	struct smtp_mail m;
	struct err e;

	mail_init(&m, "x\r\n", 1);
	IS_INT(run(&p, helo, &par, &m, &e), 0, "EHLO refused: HELO works");
	IS_INT(p.status, 0, "HELO script matched");
	free(p.log);

	par.auth = SMTP_AUTH_MECH;
	par.auth_mech = "PLAIN";
	par.user = "user";
	mail_init(&m, "x\r\n", 1);
	IS_INT(run(&p, plain, &par, &m, &e), 0, "AUTH PLAIN with tls off");
	IS_INT(p.status, 0, "AUTH PLAIN script matched");
	OK(strstr(buf_str(&trace_text), "> AUTH PLAIN <redacted>") != NULL,
	    "trace redacts the AUTH payload");
	OK(strstr(buf_str(&trace_text), "AHVzZXIAczNjcmV0") == NULL &&
	        strstr(buf_str(&trace_text), "s3cret") == NULL,
	    "trace never shows the password or its base64");
	free(p.log);

	par.auth_mech = "LOGIN";
	mail_init(&m, "x\r\n", 1);
	(void)run(&p, login_bad, &par, &m, &e);
	OK(e.cls == ERR_NOPERM && p.status == 0, "535: ERR_NOPERM, QUIT sent");
	OK(strstr(buf_str(&trace_text), "czNjcmV0") == NULL,
	    "LOGIN password redacted in the trace");
	free(p.log);

	par.auth = SMTP_AUTH_AUTO;
	mail_init(&m, "x\r\n", 1);
	(void)run(&p, noauth, &par, &m, &e);
	OK(e.cls == ERR_UNAVAILABLE && p.status == 0 &&
	        strstr(p.log, "AUTH") == NULL,
	    "automatic AUTH never over plaintext; QUIT sent");
	free(p.log);

	par.tls = SMTP_TLS_STARTTLS;
	par.auth = SMTP_AUTH_OFF;
	mail_init(&m, "x\r\n", 1);
	(void)run(&p, noauth, &par, &m, &e);
	OK(e.cls == ERR_UNAVAILABLE && strstr(e.text, "STARTTLS") &&
	        p.status == 0,
	    "STARTTLS missing: unavailable, QUIT sent");
	free(p.log);
}

/*
 * RFC 4954 section 4: an initial response that would make the AUTH line
 * longer than 512 octets goes after the empty 334; any other challenge
 * there is cancelled.
 */
static void
test_auth_ir_later(void)
{
	static const char *const later[] = { GREET, "C:EHLO*", "S:250-mx.test",
		"S:250 AUTH PLAIN", "C:AUTH PLAIN", "S:334 ", "C:AHV1dXV1*",
		"S:235 2.7.0 ok", "C:MAIL*", "S:250 ok", "C:RCPT*", "S:250 ok",
		"C:DATA", "S:354 go", "BODY", "S:250 ok", "C:QUIT", "S:221 bye",
		NULL };
	static const char *const odd[] = { GREET, "C:EHLO*", "S:250-mx.test",
		"S:250 AUTH PLAIN", "C:AUTH PLAIN", "S:334 Zm9v", "C:*",
		"S:501 5.7.0 cancelled", "C:QUIT", "S:221 bye", NULL };
	static char user[381];
	struct peer p;
	struct smtp_params par = params();
	struct smtp_mail m;
	struct err e;

	memset(user, 'u', sizeof(user) - 1);
	par.auth = SMTP_AUTH_MECH;
	par.auth_mech = "PLAIN";
	par.user = user;
	mail_init(&m, "x\r\n", 1);
	IS_INT(run(&p, later, &par, &m, &e), 0,
	    "a 513-octet AUTH line: AUTH PLAIN alone, the response after 334");
	IS_INT(p.status, 0, "deferred initial response script matched");
	OK(strstr(buf_str(&trace_text), "> <redacted>") != NULL,
	    "the deferred response is redacted in the trace");
	free(p.log);
	mail_init(&m, "x\r\n", 1);
	(void)run(&p, odd, &par, &m, &e);
	OK(e.cls == ERR_PROTOCOL && strstr(e.text, "unexpected") &&
	        strstr(buf_str(&trace_text), "> *") && p.status == 0,
	    "a non-empty 334 instead of the empty one is cancelled; QUIT");
	free(p.log);
}

static int
fresh_token(void *arg, const char *host, const char *user, struct buf *out,
    struct err *e)
{
	(void)arg;
	(void)host;
	(void)user;
	(void)e;
	return buf_add_str(out, "fresh");
}

/*
 * A refused OAuth token holds the account; a plain 4xx does not; with a
 * refresh hook the engine AUTHs once more on the same connection.
 */
static void
test_auth_token_refused(void)
{
	static const char *const retry[] = { GREET, "C:EHLO*", "S:250-mx.test",
		"S:250 AUTH XOAUTH2", "C:AUTH XOAUTH2 *",
		"S:334 eyJzdGF0dXMiOiI0MDEifQ==", "C:", "S:535 5.7.8 bad token",
		"C:AUTH XOAUTH2 dXNlcj11c2VyAWF1dGg9QmVhcmVyIGZyZXNoAQE=",
		"S:235 2.7.0 ok", "C:MAIL*", "S:250 ok", "C:RCPT*", "S:250 ok",
		"C:DATA", "S:354 go", "BODY", "S:250 ok", "C:QUIT", "S:221 bye",
		NULL };
	static const char *const twice[] = { GREET, "C:EHLO*", "S:250-mx.test",
		"S:250 AUTH XOAUTH2", "C:AUTH XOAUTH2 *",
		"S:535 5.7.8 bad token", "C:AUTH XOAUTH2 *",
		"S:535 5.7.8 bad token", "C:QUIT", "S:221 bye", NULL };
	static const char *const refused[] = { GREET, "C:EHLO*",
		"S:250-mx.test", "S:250 AUTH XOAUTH2", "C:AUTH XOAUTH2 *",
		"S:334 eyJzdGF0dXMiOiI0MDEifQ==", "C:", "S:535 5.7.8 bad token",
		"C:QUIT", "S:221 bye", NULL };
	static const char *const busy[] = { GREET, "C:EHLO*", "S:250-mx.test",
		"S:250 AUTH OAUTHBEARER", "C:AUTH OAUTHBEARER *",
		"S:454 4.7.0 try later", "C:QUIT", "S:221 bye", NULL };
	struct peer p;
	struct smtp_params par = params();
	struct smtp_mail m;
	struct err e;

	par.auth = SMTP_AUTH_MECH;
	par.auth_mech = "XOAUTH2";
	par.user = "user";
	mail_init(&m, "x\r\n", 1);
	(void)run(&p, refused, &par, &m, &e);
	OK(e.cls == ERR_TEMP && e.temporary && e.hold && e.smtp_code == 535 &&
	        strstr(e.text, "{\"status\":\"401\"}") && p.status == 0,
	    "error challenge then 535: temporary, held, the JSON named");
	free(p.log);
	par.auth_mech = "OAUTHBEARER";
	mail_init(&m, "x\r\n", 1);
	(void)run(&p, busy, &par, &m, &e);
	OK(e.cls == ERR_TEMP && e.temporary && !e.hold && p.status == 0,
	    "454 without an error challenge: temporary, not held");
	free(p.log);
	par.auth_mech = "XOAUTH2";
	par.refresh = fresh_token;
	mail_init(&m, "x\r\n", 1);
	IS_INT(run(&p, retry, &par, &m, &e), 0,
	    "refused token: refreshed, AUTH again on the same connection");
	IS_INT(p.status, 0, "retry script matched (the fresh token sent)");
	OK(e.cls == ERR_NONE, "no error left after the retry");
	free(p.log);
	mail_init(&m, "x\r\n", 1);
	(void)run(&p, twice, &par, &m, &e);
	OK(e.hold && p.status == 0, "refused twice: one retry only, held");
	free(p.log);
}

/* SCRAM: a 235 without a verified server signature, a bogus challenge. */
static void
test_scram_rogue(void)
{
	static const char *const early[] = { GREET, "C:EHLO*", "S:250-mx.test",
		"S:250 AUTH SCRAM-SHA-256", "C:AUTH SCRAM-SHA-256 *",
		"S:235 2.7.0 ok", "C:QUIT", "S:221 bye", NULL };
	static const char *const bogus[] = { GREET, "C:EHLO*", "S:250-mx.test",
		"S:250 AUTH SCRAM-SHA-256", "C:AUTH SCRAM-SHA-256 *",
		"S:334 cj1iYWQscz1RU1hDUixpPTQwOTY=", "C:*",
		"S:501 5.7.0 cancelled", "C:QUIT", "S:221 bye", NULL };
	struct peer p;
	struct smtp_params par = params();
	struct smtp_mail m;
	struct err e;

	if (!sasl_supported("SCRAM-SHA-256")) {
		OK(1, "# SKIP no GNU SASL");
		return;
	}
	par.auth = SMTP_AUTH_MECH;
	par.auth_mech = "SCRAM-SHA-256";
	par.user = "user";
	mail_init(&m, "x\r\n", 1);
	(void)run(&p, early, &par, &m, &e);
	OK(e.cls == ERR_PROTOCOL && strstr(e.text, "proving") && p.status == 0,
	    "235 before the server signature fails; QUIT");
	free(p.log);
	mail_init(&m, "x\r\n", 1);
	(void)run(&p, bogus, &par, &m, &e);
	OK(e.cls == ERR_PROTOCOL && p.status == 0,
	    "a challenge that does not fit is cancelled with *; QUIT");
	free(p.log);
}

static void
test_injection_and_timeout(void)
{
	static const char *const inject[] = { GREET, "C:EHLO*", "S:250-mx.test",
		"S:250 STARTTLS", "C:STARTTLS", "S:220 go\r\n250 AUTH PLAIN",
		"CLOSE", NULL };
	static const char *const slow[] = { GREET, "C:EHLO*", "SLEEP:3", NULL };
	struct peer p;
	struct smtp_params par = params();
	struct smtp_mail m;
	struct err e;

	par.tls = SMTP_TLS_STARTTLS;
	mail_init(&m, "x\r\n", 1);
	(void)run(&p, inject, &par, &m, &e);
	OK(e.cls == ERR_PROTOCOL && strstr(e.text, "injection"),
	    "bytes after the STARTTLS 220 abort the session");
	free(p.log);

	par = params();
	par.timeout = 1;
	mail_init(&m, "x\r\n", 1);
	(void)run(&p, slow, &par, &m, &e);
	OK(e.cls == ERR_TEMP && e.temporary && strstr(e.text, "timed out"),
	    "no reply within the timeout: temporary");
	free(p.log);
}

static void
test_session(void)
{
	static const char *const script[] = { GREET, "C:EHLO*", "S:250-mx.test",
		"S:250 PIPELINING", "C:MAIL*", "C:RCPT*", "C:DATA", "S:250 ok",
		"S:250 ok", "S:354 go", "BODY", "S:250 first", "C:MAIL*",
		"C:RCPT*", "C:DATA", "S:452 4.3.1 full", "S:250 ok",
		"S:503 5.5.1 no", "C:RSET", "S:250 ok", "C:MAIL*", "C:RCPT*",
		"C:DATA", "S:250 ok", "S:250 ok", "S:354 go", "BODY",
		"S:250 third", "C:QUIT", "S:221 bye", NULL };
	struct peer p;
	struct smtp_params par = params();
	struct smtp_session *s;
	struct smtp_mail m;
	struct err e;
	int r1, r2, r3;

	if (peer_start(&p, script) == -1)
		return;
	if (smtp_open_fd(&s, p.fd, &par, NULL, &e) == -1) {
		OK(0, "session opens");
		return;
	}
	mail_init(&m, "1\r\n", 1);
	r1 = smtp_send(s, &m, &e);
	close(m.fd);
	mail_init(&m, "2\r\n", 1);
	r2 = smtp_send(s, &m, &e);
	OK(e.temporary && e.smtp_code == 452, "second: MAIL 452 temporary");
	OK(smtp_usable(s), "session still usable after a refused mail");
	close(m.fd);
	mail_init(&m, "3\r\n", 1);
	r3 = smtp_send(s, &m, &e);
	close(m.fd);
	IS_STR(m.reply, "250 third", "third message delivered");
	smtp_close(s);
	peer_finish(&p);
	OK(r1 == 0 && r2 == -1 && r3 == 0, "results 0, -1, 0");
	IS_INT(p.status, 0, "RSET only after the failed transaction");
	free(p.log);
}

/*
 * Regression (fault matrix, mail 4xx): with PIPELINING, the RCPT sent
 * after a refused MAIL gets "503 need MAIL"; that reply must not refuse
 * the recipient, or the queued entry would never deliver it.
 */
static void
test_pipelined_mail_refused(void)
{
	static const char *const s451[] = { GREET, "C:EHLO*", "S:250-mx.test",
		"S:250 PIPELINING", "C:MAIL*", "C:RCPT*", "C:DATA",
		"S:451 4.3.0 later", "S:503 5.5.1 need MAIL command",
		"S:503 5.5.1 need MAIL command", "C:QUIT", "S:221 bye", NULL };
	struct peer p;
	struct smtp_params par = params();
	struct smtp_mail m;
	struct err e;

	mail_init(&m, "x\r\n", 1);
	IS_INT(run(&p, s451, &par, &m, &e), -1, "pipelined MAIL 451 fails");
	OK(e.cls == ERR_TEMP && e.temporary, "MAIL 451: temporary");
	OK(strstr(e.text, "451 4.3.0 later") != NULL, "names MAIL's reply");
	IS_INT(rcpts[0].status, SMTP_RCPT_PENDING,
	    "the 503 to RCPT leaves the recipient pending");
	IS_INT(m.naccepted, 0, "nothing accepted");
	free(p.log);
}

/*
 * The session's last message with PIPELINING and CHUNKING: MAIL, RCPT,
 * BDAT, the chunk and QUIT in one write (no '|' in the peer's log) before
 * any reply; a 221 that never comes changes nothing.
 */
static void
test_one_write(void)
{
	static const char *const script[] = { GREET, "C:EHLO*", "S:250-mx.test",
		"S:250-PIPELINING", "S:250 CHUNKING", "C:MAIL*", "C:RCPT*",
		"C:BDAT 3 LAST", "RAW:3", "C:QUIT", "S:250 ok", "S:250 ok",
		"S:250 2.0.0 queued", "CLOSE", NULL };
	struct peer p;
	struct smtp_params par = params();
	struct smtp_session *s = NULL;
	struct smtp_mail m;
	struct err e;
	int r = -1;

	mail_init(&m, "x\r\n", 1);
	if (peer_start(&p, script) == -1 ||
	    smtp_open_fd(&s, p.fd, &par, NULL, &e) == -1) {
		OK(0, "session opens");
		return;
	}
	smtp_set_last(s);
	r = smtp_send(s, &m, &e);
	OK(!smtp_usable(s), "not usable after the last message");
	smtp_close(s);
	close(m.fd);
	peer_finish(&p);
	IS_INT(r, 0, "delivered although the 221 never came");
	IS_STR(m.reply, "250 2.0.0 queued", "the message's reply kept");
	IS_INT(p.status, 0, "everything sent before the first reply");
	OK(strstr(p.log,
	       "RCPT TO:<a@x.example>\r\nBDAT 3 LAST\r\nx\r\nQUIT"
	       "\r\n") != NULL,
	    "MAIL, RCPT, BDAT, chunk and QUIT in one write");
	free(p.log);
}

/*
 * smtp_send in halves (a queue run works between them): start returns
 * with MAIL, RCPT, BDAT and the chunk written, before any reply; the
 * peer answers only once it has read them all, so the replies become
 * readable without the engine reading first. finish reads them.
 */
static void
test_send_halves(void)
{
	static const char *const script[] = { GREET, "C:EHLO*", "S:250-mx.test",
		"S:250-PIPELINING", "S:250 CHUNKING", "C:MAIL*", "C:RCPT*",
		"C:BDAT 3 LAST", "RAW:3", "S:250 ok", "S:250 ok",
		"S:250 2.0.0 queued", "C:QUIT", "S:221 bye", NULL };
	struct peer p;
	struct smtp_params par = params();
	struct smtp_session *s = NULL;
	struct smtp_mail m;
	struct pollfd pfd;
	struct err e;

	mail_init(&m, "x\r\n", 1);
	if (peer_start(&p, script) == -1 ||
	    smtp_open_fd(&s, p.fd, &par, NULL, &e) == -1) {
		OK(0, "session opens");
		return;
	}
	IS_INT(smtp_send_start(s, &m, &e), 0, "start: the group is written");
	pfd = (struct pollfd){ .fd = p.fd, .events = POLLIN };
	IS_INT(poll(&pfd, 1, 10000), 1,
	    "the replies come back before finish reads anything");
	IS_INT(smtp_send_finish(s, &m, &e), 0, "finish: delivered");
	IS_STR(m.reply, "250 2.0.0 queued", "the message's reply");
	OK(smtp_usable(s), "the session carries the next message");
	smtp_close(s);
	close(m.fd);
	peer_finish(&p);
	IS_INT(p.status, 0, "the peer saw the whole group, then QUIT");
	free(p.log);
}

int
main(void)
{
	buf_init(&trace_text, 1 << 20);
	test_pipelined_partial();
	test_unpipelined();
	test_all_refused();
	test_refusals();
	test_pipelined_mail_refused();
	test_bdat();
	test_checks();
	test_dsn();
	test_helo_and_auth();
	test_scram_rogue();
	test_auth_ir_later();
	test_auth_token_refused();
	test_injection_and_timeout();
	test_session();
	test_one_write();
	test_send_halves();
	buf_free(&trace_text);
	return tap_done();
}
