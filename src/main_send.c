/*
 * main_send.c: the sending modes of main.c (main_int.h): -bm and
 * --dry-run (job.c prepares, submit.c sends, attempt.c prints the dry
 * run), -bs (bs.c), and the system queue's postern-drop for a user with
 * no configuration (sysq.h).
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

#include <signal.h>
#include <stdio.h>
#include <sysexits.h>
#include <unistd.h>

#include "attempt.h"
#include "bounce_submit.h"
#include "bs.h"
#include "buf.h"
#include "cli.h"
#include "err.h"
#include "job.h"
#include "main_int.h"
#include "mistake.h"
#include "queue.h"
#include "secrets.h"
#include "submit.h"
#include "sysq.h"

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
int
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
 * Neither the user nor the host has an account: the message is kept in
 * the system queue; say how to make one (issue 17 item 9).
 */
static void
main_no_account(const char *id)
{
	fprintf(stderr,
	    "%s: queued %s in the system queue, but this host has no account (%s): it waits there until the administrator makes one (postern.conf(5)); for your own mail, make an account with postern --configure you@example.org --write, or copy doc/config.example or one of contrib/accounts to ~/.config/postern/config\n",
	    main_prog, id, SYSCONFDIR "/postern.conf");
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
	else if (!sysq_host_configured())
		main_no_account(id);
	else if (req->verbose)
		fprintf(stderr, "%s: queued %s in the system queue\n",
		    main_prog, id);
out:
	(void)close(rec);
	return rc;
}

/* -bm and --dry-run. */
int
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
