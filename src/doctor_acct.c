/*
 * doctor_acct.c: the account side of --doctor: where the password comes
 * from and whether that source answers now, a login that proves it
 * (AUTH, then QUIT: no mail is sent), and the queue (entries, the oldest,
 * held accounts and why).
 *
 * The password sources are asked one by one in secrets.c's order
 * (password, passwordeval, keyring, ~/.netrc) so that each can be named
 * with its state: a keyring that is locked or has no session bus is
 * reported as such even when ~/.netrc answers after it. The terminal
 * prompt is never used here.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "doctor_int.h"
#include "mistake.h"
#include "keyring.h"
#include "oauth2.h"
#include "queue.h"
#include "util.h"

/* The store command for this account, as a fix line. */
static void
doctor_store_fix(const struct doctor_ctx *c, char *fix, size_t cap)
{
	(void)snprintf(fix, cap, "postern --store-password %s", c->acct->name);
}

/* 0 found, 1 none, -1 failed (reported). */
static int
doctor_try_keyring(struct doctor_ctx *c, struct err *kerr)
{
	const struct account *a = c->acct;
	enum keyring_schema which = KEYRING_OURS;
	int r;

	if (!a->keyring || !keyring_available())
		return 1;
	r = keyring_lookup(a->host, a->user, &c->pw, &which, kerr);
	if (r == 0)
		c->src = which == KEYRING_OURS ? SECRETS_KEYRING
		    : which == KEYRING_MSMTP   ? SECRETS_KEYRING_MSMTP
		                               : SECRETS_KEYRING_NETWORK;
	return r;
}

/* $NETRC or ~/.netrc: 0 found, 1 none, -1 with e. */
static int
doctor_try_netrc(struct doctor_ctx *c, struct err *e)
{
	int r = secrets_netrc_account(c->acct, &c->pw, e);

	if (r == 0)
		c->src = SECRETS_NETRC;
	return r;
}

static void
doctor_found(struct doctor_ctx *c, const char *extra)
{
	c->have_pw = true;
	doctor_emit(c, DOCTOR_OK, "password", NULL, "from %s%s",
	    secrets_source_name(c->src), extra);
}

/* Keyring then ~/.netrc, each with its state. */
static void
doctor_lookup(struct doctor_ctx *c)
{
	struct err kerr, e;
	char fix[300];
	int kr, nr;

	err_clear(&kerr);
	err_clear(&e);
	doctor_store_fix(c, fix, sizeof(fix));
	kr = doctor_try_keyring(c, &kerr);
	if (kr == 0) {
		doctor_found(c, " (reachable and unlocked)");
		return;
	}
	if (kr == -1)
		buf_wipe(&c->pw);
	nr = doctor_try_netrc(c, &e);
	if (kr == -1)
		doctor_emit(c, nr == 0 ? DOCTOR_WARN : DOCTOR_PROBLEM,
		    "keyring",
		    nr == 0
		        ? NULL
		        : "unlock the keyring (log in to the desktop session)",
		    "%s%s", kerr.text,
		    nr == 0 || kerr.reason == ERR_REASON_KEYRING_LOCKED
		        ? ""
		        : "; mail is queued until it answers");
	if (nr == 0) {
		doctor_found(c, "");
		return;
	}
	if (nr == -1) {
		doctor_emit(c, DOCTOR_PROBLEM, "password", NULL, "%s", e.text);
		return;
	}
	if (kr == -1)
		return;
	doctor_emit(c, DOCTOR_PROBLEM, "password", fix,
	    "no stored password for %s at %s (%s~/.netrc); postern would have to ask on a terminal, which cron and scripts do not have",
	    c->acct->user, c->acct->host,
	    c->acct->keyring && keyring_available() ? "keyring, " : "");
}

/* OAuth2: a token from the store (refreshed when due), or the fix. */
static void
doctor_check_oauth2(struct doctor_ctx *c)
{
	char fix[DOCTOR_FIX_MAX];
	struct err e;

	err_clear(&e);
	if (oauth2_access_token(c->acct, false, &c->pw, &e) == 0) {
		c->have_pw = true;
		doctor_emit(c, DOCTOR_OK, "oauth2", NULL,
		    "an access token is stored (refreshed when due)");
		return;
	}
	fix[0] = '\0';
	if (e.hold)
		(void)snprintf(fix, sizeof(fix), "postern --authorize %s%s",
		    c->acct->name, c->acct->system ? " --system" : "");
	doctor_emit(c, DOCTOR_PROBLEM, "oauth2", fix, "%s", e.text);
}

void
doctor_check_password(struct doctor_ctx *c)
{
	const struct account *a = c->acct;
	struct err e;

	if (oauth2_enabled(a)) {
		doctor_check_oauth2(c);
		return;
	}
	if (a->auth == CONF_AUTH_OFF || a->user == NULL)
		return;
	if (a->password != NULL) {
		if (buf_add_str(&c->pw, a->password) == 0) {
			c->src = SECRETS_CONFIG;
			doctor_found(c, "");
		}
		return;
	}
	if (a->passwordeval != NULL) {
		err_clear(&e);
		if (secrets_eval(a->passwordeval, c->o->timeout, &c->pw, &e) ==
		    0) {
			c->src = SECRETS_EVAL;
			doctor_found(c, " (the command answered)");
		} else
			doctor_emit(c, DOCTOR_PROBLEM, "password", NULL,
			    "passwordeval: %s", e.text);
		return;
	}
	doctor_lookup(c);
}

/* --- login -------------------------------------------------------------- */

static int
doctor_give_password(void *arg, const char *host, const char *user,
    struct buf *out, struct err *e)
{
	struct doctor_ctx *c = arg;

	(void)host, (void)user;
	if (buf_add(out, c->pw.data ? c->pw.data : "", c->pw.len) == -1)
		return err_set(e, ERR_CONFIG, "password is too long");
	return 0;
}

/*
 * A refused login: the source and its fix in the text (mistake.h), and
 * a fix line only when one can be pasted (the keyring's command).
 */
static void
doctor_login_fix(const struct doctor_ctx *c, struct err *e, char *fix,
    size_t cap)
{
	mistake_password(c->acct, c->src, e);
	if (c->src == SECRETS_KEYRING || c->src == SECRETS_KEYRING_MSMTP ||
	    c->src == SECRETS_KEYRING_NETWORK || c->src == SECRETS_NONE)
		(void)snprintf(fix, cap, "postern --store-password %s",
		    c->acct->name);
}

void
doctor_check_login(struct doctor_ctx *c)
{
	const struct account *a = c->acct;
	struct smtp_session *s = NULL;
	struct smtp_params p;
	char fix[DOCTOR_FIX_MAX];
	struct err e;

	if (a->auth == CONF_AUTH_OFF || a->user == NULL)
		return;
	if (c->o->no_login) {
		doctor_emit(c, DOCTOR_INFO, "login", NULL,
		    "skipped (--no-login)");
		return;
	}
	if (c->ap == NULL || !c->have_pw) {
		doctor_emit(c, DOCTOR_INFO, "login", NULL, "not tried: %s",
		    c->ap == NULL ? "the server did not answer as configured"
		                  : "no password");
		return;
	}
	doctor_params(a, c->acct_port, sizeof(c->acct_port), c->o->timeout, &p);
	p.auth = a->auth == CONF_AUTH_ON ? SMTP_AUTH_AUTO : SMTP_AUTH_MECH;
	p.auth_mech = conf_auth_mechanism(a->auth);
	p.password = doctor_give_password;
	p.password_arg = c;
	err_clear(&e);
	if (smtp_open(&s, &p, NULL, &e) == 0) {
		doctor_emit(c, DOCTOR_OK, "login", NULL,
		    "AUTH %s as %s accepted; QUIT sent, no mail was sent",
		    smtp_session_info(s)->auth_mech, a->user);
		smtp_close(s);
		return;
	}
	fix[0] = '\0';
	if (e.cls == ERR_NOPERM)
		doctor_login_fix(c, &e, fix, sizeof(fix));
	doctor_emit(c, DOCTOR_PROBLEM, "login", fix, "%s", e.text);
}

/* --- queue -------------------------------------------------------------- */

struct doctor_queue {
	size_t n, failed, held;
	int64_t oldest;
	char held_why[ERR_TEXT_MAX];
	char held_acct[CONF_NAME_MAX];
};

static void
doctor_scan_entry(struct doctor_ctx *c, const char *dir, const char *id,
    struct doctor_queue *q)
{
	struct queue_entry qe;
	struct err e;
	int r;

	memset(&qe, 0, sizeof(qe));
	qe.fd = -1;
	r = queue_peek(dir, "new", id, &qe, &e);
	if (r == -1 && e.cls == ERR_CONFIG) /* not the user's alone */
		doctor_emit(c, DOCTOR_PROBLEM, "queue", NULL,
		    "entry %s refused: %s", id, e.text);
	else if (r == 0) {
		q->n++;
		if (q->oldest == 0 || qe.env.created < q->oldest)
			q->oldest = qe.env.created;
		if (qe.env.held != NULL) {
			q->held++;
			(void)strlcpy(q->held_why, qe.env.held,
			    sizeof(q->held_why));
			(void)strlcpy(q->held_acct, qe.env.account,
			    sizeof(q->held_acct));
		}
	}
	queue_entry_free(&qe);
}

static void
doctor_queue_report(struct doctor_ctx *c, const char *dir,
    const struct doctor_queue *q)
{
	time_t now = time(NULL);
	long age = q->n ? (long)(now - q->oldest) : 0;

	if (q->n == 0)
		doctor_emit(c, DOCTOR_OK, "queue", NULL, "empty (%s)%s", dir,
		    q->failed ? "; some messages were given up on: see failed/"
		              : "");
	else
		doctor_emit(c, age > 86400 ? DOCTOR_WARN : DOCTOR_OK, "queue",
		    NULL,
		    "%zu entr%s in %s, the oldest %ld h %ld min old; postern -q sends what is due",
		    q->n, q->n == 1 ? "y" : "ies", dir, age / 3600,
		    age % 3600 / 60);
	if (q->held > 0)
		doctor_emit(c, DOCTOR_WARN, "queue", "postern --flush",
		    "account %s is held (%zu entr%s): %s; once the cause is fixed, send them now",
		    q->held_acct, q->held, q->held == 1 ? "y" : "ies",
		    q->held_why);
}

void
doctor_check_queue(struct doctor_ctx *c)
{
	const char *dir = c->acct->queue_dir;
	struct doctor_queue q;
	char **ids = NULL;
	size_t n = 0, i;
	struct err e;

	if (dir == NULL || !c->acct->queue) {
		doctor_emit(c, DOCTOR_INFO, "queue", NULL,
		    "off: a temporary failure is reported to the caller (exit 75) instead of queued");
		return;
	}
	memset(&q, 0, sizeof(q));
	if (queue_scan(dir, "new", &ids, &n, &e) == -1) {
		doctor_emit(c, DOCTOR_PROBLEM, "queue", NULL, "%s", e.text);
		return;
	}
	for (i = 0; i < n; i++)
		doctor_scan_entry(c, dir, ids[i], &q);
	queue_ids_free(ids, n);
	ids = NULL;
	n = 0;
	if (queue_scan(dir, "failed", &ids, &n, &e) == 0)
		q.failed = n;
	queue_ids_free(ids, n);
	doctor_queue_report(c, dir, &q);
}
