/*
 * msg_qp.c: the second pass of the message preparer, run only when pass
 * one saw a body line over 998 octets in a message that may be
 * re-encoded (see msg.h).
 *
 * Input is pass one's canonical output, so every line ends in CRLF and
 * header lines are short. Header lines are copied, except an existing
 * Content-Transfer-Encoding field (7bit/8bit/binary; pass one refused
 * the others), and MIME-Version, Content-Type (when missing) and
 * "Content-Transfer-Encoding: quoted-printable" are added before the
 * empty line. Body bytes are quoted-printable encoded (RFC 2045 6.7) as
 * they stream: "=", bytes >= 0x80 and controls become =XX, one trailing
 * SP/TAB is held back until the next byte shows whether it ends the line,
 * and a soft break "=" CRLF keeps every encoded line within 76 octets.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "msg_int.h"

#define QP_LINE 76

int
msg_reencode_begin(struct msg *m, msg_write_fn wfn, void *arg, struct err *err)
{
	if (m->failed || !m->long_line || m->state != MSG_S_DONE)
		return err_set(err, ERR_SOFTWARE,
		    "msg_reencode_begin: no re-encoding pending");
	m->wfn = wfn;
	m->warg = arg;
	m->outlen = 0;
	m->size = 0;
	m->lines = 0;
	m->has_8bit = false;
	m->qp_head = true;
	m->qp_skip = false;
	m->qp_col = 0;
	m->qp_wsp_held = false;
	m->cr = false;
	buf_reset(&m->qp_line);
	return 0;
}

/* One header line (CRLF included) from qp_line. */
static int
msg_qp_header(struct msg *m, struct err *err)
{
	const char *s = buf_str(&m->qp_line);
	size_t n = m->qp_line.len, i;
	const char *cs = m->u8_bad ? "unknown-8bit" : "utf-8";

	if (n == 2) {
		m->qp_head = false;
		if (!m->has_mimever &&
		    msg_out_str(m, "MIME-Version: 1.0\r\n", err) == -1)
			return -1;
		if (!m->has_ctype &&
		    (msg_out_str(m,
		         "Content-Type: text/plain; charset=", err) == -1 ||
		        msg_out_str(m, cs, err) == -1 ||
		        msg_out_str(m, "\r\n", err) == -1))
			return -1;
		m->lines += 2 + !m->has_mimever + !m->has_ctype;
		return msg_out_str(m,
		    "Content-Transfer-Encoding: quoted-printable\r\n\r\n", err);
	}
	if (s[0] != ' ' && s[0] != '\t')
		m->qp_skip = n > 26 &&
		    strncasecmp(s, "Content-Transfer-Encoding:", 26) == 0;
	if (m->qp_skip)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			m->has_8bit = true;
	m->lines++;
	return msg_out(m, s, n, err);
}

/* Put one encoded token, breaking the line softly when it would not fit. */
static int
msg_qp_put(struct msg *m, const char *t, size_t n, struct err *err)
{
	if (m->qp_col + n > QP_LINE - 1) {
		if (msg_out(m, "=\r\n", 3, err) == -1)
			return -1;
		m->lines++;
		m->qp_col = 0;
	}
	m->qp_col += n;
	return msg_out(m, t, n, err);
}

static int
msg_qp_hex(struct msg *m, unsigned char c, struct err *err)
{
	char t[3];

	t[0] = '=';
	t[1] = "0123456789ABCDEF"[c >> 4];
	t[2] = "0123456789ABCDEF"[c & 15];
	return msg_qp_put(m, t, 3, err);
}

static int
msg_qp_body(struct msg *m, unsigned char c, struct err *err)
{
	if (c == '\r')
		return 0; /* pass one wrote CR only before LF */
	if (m->qp_wsp_held) {
		m->qp_wsp_held = false;
		if (c == '\n' ? msg_qp_hex(m, (unsigned char)m->qp_wsp, err)
		              : msg_qp_put(m, &m->qp_wsp, 1, err))
			return -1;
	}
	if (c == '\n') {
		m->qp_col = 0;
		m->lines++;
		return msg_out(m, "\r\n", 2, err);
	}
	if (c == ' ' || c == '\t') {
		m->qp_wsp = (char)c;
		m->qp_wsp_held = true;
		return 0;
	}
	if (c == '=' || c < 32 || c >= 127)
		return msg_qp_hex(m, c, err);
	return msg_qp_put(m, (const char *)&c, 1, err);
}

int
msg_reencode_feed(struct msg *m, const void *data, size_t len, struct err *err)
{
	const char *p = data;
	size_t i;
	int r = -1;

	if (m->failed)
		return err_set(err, ERR_SOFTWARE, "re-encode after an error");
	for (i = 0; i < len; i++) {
		if (!m->qp_head) {
			if (msg_qp_body(m, (unsigned char)p[i], err) == -1)
				goto out;
			continue;
		}
		if (buf_add_char(&m->qp_line, p[i]) == -1) {
			err_set(err, ERR_SOFTWARE,
			    "re-encode: header too long");
			goto out;
		}
		if (p[i] == '\n') {
			if (msg_qp_header(m, err) == -1)
				goto out;
			buf_reset(&m->qp_line);
		}
	}
	r = 0;
out:
	if (r == -1)
		m->failed = true;
	return r;
}

int
msg_reencode_finish(struct msg *m, struct msg_result *res, struct err *err)
{
	if (m->failed)
		return err_set(err, ERR_SOFTWARE, "re-encode after an error");
	if (m->qp_head || m->qp_wsp_held || m->qp_col != 0)
		return err_set(err, ERR_SOFTWARE,
		    "re-encode: input is not pass one's output");
	if (msg_out_flush(m, err) == -1)
		return -1;
	res->size = m->size;
	res->lines = m->lines;
	res->has_8bit = m->has_8bit;
	res->needs_reencode = false;
	res->reencoded = true;
	return 0;
}
