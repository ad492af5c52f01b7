/*
 * bs_session.c: the server side of -bs (see bs.h): the state machine
 * and its I/O loop.
 *
 *   220 greeting ─► READY ─MAIL─► MAIL ─RCPT─► RCPT ─DATA/354─► DATA
 *                     ▲                          │ (RCPT)*        │
 *                     └── RSET, HELO/EHLO ───────┘     "." ─► submit, reply
 *   QUIT (any state) ─► 221, DONE          too many commands ─► 421, DONE
 *
 * One handler per command; each answers exactly one reply, so pipelined
 * commands are answered in order. MAIL is accepted before HELO/EHLO (as
 * Postfix does by default): the peer is a local process and HELO carries
 * no meaning here. DATA lines have their line end (CRLF or a bare LF)
 * replaced by CRLF and one leading dot removed, and go to the message
 * file through a 64 KiB buffer; an over-long line or an oversized
 * message is not written, and refused at the end of data.
 *
 * The data ends only on CRLF "." CRLF: a "." line ended by a bare LF, or
 * after a line ended by a bare LF, is message text (kept as one dot), as
 * with Postfix's smtpd_forbid_bare_newline = normalize. So "\n.\n" can
 * never end a message early and smuggle what follows in as commands.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "bs.h"
#include "util.h"

#define BS_DATA_CHUNK (64 * 1024)
#define BS_IN_MAX (64 * 1024)
#define BS_OUT_FLUSH (32 * 1024)
#define BS_OUT_MAX (1024 * 1024)

static void
bs_trace(const struct bs_session *s, const char *who, const char *line,
    size_t len)
{
	char t[BS_REPLY_MAX + 16];
	int n;

	if (s->trace == NULL || s->trace->line == NULL)
		return;
	n = snprintf(t, sizeof(t), "%s %.*s", who, (int)len, line);
	if (n > 0)
		s->trace->line(s->trace->arg, SMTP_TRACE_INFO, t,
		    (size_t)n < sizeof(t) ? (size_t)n : sizeof(t) - 1);
}

/* One reply line ("250 2.0.0 Ok"), traced and CRLF-terminated. */
static int bs_reply(struct bs_session *s, struct buf *out, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
bs_reply(struct bs_session *s, struct buf *out, const char *fmt, ...)
{
	char line[BS_REPLY_MAX - 2];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	bs_trace(s, "bs reply:", line, strlen(line));
	return buf_printf(out, "%s\r\n", line);
}

/* An operation failed: count it for the exit code and answer it. */
static int
bs_reply_failed(struct bs_session *s, const struct err *e, struct buf *out)
{
	char reply[BS_REPLY_MAX - 2];

	s->nfailed++;
	s->last = *e;
	bs_reply_for_err(e, reply, sizeof(reply));
	return bs_reply(s, out, "%s", reply);
}

/* Forget the transaction (RSET, HELO, end of data, EOF). */
static void
bs_txn_reset(struct bs_session *s)
{
	size_t i;

	for (i = 0; i < s->nrcpts; i++)
		free(s->rcpts[i]);
	free(s->rcpts);
	s->rcpts = NULL;
	s->nrcpts = 0;
	if (s->fd != -1)
		(void)close(s->fd);
	s->fd = -1;
	buf_reset(&s->data);
	s->datasize = 0;
	s->data_too_long = s->data_too_big = s->data_failed = false;
	if (s->in_txn)
		s->ops->end(s->ops->arg);
	s->in_txn = false;
	if (s->state != BS_ST_DONE)
		s->state = BS_ST_READY;
}

static int
bs_cmd_hello(struct bs_session *s, const struct bs_cmd *c, struct buf *out)
{
	if (c->arglen == 0)
		return bs_reply(s, out, "501 5.5.4 Syntax: %s hostname",
		    c->verb == BS_CMD_EHLO ? "EHLO" : "HELO");
	bs_txn_reset(s);
	if (c->verb == BS_CMD_HELO)
		return bs_reply(s, out, "250 %s", s->host);
	if (bs_reply(s, out, "250-%s", s->host) == -1 ||
	    bs_reply(s, out, "250-PIPELINING") == -1 ||
	    bs_reply(s, out, "250-8BITMIME") == -1 ||
	    bs_reply(s, out, "250-SIZE %ju", (uintmax_t)BS_SIZE_MAX) == -1)
		return -1;
	return bs_reply(s, out, "250 ENHANCEDSTATUSCODES");
}

static int
bs_cmd_mail(struct bs_session *s, const struct bs_cmd *c, struct buf *out)
{
	struct bs_mail_params mp;
	struct bs_path p;
	const char *why;
	char *spec = NULL;
	struct err e;
	int r;

	if (s->state != BS_ST_READY)
		return bs_reply(s, out, "503 5.5.1 Error: nested MAIL command");
	if (bs_parse_path(c->arg, c->arglen, "FROM:", &p, &why) == -1)
		return bs_reply(s, out, "501 5.5.4 %s", why);
	if (bs_parse_mail_params(p.params, p.paramslen, &mp, &why) == -1)
		return bs_reply(s, out, "%s %s",
		    mp.unknown ? "555 5.5.4" : "501 5.5.4", why);
	if (mp.size > BS_SIZE_MAX)
		return bs_reply(s, out,
		    "552 5.3.4 Message size exceeds the limit of %ju bytes",
		    (uintmax_t)BS_SIZE_MAX);
	if (addr_parse_envelope(p.path, true, &spec, NULL, &e) == -1)
		return bs_reply(s, out, "501 5.1.7 Bad sender address: %s",
		    e.text);
	s->in_txn = true;
	r = s->ops->mail(s->ops->arg, spec, &e);
	free(spec);
	if (r == -1) {
		bs_txn_reset(s);
		return bs_reply_failed(s, &e, out);
	}
	s->state = BS_ST_MAIL;
	return bs_reply(s, out, "250 2.1.0 Ok");
}

static int
bs_cmd_rcpt(struct bs_session *s, const struct bs_cmd *c, struct buf *out)
{
	struct bs_path p;
	const char *why;
	char *spec = NULL, **v;
	struct err e;

	if (s->state != BS_ST_MAIL && s->state != BS_ST_RCPT)
		return bs_reply(s, out, "503 5.5.1 Error: need MAIL command");
	if (bs_parse_path(c->arg, c->arglen, "TO:", &p, &why) == -1)
		return bs_reply(s, out, "501 5.5.4 %s", why);
	if (p.paramslen > 0)
		return bs_reply(s, out,
		    "555 5.5.4 RCPT parameters are not implemented");
	if (addr_parse_envelope(p.path, false, &spec, NULL, &e) == -1)
		return bs_reply(s, out, "501 5.1.3 Bad recipient address: %s",
		    e.text);
	if (s->nrcpts >= BS_RCPTS_MAX) {
		free(spec);
		return bs_reply(s, out, "452 4.5.3 Error: too many recipients");
	}
	if ((v = realloc(s->rcpts, (s->nrcpts + 1) * sizeof(*v))) == NULL) {
		free(spec);
		return -1;
	}
	s->rcpts = v;
	s->rcpts[s->nrcpts++] = spec;
	s->state = BS_ST_RCPT;
	return bs_reply(s, out, "250 2.1.5 Ok");
}

static int
bs_cmd_data(struct bs_session *s, const struct bs_cmd *c, struct buf *out)
{
	struct err e;

	if (c->arglen > 0)
		return bs_reply(s, out, "501 5.5.4 Syntax: DATA");
	if (s->state == BS_ST_READY)
		return bs_reply(s, out, "503 5.5.1 Error: need MAIL command");
	if (s->state == BS_ST_MAIL)
		return bs_reply(s, out, "554 5.5.1 Error: no valid recipients");
	if (s->ops->spool(s->ops->arg, &s->fd, &e) == -1) {
		s->fd = -1;
		bs_txn_reset(s);
		return bs_reply_failed(s, &e, out);
	}
	s->state = BS_ST_DATA;
	return bs_reply(s, out, "354 End data with <CR><LF>.<CR><LF>");
}

static int
bs_cmd_simple(struct bs_session *s, const struct bs_cmd *c, struct buf *out)
{
	switch (c->verb) {
	case BS_CMD_RSET:
		if (c->arglen > 0)
			return bs_reply(s, out, "501 5.5.4 Syntax: RSET");
		bs_txn_reset(s);
		return bs_reply(s, out, "250 2.0.0 Ok");
	case BS_CMD_NOOP:
		return bs_reply(s, out, "250 2.0.0 Ok");
	case BS_CMD_QUIT:
		s->state = BS_ST_DONE;
		bs_txn_reset(s);
		return bs_reply(s, out, "221 2.0.0 Bye");
	case BS_CMD_VRFY:
		return bs_reply(s, out,
		    "252 2.5.2 Cannot VRFY; send the message and postern will try");
	case BS_CMD_HELP:
		return bs_reply(s, out,
		    "214 2.0.0 Commands: HELO EHLO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP");
	case BS_CMD_EXPN:
	case BS_CMD_NOTIMPL:
		return bs_reply(s, out,
		    "502 5.5.1 Error: command not implemented");
	case BS_CMD_EMPTY:
		return bs_reply(s, out, "500 5.5.2 Error: bad syntax");
	default:
		return bs_reply(s, out,
		    "500 5.5.2 Error: command not recognized");
	}
}

static int
bs_command(struct bs_session *s, const char *line, size_t len, bool too_long,
    struct buf *out)
{
	char copy[BS_CMD_LINE_MAX];
	struct bs_cmd c;

	if (too_long)
		bs_trace(s, "bs client:", "<over-long line>", 16);
	else
		bs_trace(s, "bs client:", line, len);
	if (++s->ncommands > BS_COMMANDS_MAX) {
		s->state = BS_ST_DONE;
		bs_txn_reset(s);
		return bs_reply(s, out,
		    "421 4.7.0 %s Error: too many commands; closing", s->host);
	}
	if (too_long || len >= sizeof(copy))
		return bs_reply(s, out,
		    "500 5.5.2 Error: line too long (the limit is %d octets)",
		    BS_CMD_LINE_MAX);
	if (memchr(line, '\0', len) != NULL)
		return bs_reply(s, out, "500 5.5.2 Error: NUL in command");
	memcpy(copy, line, len);
	copy[len] = '\0';
	bs_parse_command(copy, &c);
	switch (c.verb) {
	case BS_CMD_HELO:
	case BS_CMD_EHLO:
		return bs_cmd_hello(s, &c, out);
	case BS_CMD_MAIL:
		return bs_cmd_mail(s, &c, out);
	case BS_CMD_RCPT:
		return bs_cmd_rcpt(s, &c, out);
	case BS_CMD_DATA:
		return bs_cmd_data(s, &c, out);
	default:
		return bs_cmd_simple(s, &c, out);
	}
}

/* The buffered DATA bytes to the message file. */
static void
bs_data_flush(struct bs_session *s)
{
	const char *p = s->data.data;
	size_t left = s->data.len;
	ssize_t n;

	while (!s->data_failed && left > 0) {
		if ((n = write(s->fd, p, left)) == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			(void)err_set_temp(&s->data_err, ERR_IO,
			    "cannot write the message file: %s",
			    strerror(errno));
			s->data_failed = true;
			break;
		}
		p += n;
		left -= (size_t)n;
	}
	buf_reset(&s->data);
}

/* "." seen: submit (or refuse) the message and answer. */
static int
bs_data_end(struct bs_session *s, struct buf *out)
{
	char reply[BS_REPLY_MAX - 2];
	struct err e;
	int r;

	bs_trace(s, "bs client:", "<message>", 9);
	bs_data_flush(s);
	err_clear(&e);
	s->ncompleted++;
	if (s->data_too_long) {
		(void)err_set(&e, ERR_DATA, "a line is over %d octets",
		    BS_TEXT_LINE_MAX);
		r = bs_reply(s, out,
		    "500 5.5.2 Error: line too long (the limit is %d octets); message refused",
		    BS_TEXT_LINE_MAX);
	} else if (s->data_too_big) {
		(void)err_set(&e, ERR_DATA, "message over %ju bytes",
		    (uintmax_t)BS_SIZE_MAX);
		r = bs_reply(s, out,
		    "552 5.3.4 Message size exceeds the limit of %ju bytes",
		    (uintmax_t)BS_SIZE_MAX);
	} else if (s->data_failed) {
		e = s->data_err;
		bs_reply_for_err(&e, reply, sizeof(reply));
		r = bs_reply(s, out, "%s", reply);
	} else {
		if (s->ops->submit(s->ops->arg, s->rcpts, s->nrcpts, s->fd,
		        reply, sizeof(reply), &e) == 0)
			err_clear(&e);
		r = bs_reply(s, out, "%s", reply);
	}
	if (e.cls != ERR_NONE) {
		s->nfailed++;
		s->last = e;
	}
	bs_txn_reset(s);
	return r;
}

static int
bs_data_line(struct bs_session *s, const char *line, size_t len, bool too_long,
    bool crlf, struct buf *out)
{
	if (len == 1 && line[0] == '.' && crlf && s->prev_crlf)
		return bs_data_end(s, out);
	if (too_long)
		s->data_too_long = true;
	if (len > 1 && line[0] == '.')
		line++, len--;
	s->datasize += len + 2;
	if (s->datasize > BS_SIZE_MAX)
		s->data_too_big = true;
	if (s->data_too_long || s->data_too_big || s->data_failed)
		return 0; /* refused at the end of data */
	if (buf_add(&s->data, line, len) == -1 ||
	    buf_add(&s->data, "\r\n", 2) == -1)
		return -1;
	if (s->data.len >= BS_DATA_CHUNK)
		bs_data_flush(s);
	return 0;
}

int
bs_line(struct bs_session *s, const char *line, size_t len, bool too_long,
    bool crlf, struct buf *out, struct err *e)
{
	int r = 0;

	if (s->state == BS_ST_DATA)
		r = bs_data_line(s, line, len, too_long, crlf, out);
	else if (s->state != BS_ST_DONE)
		r = bs_command(s, line, len, too_long, out);
	s->prev_crlf = crlf;
	return r == 0 ? 0 : err_set(e, ERR_SOFTWARE, "out of memory");
}

size_t
bs_line_cap(const struct bs_session *s)
{
	return s->state == BS_ST_DATA ? BS_TEXT_LINE_MAX : BS_CMD_LINE_MAX;
}

bool
bs_done(const struct bs_session *s)
{
	return s->state == BS_ST_DONE;
}

int
bs_greeting(struct bs_session *s, struct buf *out)
{
	return bs_reply(s, out, "220 %s ESMTP postern", s->host);
}

void
bs_session_init(struct bs_session *s, const char *host,
    const struct bs_ops *ops, const struct smtp_trace *trace)
{
	memset(s, 0, sizeof(*s));
	(void)strlcpy(s->host, host, sizeof(s->host));
	s->ops = ops;
	s->trace = trace;
	s->fd = -1;
	s->prev_crlf = true; /* the greeting: nothing precedes it */
	buf_init(&s->data, BS_DATA_CHUNK + BS_TEXT_LINE_MAX);
	err_clear(&s->last);
	err_clear(&s->data_err);
}

void
bs_session_free(struct bs_session *s)
{
	bs_txn_reset(s);
	buf_free(&s->data);
}

/* --- the I/O loop -------------------------------------------------------- */

static int
bs_flush(int fd, struct buf *out, struct err *e)
{
	const char *p = out->data;
	size_t left = out->len;
	ssize_t n;

	while (left > 0) {
		if ((n = write(fd, p, left)) == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return err_set(e, ERR_IO,
			    "cannot write the SMTP reply: %s", strerror(errno));
		p += n;
		left -= (size_t)n;
	}
	buf_reset(out);
	return 0;
}

/* The framer: complete lines of in[0..*len) through the session. */
struct bs_in {
	char *data;
	size_t len;
	bool discard; /* inside a line already over the cap */
};

static int
bs_serve_lines(struct bs_session *s, struct bs_in *in, int out_fd,
    struct buf *out, struct err *e)
{
	size_t pos = 0, n, cap;
	const char *nl;
	bool too_long, crlf;

	while (!bs_done(s)) {
		cap = bs_line_cap(s);
		if ((nl = memchr(in->data + pos, '\n', in->len - pos)) ==
		    NULL) {
			if (in->len - pos + 1 > cap) /* CRLF still to come */
				in->discard = true, pos = in->len;
			break;
		}
		n = (size_t)(nl - (in->data + pos));
		crlf = n > 0 && in->data[pos + n - 1] == '\r';
		n -= crlf;
		too_long = in->discard || n + 2 > cap; /* as if CRLF */
		in->discard = false;
		if (bs_line(s, in->data + pos, n, too_long, crlf, out, e) ==
		        -1 ||
		    (out->len > BS_OUT_FLUSH && bs_flush(out_fd, out, e) == -1))
			return -1;
		pos = (size_t)(nl - in->data) + 1;
	}
	memmove(in->data, in->data + pos, in->len - pos);
	in->len -= pos;
	return 0;
}

int
bs_serve(struct bs_session *s, int in_fd, int out_fd, struct err *e)
{
	struct bs_in in = { malloc(BS_IN_MAX), 0, false };
	struct buf out;
	ssize_t n;
	int r = -1;

	buf_init(&out, BS_OUT_MAX);
	if (in.data == NULL || bs_greeting(s, &out) == -1) {
		err_set(e, ERR_SOFTWARE, "out of memory");
		goto out;
	}
	for (;;) {
		if (bs_serve_lines(s, &in, out_fd, &out, e) == -1)
			goto out;
		if (bs_done(s))
			break;
		if (bs_flush(out_fd, &out, e) == -1)
			goto out;
		n = read(in_fd, in.data + in.len, BS_IN_MAX - in.len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			err_set(e, ERR_IO, "cannot read the SMTP session: %s",
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break; /* EOF without QUIT: end quietly */
		in.len += (size_t)n;
	}
	if (bs_flush(out_fd, &out, e) == -1)
		goto out;
	r = 0;
out:
	buf_free(&out);
	free(in.data);
	return r;
}
