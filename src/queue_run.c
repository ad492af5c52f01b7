/*
 * queue_run.c: a queue run, the follow-up of a submission, and
 * --queue-delete (see queue_run.h); what is done to each entry is in
 * queue_run_entry.c.
 *
 * Per queue directory: remove stale temporary files, read every
 * envelope without locking to learn its account and whether it is due,
 * then take the accounts one by one in the order of their oldest entry.
 * Each entry is locked and read again before anything is done with it
 * (another run may have finished or rescheduled it meanwhile). The
 * session is opened on the first entry that needs it and kept for the
 * account's other entries; an account found or put on hold gets one log
 * line. Entries to send overlap: the next one is locked and marked
 * while the replies to the one before are on their way (qrun_launch).
 * Bounce notices made during the run are new entries and go out
 * in a second pass over the directory. A follow-up is the same walk over
 * one account's entries on the submission's session, under a deadline.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "deliver.h"
#include "deliver_log.h"
#include "queue.h"
#include "queue_run.h"
#include "queue_run_int.h"
#include "util.h"

/* Following a submission: stop when the session or the time is gone. */
static bool
qrun_stop(const struct qrun *r)
{
	return r->follow && (!r->open || util_now_ms() >= r->deadline);
}

/* The due entries of r->acct_name from first on, then one held line. */
static void
qrun_entries(struct qrun *r, struct qrun_item *v, size_t n, size_t first)
{
	size_t i;

	for (i = first; i < n && !qrun_stop(r); i++) {
		if (v[i].done || !v[i].due ||
		    strcmp(v[i].account, r->acct_name) != 0)
			continue;
		qrun_entry(r, &v[i]);
		if (r->ready != NULL)
			qrun_launch(r);
	}
	qrun_drain(r);
	if (r->nheld > 0)
		deliver_log_held(r->acct, r->acct_name, r->held, r->nheld);
	r->nheld = 0;
}

/* Every due entry of one account, over one session. */
static void
qrun_account(struct qrun *r, struct qrun_item *v, size_t n, size_t first)
{
	r->acct_name = v[first].account;
	r->acct = conf_find(r->conf, r->acct_name);
	r->open = false;
	r->down[0] = '\0';
	(void)strlcpy(r->held,
	    r->acct ? "" : "the account is not in the configuration",
	    sizeof(r->held));
	qrun_entries(r, v, n, first);
	if (r->open)
		deliver_close(r->ds);
	r->open = false;
}

static void
qrun_items_free(struct qrun_item *v, size_t n)
{
	while (n > 0) {
		n--;
		free(v[n].id);
		free(v[n].account);
	}
	free(v);
}

/* Read the envelopes of ids (unlocked) into items; skip damaged ones. */
static int
qrun_peek(struct qrun *r, char **ids, size_t n, struct qrun_item **out,
    size_t *nout)
{
	struct qrun_item *v = calloc(n ? n : 1, sizeof(*v));
	struct queue_entry q;
	struct err e;
	size_t i;

	*out = v;
	*nout = 0;
	if (v == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if (queue_peek(r->dir, "new", ids[i], &q, &e) == 0 &&
		    !q.damaged) {
			if (!r->follow)
				r->acct = conf_find(r->conf, q.env.account);
			v[*nout].due = qrun_due(r, &q.env);
			v[*nout].size = q.env.size;
			v[*nout].id = ids[i];
			v[*nout].account = q.env.account;
			ids[i] = NULL;
			q.env.account = NULL;
			++*nout;
		} else if (e.cls != ERR_NOINPUT || q.damaged)
			qrun_note(r, "%s: %s; not sent", ids[i],
			    q.damaged ? q.why : e.text);
		queue_entry_free(&q);
	}
	return 0;
}

/* One pass over a directory; seen collects the ids handled. */
static int
qrun_pass(struct qrun *r, struct err *e)
{
	struct qrun_item *v = NULL;
	char **ids = NULL;
	size_t n = 0, nv = 0, i;
	int rc = -1;

	if (queue_scan(r->dir, "new", &ids, &n, e) == -1)
		return -1;
	if (qrun_peek(r, ids, n, &v, &nv) == -1) {
		err_set(e, ERR_SOFTWARE, "out of memory");
		goto out;
	}
	r->done = r->total = 0;
	r->bytes = r->total_bytes = 0;
	for (i = 0; i < nv; i++)
		if (v[i].due) {
			r->total++;
			r->total_bytes += v[i].size;
		}
	if (r->follow)
		qrun_entries(r, v, nv, 0);
	for (i = 0; i < nv && !r->follow; i++)
		if (v[i].due && !v[i].done)
			qrun_account(r, v, nv, i);
	rc = 0;
out:
	qrun_items_free(v, nv);
	queue_ids_free(ids, n);
	return rc;
}

int
queue_dirs(const struct conf *c, char ***dirs, size_t *n, struct err *e)
{
	size_t i, k;
	char **v;

	*dirs = NULL;
	*n = 0;
	for (i = 0; i < c->naccounts; i++) {
		const char *d = c->accounts[i]->queue_dir;

		for (k = 0; d != NULL && k < *n; k++)
			if (strcmp((*dirs)[k], d) == 0)
				break;
		if (d == NULL || k < *n)
			continue;
		if ((v = realloc(*dirs, (*n + 1) * sizeof(*v))) == NULL ||
		    (v[*n] = strdup(d)) == NULL) {
			*dirs = v ? v : *dirs;
			return err_set(e, ERR_SOFTWARE, "out of memory");
		}
		*dirs = v;
		++*n;
	}
	return 0;
}

int
queue_run(const struct conf *c, const struct queue_run_opts *o,
    struct queue_run_stats *st, struct err *e)
{
	struct qrun r;
	char **dirs;
	size_t n, i;
	int rc = 0;

	memset(st, 0, sizeof(*st));
	if (queue_dirs(c, &dirs, &n, e) == -1)
		return -1;
	for (i = 0; i < n && rc == 0; i++) {
		memset(&r, 0, sizeof(r));
		r.ds = &r.own;
		r.conf = c;
		r.o = o;
		r.st = st;
		r.dir = dirs[i];
		r.now = time(NULL);
		queue_clean(r.dir, r.now);
		/* The second pass sends the bounce notices of the first. */
		rc = qrun_pass(&r, e);
		if (rc == 0 && st->bounced > 0 && o->only_id == NULL)
			rc = qrun_pass(&r, e);
	}
	queue_ids_free(dirs, n);
	return rc;
}

void
queue_run_follow(const struct account *a, struct deliver_session *ds,
    const struct smtp_trace *trace)
{
	struct queue_run_opts o = { .trace = trace };
	struct queue_run_stats st;
	struct qrun r;
	struct err e;

	memset(&r, 0, sizeof(r));
	memset(&st, 0, sizeof(st));
	r.o = &o;
	r.st = &st;
	r.dir = a->queue_dir;
	r.acct = a;
	r.acct_name = a->name;
	r.ds = ds;
	r.open = deliver_usable(ds);
	r.follow = true;
	r.deadline = util_now_ms() + QUEUE_FOLLOW_SECS * 1000;
	r.now = time(NULL);
	if (r.open && a->queue && qrun_pass(&r, &e) == 0 && st.bounced > 0)
		(void)qrun_pass(&r, &e);
	deliver_close(ds);
}

int
queue_delete(const struct conf *c, const char *id, struct err *e)
{
	struct queue_entry q;
	char **dirs;
	size_t n, i;
	int k = 0;

	if (!queue_id_valid(id))
		return err_set(e, ERR_USAGE, "%s is not a queue id", id);
	if (queue_dirs(c, &dirs, &n, e) == -1)
		return -1;
	for (i = 0; i < n && k == 0; i++) {
		k = queue_lock(dirs[i], "new", id, true, &q, e);
		if (k == 1 && queue_remove(&q, e) == -1)
			k = -1;
		queue_entry_free(&q);
	}
	queue_ids_free(dirs, n);
	if (k == 0)
		return err_set(e, ERR_NOINPUT, "no queue entry %s", id);
	return k == 1 ? 0 : -1;
}
