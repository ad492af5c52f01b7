/*
 * main.c: postern's entry point. It parses the command line (cli.c),
 * runs the mode, and maps the error class of whatever failed to a
 * sysexits(3) code with one line on stderr. It is the only file that
 * exits.
 *
 * Sending (-bm) and --dry-run: load the configuration, pick the account,
 * stream stdin through the message preparer into a spool file in
 * queue_dir/tmp, build the envelope (sender from -f or the account,
 * recipients from argv plus -t, without duplicates), then either print
 * the envelope as the engine would send it and the exact message bytes
 * (--dry-run, attempt.c) or submit the entry (submit.c). The spool file
 * is removed at the end unless the queue took it. job.c does the
 * preparing, submit.c the sending; this file only prints and chooses
 * exit codes.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "attempt.h"
#include "bounce_submit.h"
#include "bs.h"
#include "buf.h"
#include "cli.h"
#include "conf.h"
#include "acct_probe.h"
#include "configure_write.h"
#include "deliver.h"
#include "doctor.h"
#include "err.h"
#include "log.h"
#include "job.h"
#include "mistake.h"
#include "oauth2.h"
#include "queue.h"
#include "queue_ops.h"
#include "queue_list.h"
#include "queue_run.h"
#include "secrets.h"
#include "serverinfo.h"
#include "submit.h"
#include "sysq.h"
#include "util.h"
#include "version.h"
#include "vis.h"

static const char *main_prog = "postern";
static int main_argc; /* the command line, for the system queue */
static char **main_argv;

static double main_t0 = -1, main_tprev; /* --trace-timing, -vv (log.h) */

static int
main_fail(const struct err *e)
{
	fprintf(stderr, "%s: %s\n", main_prog,
	    e->text[0] ? e->text : err_class_name(e->cls));
	return err_exit_code(e->cls);
}

/* Each line of b; made visible: --configure's notes quote DNS and servers. */
static void
main_lines(const struct buf *b, const char *what)
{
	const char *p = buf_str(b), *nl;
	char shown[4 * 1024 + 1];

	for (; *p != '\0' && (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		(void)vis_str(shown, sizeof(shown), p, (size_t)(nl - p), "");
		fprintf(stderr, "%s: %s%s\n", main_prog, what, shown);
	}
}

/* Every collected "path:line: ..." error, then what it means. */
static int
main_conf_fail(const struct conf *c, const struct err *e)
{
	if (e->cls != ERR_CONFIG || c->errors.len == 0)
		return main_fail(e);
	main_lines(&c->errors, "");
	fprintf(stderr, "%s: configuration errors; nothing was sent\n",
	    main_prog);
	return err_exit_code(ERR_CONFIG);
}

static int
main_version(void)
{
	struct buf out;
	int r = EX_OK;

	buf_init(&out, 64 * 1024);
	if (version_report(&out) == -1) {
		fprintf(stderr, "%s: cannot build the version report\n",
		    main_prog);
		r = EX_SOFTWARE;
	} else
		fputs(buf_str(&out), stdout);
	buf_free(&out);
	if (fflush(stdout) != 0)
		r = EX_IOERR;
	return r;
}

/* --dry-run: the envelope, a blank line, the exact message bytes. */
static int
main_dry_run(const struct job *j, struct err *e)
{
	struct buf b;

	buf_init(&b, (size_t)CLI_RCPTS_MAX * 600);
	if (attempt_dry_run(&j->env, j->fd, &b, e) == -1) {
		buf_free(&b);
		return -1;
	}
	fputs(buf_str(&b), stdout);
	fputs("\n", stdout);
	buf_free(&b);
	return job_copy_message(j, stdout, e);
}

static void
main_verbose(const struct job *j)
{
	const struct account *a;

	if (j->req->verbose == 0)
		return;
	a = mistake_real(&j->conf, j->acct);
	main_lines(&j->conf.notes, "");
	fprintf(stderr, "%s: using account %s (%s:%u)\n", main_prog, a->name,
	    a->where.file ? a->where.file : "-", a->where.line);
}

/* A progress line (main_progress) is on the terminal, unfinished. */
static bool main_progress_shown;

/* Clear the progress line before anything else goes to stderr. */
static void
main_progress_clear(void)
{
	if (main_progress_shown)
		fputs("\r\033[K", stderr);
	main_progress_shown = false;
}

/* -v: the SMTP transcript on stderr (the engine redacts AUTH). */
static void
main_trace(void *arg, enum smtp_trace_dir dir, const char *line, size_t len)
{
	static const char *const mark[] = {
		[SMTP_TRACE_SEND] = "-->",
		[SMTP_TRACE_RECV] = "<--",
		[SMTP_TRACE_INFO] = "---",
	};
	char shown[4 * SMTP_REPLY_LINE_MAX + 1]; /* "\xHH" per byte */
	char at[LOG_STAMP_MAX];

	_Static_assert(ARRAY_SIZE(mark) == SMTP_TRACE_INFO + 1,
	    "a mark for every trace direction");

	(void)arg;
	main_progress_clear();
	(void)vis_str(shown, sizeof(shown), line, len, "");
	log_stamp(at, sizeof(at), main_t0, &main_tprev);
	fprintf(stderr, "%s: %s%s %s\n", main_prog, at, mark[dir], shown);
}

/* What became of a message that was not delivered to everyone. */
static void
main_kept(const struct submit *s)
{
	if (s->outcome == SUBMIT_KEPT)
		fprintf(stderr,
		    "%s: a copy of the message is kept as %s in the failed/ directory of the queue\n",
		    main_prog, s->id);
	else if (s->outcome == SUBMIT_QUEUED)
		fprintf(stderr, "%s: queued %s for the other recipients\n",
		    main_prog, s->id);
}

/* Queued because TLS was refused: say so loudly. */
static void
main_tls_refused(const struct job *j, const struct submit *s)
{
	fprintf(stderr,
	    "%s: WARNING: TLS refused: %s; nothing was sent without TLS\n",
	    main_prog, s->why);
	fprintf(stderr,
	    "%s: queued %s; account %s is held until TLS works (postern -q retries it)\n",
	    main_prog, s->id, j->acct->name);
}

/*
 * Some recipients refused (5xx), the others reached: exit 0 with a bounce
 * notice to the sender, as Postfix and sendmail do (postern(1), EXIT
 * STATUS: a caller that retried on 67 would send it again to those who
 * have it). Without a notice (the null sender, queue off): 67.
 */
static int
main_partial(const struct job *j, const struct submit *s, const struct err *e)
{
	char id[QUEUE_ID_LEN + 1];
	struct err be;

	fprintf(stderr, "%s: %s\n", main_prog, e->text);
	err_clear(&be);
	switch (bounce_submit(j, id, &be)) {
	case 1:
		fprintf(stderr,
		    "%s: a bounce notice to <%s> for the refused recipients is queued as %s\n",
		    main_prog, j->sender, id);
		main_kept(s);
		return EX_OK;
	case -1:
		fprintf(stderr, "%s: no bounce notice: %s\n", main_prog,
		    be.text);
		break;
	}
	main_kept(s);
	return err_exit_code(e->cls);
}

/* The submission failed: one line, and where the message is. */
static int
main_not_delivered(const struct job *j, const struct submit *s,
    const struct err *e)
{
	if (e->cls == ERR_NOUSER && s->naccepted > 0 && !s->unsure)
		return main_partial(j, s, e);
	if (s->naccepted > 0 || s->unsure)
		fprintf(stderr, "%s: %s\n", main_prog, e->text);
	else
		fprintf(stderr, "%s: %s; the message was not sent%s\n",
		    main_prog, e->text,
		    e->temporary ? " (temporary failure: try again later)"
		                 : "");
	main_kept(s);
	return err_exit_code(e->cls);
}

/*
 * Submit the prepared job: delivered, or queued (exit 0 with one line
 * saying why), or one line on stderr when it failed.
 */
static int
main_deliver(struct job *j)
{
	const struct smtp_trace trace = { main_trace, NULL };
	struct submit s;
	struct err e;
	int rc = EX_OK;

	if (submit_job(j, j->req->verbose ? &trace : NULL, NULL, &s, &e) == -1)
		rc = main_not_delivered(j, &s, &e);
	else if (s.tls_refused)
		main_tls_refused(j, &s);
	else if (s.outcome == SUBMIT_QUEUED && (s.tried || j->req->verbose))
		fprintf(stderr, "%s: queued %s: %s\n", main_prog, s.id, s.why);
	if (s.dsn_dropped)
		fprintf(stderr,
		    "%s: the server does not offer DSN: sent without the delivery status notifications asked for (-N, -R, -V or dsn_notify); dsn_required on refuses instead\n",
		    main_prog);
	if (j->req->verbose && s.secret != SECRETS_NONE)
		fprintf(stderr, "%s: the password came from %s\n", main_prog,
		    secrets_source_name(s.secret));
	if (j->req->verbose && rc == EX_OK && s.outcome == SUBMIT_DELIVERED)
		fprintf(stderr, "%s: delivered to %zu recipient%s: %s\n",
		    main_prog, s.naccepted, s.naccepted == 1 ? "" : "s",
		    s.reply);
	return rc;
}

/*
 * -bs: SMTP on stdin/stdout (bs.c). The -v transcript goes to stderr;
 * one line for the latest failure, whose class gives the exit code.
 */
static int
main_smtp(const struct cli_request *req)
{
	const struct smtp_trace trace = { main_trace, NULL };
	struct err e;

	(void)signal(SIGPIPE, SIG_IGN); /* a vanished client: EX_IOERR */
	if (bs_run(req, STDIN_FILENO, STDOUT_FILENO,
	        req->verbose ? &trace : NULL, &e) == 0)
		return EX_OK;
	return main_fail(&e);
}

/*
 * A user without a configuration of their own: the message goes to the
 * system queue through postern-drop, silently (the id under -v).
 */
static int
main_system_send(const struct cli_request *req)
{
	const struct smtp_trace trace = { main_trace, NULL };
	char id[DROP_ID_LEN + 1];
	struct err e;
	off_t off;
	int rec, helper_rc, rc = EX_OK;

	err_clear(&e);
	if ((rec = sysq_record(main_argc, main_argv, req->ignore_dots,
	         STDIN_FILENO, &off, &e)) == -1)
		return main_fail(&e);
	switch (sysq_direct(req, rec, off, req->verbose ? &trace : NULL, &e)) {
	case SYSQ_DIRECT_SENT:
		goto out;
	case SYSQ_DIRECT_FAILED:
		rc = main_fail(&e);
		goto out;
	case SYSQ_DIRECT_DROP:
		break;
	}
	err_clear(&e);
	if (sysq_drop(rec, id, &helper_rc, &e) == -1)
		rc = helper_rc != 0 ? helper_rc : main_fail(&e);
	else if (req->verbose)
		fprintf(stderr, "%s: queued %s in the system queue\n",
		    main_prog, id);
out:
	(void)close(rec);
	return rc;
}

/* -bm and --dry-run. */
static int
main_send(struct cli_request *req)
{
	struct job j;
	struct err e;
	int rc;

	if (sysq_wanted(req))
		return main_system_send(req);
	job_init(&j, req);
	err_clear(&e);
	if (job_load(&j, req->account, &e) == -1) {
		rc = main_conf_fail(&j.conf, &e);
		goto out;
	}
	main_verbose(&j);
	if (job_prepare(&j, STDIN_FILENO, &e) == -1)
		rc = main_fail(&e);
	else if (req->dry_run)
		rc = main_dry_run(&j, &e) == -1 ? main_fail(&e) : EX_OK;
	else
		rc = main_deliver(&j);
out:
	job_free(&j);
	return rc;
}

/* A port and TLS mode that do not go together (mistake.h). */
static void
main_mode_warning(const struct account *a)
{
	const char *w = mistake_port_mode(a->port, deliver_tls_mode(a));

	if (w != NULL)
		fprintf(stderr, "postern: warning: %s\n", w);
}

/* --print-config [ACCOUNT] */
static int
main_print_config(struct cli_request *req)
{
	struct job j;
	struct buf out;
	struct err e;
	int rc = EX_OK;

	job_init(&j, req);
	err_clear(&e);
	buf_init(&out, 1024 * 1024);
	if (job_load(&j, req->print_account ? req->print_account : req->account,
	        &e) == -1)
		rc = main_conf_fail(&j.conf, &e);
	else if (conf_print(j.acct, &out) == -1)
		rc = err_exit_code(ERR_SOFTWARE);
	else {
		fputs(buf_str(&out), stdout);
		if (fflush(stdout) != 0)
			rc = EX_IOERR;
		main_mode_warning(j.acct);
	}
	buf_free(&out);
	job_free(&j);
	return rc;
}

/* --store-password / --forget-password [ACCOUNT]: secrets.c does it. */
static int
main_secret(struct cli_request *req)
{
	const char *name =
	    req->secret_account ? req->secret_account : req->account;
	bool store = req->mode == CLI_MODE_STORE_PASSWORD;
	unsigned removed = 0;
	struct job j;
	struct err e;
	int rc = EX_OK;

	job_init(&j, req);
	err_clear(&e);
	if (job_load(&j, name, &e) == -1)
		rc = main_conf_fail(&j.conf, &e);
	else if ((store ? secrets_store(j.acct, req->password_stdin, &e)
	                : secrets_forget(j.acct, &removed, &e)) == -1) {
		if (store)
			mistake_headless(j.acct, &e);
		rc = main_fail(&e);
	} else if (store || removed)
		printf(
		    "%s: %s the password of %s at %s (account %s) %s the keyring\n",
		    main_prog, store ? "stored" : "removed", j.acct->user,
		    j.acct->host, mistake_real(&j.conf, j.acct)->name,
		    store ? "in" : "from");
	else
		printf(
		    "%s: the keyring holds no password of %s at %s (account %s); nothing was removed\n",
		    main_prog, j.acct->user, j.acct->host,
		    mistake_real(&j.conf, j.acct)->name);
	job_free(&j);
	if (rc == EX_OK && fflush(stdout) != 0)
		rc = EX_IOERR;
	return rc;
}

static void
main_say(void *arg, const char *line)
{
	(void)arg;
	printf("%s: %s\n", main_prog, line);
	(void)fflush(stdout);
}

/*
 * --authorize [ACCOUNT] [--device]: get and store the tokens, then log
 * in once (no mail) to show they work.
 */
static int
main_authorize(struct cli_request *req)
{
	const char *name = req->auth_account ? req->auth_account : req->account;
	struct deliver_session ds;
	struct job j;
	struct err e;
	int rc = EX_OK;

	job_init(&j, req);
	err_clear(&e);
	if (job_load(&j, name, &e) == -1) {
		rc = main_conf_fail(&j.conf, &e);
		goto out;
	}
	if (oauth2_authorize(j.acct, req->device, main_say, NULL, &e) == -1) {
		rc = main_fail(&e);
		goto out;
	}
	printf("%s: authorized; tokens stored for account %s\n", main_prog,
	    j.acct->name);
	(void)fflush(stdout);
	if (deliver_open(&ds, j.acct, NULL, &e) == -1)
		rc = main_fail(&e);
	else {
		printf("%s: logged in to %s as %s with %s\n", main_prog,
		    j.acct->host, j.acct->user, ds.info.auth_mech);
		deliver_close(&ds);
	}
out:
	job_free(&j);
	if (fflush(stdout) != 0 && rc == EX_OK)
		rc = EX_IOERR;
	return rc;
}

/* mailq, -bp [--json]: every account's queue, or the default one. */
static int
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

static void
main_note(void *arg, const char *line)
{
	(void)arg;
	main_progress_clear();
	fprintf(stderr, "%s: %s\n", main_prog, line);
}

/* On a terminal: entries done / total and bytes, on one line. */
static void
main_progress(void *arg, size_t done, size_t total, uint64_t bytes,
    uint64_t total_bytes)
{
	(void)arg;
	main_progress_clear();
	fprintf(stderr, "%s: queue run: %zu/%zu entries, %llu/%llu bytes%s",
	    main_prog, done, total, (unsigned long long)bytes,
	    (unsigned long long)total_bytes, done == total ? "\n" : "");
	main_progress_shown = done != total;
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
static int
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

/* One --doctor verdict line as soon as it is known. */
static void
main_doctor_line(void *arg, const struct doctor_check *c)
{
	struct buf b;

	buf_init(&b, 8192);
	if (doctor_format(c, *(bool *)arg, &b) == 0)
		fputs(buf_str(&b), stdout);
	buf_free(&b);
	(void)fflush(stdout);
}

/* The probe options shared by --doctor, --serverinfo, --configure. */
static int
main_probe_opts(const struct cli_request *req, unsigned ports[DOCTOR_NPORTS],
    unsigned *timeout)
{
	struct err e;

	ports[DOCTOR_P25] = 25;
	ports[DOCTOR_P587] = 587;
	ports[DOCTOR_P465] = 465;
	*timeout = req->probe_timeout ? req->probe_timeout : DOCTOR_TIMEOUT;
	if (req->probe_ports != NULL &&
	    doctor_parse_ports(req->probe_ports, ports, &e) == -1)
		return main_fail(&e);
	return EX_OK;
}

/* --doctor [ACCOUNT]: exit 0 when nothing is a PROBLEM, 1 otherwise. */
static int
main_doctor(const struct cli_request *req)
{
	struct doctor_opts o = { 0 };
	struct doctor_summary sum;
	bool color =
	    doctor_color_wanted(isatty(STDOUT_FILENO) == 1, getenv("NO_COLOR"));
	struct err e;
	int rc;

	if ((rc = main_probe_opts(req, o.ports, &o.timeout)) != EX_OK)
		return rc;
	o.config_file = req->config_file;
	o.account = req->diag_account ? req->diag_account : req->account;
	o.probe_host = req->probe_host;
	o.no_login = req->no_login;
	o.line = main_doctor_line;
	o.arg = &color;
	if (doctor_run(&o, &sum, &e) == -1)
		return main_fail(&e);
	printf("%u ok, %u info, %u warning%s, %u problem%s\n", sum.n[DOCTOR_OK],
	    sum.n[DOCTOR_INFO], sum.n[DOCTOR_WARN],
	    sum.n[DOCTOR_WARN] == 1 ? "" : "s", sum.n[DOCTOR_PROBLEM],
	    sum.n[DOCTOR_PROBLEM] == 1 ? "" : "s");
	if (fflush(stdout) != 0)
		return EX_IOERR;
	return sum.n[DOCTOR_PROBLEM] > 0 ? 1 : EX_OK;
}

/* --serverinfo [ACCOUNT] */
static int
main_serverinfo(struct cli_request *req)
{
	unsigned ports[DOCTOR_NPORTS], timeout;
	struct job j;
	struct buf out;
	struct err e;
	int rc, r;

	if ((rc = main_probe_opts(req, ports, &timeout)) != EX_OK)
		return rc;
	job_init(&j, req);
	err_clear(&e);
	buf_init(&out, 64 * 1024);
	if (job_load(&j, req->diag_account ? req->diag_account : req->account,
	        &e) == -1)
		rc = main_conf_fail(&j.conf, &e);
	else {
		r = serverinfo_run(j.acct, timeout, &out, &e);
		fputs(buf_str(&out), stdout);
		if (fflush(stdout) != 0)
			rc = EX_IOERR;
		if (r == -1) /* e holds a reason only then */
			rc = main_fail(&e);
	}
	buf_free(&out);
	job_free(&j);
	return rc;
}

/* --configure ADDRESS --write: the block into -C FILE or the default. */
static int
main_configure_write(const struct cli_request *req, const struct buf *block)
{
	char *def = req->config_file ? NULL : util_default_config_path();
	const char *path = req->config_file ? req->config_file : def;
	struct err e;
	int rc = EX_OK;

	err_clear(&e);
	if (path == NULL)
		err_set(&e, ERR_CONFIG,
		    "no home directory to write the configuration into");
	else if (configure_write(path, buf_str(block), block->len, &e) == 0)
		fprintf(stderr,
		    "%s: wrote the account to %s (mode 600); next: postern --store-password, then postern --doctor\n",
		    main_prog, path);
	if (e.cls != ERR_NONE)
		rc = main_fail(&e);
	free(def);
	return rc;
}

/* --configure ADDRESS: the block on stdout, the steps on stderr. */
static int
main_configure(const struct cli_request *req)
{
	struct acct_probe_opts o = { 0 };
	struct buf out, notes;
	struct err e;
	int rc;

	if ((rc = main_probe_opts(req, o.ports, &o.timeout)) != EX_OK)
		return rc;
	o.address = req->configure_addr;
	buf_init(&out, 64 * 1024);
	buf_init(&notes, 64 * 1024);
	err_clear(&e);
	if (acct_probe_run(&o, &out, &notes, &e) == -1)
		rc = err_exit_code(e.cls);
	main_lines(&notes, "");
	if (rc != EX_OK)
		(void)main_fail(&e);
	fputs(buf_str(&out), stdout);
	if (fflush(stdout) != 0)
		rc = EX_IOERR;
	if (rc == EX_OK && req->configure_write)
		rc = main_configure_write(req, &out);
	buf_free(&out);
	buf_free(&notes);
	return rc;
}

static int
main_run(struct cli_request *req)
{
	switch (req->mode) {
	case CLI_MODE_HELP:
		fputs(cli_help_text(), stdout);
		return fflush(stdout) == 0 ? EX_OK : EX_IOERR;
	case CLI_MODE_VERSION:
		return main_version();
	case CLI_MODE_NEWALIASES:
		return EX_OK; /* there is no alias database to rebuild */
	case CLI_MODE_QUEUE_LIST:
		return main_queue_list(req);
	case CLI_MODE_QUEUE_RUN:
		return main_queue_run(req);
	case CLI_MODE_SMTP:
		return main_smtp(req);
	case CLI_MODE_PRINT_CONFIG:
		return main_print_config(req);
	case CLI_MODE_STORE_PASSWORD:
	case CLI_MODE_FORGET_PASSWORD:
		return main_secret(req);
	case CLI_MODE_DOCTOR:
		return main_doctor(req);
	case CLI_MODE_SERVERINFO:
		return main_serverinfo(req);
	case CLI_MODE_CONFIGURE:
		return main_configure(req);
	case CLI_MODE_AUTHORIZE:
		return main_authorize(req);
	case CLI_MODE_SEND:
		break;
	}
	return main_send(req);
}

/*
 * A core file of a process that may hold a password is a leak: no core
 * files, and not dumpable (which also keeps other users' ptrace out).
 */
static void
main_no_core(void)
{
	const struct rlimit none = { 0, 0 };

	(void)setrlimit(RLIMIT_CORE, &none);
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

int
main(int argc, char **argv)
{
	struct cli_request req;
	struct err e;
	int rc;

	main_no_core();
	main_argc = argc;
	main_argv = argv;
	err_clear(&e);
	if (cli_parse(argc, argv, &req, &e) == -1) {
		main_prog = req.prog ? req.prog : main_prog;
		main_lines(&req.warnings, "warning: ");
		rc = main_fail(&e);
	} else {
		main_prog = req.prog;
		main_t0 = main_tprev = req.trace_timing ? log_now_ms() : -1;
		main_lines(&req.warnings, "warning: ");
		rc = main_run(&req);
	}
	cli_free(&req);
	return rc;
}
