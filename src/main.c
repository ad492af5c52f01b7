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
 * the envelope and the exact message bytes (--dry-run) or hand them to
 * the SMTP session. The spool file is always removed at the end.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "addr.h"
#include "buf.h"
#include "cli.h"
#include "conf.h"
#include "err.h"
#include "msg.h"
#include "util.h"
#include "version.h"

#define MAIN_CHUNK (64 * 1024)
#define MAIN_ALIASES_MAX (1024 * 1024)

/* Everything one submission holds; main_job_free releases it. */
struct main_job {
	struct cli_request *req;
	struct conf conf;
	const struct account *acct;
	char *sender; /* envelope sender, "" for <> */
	struct addr_aliases *aliases;
	struct addr_list rcpts; /* envelope recipients */
	struct msg_result res;
	bool have_res;
	int fd; /* the spool file */
	char *spool;
};

static const char *main_prog = "postern";

static int
main_fail(const struct err *e)
{
	fprintf(stderr, "%s: %s\n", main_prog,
	    e->text[0] ? e->text : err_class_name(e->cls));
	return err_exit_code(e->cls);
}

static void
main_lines(const struct buf *b, const char *what)
{
	const char *p = buf_str(b), *nl;

	for (; *p != '\0' && (nl = strchr(p, '\n')) != NULL; p = nl + 1)
		fprintf(stderr, "%s: %s%.*s\n", main_prog, what, (int)(nl - p),
		    p);
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

static int
main_load_aliases(struct main_job *j, struct err *e)
{
	struct buf b;
	int r = -1;

	if (j->acct->aliases == NULL)
		return 0;
	buf_init(&b, MAIN_ALIASES_MAX);
	if (conf_read_file(j->acct->aliases, &b, e) == -1)
		goto out;
	if (addr_aliases_parse(b.data ? b.data : "", b.len, &j->aliases, e)) {
		char why[ERR_TEXT_MAX];

		(void)strlcpy(why, e->text, sizeof(why));
		err_set(e, ERR_CONFIG, "%s: %s", j->acct->aliases, why);
		goto out;
	}
	r = 0;
out:
	buf_free(&b);
	return r;
}

/* mkdir -p with mode 0700 for every missing component. */
static int
main_mkdirs(const char *path, struct err *e)
{
	char tmp[4096];
	char *p;

	if (strlcpy(tmp, path, sizeof(tmp)) >= sizeof(tmp))
		return err_set(e, ERR_CANTCREAT, "path too long: %s", path);
	for (p = tmp + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) == -1 && errno != EEXIST)
			return err_set(e, ERR_CANTCREAT, "cannot create %s: %s",
			    tmp, strerror(errno));
		if (path[p - tmp] == '\0')
			return 0;
		*p = '/';
	}
}

static int
main_spool_open(struct main_job *j, struct err *e)
{
	char *dir = NULL;
	int r = -1;

	if (j->acct->queue_dir == NULL)
		return err_set(e, ERR_CONFIG,
		    "no queue_dir and no home "
		    "directory; set queue_dir");
	if ((dir = util_path_join(j->acct->queue_dir, "tmp")) == NULL ||
	    (j->spool = util_path_join(dir, "spool.XXXXXX")) == NULL) {
		err_set(e, ERR_SOFTWARE, "out of memory");
		goto out;
	}
	if (main_mkdirs(dir, e) == -1)
		goto out;
	if ((j->fd = mkstemp(j->spool)) == -1) {
		err_set(e, ERR_CANTCREAT,
		    "cannot create a spool file in %s: "
		    "%s",
		    dir, strerror(errno));
		free(j->spool);
		j->spool = NULL;
		goto out;
	}
	r = 0;
out:
	free(dir);
	return r;
}

static int
main_spool_write(void *arg, const void *data, size_t len, struct err *e)
{
	const char *p = data;
	int fd = *(int *)arg;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return err_set_temp(e, ERR_IO,
			    "cannot write the spool "
			    "file: %s",
			    strerror(errno));
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * The rare second pass (a body line over 998 octets): the spool file is
 * read back through the preparer into a new one, as quoted-printable.
 */
static int
main_reencode(struct main_job *j, struct msg *m, char *chunk, struct err *e)
{
	char *old_path = j->spool;
	int old = j->fd, r = -1;
	ssize_t n;

	j->fd = -1;
	j->spool = NULL;
	if (main_spool_open(j, e) == -1 ||
	    msg_reencode_begin(m, main_spool_write, &j->fd, e) == -1)
		goto out;
	if (lseek(old, 0, SEEK_SET) != 0) {
		err_set(e, ERR_IO, "cannot rewind the spool file: %s",
		    strerror(errno));
		goto out;
	}
	while ((n = read(old, chunk, MAIN_CHUNK)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			err_set(e, ERR_IO, "cannot read the spool file: %s",
			    strerror(errno));
			goto out;
		}
		if (msg_reencode_feed(m, chunk, (size_t)n, e) == -1)
			goto out;
	}
	r = msg_reencode_finish(m, &j->res, e);
out:
	(void)close(old);
	(void)unlink(old_path);
	free(old_path);
	return r;
}

/* stdin through the preparer into the spool file. */
static int
main_prepare(struct main_job *j, const struct msg_opts *o, struct err *e)
{
	char *chunk = malloc(MAIN_CHUNK);
	struct msg *m = NULL;
	ssize_t n;
	int r = -1;

	if (chunk == NULL)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	if (msg_new(&m, o, main_spool_write, &j->fd, e) == -1)
		goto out;
	while (!msg_ended(m) && (n = read(STDIN_FILENO, chunk, MAIN_CHUNK))) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			err_set(e, ERR_IO, "cannot read the message: %s",
			    strerror(errno));
			goto out;
		}
		if (msg_feed(m, chunk, (size_t)n, e) == -1)
			goto out;
	}
	if (msg_finish(m, &j->res, e) == -1)
		goto out;
	j->have_res = true;
	r = j->res.needs_reencode ? main_reencode(j, m, chunk, e) : 0;
out:
	msg_free(m);
	free(chunk);
	return r;
}

static void
main_msg_opts(const struct main_job *j, struct msg_opts *o)
{
	const struct account *a = j->acct;
	const char *from = a->from;

	if (from != NULL && strpbrk(from, "?*[") != NULL)
		from = NULL;
	memset(o, 0, sizeof(*o));
	o->dot_ends_input = !j->req->ignore_dots;
	o->read_recipients = j->req->read_recipients;
	o->envelope_from = j->sender;
	o->from_full_name =
	    j->req->full_name ? j->req->full_name : a->from_full_name;
	o->account_from = from ? from : j->sender;
	o->set_from_header = (enum msg_set_from)a->set_from_header;
	o->set_date_header = a->set_date_header == CONF_HDRA_AUTO;
	o->set_msgid_header = a->set_msgid_header == CONF_HDRA_AUTO;
	o->remove_bcc_headers = a->remove_bcc_headers;
	o->local_domain = a->local_domain;
	o->aliases = j->aliases;
}

/*
 * The envelope sender: -f (unless allow_from_override is off), else the
 * account's from. A bare name ("root", cronie's -f) is qualified with
 * local_domain, or replaced by the account's from.
 */
static int
main_sender(struct main_job *j, struct err *e)
{
	const struct account *a = j->acct;
	bool unq = false;
	char *s = NULL;

	if (j->req->sender != NULL && a->allow_from_override &&
	    addr_parse_envelope(j->req->sender, true, &s, &unq, e) == -1)
		return -1;
	if (s != NULL && unq && a->local_domain != NULL) {
		if (asprintf(&j->sender, "%s@%s", s, a->local_domain) == -1)
			j->sender = NULL;
		free(s);
		return j->sender ? 0
		                 : err_set(e, ERR_SOFTWARE, "out of memory");
	}
	if (s != NULL && !unq) {
		j->sender = s;
		return 0;
	}
	free(s);
	if (conf_check_send(a, false, e) == -1)
		return -1;
	return addr_parse_envelope(a->from, false, &j->sender, &unq, e);
}

/* argv recipients (each an address list), resolved, then -t's. */
static int
main_rcpts(struct main_job *j, struct err *e)
{
	struct addr_list in;
	size_t i, k;
	int r = -1;

	addr_list_init(&in, CLI_RCPTS_MAX);
	for (i = 0; i < j->req->nrcpts; i++)
		if (addr_parse_list(j->req->rcpts[i], strlen(j->req->rcpts[i]),
		        &in, e) == -1)
			goto out;
	if (addr_resolve(&in, j->aliases, j->acct->local_domain, &j->rcpts,
	        e) == -1)
		goto out;
	for (i = 0; i < j->res.rcpts.n; i++) {
		for (k = 0; k < j->rcpts.n; k++)
			if (strcmp(j->rcpts.v[k].spec,
			        j->res.rcpts.v[i].spec) == 0)
				break;
		if (k == j->rcpts.n &&
		    addr_list_add(&j->rcpts, j->res.rcpts.v[i].spec, NULL, NULL,
		        e) == -1)
			goto out;
	}
	if (j->rcpts.n == 0) {
		err_set(e, ERR_NOUSER,
		    "no recipients: none on the command "
		    "line and none in To, Cc or Bcc");
		goto out;
	}
	r = 0;
out:
	addr_list_free(&in);
	return r;
}

static int
main_copy_spool(struct main_job *j, struct err *e)
{
	char *chunk = malloc(MAIN_CHUNK);
	ssize_t n = -1;

	if (chunk == NULL)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	if (lseek(j->fd, 0, SEEK_SET) == 0)
		while ((n = read(j->fd, chunk, MAIN_CHUNK)) > 0)
			if (fwrite(chunk, 1, (size_t)n, stdout) != (size_t)n)
				break;
	free(chunk);
	if (n != 0 || fflush(stdout) != 0)
		return err_set(e, ERR_IO,
		    "cannot copy the message to "
		    "standard output: %s",
		    strerror(errno));
	return 0;
}

/* " NOTIFY=FAILURE,DELAY" from -N or dsn_notify; "" when off. */
static int
main_notify(const struct main_job *j, struct buf *b)
{
	const char *n =
	    j->req->dsn_notify ? j->req->dsn_notify : j->acct->dsn_notify;
	size_t i;

	if (n == NULL || strcasecmp(n, "off") == 0)
		return 0;
	if (buf_add_str(b, " NOTIFY=") == -1)
		return -1;
	for (i = 0; n[i] != '\0'; i++)
		if (buf_add_char(b, (char)toupper((unsigned char)n[i])) == -1)
			return -1;
	return 0;
}

/* The MAIL and RCPT lines as the session would send them. */
static int
main_envelope(const struct main_job *j, struct buf *b)
{
	static const char *const ret[] = { NULL, "HDRS", "FULL" };
	const struct cli_request *q = j->req;
	const char *r =
	    q->dsn_return ? q->dsn_return : ret[j->acct->dsn_return];
	size_t i;

	if (buf_printf(b, "MAIL FROM:<%s>%s%s", j->sender,
	        j->res.has_8bit ? " BODY=8BITMIME" : "",
	        j->res.needs_smtputf8 ? " SMTPUTF8" : "") == -1 ||
	    (r && buf_printf(b, " RET=%s", r) == -1) ||
	    (q->envid && buf_printf(b, " ENVID=%s", q->envid) == -1) ||
	    buf_add_char(b, '\n') == -1)
		return -1;
	for (i = 0; i < j->rcpts.n; i++)
		if (buf_printf(b, "RCPT TO:<%s>", j->rcpts.v[i].spec) == -1 ||
		    main_notify(j, b) == -1 || buf_add_char(b, '\n') == -1)
			return -1;
	return 0;
}

/* --dry-run: the envelope, a blank line, the exact message bytes. */
static int
main_dry_run(struct main_job *j, struct err *e)
{
	struct buf b;
	int r;

	buf_init(&b, (size_t)CLI_RCPTS_MAX * 600);
	if (main_envelope(j, &b) == -1) {
		buf_free(&b);
		return err_set(e, ERR_SOFTWARE, "out of memory");
	}
	fputs(buf_str(&b), stdout);
	fputs("\n", stdout);
	buf_free(&b);
	r = main_copy_spool(j, e);
	return r;
}

static void
main_job_init(struct main_job *j, struct cli_request *req, struct err *e)
{
	memset(j, 0, sizeof(*j));
	j->req = req;
	j->fd = -1;
	conf_init(&j->conf);
	addr_list_init(&j->rcpts, CLI_RCPTS_MAX);
	err_clear(e);
}

static void
main_job_free(struct main_job *j)
{
	if (j->fd != -1)
		(void)close(j->fd);
	if (j->spool != NULL)
		(void)unlink(j->spool);
	free(j->spool);
	free(j->sender);
	addr_aliases_free(j->aliases);
	addr_list_free(&j->rcpts);
	if (j->have_res)
		msg_result_free(&j->res);
	conf_free(&j->conf);
}

static void
main_verbose(const struct main_job *j)
{
	if (j->req->verbose == 0)
		return;
	main_lines(&j->conf.notes, "");
	fprintf(stderr, "%s: using account %s (%s:%u)\n", main_prog,
	    j->acct->name, j->acct->where.file ? j->acct->where.file : "-",
	    j->acct->where.line);
}

static int
main_load(struct main_job *j, const char *name, struct err *e)
{
	const char *hint = j->req->sender;

	if (conf_load(&j->conf, j->req->config_file, e) == -1)
		return -1;
	if (hint != NULL && hint[0] == '<')
		hint = NULL; /* cli stripped <>; "<x" is not an address */
	if (conf_select(&j->conf, name, hint, &j->acct, e) == -1)
		return -1;
	main_verbose(j);
	return 0;
}

/* -bm and --dry-run. */
static int
main_send(struct cli_request *req)
{
	struct main_job j;
	struct msg_opts o;
	struct err e;
	int rc;

	main_job_init(&j, req, &e);
	if (main_load(&j, req->account, &e) == -1) {
		rc = main_conf_fail(&j.conf, &e);
		goto out;
	}
	if (main_sender(&j, &e) == -1 || main_load_aliases(&j, &e) == -1 ||
	    main_spool_open(&j, &e) == -1)
		goto fail;
	main_msg_opts(&j, &o);
	if (main_prepare(&j, &o, &e) == -1 || main_rcpts(&j, &e) == -1)
		goto fail;
	if (req->dry_run) {
		rc = main_dry_run(&j, &e) == -1 ? main_fail(&e) : EX_OK;
		goto out;
	}
	err_set(&e, ERR_UNAVAILABLE,
	    "sending is not available in this build "
	    "yet; nothing was sent (try --dry-run)");
fail:
	rc = main_fail(&e);
out:
	main_job_free(&j);
	return rc;
}

/* --print-config [ACCOUNT] */
static int
main_print_config(struct cli_request *req)
{
	struct main_job j;
	struct buf out;
	struct err e;
	int rc = EX_OK;

	main_job_init(&j, req, &e);
	buf_init(&out, 1024 * 1024);
	if (main_load(&j,
	        req->print_account ? req->print_account : req->account,
	        &e) == -1)
		rc = main_conf_fail(&j.conf, &e);
	else if (conf_print(j.acct, &out) == -1)
		rc = err_exit_code(ERR_SOFTWARE);
	else {
		fputs(buf_str(&out), stdout);
		if (fflush(stdout) != 0)
			rc = EX_IOERR;
	}
	buf_free(&out);
	main_job_free(&j);
	return rc;
}

static int
main_not_yet(const char *what, const char *issue)
{
	fprintf(stderr,
	    "%s: %s is not available yet (it comes with %s); "
	    "nothing was done\n",
	    main_prog, what, issue);
	return EX_USAGE;
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
		return main_not_yet("listing the queue (mailq, -bp)",
		    "the queue");
	case CLI_MODE_QUEUE_RUN:
		return main_not_yet("running the queue (-q)", "the queue");
	case CLI_MODE_SMTP:
		return main_not_yet("SMTP on standard input (-bs)",
		    "the submission engine");
	case CLI_MODE_PRINT_CONFIG:
		return main_print_config(req);
	case CLI_MODE_SEND:
		break;
	}
	return main_send(req);
}

int
main(int argc, char **argv)
{
	struct cli_request req;
	struct err e;
	int rc;

	err_clear(&e);
	if (cli_parse(argc, argv, &req, &e) == -1) {
		main_prog = req.prog ? req.prog : main_prog;
		main_lines(&req.warnings, "warning: ");
		rc = main_fail(&e);
	} else {
		main_prog = req.prog;
		main_lines(&req.warnings, "warning: ");
		rc = main_run(&req);
	}
	cli_free(&req);
	return rc;
}
