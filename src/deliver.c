/*
 * deliver.c: a prepared job through the SMTP engine, and its log line
 * (see deliver.h).
 */
#include "config.h"

#include <sys/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "deliver.h"
#include "log.h"
#include "queue.h"
#include "util.h"

static int
deliver_password(void *arg, const char *host, const char *user, struct buf *out,
    struct err *e)
{
	struct deliver_ctx *c = arg;

	(void)host;
	(void)user;
	if (secrets_password(c->acct, out, c->source, e) == 0)
		return 0;
	if (c->failed != NULL)
		*c->failed = true;
	return -1;
}

static enum net_family
deliver_family(const struct account *a)
{
	if (a->ipv4 && !a->ipv6)
		return NET_FAMILY_ONLY4;
	if (a->ipv6 && !a->ipv4)
		return NET_FAMILY_ONLY6;
	return NET_FAMILY_ANY;
}

enum smtp_tls_mode
deliver_tls_mode(const struct account *a)
{
	if (!a->tls)
		return SMTP_TLS_NONE;
	return a->tls_starttls ? SMTP_TLS_STARTTLS : SMTP_TLS_IMPLICIT;
}

void
deliver_account_params(const struct account *a, char *port, size_t portlen,
    struct smtp_params *p)
{
	memset(p, 0, sizeof(*p));
	(void)snprintf(port, portlen, "%u", a->port);
	p->host = a->host;
	p->port = port;
	p->tls = deliver_tls_mode(a);
	if (a->tls_trust_file != NULL && strcmp(a->tls_trust_file, "system"))
		p->tls_trust_file = a->tls_trust_file;
	p->tls_fingerprint = a->tls_fingerprint;
	p->tls_cert_file = a->tls_cert_file;
	p->tls_key_file = a->tls_key_file;
	p->tls_priorities = a->tls_priorities;
	p->tls_host_override = a->tls_host_override;
	p->tls_no_certcheck = !a->tls_certcheck;
	p->tls_session_cache = a->tls_session_cache;
	p->account = a->name;
	p->helo = a->domain;
	p->auth = a->auth == CONF_AUTH_OFF ? SMTP_AUTH_OFF
	    : a->auth == CONF_AUTH_ON      ? SMTP_AUTH_AUTO
	                                   : SMTP_AUTH_MECH;
	p->auth_mech = conf_auth_mechanism(a->auth);
	p->user = a->user;
	p->timeout = a->timeout ? a->timeout : 24 * 3600; /* off: a day */
	p->data_timeout = a->data_timeout; /* RFC 5321: 10 min by default */
	p->family = deliver_family(a);
	p->source_ip = a->source_ip;
}

/* The account as engine parameters, with the password sources. */
static void
deliver_params(const struct account *a, char *port, size_t portlen,
    struct deliver_ctx *ctx, struct smtp_params *p)
{
	deliver_account_params(a, port, portlen, p);
	p->password = deliver_password;
	p->password_arg = ctx;
}

/* The job's envelope as an engine mail; rcpts is allocated. */
static int
deliver_mail(const struct job *j, struct smtp_mail *m, struct err *e)
{
	size_t i;

	memset(m, 0, sizeof(*m));
	if ((m->rcpts = calloc(j->rcpts.n, sizeof(*m->rcpts))) == NULL)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	for (i = 0; i < j->rcpts.n; i++)
		m->rcpts[i].addr = j->rcpts.v[i].spec;
	m->nrcpts = j->rcpts.n;
	m->from = j->sender;
	m->fd = j->fd;
	m->size = (off_t)j->res.size;
	m->has_8bit = j->res.has_8bit;
	m->needs_smtputf8 = j->smtputf8;
	m->dsn_notify = j->dsn_notify;
	m->dsn_ret = j->dsn_ret;
	m->dsn_envid = j->req->envid;
	return 0;
}

/* Some recipients refused: one error naming each, 5xx wins over 4xx. */
static int
deliver_partial(const struct smtp_mail *m, struct err *e)
{
	struct buf text;
	bool perm = false;
	size_t i;

	buf_init(&text, ERR_TEXT_MAX - 1);
	for (i = 0; i < m->nrcpts; i++) {
		const struct smtp_rcpt *r = &m->rcpts[i];

		if (r->status == SMTP_RCPT_OK)
			continue;
		perm |= r->status == SMTP_RCPT_PERMFAIL;
		(void)buf_printf(&text, "%s%s: %s", text.len ? "; " : "",
		    r->addr, r->text[0] ? r->text : "not tried");
	}
	if (perm)
		err_set(e, ERR_NOUSER,
		    "delivered to %zu of %zu recipients; "
		    "refused %s",
		    m->naccepted, m->nrcpts, buf_str(&text));
	else
		err_set_temp(e, ERR_TEMP,
		    "delivered to %zu of %zu recipients; "
		    "deferred %s",
		    m->naccepted, m->nrcpts, buf_str(&text));
	buf_free(&text);
	return -1;
}

/*
 * Nothing in the account's queue can follow this message over its
 * session (queue_run_follow): QUIT may go with its end of data.
 */
static bool
deliver_nothing_follows(const struct account *a)
{
	char **ids = NULL;
	size_t n = 0;
	struct err e;

	if (!a->queue || a->queue_dir == NULL)
		return true;
	if (queue_scan(a->queue_dir, "new", &ids, &n, &e) == -1)
		return false;
	queue_ids_free(ids, n);
	return n == 0;
}

/* One message over a new session, left open when it can carry more. */
static int
deliver_run(const struct job *j, const struct smtp_trace *trace,
    struct smtp_mail *m, struct deliver_session *ds, struct deliver_result *res,
    struct err *e)
{
	int r = -1;

	if (deliver_open(ds, j->acct, trace, e) == 0) {
		if (deliver_nothing_follows(j->acct))
			smtp_set_last(ds->smtp);
		if (smtp_send(ds->smtp, m, e) == 0)
			r = m->naccepted == m->nrcpts ? 0
			                              : deliver_partial(m, e);
	}
	res->secret = ds->secret;
	res->secret_failed = ds->secret_failed;
	(void)strlcpy(res->tls, ds->tls, sizeof(res->tls));
	(void)strlcpy(res->auth, ds->auth, sizeof(res->auth));
	if (r == -1 || !deliver_usable(ds))
		deliver_close(ds);
	return r;
}

static uint64_t
deliver_now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

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

static const int deliver_facility[] = { 0, LOG_USER, LOG_USER, LOG_MAIL,
	LOG_LOCAL0, LOG_LOCAL1, LOG_LOCAL2, LOG_LOCAL3, LOG_LOCAL4, LOG_LOCAL5,
	LOG_LOCAL6, LOG_LOCAL7 };

/* One line to syslog and the logfile; failures to log are not fatal. */
static void
deliver_log(const struct account *a, const char *id, const char *from,
    uint64_t size, const struct deliver_result *res, const struct err *e,
    uint64_t ms)
{
	struct log_rcpt *lr =
	    calloc(res->nrcpts ? res->nrcpts : 1, sizeof(*lr));
	struct log_record rec;
	struct buf line;
	struct err ignored;
	size_t i;

	if (lr == NULL)
		return;
	for (i = 0; i < res->nrcpts; i++) {
		lr[i].addr = res->rcpts[i].addr;
		lr[i].status = deliver_rcpt_status(res->rcpts[i].status);
		lr[i].reply = res->rcpts[i].status == SMTP_RCPT_OK ||
		        !res->rcpts[i].text[0]
		    ? NULL
		    : res->rcpts[i].text;
	}
	rec = (struct log_record){ .id = id,
		.account = a->name,
		.host = a->host,
		.port = a->port,
		.tls = res->tls[0] ? res->tls : NULL,
		.auth = res->auth[0] ? res->auth : NULL,
		.from = from,
		.rcpts = lr,
		.nrcpts = res->nrcpts,
		.size = size,
		.reply = e->cls == ERR_NONE ? res->reply : e->text,
		.duration_ms = ms,
		.possible_duplicate = res->possible_duplicate,
		.exit_code = err_exit_code(e->cls) };
	buf_init(&line, LOG_LINE_MAX);
	if (a->syslog > 0 && a->syslog < (int)ARRAY_SIZE(deliver_facility) &&
	    log_format(&rec, NULL, 0, &line) == 0)
		log_syslog(buf_str(&line), deliver_facility[a->syslog],
		    e->cls != ERR_NONE);
	buf_reset(&line);
	if (a->logfile != NULL &&
	    log_format(&rec,
	        a->logfile_time_format ? a->logfile_time_format : LOG_TIME_ISO,
	        time(NULL), &line) == 0)
		(void)log_append_file(a->logfile, buf_str(&line), &ignored);
	buf_free(&line);
	free(lr);
}

int
deliver_job(const struct job *j, const struct smtp_trace *trace,
    struct deliver_result *res, struct err *e)
{
	struct deliver_session ds;
	int r = deliver_job_keep(j, trace, &ds, res, e);

	deliver_close(&ds);
	return r;
}

int
deliver_job_keep(const struct job *j, const struct smtp_trace *trace,
    struct deliver_session *ds, struct deliver_result *res, struct err *e)
{
	uint64_t start = deliver_now_ms();
	struct smtp_mail m;
	int r;

	memset(res, 0, sizeof(*res));
	memset(ds, 0, sizeof(*ds));
	err_clear(e);
	if (deliver_mail(j, &m, e) == -1)
		return -1;
	r = deliver_run(j, trace, &m, ds, res, e);
	res->rcpts = m.rcpts;
	res->nrcpts = m.nrcpts;
	res->naccepted = m.naccepted;
	res->unsure = m.unsure;
	(void)strlcpy(res->reply, m.reply, sizeof(res->reply));
	deliver_log(j->acct, NULL, j->sender, j->res.size, res, e,
	    deliver_now_ms() - start);
	return r;
}

void
deliver_result_free(struct deliver_result *res)
{
	free(res->rcpts);
	res->rcpts = NULL;
	res->nrcpts = 0;
}

int
deliver_open(struct deliver_session *ds, const struct account *a,
    const struct smtp_trace *trace, struct err *e)
{
	const struct smtp_info *in;

	memset(ds, 0, sizeof(*ds));
	err_clear(e);
	ds->acct = a;
	ds->ctx = (struct deliver_ctx){ a, &ds->secret, &ds->secret_failed };
	deliver_params(a, ds->port, sizeof(ds->port), &ds->ctx, &ds->params);
	if (smtp_open(&ds->smtp, &ds->params, trace, e) == -1)
		return -1;
	in = smtp_session_info(ds->smtp);
	if (in->tls)
		(void)snprintf(ds->tls, sizeof(ds->tls), "%s %s",
		    in->tls_version, in->tls_cipher);
	(void)strlcpy(ds->auth, in->auth_mech, sizeof(ds->auth));
	return 0;
}

int
deliver_send(struct deliver_session *ds, const char *id, struct smtp_mail *m,
    struct err *e)
{
	uint64_t start = deliver_now_ms();
	struct deliver_result res;
	int r = -1;

	err_clear(e);
	if (smtp_send(ds->smtp, m, e) == 0)
		r = m->naccepted == m->nrcpts ? 0 : deliver_partial(m, e);
	memset(&res, 0, sizeof(res));
	res.rcpts = m->rcpts;
	res.nrcpts = m->nrcpts;
	(void)strlcpy(res.reply, m->reply, sizeof(res.reply));
	(void)strlcpy(res.tls, ds->tls, sizeof(res.tls));
	(void)strlcpy(res.auth, ds->auth, sizeof(res.auth));
	res.possible_duplicate = ds->possible_duplicate;
	ds->possible_duplicate = false;
	deliver_log(ds->acct, id, m->from, (uint64_t)m->size, &res, e,
	    deliver_now_ms() - start);
	return r;
}

bool
deliver_usable(const struct deliver_session *ds)
{
	return ds->smtp != NULL && smtp_usable(ds->smtp);
}

void
deliver_close(struct deliver_session *ds)
{
	smtp_close(ds->smtp);
	ds->smtp = NULL;
}

void
deliver_log_held(const struct account *a, const char *name, const char *reason,
    size_t entries)
{
	int fac = a ? a->syslog : 3; /* not configured: LOG_MAIL */
	struct buf line;
	struct err ignored;

	buf_init(&line, LOG_LINE_MAX);
	if (fac > 0 && fac < (int)ARRAY_SIZE(deliver_facility) &&
	    log_format_held(name, reason, entries, NULL, 0, &line) == 0)
		log_syslog(buf_str(&line), deliver_facility[fac], 1);
	buf_reset(&line);
	if (a != NULL && a->logfile != NULL &&
	    log_format_held(name, reason, entries,
	        a->logfile_time_format ? a->logfile_time_format : LOG_TIME_ISO,
	        time(NULL), &line) == 0)
		(void)log_append_file(a->logfile, buf_str(&line), &ignored);
	buf_free(&line);
}

void
deliver_log_unsent(const struct account *a, const char *id,
    const struct smtp_mail *m, const struct err *e)
{
	struct deliver_result res;

	memset(&res, 0, sizeof(res));
	res.rcpts = m->rcpts;
	res.nrcpts = m->nrcpts;
	deliver_log(a, id, m->from, (uint64_t)m->size, &res, e, 0);
}
