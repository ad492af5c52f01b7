/*
 * bs.c: -bs for real (see bs.h): the session's transaction operations
 * as jobs (job.h) handed to the submission (submit.h).
 *
 * Each transaction is a message as -bm would send it: a request copied
 * from the command line (-C, -a, -F, -N, -R, -V and -v are kept) with
 * MAIL FROM as the -f sender (so it also chooses the account, as -f
 * does), the RCPT addresses as the argv recipients, -t off, and -i on
 * (a "." line inside the DATA bytes is data). At MAIL the configuration
 * is loaded and the account chosen; at DATA the message bytes go to an
 * unlinked file in the account's queue_dir/tmp; at the end of data
 * job_prepare turns them into the canonical spool file and
 * bs_submit_one hands it to the queue (delivered now, or queued on a
 * temporary failure). The reply to the end of data is the outcome.
 */
#include "config.h"

#include <fcntl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bounce_submit.h"
#include "bs.h"
#include "job.h"
#include "queue.h"
#include "submit.h"
#include "util.h"

/* The state of the real operations: one transaction at a time. */
struct bs_real {
	const struct cli_request *req;  /* the command line */
	const struct smtp_trace *trace; /* -v, or NULL */
	struct cli_request mreq;        /* this message's request */
	struct job job;
	bool have_job;
	struct submit_keep keep; /* the upstream session across messages */
};

/*
 * Submit one prepared job through the queue (queue.h: deliver now, queue
 * on a temporary failure) and turn the outcome into the reply to the end
 * of data: 250 once postern took responsibility (delivered, or durably
 * queued: "queued as ID"), and also when the server took the message for
 * some recipients and refused others (the reply names the refused ones:
 * a 5xx would make the client send it again to those who have it);
 * otherwise the server's 4xx/5xx (bs_reply_for_err). The one place where
 * a message leaves the -bs session.
 */
/*
 * 250 for a message some recipients took and others refused: the reply
 * names the refused ones, and, as any MTA that said 250 owes it, a
 * bounce notice goes to the sender (bounce_submit.h).
 */
static void
bs_partial(const struct job *j, const struct err *e, char *reply, size_t cap)
{
	char id[QUEUE_ID_LEN + 1];
	struct err be;

	err_clear(&be);
	if (e->cls == ERR_NOUSER && bounce_submit(j, id, &be) == 1)
		(void)snprintf(reply, cap,
		    "250 2.0.0 Ok: %s; bounce notice queued as %s", e->text,
		    id);
	else
		(void)snprintf(reply, cap, "250 2.0.0 Ok: %s", e->text);
}

static int
bs_submit_one(struct job *j, const struct smtp_trace *trace,
    struct submit_keep *k, char *reply, size_t cap, struct err *e)
{
	struct submit sub;
	int r;

	r = submit_job(j, trace, k, &sub, e);
	if (r == 0 && sub.outcome == SUBMIT_QUEUED)
		(void)snprintf(reply, cap, "250 2.0.0 Ok: queued as %s: %s",
		    sub.id, sub.why);
	else if (r == 0)
		(void)snprintf(reply, cap,
		    "250 2.0.0 Ok: delivered to %zu recipient%s; the server said: %s",
		    sub.naccepted, sub.naccepted == 1 ? "" : "s", sub.reply);
	else if (sub.naccepted > 0)
		bs_partial(j, e, reply, cap);
	else
		bs_reply_for_err(e, reply, cap);
	return r;
}

static int
bs_real_mail(void *arg, const char *sender, struct err *e)
{
	struct bs_real *b = arg;

	b->mreq = *b->req;
	buf_init(&b->mreq.warnings, 0); /* the command line's, not ours */
	b->mreq.mode = CLI_MODE_SEND;
	b->mreq.rcpts = NULL;
	b->mreq.nrcpts = 0;
	b->mreq.read_recipients = false;
	b->mreq.ignore_dots = true;
	b->mreq.dry_run = false;
	if ((b->mreq.sender = strdup(sender)) == NULL)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	job_init(&b->job, &b->mreq);
	b->have_job = true;
	err_clear(e);
	return job_load(&b->job, b->req->account, e);
}

/* An unlinked file in the account's queue_dir/tmp for the DATA bytes. */
static int
bs_real_spool(void *arg, int *fd, struct err *e)
{
	struct bs_real *b = arg;
	char *dir = NULL, *path = NULL;
	int r = -1;

	*fd = -1;
	err_clear(e);
	if (b->job.acct->queue_dir == NULL)
		return err_set(e, ERR_CONFIG,
		    "no queue_dir and no home directory; set queue_dir");
	if ((dir = util_path_join(b->job.acct->queue_dir, "tmp")) == NULL ||
	    (path = util_path_join(dir, "bs.XXXXXX")) == NULL) {
		err_set(e, ERR_SOFTWARE, "out of memory");
		goto out;
	}
	if (util_mkdirs(dir, e) == -1)
		goto out;
	if ((*fd = mkostemp(path, O_CLOEXEC)) == -1) {
		err_set_temp(e, ERR_CANTCREAT, "cannot create a file in %s: %s",
		    dir, strerror(errno));
		goto out;
	}
	(void)unlink(path);
	r = 0;
out:
	free(path);
	free(dir);
	return r;
}

static int
bs_real_submit(void *arg, char **rcpts, size_t nrcpts, int fd, char *reply,
    size_t cap, struct err *e)
{
	struct bs_real *b = arg;

	err_clear(e);
	b->mreq.rcpts = rcpts;
	b->mreq.nrcpts = nrcpts;
	if (lseek(fd, 0, SEEK_SET) != 0)
		err_set_temp(e, ERR_IO, "cannot rewind the message file: %s",
		    strerror(errno));
	else if (job_prepare(&b->job, fd, e) == 0)
		return bs_submit_one(&b->job, b->trace, &b->keep, reply, cap,
		    e);
	bs_reply_for_err(e, reply, cap);
	return -1;
}

static void
bs_real_end(void *arg)
{
	struct bs_real *b = arg;

	if (b->have_job)
		job_free(&b->job);
	b->have_job = false;
	free(b->mreq.sender);
	b->mreq.sender = NULL;
	b->mreq.rcpts = NULL;
	b->mreq.nrcpts = 0;
}

int
bs_run(const struct cli_request *req, int in_fd, int out_fd,
    const struct smtp_trace *trace, struct err *e)
{
	struct bs_real b = { .req = req, .trace = trace };
	const struct bs_ops ops = { bs_real_mail, bs_real_spool, bs_real_submit,
		bs_real_end, &b };
	struct bs_session s;
	char host[256];
	int r;

	if (gethostname(host, sizeof(host)) != 0 || host[0] == '\0')
		(void)strlcpy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	err_clear(e);
	submit_keep_init(&b.keep);
	bs_session_init(&s, host, &ops, trace);
	r = bs_serve(&s, in_fd, out_fd, e);
	bs_session_free(&s);
	bs_real_end(&b);
	submit_keep_close(&b.keep); /* QUIT upstream */
	if (r == 0 && s.nfailed > 0) {
		*e = s.last;
		r = -1;
	}
	return r;
}
