/*
 * deliver_log.c: the log line of a delivery attempt and of an account
 * on hold (see deliver_log.h), to syslog and the account's logfile.
 */
#include "config.h"

#include <stdlib.h>
#include <time.h>

#include "bounce_submit.h"
#include "deliver_log.h"
#include "log.h"
#include "util.h"

static const char *
deliver_rcpt_status(enum smtp_rcpt_status st)
{
	switch (st) {
	case SMTP_RCPT_OK:
		return "sent";
	case SMTP_RCPT_TEMPFAIL:
		return "deferred";
	case SMTP_RCPT_PERMFAIL:
		return "refused";
	case SMTP_RCPT_PENDING:
		break;
	}
	return "not-sent";
}

/* The record's line to syslog (facility fac) and the logfile. */
static void
deliver_log_write(const struct account *a, const struct log_record *rec,
    bool failed)
{
	struct buf line;
	struct err ignored;

	buf_init(&line, LOG_LINE_MAX);
	if (conf_syslog_facility(a->syslog) != 0 &&
	    log_format(rec, NULL, 0, &line) == 0)
		log_syslog(buf_str(&line), conf_syslog_facility(a->syslog),
		    failed);
	buf_reset(&line);
	if (a->logfile != NULL &&
	    log_format(rec,
	        a->logfile_time_format ? a->logfile_time_format : LOG_TIME_ISO,
	        time(NULL), &line) == 0)
		(void)log_append_file(a->logfile, buf_str(&line), &ignored);
	buf_free(&line);
}

/*
 * The exit the line records: a fresh submission refused for some
 * recipients and delivered to the others exits 0 when it owes a bounce
 * notice (main.c, bounce_submit.h).
 */
static int
deliver_log_exit(const struct account *a, const char *id,
    const struct smtp_mail *m, const struct err *e)
{
	if (id == NULL && e->cls == ERR_NOUSER && m->naccepted > 0 &&
	    !m->unsure && bounce_owed(a, m->from))
		return 0;
	return err_exit_code(e->cls);
}

void
deliver_log(const struct account *a, const char *id, const struct smtp_mail *m,
    const struct deliver_log_session *ls, const struct err *e, uint64_t ms)
{
	struct log_rcpt *lr = calloc(m->nrcpts ? m->nrcpts : 1, sizeof(*lr));
	struct log_record rec;
	size_t i;

	if (lr == NULL)
		return;
	for (i = 0; i < m->nrcpts; i++) {
		const struct smtp_rcpt *r = &m->rcpts[i];

		lr[i].addr = r->addr;
		lr[i].status = deliver_rcpt_status(r->status);
		lr[i].reply =
		    r->status == SMTP_RCPT_OK || !r->text[0] ? NULL : r->text;
	}
	rec = (struct log_record){ .id = id,
		.account = a->name,
		.host = a->host,
		.port = a->port,
		.tls = ls->tls && ls->tls[0] ? ls->tls : NULL,
		.auth = ls->auth && ls->auth[0] ? ls->auth : NULL,
		.from = m->from,
		.rcpts = lr,
		.nrcpts = m->nrcpts,
		.size = (uint64_t)m->size,
		.reply = e->cls == ERR_NONE ? m->reply : e->text,
		.duration_ms = ms,
		.possible_duplicate = ls->possible_duplicate,
		.dsn_dropped = m->dsn_dropped,
		.exit_code = deliver_log_exit(a, id, m, e) };
	deliver_log_write(a, &rec, e->cls != ERR_NONE);
	free(lr);
}

void
deliver_log_held(const struct account *a, const char *name, const char *reason,
    size_t entries)
{
	int fac = conf_syslog_facility(a ? a->syslog : CONF_SYSLOG_MAIL);
	struct buf line;
	struct err ignored;

	buf_init(&line, LOG_LINE_MAX);
	if (fac != 0 &&
	    log_format_held(name, reason, entries, NULL, 0, &line) == 0)
		log_syslog(buf_str(&line), fac, 1);
	buf_reset(&line);
	if (a != NULL && a->logfile != NULL &&
	    log_format_held(name, reason, entries,
	        a->logfile_time_format ? a->logfile_time_format : LOG_TIME_ISO,
	        time(NULL), &line) == 0)
		(void)log_append_file(a->logfile, buf_str(&line), &ignored);
	buf_free(&line);
}
