/*
 * msg_name.c: a display name (-F, from_full_name, or one kept from the
 * message) as the phrase of a generated From, To or Cc field.
 *
 * A short name of atoms goes as it is ("Cron Daemon"), a short ASCII
 * name with specials as a quoted string ("Doe, John"); anything else (a
 * non-ASCII name, or one too long for a 78-column line) as RFC 2047
 * encoded words of at most 45 octets each, one per line:
 *
 *   From: =?UTF-8?B?...60 base64 characters...?=
 *    =?UTF-8?B?...?= <alice@example.org>
 *
 * Control characters (CR, LF, TAB, the rest of C0, DEL) become spaces,
 * so that no name can end the field and start another; a name longer
 * than MSG_NAME_MAX octets is refused by the caller (msg.h).
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "msg_int.h"

#define MSG_NAME_PLAIN_MAX 60 /* longer: encoded words, which fold */

static const char msg_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* 1: atoms and spaces; 2: ASCII needing quotes; 0: encode. */
static int
msg_name_kind(const unsigned char *p, size_t n)
{
	bool plain = true;
	size_t i;

	if (n > MSG_NAME_PLAIN_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		if (p[i] >= 0x80)
			return 0;
		if (!(p[i] == ' ' ||
		        (p[i] > 32 && p[i] < 127 &&
		            strchr("()<>[]:;@\\,.\"", p[i]) == NULL)))
			plain = false;
	}
	return plain ? 1 : 2;
}

static int
msg_name_quoted(struct buf *b, const unsigned char *p, size_t n)
{
	int r = buf_add_char(b, '"');
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] == '"' || p[i] == '\\')
			r |= buf_add_char(b, '\\');
		r |= buf_add_char(b, (char)p[i]);
	}
	return r | buf_add_char(b, '"');
}

/* One encoded word of p[0..n), n <= 45. */
static int
msg_name_word(struct buf *b, const unsigned char *p, size_t n)
{
	int r = buf_add_str(b, "=?UTF-8?B?");
	size_t k;
	unsigned v;

	for (k = 0; k < n; k += 3) {
		v = (unsigned)p[k] << 16 |
		    (k + 1 < n ? (unsigned)p[k + 1] << 8 : 0) |
		    (k + 2 < n ? p[k + 2] : 0);
		r |= buf_add_char(b, msg_b64[v >> 18 & 63]);
		r |= buf_add_char(b, msg_b64[v >> 12 & 63]);
		r |= buf_add_char(b, k + 1 < n ? msg_b64[v >> 6 & 63] : '=');
		r |= buf_add_char(b, k + 2 < n ? msg_b64[v & 63] : '=');
	}
	return r | buf_add_str(b, "?=");
}

/* Encoded words of 45 octets (60 base64 characters), one per line. */
static int
msg_name_encoded(struct buf *b, const unsigned char *p, size_t n)
{
	size_t i, k, chunk;
	int r = 0;

	for (i = 0; i < n; i += chunk) {
		chunk = n - i < 45 ? n - i : 45;
		/* end on a character boundary, unless it is not UTF-8 */
		for (k = chunk; k > 1 && i + k < n && (p[i + k] & 0xc0) == 0x80;
		     k--)
			;
		if (k > 1)
			chunk = k;
		if (i > 0)
			r |= buf_add_str(b, "\r\n ");
		r |= msg_name_word(b, p + i, chunk);
	}
	return r;
}

int
msg_put_name(struct buf *b, const char *name)
{
	size_t n = strlen(name), i;
	unsigned char *p;
	int r;

	if ((p = malloc(n + 1)) == NULL)
		return -1;
	for (i = 0; i < n; i++) /* no CR, LF or other control in a field */
		p[i] = (unsigned char)name[i] < 0x20 || name[i] == 0x7f
		    ? ' '
		    : (unsigned char)name[i];
	switch (msg_name_kind(p, n)) {
	case 1:
		r = buf_add(b, p, n);
		break;
	case 2:
		r = msg_name_quoted(b, p, n);
		break;
	default:
		r = msg_name_encoded(b, p, n);
	}
	free(p);
	return r == 0 ? 0 : -1;
}

/* The column at the end of b: the length of its last line. */
static size_t
msg_name_col(const struct buf *b)
{
	size_t i = b->len;

	while (i > 0 && b->data[i - 1] != '\n')
		i--;
	return b->len - i;
}

int
msg_put_name_addr(struct buf *b, const char *name, const char *addr)
{
	if (msg_put_name(b, name) == -1)
		return -1;
	/* fold before the address rather than go past column 78 */
	if (msg_name_col(b) + strlen(addr) + 3 > 78)
		return buf_printf(b, "\r\n <%s>", addr);
	return buf_printf(b, " <%s>", addr);
}
