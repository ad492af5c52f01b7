/*
 * log.c: the per-message log line and its writers (see log.h).
 *
 * A line looks like
 *   2026-11-27T23:12:12+0000 id=6F3A account=work host=smtp.example.net
 *   port=587 tls="TLS1.3 AES-256-GCM" auth=PLAIN from=alice@example.net
 *   rcpt=bob@example.org status=sent size=612
 *   reply="250 2.0.0 Ok: queued as 4F2" duration_ms=182 exit=0
 * (one line; broken here for reading).
 */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "vis.h"

/* True when v must be quoted to stay one unambiguous token. */
static int
log_needs_quotes(const char *v)
{
	if (*v == '\0')
		return 1;
	for (; *v != '\0'; v++) {
		unsigned char c = (unsigned char)*v;

		if (c <= ' ' || c == '"' || c == '\\' || c == '=' || c >= 0x7f)
			return 1;
	}
	return 0;
}

/* "v" with '"' and '\\' escaped and the rest made visible (vis.h). */
static int
log_add_escaped(struct buf *out, const char *v)
{
	int r = buf_add_char(out, '"');
	size_t n;

	while (r == 0 && *v != '\0') {
		n = strcspn(v, "\"\\");
		r = vis_buf(out, v, n, "");
		v += n;
		if (r == 0 && *v != '\0')
			r = buf_printf(out, "\\%c", *v++);
	}
	return r == 0 ? buf_add_char(out, '"') : -1;
}

/* " key=value", skipping NULL values. */
static int
log_add_kv(struct buf *out, const char *key, const char *v)
{
	if (v == NULL)
		return 0;
	if (buf_printf(out, "%s%s=", out->len ? " " : "", key) == -1)
		return -1;
	if (log_needs_quotes(v))
		return log_add_escaped(out, v);
	return buf_add_str(out, v);
}

static int
log_add_num(struct buf *out, const char *key, uint64_t v)
{
	return buf_printf(out, "%s%s=%llu", out->len ? " " : "", key,
	    (unsigned long long)v);
}

/*
 * The time stamp. The format is the user's logfile_time_format, so it
 * cannot be a literal; strftime takes no arguments to mismatch.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static int
log_add_time(struct buf *out, const char *fmt, time_t now)
{
	struct tm tm;
	char stamp[128];

	if (localtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), fmt, &tm) == 0)
		return buf_add_str(out, "-");
	return buf_add_str(out, stamp);
}
#pragma GCC diagnostic pop

static int
log_add_rcpts(struct buf *out, const struct log_record *rec)
{
	size_t i;

	for (i = 0; i < rec->nrcpts; i++) {
		const struct log_rcpt *rc = &rec->rcpts[i];

		if (log_add_kv(out, "rcpt", rc->addr) == -1 ||
		    log_add_kv(out, "status", rc->status) == -1 ||
		    log_add_kv(out, "rcpt_reply", rc->reply) == -1)
			return -1;
	}
	return 0;
}

static int
log_add_fields(struct buf *out, const struct log_record *rec)
{
	if (log_add_kv(out, "id", rec->id) == -1 ||
	    log_add_kv(out, "account", rec->account) == -1 ||
	    log_add_kv(out, "host", rec->host) == -1 ||
	    (rec->port && log_add_num(out, "port", rec->port) == -1) ||
	    log_add_kv(out, "tls", rec->tls ? rec->tls : "none") == -1 ||
	    log_add_kv(out, "auth", rec->auth ? rec->auth : "none") == -1 ||
	    log_add_kv(out, "from", rec->from) == -1 ||
	    log_add_rcpts(out, rec) == -1 ||
	    log_add_num(out, "size", rec->size) == -1 ||
	    log_add_kv(out, "reply", rec->reply) == -1 ||
	    log_add_num(out, "duration_ms", rec->duration_ms) == -1 ||
	    (rec->possible_duplicate &&
	        log_add_kv(out, "possible_duplicate", "yes") == -1) ||
	    (rec->dsn_dropped && log_add_kv(out, "dsn", "not-offered") == -1))
		return -1;
	return buf_printf(out, " exit=%d", rec->exit_code);
}

int
log_format(const struct log_record *rec, const char *time_fmt, time_t now,
    struct buf *out)
{
	struct buf line;
	int r = -1;

	/* Build in a capped scratch buffer; cut an over-long line visibly. */
	buf_init(&line, LOG_LINE_MAX);
	if (time_fmt != NULL && log_add_time(&line, time_fmt, now) == -1)
		goto out;
	if (log_add_fields(&line, rec) == -1) {
		if (line.len > LOG_LINE_MAX - 3)
			line.len = LOG_LINE_MAX - 3;
		if (buf_add_str(&line, "...") == -1)
			goto out;
	}
	r = buf_add(out, line.data, line.len);
out:
	buf_free(&line);
	return r;
}

int
log_format_held(const char *account, const char *reason, size_t entries,
    const char *time_fmt, time_t now, struct buf *out)
{
	struct buf line;
	int r = -1;

	buf_init(&line, LOG_LINE_MAX);
	if ((time_fmt == NULL || log_add_time(&line, time_fmt, now) == 0) &&
	    log_add_kv(&line, "account", account) == 0 &&
	    log_add_kv(&line, "status", "held") == 0 &&
	    log_add_kv(&line, "reason", reason) == 0 &&
	    log_add_num(&line, "entries", entries) == 0)
		r = buf_add(out, line.data, line.len);
	buf_free(&line);
	return r;
}

int
log_append_file(const char *path, const char *line, struct err *e)
{
	struct buf rec;
	ssize_t n;
	int fd, r = -1;

	buf_init(&rec, LOG_LINE_MAX + 2);
	if (buf_add_str(&rec, line) == -1 || buf_add_char(&rec, '\n') == -1) {
		err_set(e, ERR_SOFTWARE, "log line too long");
		goto out;
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY,
	    0600);
	if (fd == -1) {
		err_set(e, ERR_CANTCREAT, "cannot open log file %s: %s", path,
		    strerror(errno));
		goto out;
	}
	n = write(fd, rec.data, rec.len);
	if (close(fd) == -1 || n != (ssize_t)rec.len) {
		err_set(e, ERR_IO, "cannot write log file %s: %s", path,
		    n == -1 ? strerror(errno) : "short write");
		goto out;
	}
	r = 0;
out:
	buf_free(&rec);
	return r;
}

void
log_syslog(const char *line, int facility, int failed)
{
	openlog("postern", LOG_PID, facility);
	syslog(failed ? LOG_ERR : LOG_INFO, "%s", line);
	closelog();
}

double
log_now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

void
log_stamp(char *out, size_t cap, double t0, double *prev)
{
	double now;

	out[0] = '\0';
	if (t0 < 0)
		return;
	now = log_now_ms();
	(void)snprintf(out, cap, "[%9.3f ms %+9.3f] ", now - t0, now - *prev);
	*prev = now;
}
