/*
 * main_queue.c: the queue modes of main.c (main_int.h): mailq and -bp
 * (queue_list.h), -q with its flush, one-entry, delete and failed/
 * options (queue_run.h, queue_ops.h), and -q --system (sysq.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "conf.h"
#include "err.h"
#include "main_int.h"
#include "queue.h"
#include "queue_list.h"
#include "queue_ops.h"
#include "queue_run.h"
#include "sysq.h"
#include "util.h"

/* mailq, -bp [--json]: every account's queue, or the default one. */
int
main_queue_list(struct cli_request *req)
{
	struct conf c;
	struct buf out;
	struct err e;
	char **dirs = NULL;
	size_t n = 0;
	int rc = EX_OK;

	conf_init(&c);
	buf_init(&out, QUEUE_LIST_MAX);
	err_clear(&e);
	if (req->system) {
		if (sysq_list(req->json, &out, &e) == -1)
			rc = main_fail(&e);
		goto print;
	}
	if (conf_load(&c, req->config_file, &e) == -1 ||
	    queue_dirs(&c, &dirs, &n, &e) == -1) {
		/* e is written only on failure: read it only then. */
		fprintf(stderr, "%s: warning: %s; listing the default queue\n",
		    main_prog, e.text);
		queue_ids_free(dirs, n);
		dirs = NULL;
		n = 0;
	}
	if (n == 0)
		n = (dirs = calloc(1, sizeof(*dirs))) != NULL &&
		    (dirs[0] = util_default_queue_path()) != NULL;
	err_clear(&e);
	if (queue_list(dirs, n, req->json, time(NULL), &out, &e) == -1)
		rc = main_fail(&e);
print:
	if (rc == EX_OK) {
		fputs(buf_str(&out), stdout);
		if (fflush(stdout) != 0)
			rc = EX_IOERR;
	}
	queue_ids_free(dirs, n);
	buf_free(&out);
	conf_free(&c);
	return rc;
}

/* -q on a terminal: what the run left for later, and how to send it. */
static void
main_not_due(size_t n, int64_t next, time_t now)
{
	char in[32];

	if (n == 0)
		return;
	queue_list_span(next - (int64_t)now, in, sizeof(in));
	main_progress_clear();
	fprintf(stderr,
	    "%s: %zu queued %s not due yet (the next attempt in %s); postern -qf sends %s now\n",
	    main_prog, n, n == 1 ? "entry" : "entries", in,
	    n == 1 ? "it" : "them");
}

/* The run; on a terminal, -q says what it skipped as not due. */
static int
main_queue_once(const struct conf *c, const struct queue_run_opts *o,
    struct queue_run_stats *st, bool tty)
{
	bool tell = tty && !o->flush && o->only_id == NULL;
	time_t now = time(NULL);
	int64_t next = 0;
	size_t n = 0;
	struct err e;

	err_clear(&e);
	if (tell && queue_not_due(c, now, &n, &next, &e) == -1)
		n = 0;
	if (queue_run(c, o, st, &e) == -1)
		return main_fail(&e);
	if (tell)
		main_not_due(n, next, now);
	return EX_OK;
}

/*
 * Before a run: --requeue-failed and --purge-failed [ACCOUNT], and
 * --queue-run ID of an entry in failed/ (queued again first).
 */
static int
main_failed(const struct conf *c, const struct cli_request *req, struct err *e)
{
	const char *acct = req->failed_account;
	size_t n;

	if (req->queue_id != NULL)
		return queue_failed_id(c, req->queue_id, false, e) == -1 ? -1
		                                                         : 0;
	if (!req->requeue_failed && !req->purge_failed)
		return 0;
	if (queue_failed_all(c, acct, req->purge_failed, &n, e) == -1)
		return -1;
	fprintf(stderr, "postern: %zu failed %s%s%s %s\n", n,
	    n == 1 ? "entry" : "entries", acct ? " of account " : "",
	    acct ? acct : "", req->purge_failed ? "removed" : "queued again");
	return 0;
}

/* -q --system [--watch]: the system queue's service (sysq.h). */
static int
main_system_run(const struct cli_request *req, struct queue_run_opts *o)
{
	const struct smtp_trace trace = { main_trace, NULL };
	struct err e;

	err_clear(&e);
	if (req->queue_delete != NULL) {
		err_set(&e, ERR_USAGE,
		    "--queue-delete does not apply to --system");
		return main_fail(&e);
	}
	o->flush = req->flush;
	o->trace = req->verbose ? &trace : NULL;
	o->note = req->verbose || req->watch || isatty(STDERR_FILENO) == 1
	    ? main_note
	    : NULL;
	return sysq_run(req->watch, o, &e) == -1 ? main_fail(&e) : EX_OK;
}

/* -q, -qf, --flush, --queue-run ID, --queue-delete ID, --requeue-failed,
 * --purge-failed. */
int
main_queue_run(struct cli_request *req)
{
	const struct smtp_trace trace = { main_trace, NULL };
	struct queue_run_opts o = { 0 };
	struct queue_run_stats st;
	bool tty = isatty(STDERR_FILENO) == 1;
	struct conf c;
	struct err e;
	int rc = EX_OK;

	conf_init(&c);
	err_clear(&e);
	o.only_id = req->queue_id;
	if (o.only_id != NULL && !queue_id_valid(o.only_id)) {
		err_set(&e, ERR_USAGE, "%s is not a queue id", o.only_id);
		rc = main_fail(&e);
	} else if (!req->system && conf_load(&c, req->config_file, &e) == -1)
		rc = main_conf_fail(&c, &e);
	else if (req->system)
		rc = main_system_run(req, &o);
	else if (req->queue_delete != NULL)
		rc = queue_delete_any(&c, req->queue_delete, &e) == -1
		    ? main_fail(&e)
		    : EX_OK;
	else if (main_failed(&c, req, &e) == -1)
		rc = main_fail(&e);
	else if (req->purge_failed)
		rc = EX_OK;
	else {
		o.flush = req->flush;
		o.trace = req->verbose ? &trace : NULL;
		o.note = req->verbose || tty ? main_note : NULL;
		o.progress = tty ? main_progress : NULL;
		if ((rc = main_queue_once(&c, &o, &st, tty)) == EX_OK &&
		    o.only_id != NULL && st.seen == 0) {
			err_set(&e, ERR_NOINPUT, "no queue entry %s",
			    o.only_id);
			rc = main_fail(&e);
		}
	}
	conf_free(&c);
	return rc;
}
