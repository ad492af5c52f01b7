/*
 * bounce.c: the RFC 3464 bounce notice (see bounce.h). What it looks
 * like:
 *
 *   From: Mail Delivery System <FROM>
 *   To: <TO>
 *   Subject: Undelivered Mail Returned to Sender
 *   Date, Message-ID, Auto-Submitted: auto-replied, MIME-Version
 *   Content-Type: multipart/report; report-type=delivery-status; ...
 *
 *   text/plain                     who did not get it and why
 *   message/delivery-status        Reporting-MTA, Arrival-Date, then per
 *                                  recipient Final-Recipient, Action,
 *                                  Status, Diagnostic-Code
 *   text/rfc822-headers            the original header block
 *
 * Every line is CRLF-terminated and short; texts from servers are cut
 * and stripped of control characters.
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include "bounce.h"

#define BOUNCE_TEXT_MAX 900

/* A server text safe for one header line: printable ASCII, cut. */
static int
bounce_text(struct buf *b, const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i < BOUNCE_TEXT_MAX; i++)
		if (buf_add_char(b, s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?'))
			return -1;
	return 0;
}

/* "550 5.1.1 ..." -> "5.1.1"; else 5.0.0 (refused) or 4.4.7 (expired). */
static void
bounce_status(const char *reply, const char *reason, char out[16])
{
	size_t n;

	if (reply != NULL && strlen(reply) > 4 && reply[3] == ' ' &&
	    (reply[4] == '4' || reply[4] == '5') && reply[5] == '.') {
		n = strspn(reply + 4, "0123456789.");
		if (n >= 5 && n < 16) {
			memcpy(out, reply + 4, n);
			out[n] = '\0';
			out[0] = '5';
			return;
		}
	}
	memcpy(out, reason ? "4.4.7" : "5.0.0", 6);
}

static int
bounce_head(const struct bounce *bn, struct buf *b)
{
	char date[64];
	struct tm tm;

	(void)strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z",
	    localtime_r(&bn->now, &tm));
	return buf_printf(b,
	    "From: Mail Delivery System <%s>\r\n"
	    "To: <%s>\r\n"
	    "Subject: Undelivered Mail Returned to Sender\r\n"
	    "Date: %s\r\n"
	    "Message-ID: <%s.bounce.%s@%s>\r\n"
	    "Auto-Submitted: auto-replied\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/report; report-type=delivery-status;\r\n"
	    "\tboundary=\"%s\"\r\n"
	    "\r\n"
	    "This is a MIME-encapsulated message.\r\n\r\n",
	    bn->from, bn->to, date, bn->id, bn->boundary, bn->host,
	    bn->boundary);
}

static int
bounce_human(const struct bounce *bn, struct buf *b)
{
	size_t i;

	if (buf_printf(b,
	        "--%s\r\n"
	        "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
	        "This is postern on %s.\r\n\r\n"
	        "Your message (queue id %s) could not be delivered to the\r\n"
	        "following recipient%s%s\r\n\r\n",
	        bn->boundary, bn->host, bn->id, bn->nrcpts == 1 ? "" : "s",
	        bn->reason ? "; postern gave up trying:" : ":") == -1)
		return -1;
	for (i = 0; i < bn->nrcpts; i++)
		if (buf_printf(b, "<%s>: ", bn->rcpts[i].addr) == -1 ||
		    bounce_text(b, bn->rcpts[i].reply) == -1 ||
		    buf_add_str(b, "\r\n") == -1)
			return -1;
	if (bn->reason != NULL &&
	    (buf_add_str(b, "\r\nReason: ") == -1 ||
	        bounce_text(b, bn->reason) == -1 ||
	        buf_add_str(b, "\r\n") == -1))
		return -1;
	return buf_add_str(b,
	    "\r\nThe headers of your message follow.\r\n\r\n");
}

static int
bounce_dsn(const struct bounce *bn, struct buf *b)
{
	char date[64], status[16];
	struct tm tm;
	size_t i;

	(void)strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z",
	    localtime_r(&bn->arrival, &tm));
	if (buf_printf(b,
	        "--%s\r\n"
	        "Content-Type: message/delivery-status\r\n\r\n"
	        "Reporting-MTA: dns; %s\r\n"
	        "X-Postern-Queue-ID: %s\r\n"
	        "Arrival-Date: %s\r\n",
	        bn->boundary, bn->host, bn->id, date) == -1)
		return -1;
	for (i = 0; i < bn->nrcpts; i++) {
		bounce_status(bn->rcpts[i].reply, bn->reason, status);
		if (buf_printf(b,
		        "\r\nFinal-Recipient: rfc822; %s\r\n"
		        "Action: failed\r\nStatus: %s\r\n"
		        "Diagnostic-Code: smtp; ",
		        bn->rcpts[i].addr, status) == -1 ||
		    bounce_text(b, bn->rcpts[i].reply) == -1 ||
		    buf_add_str(b, "\r\n") == -1)
			return -1;
	}
	return buf_add_str(b, "\r\n");
}

size_t
bounce_header_len(const char *msg, size_t len)
{
	const char *end;
	size_t n = len < BOUNCE_HEADERS_MAX ? len : BOUNCE_HEADERS_MAX;

	if (n >= 2 && msg[0] == '\r' && msg[1] == '\n')
		return 0;
	for (end = msg; (end = memchr(end, '\r', n - (size_t)(end - msg)));
	     end++)
		if ((size_t)(end - msg) + 4 <= n &&
		    memcmp(end, "\r\n\r\n", 4) == 0)
			return (size_t)(end - msg) + 2;
	/* No end in reach: the last whole line. */
	while (n >= 2 && !(msg[n - 2] == '\r' && msg[n - 1] == '\n'))
		n--;
	return n >= 2 ? n : 0;
}

int
bounce_build(const struct bounce *bn, struct buf *b)
{
	if (bounce_head(bn, b) == -1 || bounce_human(bn, b) == -1 ||
	    bounce_dsn(bn, b) == -1 ||
	    buf_printf(b, "--%s\r\nContent-Type: text/rfc822-headers\r\n\r\n",
	        bn->boundary) == -1 ||
	    buf_add(b, bn->headers, bn->headers_len) == -1)
		return -1;
	return buf_printf(b, "\r\n--%s--\r\n", bn->boundary);
}
