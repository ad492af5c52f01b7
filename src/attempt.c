/*
 * attempt.c: one delivery attempt of one entry (see attempt.h): the one
 * envelope -> engine mail conversion, and the one recipient result ->
 * queue state mapping.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attempt.h"
#include "util.h"

int
attempt_mail(const struct queue_env *env, int fd, struct smtp_mail *m,
    size_t **map)
{
	size_t i, n = 0;

	memset(m, 0, sizeof(*m));
	m->rcpts = calloc(env->nrcpts ? env->nrcpts : 1, sizeof(*m->rcpts));
	*map = calloc(env->nrcpts ? env->nrcpts : 1, sizeof(**map));
	if (m->rcpts == NULL || *map == NULL)
		return -1;
	for (i = 0; i < env->nrcpts; i++)
		if (env->rcpts[i].state == QUEUE_RCPT_PENDING ||
		    env->rcpts[i].state == QUEUE_RCPT_DEFERRED) {
			(*map)[n] = i;
			m->rcpts[n++].addr = env->rcpts[i].addr;
		}
	m->nrcpts = n;
	m->from = env->sender;
	m->fd = fd;
	m->size = (off_t)env->size;
	m->has_8bit = env->has_8bit;
	m->needs_smtputf8 = env->smtputf8;
	m->dsn_notify = env->dsn_notify;
	m->dsn_ret = env->dsn_ret;
	m->dsn_envid = env->envid;
	return 0;
}

void
attempt_mail_free(struct smtp_mail *m, size_t **map)
{
	free(m->rcpts);
	m->rcpts = NULL;
	free(*map);
	*map = NULL;
}

enum queue_rcpt_state
attempt_state(enum smtp_rcpt_status st, bool whole)
{
	if (st == SMTP_RCPT_OK)
		return QUEUE_RCPT_SENT;
	if (st == SMTP_RCPT_PERMFAIL || whole)
		return QUEUE_RCPT_REFUSED;
	return QUEUE_RCPT_DEFERRED;
}

/* The reply kept for a recipient that was not sent. */
static const char *
attempt_reply(const struct smtp_rcpt *mr, bool whole, const struct err *e)
{
	if (whole && mr->status != SMTP_RCPT_PERMFAIL)
		return e->text;
	if (mr->text[0] &&
	    (mr->status == SMTP_RCPT_TEMPFAIL ||
	        mr->status == SMTP_RCPT_PERMFAIL))
		return mr->text;
	return NULL;
}

/* The attempt's per-recipient results into the envelope. */
static void
attempt_apply(struct queue_env *env, const struct smtp_mail *m,
    const size_t *map, const struct err *e, struct attempt *at)
{
	bool whole = !e->temporary && e->cls != ERR_NONE && m->naccepted == 0;
	size_t k;

	for (k = 0; k < m->nrcpts; k++) {
		struct queue_rcpt *rc = &env->rcpts[map[k]];
		const struct smtp_rcpt *mr = &m->rcpts[k];

		rc->state = attempt_state(mr->status, whole);
		(void)queue_env_set(&rc->reply,
		    rc->state == QUEUE_RCPT_SENT ? NULL
		                                 : attempt_reply(mr, whole, e));
		if (rc->state == QUEUE_RCPT_REFUSED && at->refused != NULL)
			at->refused[at->nrefused++] = map[k];
	}
}

int
attempt_start(struct deliver_session *ds, struct queue_env *env, int fd,
    struct attempt *at, struct err *e)
{
	memset(at, 0, sizeof(*at));
	err_clear(e);
	if (attempt_mail(env, fd, &at->m, &at->map) == -1 ||
	    (at->refused = calloc(at->m.nrcpts ? at->m.nrcpts : 1,
	         sizeof(*at->refused))) == NULL) {
		at->failed = true;
		return err_set(e, ERR_SOFTWARE, "out of memory");
	}
	return deliver_send_start(ds, &at->m, e);
}

int
attempt_finish(struct deliver_session *ds, const char *id,
    struct queue_env *env, struct attempt *at, struct err *e)
{
	struct smtp_mail *m = &at->m;
	int r;

	if (at->failed) {
		ds->possible_duplicate =
		    false; /* nothing sent, nothing logged */
		return -1;
	}
	r = deliver_send_finish(ds, id, m, e);
	at->tried = m->nrcpts;
	at->naccepted = m->naccepted;
	at->unsure = m->unsure;
	at->dsn_dropped = m->dsn_dropped;
	(void)strlcpy(at->reply, m->reply, sizeof(at->reply));
	if (!m->unsure) /* the outcome is known: no longer a duplicate risk */
		env->sending = 0;
	else if (env->sending == 0)
		env->sending = (int64_t)time(NULL);
	attempt_apply(env, m, at->map, e, at);
	return r;
}

int
attempt_send(struct deliver_session *ds, const char *id, struct queue_env *env,
    int fd, struct attempt *at, struct err *e)
{
	(void)attempt_start(ds, env, fd, at, e);
	return attempt_finish(ds, id, env, at, e);
}

void
attempt_free(struct attempt *at)
{
	attempt_mail_free(&at->m, &at->map);
	free(at->refused);
	at->refused = NULL;
	at->nrefused = 0;
}

void
attempt_log_unsent(const struct account *a, const char *id,
    const struct queue_env *env, int fd, const struct err *e)
{
	struct smtp_mail m;
	size_t *map = NULL;

	if (attempt_mail(env, fd, &m, &map) == 0)
		deliver_log_unsent(a, id, &m, e);
	attempt_mail_free(&m, &map);
}

/* The extensions --dry-run assumes the server offers. */
#define ATTEMPT_DRY_CAPS                                                       \
	(SMTP_CAP_SIZE | SMTP_CAP_8BITMIME | SMTP_CAP_SMTPUTF8 | SMTP_CAP_DSN)

int
attempt_dry_run(const struct queue_env *env, int fd, struct buf *out,
    struct err *e)
{
	struct smtp_mail m;
	size_t *map = NULL, i;
	int r = -1;

	if (attempt_mail(env, fd, &m, &map) == -1) {
		err_set(e, ERR_SOFTWARE, "out of memory");
		goto out;
	}
	if (smtp_mail_line(&m, ATTEMPT_DRY_CAPS, out, e) == -1 ||
	    buf_add_char(out, '\n') == -1)
		goto out;
	for (i = 0; i < m.nrcpts; i++)
		if (smtp_rcpt_line(&m, &m.rcpts[i], ATTEMPT_DRY_CAPS, out, e) ==
		        -1 ||
		    buf_add_char(out, '\n') == -1)
			goto out;
	r = 0;
out:
	if (r == -1 && e->cls == ERR_NONE)
		err_set(e, ERR_SOFTWARE, "out of memory");
	attempt_mail_free(&m, &map);
	return r;
}
