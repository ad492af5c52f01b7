/*
 * test_queue.c: the pure parts of the queue: the retry schedule (min
 * doubling to max, jitter of at most a quarter) and the bounce notice
 * (RFC 3464 parts, CRLF lines, server text cleaned).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "bounce.h"
#include "queue.h"
#include "tap.h"

static void
test_backoff(void)
{
	IS_INT(queue_backoff(1, 60, 3600, 0), 60, "first retry: retry_min");
	IS_INT(queue_backoff(2, 60, 3600, 0), 120, "then doubling");
	IS_INT(queue_backoff(6, 60, 3600, 0), 1920, "2^5 * min");
	IS_INT(queue_backoff(7, 60, 3600, 0), 3600, "capped at retry_max");
	IS_INT(queue_backoff(500, 60, 3600, 0), 3600, "no overflow");
	IS_INT(queue_backoff(1, 60, 3600, 15), 45, "jitter takes 15 s off");
	IS_INT(queue_backoff(1, 60, 3600, 16), 60, "jitter wraps at 16");
	IS_INT(queue_backoff(7, 60, 3600, 900), 2700, "at most a quarter");
}

static void
test_bounce(void)
{
	static const char msg[] = "Subject: hi\r\nFrom: a@b\r\n\r\nbody\r\n";
	const struct bounce_rcpt r[] = {
		{ "carol@example.org", "550 5.1.1 no such\x01user" },
	};
	struct bounce bn = { "host.example", "alice@example.org",
		"alice@example.org", "0123456789abcdef", NULL, 0, 0, r, 1, msg,
		bounce_header_len(msg, sizeof(msg) - 1), "BOUNDARY" };
	struct buf b;
	const char *p;

	IS_INT(bounce_header_len(msg, sizeof(msg) - 1), 24,
	    "the header block ends before the blank line");
	setenv("TZ", "UTC", 1);
	buf_init(&b, BOUNCE_MAX);
	IS_INT(bounce_build(&bn, &b), 0, "builds");
	p = buf_str(&b);
	OK(strstr(p,
	       "\r\nContent-Type: multipart/report; "
	       "report-type=delivery-status;\r\n\tboundary=\"BOUNDARY\""
	       "\r\n") != NULL,
	    "multipart/report");
	OK(strstr(p,
	       "\r\n--BOUNDARY\r\nContent-Type: message/delivery-status"
	       "\r\n\r\nReporting-MTA: dns; host.example\r\n") != NULL,
	    "delivery-status part");
	OK(strstr(p,
	       "\r\nFinal-Recipient: rfc822; carol@example.org\r\n"
	       "Action: failed\r\nStatus: 5.1.1\r\n"
	       "Diagnostic-Code: smtp; 550 5.1.1 no such?user\r\n") != NULL,
	    "per-recipient fields, control character cleaned");
	OK(strstr(p,
	       "Content-Type: text/rfc822-headers\r\n\r\nSubject: hi\r\n"
	       "From: a@b\r\n\r\n--BOUNDARY--\r\n") != NULL,
	    "original headers, not the body, then the end");
	OK(strstr(p, "body") == NULL, "the body is not quoted");
	OK(strstr(p, "\n") == strstr(p, "\r\n") + 1, "CRLF lines");
	buf_reset(&b);
	bn.reason = "cannot connect";
	IS_INT(bounce_build(&bn, &b), 0, "expiry notice builds");
	OK(strstr(buf_str(&b), "\r\nReason: cannot connect\r\n") != NULL,
	    "the reason for giving up");
	buf_free(&b);
}

int
main(void)
{
	test_backoff();
	test_bounce();
	return tap_done();
}
