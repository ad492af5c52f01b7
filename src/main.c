/*
 * main.c: postern's entry point. It parses the command line (cli.c),
 * runs the mode, and maps the error class of whatever failed to a
 * sysexits(3) code with one line on stderr. It is the only file that
 * exits: the modes return their code to it (main_int.h).
 *
 * Here: --help, --version, --print-config, the keyring's passwords,
 * --authorize, and the terminal output the modes share. Sending and -bs
 * are in main_send.c, the queue in main_queue.c, the probes (--doctor,
 * --serverinfo, --configure) in main_probe.c.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "buf.h"
#include "cli.h"
#include "conf.h"
#include "deliver.h"
#include "err.h"
#include "log.h"
#include "main_int.h"
#include "job.h"
#include "mistake.h"
#include "oauth2.h"
#include "secrets.h"
#include "sysq.h"
#include "util.h"
#include "version.h"
#include "vis.h"

const char *main_prog = "postern";
int main_argc; /* the command line, for the system queue */
char **main_argv;

static double main_t0 = -1, main_tprev; /* --trace-timing, -vv (log.h) */

int
main_fail(const struct err *e)
{
	fprintf(stderr, "%s: %s\n", main_prog,
	    e->text[0] ? e->text : err_class_name(e->cls));
	return err_exit_code(e->cls);
}

/* Each line of b; made visible: --configure's notes quote DNS and servers. */
void
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
int
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

/* A progress line (main_progress) is on the terminal, unfinished. */
static bool main_progress_shown;

/* Clear the progress line before anything else goes to stderr. */
void
main_progress_clear(void)
{
	if (main_progress_shown)
		fputs("\r\033[K", stderr);
	main_progress_shown = false;
}

/* -v: the SMTP transcript on stderr (the engine redacts AUTH). */
void
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

void
main_note(void *arg, const char *line)
{
	(void)arg;
	main_progress_clear();
	fprintf(stderr, "%s: %s\n", main_prog, line);
}

/* On a terminal: entries done / total and bytes, on one line. */
void
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
 * --authorize [ACCOUNT] [--device] [--system]: get and store the
 * tokens, then log in once (no mail) to show they work. With --system
 * (root or the system user): as the system user, the account of the
 * system file, the tokens in the system queue's state directory.
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
	if (req->system && sysq_become_service(&e) == -1) {
		rc = main_fail(&e);
		goto out;
	}
	if ((req->system ? job_load_system(&j, SYSQ_QUEUE, name, &e)
	                 : job_load(&j, name, &e)) == -1) {
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
