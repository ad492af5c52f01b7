/*
 * smtp_mail.c: the mail transaction states of the SMTP engine (see
 * smtp_int.h): MAIL, RCPT, DATA, the message body with dot-stuffing, and
 * BDAT; plus the checks made before anything is sent (SIZE, 8BITMIME,
 * SMTPUTF8, DSN).
 *
 * Without PIPELINING each reply handler enters the next state. With it,
 * smtp_send_mail sends MAIL, every RCPT and DATA in one write and the
 * handlers only record results until the DATA reply decides. With
 * CHUNKING the message goes as one "BDAT <size> LAST" chunk, without
 * stuffing: in the same write as MAIL and RCPT when PIPELINING is
 * offered too and the message is small (smtp_pipe.c), else after the
 * RCPT replies. On the session's last message (smtp_set_last) QUIT
 * follows the end of data in the same write; its reply is still read.
 *
 * The body is read from the spool fd with pread straight into the
 * connection's output buffer (net_write_reserve) and stuffed there in
 * place (smtp_stuff.c), so it leaves in large writes and needs no buffer
 * of its own:
 * memory stays the same for 1 KiB and 1 GiB. A bare CR or LF or a NUL in
 * it means the message was not canonicalised: the connection is dropped
 * without an end of data, so the server discards what it got.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "idn.h"
#include "smtp_int.h"
#include "util.h"

/* Flush rather than read less than half this (the stuffed output may
 * be twice the input): rounds of at least 8 KiB of input. */
#define SMTP_BODY_MIN (16 * 1024)

/* An envelope address may not carry controls or angle brackets. */
static int
smtp_addr_check(struct err *e, const char *a, bool *utf8)
{
	const unsigned char *p;

	for (p = (const unsigned char *)a; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '<' || *p == '>')
			return err_set(e, ERR_DATA,
			    "envelope address contains a control character or angle bracket; refusing to send it");
		if (*p >= 0x80)
			*utf8 = true;
	}
	return 0;
}

/* Every recipient was refused before RCPT: the first one says why. */
static int
smtp_refused_all(struct err *e, const struct smtp_mail *m)
{
	(void)err_set(e, ERR_NOUSER, "every recipient refused; <%s>: %s",
	    m->rcpts[0].addr, m->rcpts[0].text);
	e->smtp_code = m->rcpts[0].code;
	(void)strlcpy(e->esc, m->rcpts[0].esc, sizeof(e->esc));
	return -1;
}

/* Refuse one recipient here, before RCPT (not sent; the others go on). */
static void
smtp_rcpt_refuse(struct smtp_session *s, struct smtp_rcpt *rc, int code,
    const char *esc, const char *why)
{
	rc->status = SMTP_RCPT_PERMFAIL;
	rc->code = code;
	(void)strlcpy(rc->esc, esc, sizeof(rc->esc));
	(void)snprintf(rc->text, sizeof(rc->text),
	    "%d %s <%.254s>: %.200s; not sent", code, esc, rc->addr, why);
	smtp_note(s, "recipient <%s> not sent: %s", rc->addr, why);
}

/*
 * The envelope as the server can take it (RFC 6531). A domain that is
 * not ASCII must convert to A-labels (it goes as A-labels without
 * SMTPUTF8). Without SMTPUTF8 a non-ASCII local part cannot be sent: a
 * recipient's is refused alone with 553 5.6.7, the sender's and a
 * UTF-8 address in the header (needs_smtputf8) fail the message.
 */
static int
smtp_mail_intl(struct smtp_session *s, struct err *e, struct smtp_mail *m)
{
	bool utf8 = s->info.caps & SMTP_CAP_SMTPUTF8;
	struct err ie;
	char *a = NULL, why[SMTP_TEXT_MAX];
	size_t i, n = 0;

	if (!utf8 && (m->needs_smtputf8 || !idn_addr_local_ascii(m->from))) {
		if (idn_addr_local_ascii(m->from))
			(void)err_set(e, ERR_DATA,
			    "the message header holds a UTF-8 address, which needs SMTPUTF8, and %s does not offer it",
			    s->info.ehlo_host);
		else
			(void)err_set(e, ERR_DATA,
			    "sender <%s>: non-ASCII local part needs SMTPUTF8, which %s does not offer",
			    m->from, s->info.ehlo_host);
		(void)strlcpy(e->esc, "5.6.7", sizeof(e->esc));
		return -1;
	}
	if (idn_addr_to_ascii(m->from, &a, e) == -1)
		return -1;
	free(a);
	(void)snprintf(why, sizeof(why),
	    "non-ASCII local part needs SMTPUTF8, which %s does not offer",
	    s->info.ehlo_host);
	for (i = 0; i < m->nrcpts; i++) {
		struct smtp_rcpt *rc = &m->rcpts[i];

		if (idn_addr_to_ascii(rc->addr, &a, &ie) == -1) {
			if (ie.cls == ERR_SOFTWARE)
				return err_set(e, ERR_SOFTWARE, "%s", ie.text);
			smtp_rcpt_refuse(s, rc, 553, "5.1.3", ie.text);
			continue;
		}
		free(a);
		if (!utf8 && !idn_addr_local_ascii(rc->addr))
			smtp_rcpt_refuse(s, rc, 553, "5.6.7", why);
		else
			n++;
	}
	return n > 0 ? 0 : smtp_refused_all(e, m);
}

int
smtp_mail_check(struct smtp_session *s, struct err *e, struct smtp_mail *m)
{
	const struct smtp_info *i = &s->info;
	bool utf8 = false;
	size_t k;

	if (m->nrcpts == 0)
		return err_set(e, ERR_USAGE, "no recipients");
	if (smtp_addr_check(e, m->from, &utf8) == -1)
		return -1;
	for (k = 0; k < m->nrcpts; k++) {
		if (smtp_addr_check(e, m->rcpts[k].addr, &utf8) == -1)
			return -1;
		m->rcpts[k].status = SMTP_RCPT_PENDING;
		m->rcpts[k].code = 0;
		m->rcpts[k].esc[0] = m->rcpts[k].text[0] = '\0';
	}
	if ((utf8 || m->needs_smtputf8) && smtp_mail_intl(s, e, m) == -1)
		return -1;
	if (i->size_max > 0 && (uint64_t)m->size > i->size_max) {
		(void)err_set(e, ERR_DATA,
		    "message too big: %jd bytes, the server accepts at most %" PRIu64,
		    (intmax_t)m->size, i->size_max);
		(void)strlcpy(e->esc, "5.3.4", sizeof(e->esc));
		return -1;
	}
	if (m->has_8bit && !(i->caps & SMTP_CAP_8BITMIME))
		return err_set(e, ERR_DATA,
		    "the message has 8-bit content and %s does not offer 8BITMIME",
		    s->info.ehlo_host);
	m->dsn_dropped = (m->dsn_notify || m->dsn_ret || m->dsn_envid) &&
	    !(i->caps & SMTP_CAP_DSN) && !s->p->dsn_required;
	if ((m->dsn_notify || m->dsn_ret || m->dsn_envid) &&
	    !(i->caps & SMTP_CAP_DSN) && s->p->dsn_required)
		return err_set(e, ERR_UNAVAILABLE,
		    "delivery status notifications requested, but %s does not offer DSN (dsn_required on)",
		    s->info.ehlo_host);
	return 0;
}

/* Whether an address has a byte outside ASCII. */
static bool
smtp_addr_utf8(const char *a)
{
	for (; *a != '\0'; a++)
		if ((unsigned char)*a >= 0x80)
			return true;
	return false;
}

static int
smtp_mail_params(const struct smtp_mail *m, unsigned caps, struct buf *b)
{
	bool utf8 = m->needs_smtputf8 || smtp_addr_utf8(m->from);
	size_t i;

	for (i = 0; i < m->nrcpts; i++)
		if (m->rcpts[i].status == SMTP_RCPT_PENDING)
			utf8 |= smtp_addr_utf8(m->rcpts[i].addr);
	utf8 = utf8 && (caps & SMTP_CAP_SMTPUTF8);
	if ((caps & SMTP_CAP_SIZE) &&
	    buf_printf(b, " SIZE=%jd", (intmax_t)m->size) == -1)
		return -1;
	if (m->has_8bit && buf_add_str(b, " BODY=8BITMIME") == -1)
		return -1;
	if (utf8 && buf_add_str(b, " SMTPUTF8") == -1)
		return -1;
	if (!(caps & SMTP_CAP_DSN)) /* sent without (smtp_mail_check) */
		return 0;
	if (m->dsn_ret && buf_printf(b, " RET=%s", m->dsn_ret) == -1)
		return -1;
	if (m->dsn_envid &&
	    (buf_add_str(b, " ENVID=") == -1 || smtp_xtext(m->dsn_envid, b)))
		return -1;
	return 0;
}

/*
 * An address as it goes on the wire: as it is with SMTPUTF8, else with
 * its domain in A-labels (smtp_mail_check refused what cannot be).
 */
static int
smtp_wire(const char *addr, unsigned caps, char **out, struct err *e)
{
	if (caps & SMTP_CAP_SMTPUTF8)
		*out = strdup(addr);
	else if (idn_addr_to_ascii(addr, out, e) == -1)
		return -1;
	if (*out == NULL)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	return 0;
}

int
smtp_mail_line(const struct smtp_mail *m, unsigned caps, struct buf *out,
    struct err *e)
{
	struct buf params;
	char *from = NULL;
	int r = -1;

	buf_init(&params, 1024);
	if (smtp_mail_params(m, caps, &params) == -1)
		err_set(e, ERR_DATA, "MAIL parameters too long");
	else if (smtp_wire(m->from, caps, &from, e) == 0 &&
	    buf_printf(out, "MAIL FROM:<%s>%s", from, buf_str(&params)) == 0)
		r = 0;
	else if (e->cls == ERR_NONE)
		err_set(e, ERR_DATA, "MAIL command too long");
	free(from);
	buf_free(&params);
	return r;
}

int
smtp_rcpt_line(const struct smtp_mail *m, const struct smtp_rcpt *rc,
    unsigned caps, struct buf *out, struct err *e)
{
	struct buf params;
	char *to = NULL;
	int r = 0;

	buf_init(&params, 1024);
	if (m->dsn_notify && (caps & SMTP_CAP_DSN) &&
	    buf_printf(&params, " NOTIFY=%s", m->dsn_notify) == -1)
		r = -1;
	if (r == 0 && rc->orcpt && (caps & SMTP_CAP_DSN) &&
	    (buf_add_str(&params, " ORCPT=rfc822;") == -1 ||
	        smtp_xtext(rc->orcpt, &params) == -1))
		r = -1;
	if (r == -1)
		err_set(e, ERR_DATA, "RCPT parameters too long");
	else if ((r = smtp_wire(rc->addr, caps, &to, e)) == 0 &&
	    (r = buf_printf(out, "RCPT TO:<%s>%s", to, buf_str(&params))) == -1)
		err_set(e, ERR_DATA, "RCPT command too long");
	free(to);
	buf_free(&params);
	return r;
}

/* The first recipient from i on that was not refused before RCPT. */
static size_t
smtp_rcpt_next(const struct smtp_mail *m, size_t i)
{
	while (i < m->nrcpts && m->rcpts[i].status == SMTP_RCPT_PERMFAIL)
		i++;
	return i;
}

int
smtp_send_mail(struct smtp_session *s, struct err *e)
{
	struct smtp_mail *m = s->mail;
	struct buf line;
	size_t i;
	int r;

	buf_init(&line, SMTP_CMD_MAX);
	r = smtp_mail_line(m, s->info.caps, &line, e);
	if (r == 0)
		r = smtp_cmd(s, e, 0, "%s", buf_str(&line));
	buf_free(&line);
	if (r == -1 || !(s->info.caps & SMTP_CAP_PIPELINING))
		return r;
	for (i = smtp_rcpt_next(m, 0); i < m->nrcpts;
	     i = smtp_rcpt_next(m, i + 1))
		if (smtp_enter(s, e, SMTP_ST_RCPT) == -1)
			return -1;
	if (s->info.caps & SMTP_CAP_CHUNKING)
		return smtp_bdat_pipelined(s) ? smtp_enter(s, e, SMTP_ST_BDAT)
		                              : 0;
	return smtp_enter(s, e, SMTP_ST_DATA);
}

int
smtp_send_rcpt(struct smtp_session *s, struct err *e)
{
	struct smtp_mail *m = s->mail;
	struct smtp_rcpt *rc;
	struct buf line;
	int r;

	s->rcpt_sent = smtp_rcpt_next(m, s->rcpt_sent);
	rc = &m->rcpts[s->rcpt_sent++];
	buf_init(&line, SMTP_CMD_MAX);
	r = smtp_rcpt_line(m, rc, s->info.caps, &line, e);
	if (r == 0)
		r = smtp_cmd(s, e, 0, "%s", buf_str(&line));
	buf_free(&line);
	return r;
}

int
smtp_send_data(struct smtp_session *s, struct err *e)
{
	return smtp_cmd(s, e, 0, "DATA");
}

/* Record a transaction failure (the first one wins) and go on. */
static void
smtp_txn_fail(struct smtp_session *s, struct err *e, const struct smtp_reply *r,
    enum err_class cls, const char *what)
{
	if (s->txn_failed)
		return;
	s->txn_failed = true;
	if (r != NULL)
		(void)smtp_fail_reply(e, cls, r, "%s", what);
}

int
smtp_reply_mail(struct smtp_session *s, struct err *e,
    const struct smtp_reply *r)
{
	if (r->code / 100 != 2) {
		smtp_txn_fail(s, e, r, ERR_DATA, "sender address refused");
		return 0;
	}
	s->mail_ok = true;
	if (s->info.caps & SMTP_CAP_PIPELINING)
		return 0;
	return smtp_enter(s, e, SMTP_ST_RCPT);
}

/* Every recipient was refused: say so with the first refusal. */
static void
smtp_fail_rcpts(struct smtp_session *s, struct err *e)
{
	const struct smtp_mail *m = s->mail;
	const struct smtp_rcpt *first = NULL;
	bool temp = false;
	size_t i;

	for (i = 0; i < m->nrcpts; i++) {
		if (m->rcpts[i].status == SMTP_RCPT_TEMPFAIL)
			temp = true;
		if (first == NULL && m->rcpts[i].status != SMTP_RCPT_PENDING)
			first = &m->rcpts[i];
	}
	s->txn_failed = true;
	if (temp)
		(void)err_set_temp(e, ERR_TEMP,
		    "no recipient accepted; <%s>: %s", first->addr,
		    first->text);
	else
		(void)err_set(e, ERR_NOUSER,
		    "every recipient refused; <%s>: %s", first->addr,
		    first->text);
	e->smtp_code = first->code;
	(void)strlcpy(e->esc, first->esc, sizeof(e->esc));
}

/* After the last RCPT reply: DATA, BDAT, or give up. */
static int
smtp_after_rcpts(struct smtp_session *s, struct err *e)
{
	bool pipelining = s->info.caps & SMTP_CAP_PIPELINING;
	bool chunking = s->info.caps & SMTP_CAP_CHUNKING;

	if (s->txn_failed)
		return 0;
	if (s->mail->naccepted == 0) {
		if (!pipelining || chunking)
			smtp_fail_rcpts(s, e);
		return 0; /* pipelined DATA: its reply decides */
	}
	if (chunking)
		return smtp_bdat_pipelined(s) ? 0
		                              : smtp_enter(s, e, SMTP_ST_BDAT);
	return pipelining ? 0 : smtp_enter(s, e, SMTP_ST_DATA);
}

int
smtp_reply_rcpt(struct smtp_session *s, struct err *e,
    const struct smtp_reply *r)
{
	struct smtp_mail *m = s->mail;
	struct smtp_rcpt *rc;

	s->rcpt_replied = smtp_rcpt_next(m, s->rcpt_replied);
	rc = &m->rcpts[s->rcpt_replied++];
	/* MAIL was refused: a pipelined RCPT's reply ("503 need MAIL")
	 * says nothing about the recipient, who stays pending (to be
	 * queued and retried, not refused). */
	if (!s->mail_ok)
		goto next;
	rc->code = r->code;
	(void)strlcpy(rc->esc, r->esc, sizeof(rc->esc));
	smtp_reply_format(r, rc->text, sizeof(rc->text));
	if (r->code / 100 == 2) {
		rc->status = SMTP_RCPT_OK;
		m->naccepted++;
	} else
		rc->status = r->code / 100 == 4 ? SMTP_RCPT_TEMPFAIL
		                                : SMTP_RCPT_PERMFAIL;
next:
	if (smtp_rcpt_next(m, s->rcpt_replied) < m->nrcpts) {
		if (s->info.caps & SMTP_CAP_PIPELINING)
			return 0;
		return smtp_enter(s, e, SMTP_ST_RCPT);
	}
	return smtp_after_rcpts(s, e);
}

int
smtp_reply_data(struct smtp_session *s, struct err *e,
    const struct smtp_reply *r)
{
	if (!s->txn_failed && s->mail->naccepted == 0)
		smtp_fail_rcpts(s, e);
	if (r->code == 354)
		return smtp_enter(s, e, SMTP_ST_BODY); /* only "." if failed */
	if (!s->txn_failed)
		smtp_txn_fail(s, e, r, ERR_DATA, "DATA refused");
	return 0;
}

/* The next chunk of the message, exactly as long as asked. */
static int
smtp_body_read(struct smtp_session *s, struct err *e, char *p, size_t n,
    off_t off)
{
	ssize_t r;
	size_t got = 0;

	while (got < n) {
		r = pread(s->mail->fd, p + got, n - got, off + (off_t)got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			s->broken = true;
			return err_set(e, ERR_IO, "reading the message: %s",
			    r == 0 ? "shorter than its size" : strerror(errno));
		}
		got += (size_t)r;
	}
	return 0;
}

/*
 * One round: read the next part of the message into the free output
 * buffer and queue it. BDAT reads it where it goes. DATA reads at most
 * half the room into the back and stuffs it forward into the front:
 * the output (at most two bytes per input byte) then never overtakes
 * the input still to be read. 0, -1 (e set), -2 (not canonical).
 */
static int
smtp_body_round(struct smtp_session *s, struct err *e, struct smtp_stuffer *st,
    bool stuff, off_t *off)
{
	off_t left = s->mail->size - *off;
	size_t room, n;
	char *p, *in;
	ssize_t o;

	if ((p = net_write_reserve(s->conn, SMTP_BODY_MIN, &room, e)) == NULL)
		return -1;
	n = stuff ? room / 2 : room;
	if ((off_t)n > left)
		n = (size_t)left;
	in = stuff ? p + room - n : p;
	if (smtp_body_read(s, e, in, n, *off) == -1)
		return -1;
	if (stuff)
		o = smtp_stuff(st, in, n, p);
	else
		o = smtp_stuff_check(st, in, n) == -1 ? -1 : (ssize_t)n;
	if (o == -1)
		return -2;
	net_commit(s->conn, (size_t)o);
	*off += (off_t)n;
	return 0;
}

/* Stream the message, stuffed (DATA) or raw (BDAT), in large writes. */
static int
smtp_body_stream(struct smtp_session *s, struct err *e, bool stuff)
{
	struct smtp_stuffer st;
	off_t off = 0;
	size_t room;
	ssize_t o;
	char *p;
	int r = 0;

	smtp_stuff_init(&st);
	while (r == 0 && off < s->mail->size)
		r = smtp_body_round(s, e, &st, stuff, &off);
	if (r == 0 && stuff) {
		if ((p = net_write_reserve(s->conn, 5, &room, e)) == NULL)
			r = -1;
		else if ((o = smtp_stuff_end(&st, p)) == -1)
			r = -2;
		else
			net_commit(s->conn, (size_t)o);
	} else if (r == 0 && st.prev == '\r')
		r = -2;
	if (r == -2)
		(void)err_set(e, ERR_SOFTWARE,
		    "the message is not canonical (bare CR, LF or NUL near byte %jd); not sent",
		    (intmax_t)st.off);
	if (r != 0)
		s->broken = true;
	return r == 0 ? 0 : -1;
}

static void
smtp_body_wait(struct smtp_session *s)
{
	unsigned t = s->p->data_timeout ? s->p->data_timeout : s->p->timeout;

	net_set_timeout(s->conn, t);
}

int
smtp_send_body(struct smtp_session *s, struct err *e)
{
	if (s->txn_failed)
		return smtp_cmd(s, e, 0, ".");
	smtp_note(s, "message: %jd bytes", (intmax_t)s->mail->size);
	if (smtp_body_stream(s, e, true) == -1)
		return -1;
	smtp_note(s, "end of data sent");
	smtp_body_wait(s);
	return smtp_quit_pipelined(s, e);
}

int
smtp_send_bdat(struct smtp_session *s, struct err *e)
{
	if (smtp_cmd(s, e, 0, "BDAT %jd LAST", (intmax_t)s->mail->size) == -1)
		return -1;
	smtp_note(s, "message: %jd bytes", (intmax_t)s->mail->size);
	if (smtp_body_stream(s, e, false) == -1)
		return -1;
	smtp_body_wait(s);
	return smtp_quit_pipelined(s, e);
}

int
smtp_reply_body(struct smtp_session *s, struct err *e,
    const struct smtp_reply *r)
{
	struct smtp_mail *m = s->mail;

	net_set_timeout(s->conn, s->p->timeout);
	if (s->txn_failed)
		return 0;
	m->code = r->code;
	smtp_reply_format(r, m->reply, sizeof(m->reply));
	if (r->code / 100 != 2)
		smtp_txn_fail(s, e, r, ERR_DATA, "message refused");
	else
		(void)smtp_enter(s, e, SMTP_ST_READY);
	return 0;
}
