/*
 * bounce.h: the bounce notice of a queued message that could not be
 * delivered to some recipients: an RFC 3464 multipart/report (a text
 * part for people, a message/delivery-status part, the original headers
 * as text/rfc822-headers), built in memory with CRLF lines ready to be
 * queued with the null sender, so that a bounce never bounces.
 *
 * Pure: the caller gathers the facts (and the original header block);
 * nothing here reads files, prints or exits.
 */
#ifndef POSTERN_BOUNCE_H
#define POSTERN_BOUNCE_H

#include <stddef.h>
#include <time.h>

#include "buf.h"

#define BOUNCE_HEADERS_MAX (32 * 1024) /* original headers quoted */
#define BOUNCE_MAX (1024 * 1024)       /* the whole notice */

struct bounce_rcpt {
	const char *addr;
	const char *reply; /* the server's reply, or why we gave up */
};

struct bounce {
	const char *host;   /* reporting host name */
	const char *from;   /* From: address of the notice */
	const char *to;     /* the original envelope sender */
	const char *id;     /* queue id of the original */
	const char *reason; /* NULL: refused; else why we gave up (expiry) */
	time_t arrival;     /* when it was queued */
	time_t now;
	const struct bounce_rcpt *rcpts;
	size_t nrcpts;
	const char *headers; /* the original header block (CRLF lines) */
	size_t headers_len;
	const char *boundary; /* a unique MIME boundary */
};

/* The notice into out. 0, or -1 (out's cap). */
int bounce_build(const struct bounce *, struct buf *out);

/* The length of the header block at the start of msg (up to the cap). */
size_t bounce_header_len(const char *msg, size_t len);

#endif
