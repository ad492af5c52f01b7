/*
 * smtp.c: the SMTP engine's session and driver (see smtp.h and
 * smtp_int.h): connect, greeting, EHLO/HELO, STARTTLS or implicit TLS,
 * RSET and QUIT, the state table, and the public calls. STARTTLS and
 * the handshake live in smtp_tls.c, AUTH in smtp_auth.c, MAIL/RCPT/DATA/
 * BDAT in smtp_mail.c, dot-stuffing in smtp_stuff.c, the reply parser in
 * smtp_reply.c.
 *
 * Failure rules: a reply-level failure (EHLO refused, STARTTLS missing,
 * AUTH refused, 5xx MAIL) leaves the connection usable, so QUIT is still
 * sent; an I/O, TLS or protocol failure, or a 421, marks it broken and it
 * is only closed.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "smtp_int.h"
#include "util.h"

static int smtp_send_none(struct smtp_session *, struct err *);
static int smtp_send_ehlo(struct smtp_session *, struct err *);
static int smtp_send_helo(struct smtp_session *, struct err *);
static int smtp_send_rset(struct smtp_session *, struct err *);
static int smtp_send_quit(struct smtp_session *, struct err *);
static int smtp_reply_greeting(struct smtp_session *, struct err *,
    const struct smtp_reply *);
static int smtp_reply_ehlo(struct smtp_session *, struct err *,
    const struct smtp_reply *);
static int smtp_reply_helo(struct smtp_session *, struct err *,
    const struct smtp_reply *);
static int smtp_reply_rset(struct smtp_session *, struct err *,
    const struct smtp_reply *);

static const struct {
	const char *name;
	int (*send)(struct smtp_session *, struct err *);
	int (*reply)(struct smtp_session *, struct err *,
	    const struct smtp_reply *);
} smtp_states[SMTP_ST_COUNT] = {
	[SMTP_ST_CONNECTED] = { "CONNECTED", smtp_send_none,
	    smtp_reply_greeting },
	[SMTP_ST_EHLO] = { "EHLO", smtp_send_ehlo, smtp_reply_ehlo },
	[SMTP_ST_HELO] = { "HELO", smtp_send_helo, smtp_reply_helo },
	[SMTP_ST_STARTTLS] = { "STARTTLS", smtp_send_starttls,
	    smtp_reply_starttls },
	[SMTP_ST_AUTH] = { "AUTH", smtp_send_auth, smtp_reply_auth },
	[SMTP_ST_AUTH_CONT] = { "AUTH_CONT", smtp_send_auth_cont,
	    smtp_reply_auth },
	[SMTP_ST_READY] = { "READY", NULL, NULL },
	[SMTP_ST_RSET] = { "RSET", smtp_send_rset, smtp_reply_rset },
	[SMTP_ST_MAIL] = { "MAIL", smtp_send_mail, smtp_reply_mail },
	[SMTP_ST_RCPT] = { "RCPT", smtp_send_rcpt, smtp_reply_rcpt },
	[SMTP_ST_DATA] = { "DATA", smtp_send_data, smtp_reply_data },
	[SMTP_ST_BODY] = { "BODY", smtp_send_body, smtp_reply_body },
	[SMTP_ST_BDAT] = { "BDAT", smtp_send_bdat, smtp_reply_body },
	/* QUIT's reply: smtp_drive_quit */
	[SMTP_ST_QUIT] = { "QUIT", smtp_send_quit, NULL },
};

const char *
smtp_state_name(enum smtp_state st)
{
	return st < SMTP_ST_COUNT ? smtp_states[st].name : "?";
}

static void
smtp_trace_line(struct smtp_session *s, enum smtp_trace_dir dir, const char *l,
    size_t n)
{
	if (s->trace != NULL && s->trace->line != NULL)
		s->trace->line(s->trace->arg, dir, l, n);
}

void
smtp_note(struct smtp_session *s, const char *fmt, ...)
{
	char line[SMTP_TEXT_MAX];
	va_list ap;
	int n;

	if (s->trace == NULL || s->trace->line == NULL)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	smtp_trace_line(s, SMTP_TRACE_INFO, line, strlen(line));
}

int
smtp_cmd(struct smtp_session *s, struct err *e, size_t redact, const char *fmt,
    ...)
{
	char shown[SMTP_TEXT_MAX];
	size_t keep;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(s->line, SMTP_CMD_MAX + 1, fmt, ap);
	va_end(ap);
	if (n < 0 || n > SMTP_CMD_MAX)
		return err_set(e, ERR_SOFTWARE, "SMTP command too long");
	if (redact > 0) {
		keep = redact == SMTP_REDACT_ALL ? 0 : redact;
		if (keep > (size_t)n)
			keep = (size_t)n;
		(void)snprintf(shown, sizeof(shown), "%.*s<redacted>",
		    (int)(keep < 400 ? keep : 400), s->line);
		smtp_trace_line(s, SMTP_TRACE_SEND, shown, strlen(shown));
	} else
		smtp_trace_line(s, SMTP_TRACE_SEND, s->line, (size_t)n);
	s->line[n] = '\r';
	s->line[n + 1] = '\n';
	if (net_write(s->conn, s->line, (size_t)n + 2, e) == -1)
		s->broken = true;
	if (redact > 0)
		explicit_bzero(s->line, (size_t)n + 2);
	return s->broken ? -1 : 0;
}

int
smtp_fail_reply(struct err *e, enum err_class cls, const struct smtp_reply *r,
    const char *what, ...)
{
	char head[256], text[SMTP_TEXT_MAX];
	va_list ap;

	va_start(ap, what);
	(void)vsnprintf(head, sizeof(head), what, ap);
	va_end(ap);
	smtp_reply_format(r, text, sizeof(text));
	if (r->code >= 400 && r->code < 500)
		(void)err_set_temp(e, ERR_TEMP, "%s: %s", head, text);
	else
		(void)err_set(e, cls, "%s: %s", head, text);
	e->smtp_code = r->code;
	(void)strlcpy(e->esc, r->esc, sizeof(e->esc));
	return -1;
}

/*
 * The reply is queued before the command is sent, so a send function
 * that enters further states (a pipelined group) keeps the order.
 */
int
smtp_enter(struct smtp_session *s, struct err *e, enum smtp_state st)
{
	s->state = st;
	if (smtp_states[st].send == NULL)
		return 0;
	/* A long pipelined group: take one reply to make room. */
	if (s->ndue == SMTP_PIPE_MAX && smtp_drive_one(s, e) == -1)
		return -1;
	s->due[(s->due_head + s->ndue++) % SMTP_PIPE_MAX] = st;
	return smtp_states[st].send(s, e);
}

/* Read one whole reply into s->reply and trace it. */
static int
smtp_read_reply(struct smtp_session *s, struct err *e)
{
	const char *in, *why;
	size_t len, used, i;
	char line[SMTP_REPLY_LINE_MAX + 8];
	int r;

	for (;;) {
		in = net_rbuf(s->conn, &len);
		r = smtp_reply_parse(in, len, &s->reply, &used, &why);
		if (r == 1)
			break;
		if (r == -1) {
			s->broken = true;
			return err_set(e, ERR_PROTOCOL,
			    "invalid reply from %s: %s", net_peer(s->conn),
			    why);
		}
		if (net_fill(s->conn, e) == -1) {
			s->broken = true;
			return -1;
		}
	}
	net_rconsume(s->conn, used);
	for (i = 0; i < s->reply.nlines; i++) {
		(void)snprintf(line, sizeof(line), "%d%c%s", s->reply.code,
		    i + 1 < s->reply.nlines ? '-' : ' ', s->reply.line[i]);
		smtp_trace_line(s, SMTP_TRACE_RECV, line, strlen(line));
	}
	return 0;
}

/*
 * The reply to the end of data did not come or cannot be read, after the
 * whole message and its end went out: the server may have taken it (RFC
 * 1047), so the caller must neither say "not sent" nor blindly resend.
 */
static void
smtp_after_dot_failed(struct smtp_session *s, struct err *e)
{
	char why[ERR_TEXT_MAX];

	/* With BDAT pipelined, MAIL's reply may be the one lost. */
	if (!smtp_body_due(s) || s->mail == NULL || s->txn_failed ||
	    net_wpending(s->conn) > 0)
		return;
	s->mail->unsure = true;
	if (e->temporary) {
		(void)strlcat(e->text,
		    " after the end of data; the server may have the message (a retry may deliver it twice)",
		    sizeof(e->text));
		return;
	}
	(void)strlcpy(why, e->text, sizeof(why));
	(void)err_set(e, e->cls,
	    "the server's reply after the message was unreadable (%s); it may have been delivered: check before resending",
	    why);
}

/*
 * QUIT's reply: nothing may be sent after it. A 221 that does not come
 * changes nothing (every reply before it was read): the error of the
 * transaction, if any, is kept.
 */
static int
smtp_drive_quit(struct smtp_session *s, struct err *e)
{
	struct err keep = *e;

	s->due_head = (s->due_head + 1) % SMTP_PIPE_MAX;
	s->ndue--;
	s->broken = true;
	smtp_quit_timeout(s);
	if (smtp_read_reply(s, e) == -1)
		*e = keep;
	return 0;
}

int
smtp_drive_one(struct smtp_session *s, struct err *e)
{
	enum smtp_state st;

	if (s->due[s->due_head] == SMTP_ST_QUIT)
		return smtp_drive_quit(s, e);
	if (smtp_read_reply(s, e) == -1) {
		smtp_after_dot_failed(s, e);
		return -1;
	}
	st = s->due[s->due_head];
	s->due_head = (s->due_head + 1) % SMTP_PIPE_MAX;
	s->ndue--;
	if (s->reply.code == 421) {
		s->broken = true;
		return smtp_fail_reply(e, ERR_UNAVAILABLE, &s->reply,
		    "%s is closing the connection", net_peer(s->conn));
	}
	return smtp_states[st].reply(s, e, &s->reply);
}

int
smtp_drive(struct smtp_session *s, struct err *e)
{
	while (s->ndue > 0)
		if (smtp_drive_one(s, e) == -1)
			return -1;
	return 0;
}

static int
smtp_send_none(struct smtp_session *s, struct err *e)
{
	(void)s;
	(void)e;
	return 0;
}

static int
smtp_reply_greeting(struct smtp_session *s, struct err *e,
    const struct smtp_reply *r)
{
	smtp_reply_format(r, s->info.greeting, sizeof(s->info.greeting));
	if (r->code / 100 != 2)
		return smtp_fail_reply(e, ERR_UNAVAILABLE, r,
		    "%s refused the session", net_peer(s->conn));
	if (s->p->greeted != NULL)
		*s->p->greeted = true;
	if (s->p->greeting_wait != 0) /* back to the command timeout */
		net_set_timeout(s->conn, s->p->timeout);
	return smtp_enter(s, e, SMTP_ST_EHLO);
}

static const char *
smtp_helo_name(const struct smtp_session *s)
{
	return s->p->helo != NULL && s->p->helo[0] != '\0' ? s->p->helo
	                                                   : "localhost";
}

static int
smtp_send_ehlo(struct smtp_session *s, struct err *e)
{
	return smtp_cmd(s, e, 0, "EHLO %s", smtp_helo_name(s));
}

static int
smtp_send_helo(struct smtp_session *s, struct err *e)
{
	return smtp_cmd(s, e, 0, "HELO %s", smtp_helo_name(s));
}

/* After EHLO/HELO: STARTTLS, AUTH, or ready. */
static int
smtp_after_ehlo(struct smtp_session *s, struct err *e)
{
	if (s->p->tls == SMTP_TLS_STARTTLS && !s->tls_done) {
		if (!(s->info.caps & SMTP_CAP_STARTTLS))
			return err_set(e, ERR_UNAVAILABLE,
			    "%s does not offer STARTTLS; refusing to continue without TLS",
			    net_peer(s->conn));
		return smtp_enter(s, e, SMTP_ST_STARTTLS);
	}
	if (s->p->auth != SMTP_AUTH_OFF && !s->authed)
		return smtp_auth_begin(s, e);
	return smtp_enter(s, e, SMTP_ST_READY);
}

static int
smtp_reply_ehlo(struct smtp_session *s, struct err *e,
    const struct smtp_reply *r)
{
	if (r->code / 100 == 2) {
		smtp_caps_parse(r, &s->info);
		return smtp_after_ehlo(s, e);
	}
	if (r->code / 100 == 5 && s->p->tls == SMTP_TLS_NONE &&
	    s->p->auth == SMTP_AUTH_OFF)
		return smtp_enter(s, e, SMTP_ST_HELO);
	return smtp_fail_reply(e, ERR_UNAVAILABLE, r, "EHLO refused by %s",
	    net_peer(s->conn));
}

static int
smtp_reply_helo(struct smtp_session *s, struct err *e,
    const struct smtp_reply *r)
{
	if (r->code / 100 != 2)
		return smtp_fail_reply(e, ERR_UNAVAILABLE, r,
		    "HELO refused by %s", net_peer(s->conn));
	s->info.caps = 0;
	return smtp_enter(s, e, SMTP_ST_READY);
}

static int
smtp_send_rset(struct smtp_session *s, struct err *e)
{
	return smtp_cmd(s, e, 0, "RSET");
}

static int
smtp_reply_rset(struct smtp_session *s, struct err *e,
    const struct smtp_reply *r)
{
	if (r->code / 100 != 2) {
		s->broken = true;
		return smtp_fail_reply(e, ERR_PROTOCOL, r, "RSET refused by %s",
		    net_peer(s->conn));
	}
	s->need_rset = false;
	return smtp_enter(s, e, SMTP_ST_READY);
}

static int
smtp_send_quit(struct smtp_session *s, struct err *e)
{
	return smtp_cmd(s, e, 0, "QUIT");
}

static struct smtp_session *
smtp_session_new(const struct smtp_params *p, const struct smtp_trace *t)
{
	struct smtp_session *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->p = p;
	s->trace = t;
	buf_init(&s->secret, SMTP_SECRET_MAX);
	buf_init(&s->resp, SASL_B64_MAX);
	return s;
}

/* QUIT when the connection allows it, then free everything. */
static void
smtp_session_free(struct smtp_session *s)
{
	struct err qe;

	if (s == NULL)
		return;
	if (s->conn != NULL && !s->broken) {
		err_clear(&qe);
		s->ndue = 0;
		if (smtp_enter(s, &qe, SMTP_ST_QUIT) == 0)
			(void)smtp_drive(s, &qe);
	}
	smtp_auth_cleanup(s);
	net_close(s->conn);
	buf_wipe(&s->secret);
	explicit_bzero(s->line, sizeof(s->line));
	free(s);
}

/* Greeting to READY on a connected session. */
static int
smtp_handshake(struct smtp_session *s, struct err *e)
{
	if (s->p->tls == SMTP_TLS_IMPLICIT && smtp_tls_start(s, e) == -1)
		return -1;
	s->due[0] = SMTP_ST_CONNECTED; /* the greeting is due unasked */
	s->due_head = 0;
	s->ndue = 1;
	if (smtp_drive(s, e) == -1)
		return -1;
	if (s->state != SMTP_ST_READY)
		return err_set(e, ERR_SOFTWARE, "SMTP engine stopped in %s",
		    smtp_state_name(s->state));
	return 0;
}

static int
smtp_open_conn(struct smtp_session **out, struct smtp_session *s, struct err *e)
{
	net_set_timeout(s->conn,
	    s->p->greeting_wait != 0 && s->p->tls != SMTP_TLS_IMPLICIT
	        ? s->p->greeting_wait
	        : s->p->timeout);
	if (smtp_handshake(s, e) == -1) {
		smtp_session_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

int
smtp_open(struct smtp_session **out, const struct smtp_params *p,
    const struct smtp_trace *t, struct err *e)
{
	struct smtp_session *s;
	struct net_params np;

	*out = NULL;
	err_clear(e);
	if ((s = smtp_session_new(p, t)) == NULL)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	memset(&np, 0, sizeof(np));
	np.host = p->host;
	np.port = p->port                 ? p->port
	    : p->tls == SMTP_TLS_IMPLICIT ? "465"
	                                  : "587";
	np.family = p->family;
	np.source_ip = p->source_ip;
	np.timeout = p->timeout;
	if (net_connect(&s->conn, &np, e) == -1) {
		smtp_session_free(s);
		return -1;
	}
	smtp_note(s, "connected to %s (%s)", p->host, net_peer(s->conn));
	return smtp_open_conn(out, s, e);
}

int
smtp_open_fd(struct smtp_session **out, int fd, const struct smtp_params *p,
    const struct smtp_trace *t, struct err *e)
{
	struct smtp_session *s;

	*out = NULL;
	err_clear(e);
	if ((s = smtp_session_new(p, t)) == NULL ||
	    (s->conn = net_conn_from_fd(fd, p->timeout)) == NULL) {
		(void)close(fd);
		free(s);
		return err_set(e, ERR_SOFTWARE, "out of memory");
	}
	return smtp_open_conn(out, s, e);
}

void
smtp_set_last(struct smtp_session *s)
{
	s->last = true;
}

bool
smtp_usable(const struct smtp_session *s)
{
	return s != NULL && !s->broken && s->state == SMTP_ST_READY;
}

bool
smtp_idle_closed(const struct smtp_session *s)
{
	return net_peer_spoke(s->conn);
}

const struct smtp_info *
smtp_session_info(const struct smtp_session *s)
{
	return &s->info;
}

void
smtp_close(struct smtp_session *s)
{
	smtp_session_free(s);
}

/* The message failed: no recipient got it, whatever RCPT said. */
static void
smtp_unaccept(struct smtp_mail *m)
{
	size_t i;

	for (i = 0; i < m->nrcpts; i++)
		if (m->rcpts[i].status == SMTP_RCPT_OK)
			m->rcpts[i].status = SMTP_RCPT_PENDING;
	m->naccepted = 0;
}

/* Make a session that left a transaction open ready again. */
static int
smtp_reset(struct smtp_session *s, struct err *e)
{
	if (!s->need_rset)
		return 0;
	net_set_timeout(s->conn, s->p->timeout);
	if (smtp_enter(s, e, SMTP_ST_RSET) == -1 || smtp_drive(s, e) == -1)
		return -1;
	return 0;
}

int
smtp_send_start(struct smtp_session *s, struct smtp_mail *m, struct err *e)
{
	err_clear(e);
	s->mail = NULL;
	if (s->broken || s->state != SMTP_ST_READY)
		return err_set_temp(e, ERR_TEMP, "the SMTP session is closed");
	if (smtp_reset(s, e) == -1 || smtp_mail_check(s, e, m) == -1)
		return -1;
	s->mail = m;
	s->rcpt_sent = s->rcpt_replied = 0;
	s->txn_failed = false;
	s->mail_ok = false;
	s->need_rset = true;
	m->naccepted = 0;
	m->code = 0;
	m->reply[0] = '\0';
	m->unsure = false;
	net_set_timeout(s->conn, s->p->timeout);
	s->txn_rc = smtp_enter(s, e, SMTP_ST_MAIL);
	/* The group leaves now: the caller works while it is on its way. */
	if (s->txn_rc == 0 && (s->txn_rc = net_flush(s->conn, e)) == -1)
		s->broken = true;
	return s->txn_rc;
}

int
smtp_send_finish(struct smtp_session *s, struct smtp_mail *m, struct err *e)
{
	int r;

	if (s->mail != m) /* smtp_send_start failed before MAIL */
		return -1;
	r = s->txn_rc;
	if (r == 0)
		r = smtp_drive(s, e);
	if (r == 0 && s->txn_failed)
		r = -1;
	if (r == -1)
		smtp_unaccept(m);
	if (r == 0 && s->state == SMTP_ST_READY)
		s->need_rset = false;
	else if (!s->broken)
		s->state = SMTP_ST_READY;
	s->mail = NULL;
	return r;
}

int
smtp_send(struct smtp_session *s, struct smtp_mail *m, struct err *e)
{
	(void)smtp_send_start(s, m, e);
	return smtp_send_finish(s, m, e);
}

int
smtp_submit(const struct smtp_params *p, struct smtp_mail *m,
    const struct smtp_trace *t, struct err *e)
{
	struct smtp_session *s;
	int r;

	if (smtp_open(&s, p, t, e) == -1)
		return -1;
	smtp_set_last(s);
	r = smtp_send(s, m, e);
	smtp_close(s);
	return r;
}
