/*
 * smtp_stuff.c: the message body on the wire, pure: dot-stuffing with
 * exactly one end of data, the validation of canonical CRLF text (also
 * for BDAT, which is not stuffed), and RFC 3461 xtext for DSN
 * parameters. See smtp_int.h.
 *
 * The stuffer keeps the last byte across calls, so a body fed in chunks
 * of any size is stuffed exactly as in one piece; a bare CR or LF or a
 * NUL fails (the message was not canonicalised).
 */
#include "config.h"

#include <string.h>

#include "smtp_int.h"
#include "span.h"

void
smtp_stuff_init(struct smtp_stuffer *st)
{
	st->bol = true;
	st->prev = '\0';
	st->off = 0;
}

static bool
smtp_stuff_bad(const struct smtp_stuffer *st, char c)
{
	return c == '\0' || (c == '\n' && st->prev != '\r') ||
	    (st->prev == '\r' && c != '\n');
}

ssize_t
smtp_stuff(struct smtp_stuffer *st, const char *in, size_t n, char *out)
{
	size_t i = 0, o = 0, k;
	char c;

	while (i < n) {
		c = in[i];
		if (smtp_stuff_bad(st, c)) {
			st->off += i;
			return -1;
		}
		if (st->bol && c == '.')
			out[o++] = '.';
		out[o++] = c;
		st->bol = c == '\n';
		st->prev = c;
		i++;
		if (c == '\r' || c == '\n')
			continue;
		k = span_text(in + i, n - i, false);
		if (k > 0) {
			/* out may be in the same buffer, below in. */
			memmove(out + o, in + i, k);
			o += k;
			i += k;
			st->prev = in[i - 1];
		}
	}
	st->off += n;
	return (ssize_t)o;
}

int
smtp_stuff_check(struct smtp_stuffer *st, const char *in, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		if (smtp_stuff_bad(st, in[i])) {
			st->off += i;
			return -1;
		}
		st->prev = in[i++];
		if (st->prev == '\r')
			continue;
		k = span_text(in + i, n - i, false);
		if (k > 0) {
			i += k;
			st->prev = in[i - 1];
		}
	}
	st->off += n;
	return 0;
}

ssize_t
smtp_stuff_end(struct smtp_stuffer *st, char *out)
{
	size_t o = 0;

	if (st->prev == '\r')
		return -1;
	if (st->off > 0 && st->prev != '\n') {
		out[o++] = '\r';
		out[o++] = '\n';
	}
	memcpy(out + o, ".\r\n", 3);
	return (ssize_t)(o + 3);
}

int
smtp_xtext(const char *s, struct buf *out)
{
	unsigned char c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (c >= '!' && c <= '~' && c != '+' && c != '=') {
			if (buf_add_char(out, (char)c) == -1)
				return -1;
		} else if (buf_printf(out, "+%02X", c) == -1)
			return -1;
	}
	return 0;
}
