/*
 * job.c: the account, the envelope and the spool file for one message
 * (see job.h).
 *
 * The spool file lives in queue_dir/tmp, created 0600 and close-on-exec
 * by mkostemp in a 0700 directory, and holds the canonical message: CRLF line ends, no
 * bare CR or LF, no NUL, header fix-ups applied, long lines re-encoded.
 * It is not fsynced: that happens only when the queue takes the message.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "idn.h"
#include "job.h"
#include "mistake.h"
#include "queue.h"
#include "util.h"

#define JOB_CHUNK (64 * 1024)
#define JOB_ALIASES_MAX (1024 * 1024)

static int
job_load_aliases(struct job *j, struct err *e)
{
	struct buf b;
	int r = -1;

	if (j->acct->aliases == NULL)
		return 0;
	buf_init(&b, JOB_ALIASES_MAX);
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

static int
job_spool_open(struct job *j, struct err *e)
{
	char *dir = NULL;
	int r = -1;

	if (j->acct->queue_dir == NULL)
		return err_set(e, ERR_CONFIG,
		    "no queue_dir and no home directory; set queue_dir");
	if ((dir = util_path_join(j->acct->queue_dir, "tmp")) == NULL ||
	    (j->spool = util_path_join(dir, "spool.XXXXXX")) == NULL) {
		err_set(e, ERR_SOFTWARE, "out of memory");
		goto out;
	}
	if (util_mkdirs(dir, e) == -1)
		goto out;
	if ((j->fd = mkostemp(j->spool, O_CLOEXEC)) == -1) {
		err_set(e, ERR_CANTCREAT,
		    "cannot create a spool file in %s: %s", dir,
		    strerror(errno));
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
job_spool_write(void *arg, const void *data, size_t len, struct err *e)
{
	if (util_write_all(*(int *)arg, data, len) == -1)
		return err_set_temp(e, ERR_IO,
		    "cannot write the spool file: %s", strerror(errno));
	return 0;
}

/*
 * The rare second pass (a body line over 998 octets): the spool file is
 * read back through the preparer into a new one, as quoted-printable.
 */
static int
job_reencode(struct job *j, struct msg *m, char *chunk, struct err *e)
{
	char *old_path = j->spool;
	int old = j->fd, r = -1;
	ssize_t n;

	j->fd = -1;
	j->spool = NULL;
	if (job_spool_open(j, e) == -1 ||
	    msg_reencode_begin(m, job_spool_write, &j->fd, e) == -1)
		goto out;
	if (lseek(old, 0, SEEK_SET) != 0) {
		err_set(e, ERR_IO, "cannot rewind the spool file: %s",
		    strerror(errno));
		goto out;
	}
	while ((n = read(old, chunk, JOB_CHUNK)) != 0) {
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
job_read_message(struct job *j, int in_fd, const struct msg_opts *o,
    struct err *e)
{
	char *chunk = malloc(JOB_CHUNK);
	struct msg *m = NULL;
	ssize_t n;
	int r = -1;

	if (chunk == NULL)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	if (msg_new(&m, o, job_spool_write, &j->fd, e) == -1)
		goto out;
	while (!msg_ended(m) && (n = read(in_fd, chunk, JOB_CHUNK))) {
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
	r = j->res.needs_reencode ? job_reencode(j, m, chunk, e) : 0;
out:
	msg_free(m);
	free(chunk);
	return r;
}

static void
job_msg_opts(const struct job *j, struct msg_opts *o)
{
	const struct account *a = j->acct;
	const char *from = a->from;

	if (conf_from_is_pattern(from))
		from = NULL;
	memset(o, 0, sizeof(*o));
	o->dot_ends_input = !j->req->ignore_dots;
	o->read_recipients = j->req->read_recipients;
	o->envelope_from = j->hdr_sender;
	o->from_full_name =
	    j->req->full_name ? j->req->full_name : a->from_full_name;
	o->account_from = from && j->hdr_from ? j->hdr_from : j->hdr_sender;
	o->msgid_domain = j->msgid_domain;
	o->set_from_header = (enum msg_set_from)a->set_from_header;
	o->set_date_header = a->set_date_header == CONF_HDRA_AUTO;
	o->set_msgid_header = a->set_msgid_header == CONF_HDRA_AUTO;
	o->remove_bcc_headers = a->remove_bcc_headers;
	o->local_domain = j->local_domain;
	o->aliases = j->aliases;
}

/*
 * The envelope sender: -f (unless allow_from_override is off), else the
 * account's from. A bare name ("root", cronie's -f; "root@vm", a host
 * name without a dot, GNU Mailutils' -f) is qualified with local_domain,
 * or replaced by the account's from.
 */
static int
job_sender(struct job *j, struct err *e)
{
	const struct account *a = j->acct;
	bool unq = false;
	char *s = NULL;

	if (j->req->sender != NULL && a->allow_from_override &&
	    addr_parse_envelope(j->req->sender, true, &s, &unq, e) == -1)
		return -1;
	if (s != NULL && !unq)
		unq = mistake_bare_host(s); /* root@vm: a bare name */
	if (s != NULL && unq && j->local_domain != NULL) {
		if (asprintf(&j->sender, "%s@%s", s, j->local_domain) == -1)
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
job_rcpts(struct job *j, struct err *e)
{
	struct addr_list in;
	size_t i, k;
	int r = -1;

	addr_list_init(&in, CLI_RCPTS_MAX);
	for (i = 0; i < j->req->nrcpts; i++)
		if (addr_parse_list(j->req->rcpts[i], strlen(j->req->rcpts[i]),
		        &in, e) == -1)
			goto out;
	if (addr_resolve(&in, j->aliases, j->local_domain, &j->rcpts, e) == -1)
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
		    "no recipients: none on the command line and none in To, Cc or Bcc");
		goto out;
	}
	r = 0;
out:
	addr_list_free(&in);
	return r;
}

int
job_copy_message(const struct job *j, FILE *out, struct err *e)
{
	char *chunk = malloc(JOB_CHUNK);
	ssize_t n = -1;

	if (chunk == NULL)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	if (lseek(j->fd, 0, SEEK_SET) == 0)
		while ((n = read(j->fd, chunk, JOB_CHUNK)) > 0)
			if (fwrite(chunk, 1, (size_t)n, out) != (size_t)n)
				break;
	free(chunk);
	if (n != 0 || fflush(out) != 0)
		return err_set(e, ERR_IO, "cannot copy the message: %s",
		    strerror(errno));
	return 0;
}

/*
 * The envelope's DSN parameters: RET from -R or dsn_return, NOTIFY from
 * -N or dsn_notify in upper case ("FAILURE,DELAY"), none when off.
 */
static int
job_dsn(struct job *j, struct err *e)
{
	const struct cli_request *q = j->req;
	const char *n =
	    q->dsn_notify ? q->dsn_notify : conf_dsn_notify(j->acct);
	char *p;

	if (queue_env_set(&j->env.dsn_ret,
	        q->dsn_return
	            ? q->dsn_return
	            : conf_dsn_ret_keyword(j->acct->dsn_return)) == -1)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	if (n == NULL)
		return 0;
	if (queue_env_set(&j->env.dsn_notify, n) == -1)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	for (p = j->env.dsn_notify; *p != '\0'; p++)
		*p = (char)toupper((unsigned char)*p);
	return 0;
}

/* local_domain in A-labels ("例え.jp" -> "xn--r8jz45g.jp"). */
static int
job_local_domain(struct job *j, struct err *e)
{
	char dom[IDN_NAME_MAX];

	if (j->acct->local_domain == NULL)
		return 0;
	if (idn_to_ascii("local_domain", j->acct->local_domain, dom,
	        sizeof(dom), e) == -1)
		return -1;
	if ((j->local_domain = strdup(dom)) == NULL)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	return 0;
}

/*
 * addr as postern writes it into the header: the domain in A-labels, so
 * that the message needs no SMTPUTF8 for it; an address whose local part
 * is not ASCII needs SMTPUTF8 anyway and stays as it is.
 */
static int
job_hdr_addr(const char *addr, char **out, struct err *e)
{
	if (idn_addr_local_ascii(addr))
		return idn_addr_to_ascii(addr, out, e);
	if ((*out = strdup(addr)) == NULL)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	return 0;
}

/* The header forms of the sender and from, the Message-ID domain. */
static int
job_hdr_forms(struct job *j, struct err *e)
{
	const char *from = j->acct->from, *at;
	char *a = NULL;

	if (job_hdr_addr(j->sender, &j->hdr_sender, e) == -1)
		return -1;
	if (from != NULL && !conf_from_is_pattern(from) &&
	    job_hdr_addr(from, &j->hdr_from, e) == -1)
		return -1;
	from = *j->sender ? j->sender : j->acct->from;
	if (from == NULL || idn_is_ascii(from) ||
	    idn_addr_to_ascii(from, &a, e) == -1)
		return 0; /* msg's default; a bad from is refused later */
	at = strrchr(a, '@');
	if (at != NULL && at[1] != '\0' &&
	    (j->msgid_domain = strdup(at + 1)) == NULL) {
		free(a);
		return err_set(e, ERR_SOFTWARE, "out of memory");
	}
	free(a);
	return 0;
}

/* Envelope addresses whose domain libidn2 refuses: name the first. */
static int
job_check_idn(const struct job *j, struct err *e)
{
	char *a = NULL;
	size_t i;

	if (idn_addr_to_ascii(j->sender, &a, e) == -1)
		return -1;
	free(a);
	for (i = 0; i < j->rcpts.n; i++) {
		if (idn_addr_to_ascii(j->rcpts.v[i].spec, &a, e) == -1)
			return -1;
		free(a);
	}
	return 0;
}

/* The entry's envelope: a new id, due now, every recipient pending. */
static int
job_env(struct job *j, struct err *e)
{
	struct queue_env *env = &j->env;
	time_t now = time(NULL);
	size_t i;

	if (queue_id_new(env->id, e) == -1)
		return -1;
	env->created = env->next_attempt = now;
	env->size = j->res.size;
	env->has_8bit = j->res.has_8bit;
	env->smtputf8 = j->res.needs_smtputf8;
	if (queue_env_set(&env->account, j->acct->name) == -1 ||
	    queue_env_set(&env->sender, j->sender) == -1 ||
	    queue_env_set(&env->envid, j->req->envid) == -1)
		return err_set(e, ERR_SOFTWARE, "cannot build the envelope");
	for (i = 0; i < j->rcpts.n; i++)
		if (queue_env_add_rcpt(env, j->rcpts.v[i].spec,
		        QUEUE_RCPT_PENDING, NULL) == -1)
			return err_set(e, ERR_SOFTWARE,
			    "cannot build the envelope");
	return 0;
}

/* Everything between the account and the SMTP session. */
int
job_prepare(struct job *j, int in_fd, struct err *e)
{
	struct msg_opts o;

	if (job_local_domain(j, e) == -1 || job_sender(j, e) == -1 ||
	    job_hdr_forms(j, e) == -1 || job_load_aliases(j, e) == -1 ||
	    job_dsn(j, e) == -1 || job_spool_open(j, e) == -1)
		return -1;
	job_msg_opts(j, &o);
	if (job_read_message(j, in_fd, &o, e) == -1 || job_rcpts(j, e) == -1 ||
	    job_check_idn(j, e) == -1)
		return -1;
	return job_env(j, e);
}

void
job_init(struct job *j, const struct cli_request *req)
{
	memset(j, 0, sizeof(*j));
	j->req = req;
	j->fd = -1;
	conf_init(&j->conf);
	addr_list_init(&j->rcpts, CLI_RCPTS_MAX);
	queue_env_init(&j->env);
}

void
job_free(struct job *j)
{
	if (j->fd != -1)
		(void)close(j->fd);
	if (j->spool != NULL)
		(void)unlink(j->spool);
	free(j->spool);
	queue_env_free(&j->env);
	free(j->sender);
	free(j->local_domain);
	free(j->hdr_sender);
	free(j->hdr_from);
	free(j->msgid_domain);
	addr_aliases_free(j->aliases);
	addr_list_free(&j->rcpts);
	if (j->have_res)
		msg_result_free(&j->res);
	conf_free(&j->conf);
}

/* The account for name (or -f's hint, or the default) in j->conf. */
static int
job_select(struct job *j, const char *name, struct err *e)
{
	const char *hint = j->req->sender;

	if (hint != NULL && hint[0] == '<')
		hint = NULL; /* cli stripped <>; "<x" is not an address */
	if (conf_select(&j->conf, name, hint, &j->acct, e) == -1)
		return -1;
	/* "account default : isp" with no key of its own is isp: the queue
	 * entry, the log and every message name the account the user made. */
	j->acct = mistake_real(&j->conf, j->acct);
	return 0;
}

int
job_load(struct job *j, const char *name, struct err *e)
{
	if (conf_load(&j->conf, j->req->config_file, e) == -1)
		return -1;
	return job_select(j, name, e);
}

int
job_load_system(struct job *j, const char *queue_dir, const char *name,
    struct err *e)
{
	if (conf_load_system(&j->conf, queue_dir, e) == -1)
		return -1;
	return job_select(j, name, e);
}
