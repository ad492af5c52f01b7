/*
 * msg.c: the byte stream of the message preparer (see msg.h for what
 * comes out and why).
 *
 * Every input byte goes through one small state machine: a CR is held
 * until the next byte says whether it is part of CRLF; LF, CRLF and (in
 * the body) a bare CR end a line; NUL fails the message. Header lines are
 * collected in a capped buffer until the empty line, then msg_hdr.c fixes
 * them up and emits them; body bytes go straight to a 64 KiB output
 * buffer, so memory does not depend on the body size. A body line that
 * starts with "." is held back one byte when a lone "." ends the input.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msg_int.h"
#include "span.h"

int
msg_out_flush(struct msg *m, struct err *err)
{
	size_t n = m->outlen;

	m->outlen = 0;
	if (n > 0 && m->wfn(m->warg, m->out, n, err) == -1)
		return -1;
	return 0;
}

int
msg_out(struct msg *m, const void *p, size_t n, struct err *err)
{
	const char *s = p;
	size_t k;

	while (n > 0) {
		if (m->outlen == sizeof m->out && msg_out_flush(m, err) == -1)
			return -1;
		k = sizeof m->out - m->outlen;
		k = k < n ? k : n;
		memcpy(m->out + m->outlen, s, k);
		m->outlen += k;
		m->size += k;
		s += k;
		n -= k;
	}
	return 0;
}

int
msg_out_str(struct msg *m, const char *s, struct err *err)
{
	return msg_out(m, s, strlen(s), err);
}

int
msg_new(struct msg **mp, const struct msg_opts *o, msg_write_fn wfn, void *arg,
    struct err *err)
{
	struct msg *m;

	*mp = NULL;
	if ((m = calloc(1, sizeof *m)) == NULL)
		return err_set(err, ERR_SOFTWARE, "out of memory");
	m->o = o;
	m->wfn = wfn;
	m->warg = arg;
	m->max_line =
	    o->max_header_line == 0 || o->max_header_line > MSG_MAX_LINE
	    ? MSG_MAX_LINE
	    : o->max_header_line;
	buf_init(&m->hdr,
	    o->max_header_bytes ? o->max_header_bytes : MSG_MAX_HEADER_BYTES);
	addr_list_init(&m->rcpts, o->max_recipients);
	buf_init(&m->qp_line, 4 * MSG_MAX_LINE);
	*mp = m;
	return 0;
}

void
msg_free(struct msg *m)
{
	if (m == NULL)
		return;
	buf_free(&m->hdr);
	buf_free(&m->qp_line);
	addr_list_free(&m->rcpts);
	free(m->from_addr);
	free(m);
}

bool
msg_ended(const struct msg *m)
{
	return m->state == MSG_S_DONE;
}

/* UTF-8 validity of the body, one byte at a time. */
static void
msg_utf8(struct msg *m, unsigned char c)
{
	if (m->u8_need > 0) {
		if ((c & 0xc0) != 0x80)
			m->u8_bad = true;
		m->u8_need--;
		return;
	}
	if (c < 0x80)
		return;
	if (c >= 0xc2 && c <= 0xdf)
		m->u8_need = 1;
	else if (c >= 0xe0 && c <= 0xef)
		m->u8_need = 2;
	else if (c >= 0xf0 && c <= 0xf4)
		m->u8_need = 3;
	else
		m->u8_bad = true;
}

static int
msg_body_byte(struct msg *m, char c, struct err *err)
{
	if (m->line_len == 0 && c == '.' && m->o->dot_ends_input && !m->dot) {
		m->dot = true;
		return 0;
	}
	if (m->dot) {
		m->dot = false;
		m->line_len++;
		if (msg_out(m, ".", 1, err) == -1)
			return -1;
	}
	if ((unsigned char)c >= 0x80)
		m->has_8bit = true;
	msg_utf8(m, (unsigned char)c);
	if (++m->line_len > MSG_MAX_LINE && !m->long_line) {
		if (m->mime_refuse)
			return err_set(err, ERR_DATA,
			    "line %llu is longer than %d octets in a MIME message that cannot be re-encoded",
			    (unsigned long long)m->lineno + 1, MSG_MAX_LINE);
		m->long_line = true;
	}
	return msg_out(m, &c, 1, err);
}

static int
msg_body_eol(struct msg *m, bool lf, struct err *err)
{
	if (m->dot && lf) {
		m->dot = false;
		m->ended_by_dot = true;
		m->state = MSG_S_DONE;
		return 0;
	}
	if (m->dot) {
		m->dot = false;
		if (msg_out(m, ".", 1, err) == -1)
			return -1;
	}
	if (m->u8_need > 0)
		m->u8_bad = true;
	m->u8_need = 0;
	m->line_len = 0;
	m->lines++;
	return msg_out(m, "\r\n", 2, err);
}

/*
 * The header block ends before the current line, which is body: emit the
 * headers, then replay the partial line as body bytes.
 */
static int
msg_head_to_body(struct msg *m, struct err *err)
{
	struct buf part;
	size_t i;
	int r = -1;

	buf_init(&part, m->hdr.max);
	if (buf_add(&part, buf_str(&m->hdr) + m->line_start,
	        m->hdr.len - m->line_start) == -1) {
		err_set(err, ERR_SOFTWARE, "out of memory");
		goto out;
	}
	m->hdr.len = m->line_start;
	if (msg_hdr_emit(m, err) == -1)
		goto out;
	m->state = MSG_S_BODY;
	m->line_len = 0;
	for (i = 0; i < part.len; i++)
		if (msg_body_byte(m, part.data[i], err) == -1)
			goto out;
	r = 0;
out:
	buf_free(&part);
	return r;
}

/* Does the current header line start a field or continue one? */
static bool
msg_head_line_ok(const struct msg *m)
{
	const char *s = buf_str(&m->hdr) + m->line_start;
	size_t i, n = m->hdr.len - m->line_start;

	if (n > 0 && (s[0] == ' ' || s[0] == '\t'))
		return m->line_start > 0;
	for (i = 0; i < n && s[i] != ':'; i++)
		if ((unsigned char)s[i] <= 32 || (unsigned char)s[i] >= 127)
			return false;
	return i > 0 && i < n;
}

static int
msg_head_byte(struct msg *m, char c, struct err *err)
{
	if (++m->line_len > m->max_line) {
		if (msg_head_line_ok(m))
			return err_set(err, ERR_DATA,
			    "header line %llu is longer than %zu octets",
			    (unsigned long long)m->lineno + 1, m->max_line);
		if (msg_head_to_body(m, err) == -1)
			return -1;
		return msg_body_byte(m, c, err);
	}
	if (buf_add_char(&m->hdr, c) == -1)
		return err_set(err, ERR_DATA,
		    "header block is larger than %zu octets", m->hdr.max);
	return 0;
}

static int
msg_head_eol(struct msg *m, bool lf, struct err *err)
{
	const char *s = buf_str(&m->hdr) + m->line_start;
	size_t n = m->hdr.len - m->line_start;

	if (n == 1 && s[0] == '.' && lf && m->o->dot_ends_input) {
		m->hdr.len = m->line_start;
		m->ended_by_dot = true;
		if (msg_hdr_emit(m, err) == -1)
			return -1;
		m->state = MSG_S_DONE;
		return 0;
	}
	if (n == 0) {
		m->state = MSG_S_BODY;
		return msg_hdr_emit(m, err);
	}
	if (m->lineno == 0 && n >= 5 && memcmp(s, "From ", 5) == 0) {
		m->hdr.len = 0; /* mbox separator */
		m->line_len = 0;
		return 0;
	}
	if (!msg_head_line_ok(m)) {
		if (msg_head_to_body(m, err) == -1)
			return -1;
		return msg_body_eol(m, lf, err);
	}
	if (buf_add(&m->hdr, "\r\n", 2) == -1)
		return err_set(err, ERR_DATA,
		    "header block is larger than %zu octets", m->hdr.max);
	m->line_start = m->hdr.len;
	m->line_len = 0;
	return 0;
}

static int
msg_eol(struct msg *m, bool lf, struct err *err)
{
	int r;

	r = m->state == MSG_S_HEAD ? msg_head_eol(m, lf, err)
	                           : msg_body_eol(m, lf, err);
	m->lineno++;
	return r;
}

static int
msg_byte(struct msg *m, char c, struct err *err)
{
	if (m->cr) {
		m->cr = false;
		if (c == '\n')
			return msg_eol(m, true, err);
		if (m->state == MSG_S_HEAD) {
			if (msg_head_byte(m, ' ', err) == -1)
				return -1;
		} else if (msg_eol(m, false, err) == -1)
			return -1;
		if (m->state == MSG_S_DONE)
			return 0;
	}
	if (c == '\0')
		return err_set(err, ERR_DATA,
		    "line %llu contains a NUL byte; refusing the message",
		    (unsigned long long)m->lineno + 1);
	if (c == '\r') {
		m->cr = true;
		return 0;
	}
	if (c == '\n')
		return msg_eol(m, true, err);
	if (m->state == MSG_S_HEAD)
		return msg_head_byte(m, c, err);
	return msg_body_byte(m, c, err);
}

/*
 * The fast path: inside a body line (not at its start, no CR or "." held,
 * no UTF-8 sequence open), a run of 7-bit bytes other than CR, LF and NUL
 * that keeps the line within MSG_MAX_LINE changes nothing but line_len
 * and goes out in one copy. Returns how many bytes of p it took (0: use msg_byte).
 */
static size_t
msg_body_run(struct msg *m, const char *p, size_t n, struct err *err)
{
	size_t i, room;

	if (m->state != MSG_S_BODY || m->cr || m->dot || m->line_len == 0 ||
	    m->u8_need > 0 || m->line_len >= MSG_MAX_LINE)
		return 0;
	room = MSG_MAX_LINE - m->line_len;
	if (n > room)
		n = room;
	i = span_text(p, n, true);
	if (i == 0)
		return 0;
	m->line_len += i;
	if (msg_out(m, p, i, err) == -1)
		return SIZE_MAX;
	return i;
}

int
msg_feed(struct msg *m, const void *data, size_t len, struct err *err)
{
	const char *p = data;
	size_t i = 0, k;

	if (m->failed)
		return err_set(err, ERR_SOFTWARE, "msg_feed after an error");
	while (i < len && m->state != MSG_S_DONE) {
		k = msg_body_run(m, p + i, len - i, err);
		if (k == SIZE_MAX)
			goto fail;
		if (k > 0) {
			i += k;
			continue;
		}
		if (msg_byte(m, p[i], err) == -1)
			goto fail;
		i++;
	}
	return 0;
fail:
	m->failed = true;
	return -1;
}

static int
msg_finish_input(struct msg *m, struct err *err)
{
	if (m->state != MSG_S_DONE && m->cr) {
		m->cr = false;
		if (msg_eol(m, false, err) == -1)
			return -1;
	}
	if (m->state != MSG_S_DONE &&
	    (m->line_len > 0 || m->dot ||
	        (m->state == MSG_S_HEAD && m->hdr.len > m->line_start)))
		if (msg_eol(m, true, err) == -1)
			return -1;
	if (m->state == MSG_S_HEAD && msg_hdr_emit(m, err) == -1)
		return -1;
	m->state = MSG_S_DONE;
	return msg_out_flush(m, err);
}

int
msg_finish(struct msg *m, struct msg_result *res, struct err *err)
{
	memset(res, 0, sizeof *res);
	addr_list_init(&res->rcpts, m->rcpts.max);
	if (m->failed)
		return err_set(err, ERR_SOFTWARE, "msg_finish after an error");
	if (msg_finish_input(m, err) == -1) {
		m->failed = true;
		return -1;
	}
	res->rcpts = m->rcpts;
	addr_list_init(&m->rcpts, res->rcpts.max);
	res->has_8bit = m->has_8bit;
	res->needs_smtputf8 = m->needs_smtputf8;
	res->from_addr = m->from_addr;
	m->from_addr = NULL;
	res->size = m->size;
	res->lines = m->lines;
	res->ended_by_dot = m->ended_by_dot;
	res->needs_reencode = m->long_line;
	return 0;
}

void
msg_result_free(struct msg_result *res)
{
	addr_list_free(&res->rcpts);
	free(res->from_addr);
	res->from_addr = NULL;
}
