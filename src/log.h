/*
 * log.h: one line per message for syslog (LOG_MAIL) and the `logfile`.
 *
 * The line is built by a pure formatter from a struct log_record, so its
 * exact bytes are unit-tested; writers append it to a file (one write(2)
 * with O_APPEND, so concurrent postern processes never interleave) or send
 * it to syslog. Values are written as key=value; a value holding blanks,
 * quotes or control characters is double-quoted with C-style escapes, so a
 * server's reply text cannot forge a second log line. Nothing here prints
 * to stderr or exits; passwords are never part of a record.
 */
#ifndef POSTERN_LOG_H
#define POSTERN_LOG_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "err.h"

/* Longest line the formatter produces; longer ones are cut with "...". */
#define LOG_LINE_MAX 8192

struct log_rcpt {
	const char *addr;
	const char *status; /* "sent", "refused", "deferred", ... */
	const char *reply;  /* the server's reply to this RCPT, or NULL */
};

struct log_record {
	const char *id;      /* message or queue id, or NULL */
	const char *account; /* account name */
	const char *host;    /* server host name */
	unsigned port;       /* server port, 0 when none */
	const char *tls;     /* "TLS1.3 AES-256-GCM", or NULL for none */
	const char *auth;    /* SASL mechanism used, or NULL */
	const char *from;    /* envelope sender ("" for the null sender) */
	const struct log_rcpt *rcpts;
	size_t nrcpts;
	uint64_t size;           /* message size in octets */
	const char *reply;       /* final server reply, or the error text */
	uint64_t duration_ms;    /* from start to the final reply */
	bool possible_duplicate; /* an earlier attempt may have delivered it:
				    " possible_duplicate=yes" */
	int exit_code;           /* the process exit code for this message */
	bool dsn_dropped; /* DSN asked for, not offered: " dsn=not-offered" */
};

/* The default time stamp of a logfile line: ISO 8601 with the zone. */
#define LOG_TIME_ISO "%Y-%m-%dT%H:%M:%S%z"

/*
 * Append the line for rec to out, without a newline. With a time_fmt
 * (strftime(3), e.g. LOG_TIME_ISO), the line starts with now in local
 * time (for a logfile; syslog stamps its own); NULL means no time. 0, or
 * -1 when out is full.
 */
int log_format(const struct log_record *rec, const char *time_fmt, time_t now,
    struct buf *out);

/*
 * The line of an account on hold during a queue run (one per account and
 * run, not one per entry): "account=A status=held reason=R entries=N",
 * with the time first as in log_format. 0, or -1 when out is full.
 */
int log_format_held(const char *account, const char *reason, size_t entries,
    const char *time_fmt, time_t now, struct buf *out);

/*
 * Append line plus "\n" to path (created 0600 if missing) in one write.
 * 0, or -1 with e filled (ERR_CANTCREAT / ERR_IO).
 */
int log_append_file(const char *path, const char *line, struct err *e);

/* Send line to syslog as "postern" with the facility (LOG_MAIL, ...). */
void log_syslog(const char *line, int facility, int failed);

/* Milliseconds on the monotonic clock (--trace-timing). */
double log_now_ms(void);

/*
 * --trace-timing: "[ms since t0 ms +ms since *prev] " into out, and *prev
 * set to now; "" when t0 < 0 (off).
 */
#define LOG_STAMP_MAX 64
void log_stamp(char *out, size_t cap, double t0, double *prev);

#endif
