/*
 * deliver.c: an account's session with the SMTP engine, one message at
 * a time (see deliver.h); the log line is deliver_log.c's.
 */
#include "config.h"

#include <sys/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "deliver.h"
#include "deliver_log.h"
#include "log.h"
#include "mistake.h"
#include "oauth2.h"
#include "util.h"

static int
deliver_password(void *arg, const char *host, const char *user, struct buf *out,
    struct err *e)
{
	struct deliver_ctx *c = arg;

	(void)host;
	(void)user;
	if (oauth2_enabled(c->acct)) {
		/* The grant is gone (err.hold): held like a failed source. */
		if (oauth2_access_token(c->acct, false, out, e) == 0)
			return 0;
		if (c->failed != NULL && e->hold)
			*c->failed = true;
		return -1;
	}
	if (secrets_password(c->acct, out, c->source, e) == 0)
		return 0;
	if (c->failed != NULL)
		*c->failed = true;
	return -1;
}

/* The server refused the OAuth token: refresh it now (once). */
static int
deliver_refresh(void *arg, const char *host, const char *user, struct buf *out,
    struct err *e)
{
	struct deliver_ctx *c = arg;

	(void)host;
	(void)user;
	if (oauth2_access_token(c->acct, true, out, e) == 0)
		return 0;
	if (c->failed != NULL && e->hold)
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
	p->tls_trust_file = conf_trust_file(a);
	p->tls_fingerprint = a->tls_fingerprint;
	p->tls_cert_file = a->tls_cert_file;
	p->tls_key_file = a->tls_key_file;
	p->tls_priorities = a->tls_priorities;
	p->tls_host_override = a->tls_host_override;
	p->tls_no_certcheck = !a->tls_certcheck;
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
	p->dsn_required = a->dsn_required;
}

/* The account as engine parameters, with the password sources. */
static void
deliver_params(const struct account *a, char *port, size_t portlen,
    struct deliver_ctx *ctx, struct smtp_params *p)
{
	deliver_account_params(a, port, portlen, p);
	p->password = deliver_password;
	if (oauth2_enabled(a))
		p->refresh = deliver_refresh;
	p->password_arg = ctx;
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
		    "delivered to %zu of %zu recipients; refused %s",
		    m->naccepted, m->nrcpts, buf_str(&text));
	else
		err_set_temp(e, ERR_TEMP,
		    "delivered to %zu of %zu recipients; deferred %s",
		    m->naccepted, m->nrcpts, buf_str(&text));
	buf_free(&text);
	return -1;
}

/*
 * The TLS session cache: tls/ in the system queue's state directory for
 * its account (when this user may use it: not a user sending directly
 * with system_direct), else $XDG_STATE_HOME/postern/tls; NULL: none.
 */
static char *
deliver_tls_dir(const struct account *a)
{
	char *state = NULL, *dir = NULL;
	struct err e;

	err_clear(&e);
	if (a->system && (state = util_system_state_dir(&e)) != NULL)
		dir = util_path_join(state, "tls");
	else if ((state = util_xdg_state_home()) != NULL)
		dir = util_path_join(state, "postern/tls");
	free(state);
	return dir;
}

int
deliver_open(struct deliver_session *ds, const struct account *a,
    const struct smtp_trace *trace, struct err *e)
{
	memset(ds, 0, sizeof(*ds));
	err_clear(e);
	ds->acct = a;
	ds->ctx = (struct deliver_ctx){ a, &ds->secret, &ds->secret_failed };
	deliver_params(a, ds->port, sizeof(ds->port), &ds->ctx, &ds->params);
	if (a->tls_session_cache && (ds->tls_dir = deliver_tls_dir(a)) != NULL)
		ds->params.tls_session_dir = ds->tls_dir;
	ds->params.tls_up = &ds->tls_up;
	if (mistake_open(&ds->smtp, &ds->params, trace, e) == -1) {
		free(ds->tls_dir); /* no deliver_close after a failed open */
		ds->tls_dir = NULL;
		mistake_password(a, ds->secret, e);
		return -1;
	}
	ds->info = *smtp_session_info(ds->smtp);
	return 0;
}

int
deliver_send_start(struct deliver_session *ds, struct smtp_mail *m,
    struct err *e)
{
	ds->send_start = util_now_ms();
	return smtp_send_start(ds->smtp, m, e);
}

int
deliver_send_finish(struct deliver_session *ds, const char *id,
    struct smtp_mail *m, struct err *e)
{
	struct deliver_log_session ls = { NULL, ds->info.auth_mech,
		ds->possible_duplicate };
	char tls[sizeof(ds->info.cert.version) + sizeof(ds->info.cert.cipher)];
	int r = -1;

	if (smtp_send_finish(ds->smtp, m, e) == 0)
		r = m->naccepted == m->nrcpts ? 0 : deliver_partial(m, e);
	if (ds->info.tls) {
		(void)snprintf(tls, sizeof(tls), "%s %s", ds->info.cert.version,
		    ds->info.cert.cipher);
		ls.tls = tls;
	}
	ds->possible_duplicate = false;
	deliver_log(ds->acct, id, m, &ls, e, util_now_ms() - ds->send_start);
	return r;
}

int
deliver_send(struct deliver_session *ds, const char *id, struct smtp_mail *m,
    struct err *e)
{
	(void)deliver_send_start(ds, m, e);
	return deliver_send_finish(ds, id, m, e);
}

bool
deliver_tls_refused(const struct deliver_session *ds, const struct err *e)
{
	if (ds->params.tls == SMTP_TLS_NONE || ds->tls_up || e->temporary)
		return false;
	return e->cls == ERR_PROTOCOL || e->cls == ERR_NOPERM ||
	    (e->cls == ERR_UNAVAILABLE && e->smtp_code == 0);
}

bool
deliver_usable(const struct deliver_session *ds)
{
	return ds->smtp != NULL && smtp_usable(ds->smtp);
}

bool
deliver_idle_closed(const struct deliver_session *ds)
{
	return ds->smtp == NULL || smtp_idle_closed(ds->smtp);
}

void
deliver_close(struct deliver_session *ds)
{
	smtp_close(ds->smtp);
	ds->smtp = NULL;
	free(ds->tls_dir);
	ds->tls_dir = NULL;
	ds->params.tls_session_dir = NULL;
}

void
deliver_log_unsent(const struct account *a, const char *id,
    const struct smtp_mail *m, const struct err *e)
{
	struct deliver_log_session ls = { NULL, NULL, false };

	deliver_log(a, id, m, &ls, e, 0);
}
