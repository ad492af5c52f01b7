/*
 * sysq_direct.c: system_direct (postern.conf(5)), the administrator's
 * msmtp-style choice: a user with no configuration of their own, who can
 * read the system file (the administrator made it readable), delivers
 * with the system account at once; only a temporary failure goes to the
 * system queue through postern-drop. The message is prepared from the
 * same record the helper would get, its spool in a private temporary
 * directory (no home directory needed), removed afterwards.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attempt.h"
#include "deliver.h"
#include "job.h"
#include "oauth2.h"
#include "sysq.h"
#include "util.h"

#define SYSQ_CONF SYSCONFDIR "/postern.conf"

/*
 * The system account, when it allows direct delivery. Not an OAuth2
 * account: its tokens are the service's (in its state directory), so
 * the message goes through the system queue.
 */
static bool
sysq_direct_account(struct job *j, const char *dir)
{
	const char *hint = j->req->sender;
	struct err e;

	if (hint != NULL && hint[0] == '<')
		hint = NULL;
	return conf_load_system(&j->conf, dir, &e) == 0 &&
	    conf_select(&j->conf, j->req->account, hint, &j->acct, &e) == 0 &&
	    j->acct->system_direct && !oauth2_enabled(j->acct);
}

/*
 * The attempt a submission makes (submit.c), without its outcome: 0
 * delivered to every recipient; -1 with e. A refused TLS setup is made
 * temporary (the system queue holds the account, as a run does).
 */
static int
sysq_direct_send(struct job *j, const struct smtp_trace *trace, struct err *e)
{
	struct deliver_session ds;
	struct attempt at;
	int r = -1;

	if (deliver_open(&ds, j->acct, trace, e) == 0) {
		r = attempt_send(&ds, NULL, &j->env, j->fd, &at, e);
		attempt_free(&at);
	} else if (deliver_tls_refused(&ds, e))
		e->temporary = true;
	deliver_close(&ds);
	return r;
}

/* Remove the private directory and the tmp/ job_prepare made in it. */
static void
sysq_direct_rmdir(const char *dir)
{
	char *tmp = util_path_join(dir, "tmp");

	if (tmp != NULL)
		(void)rmdir(tmp);
	free(tmp);
	(void)rmdir(dir);
}

enum sysq_direct
sysq_direct(const struct cli_request *req, int rec, off_t msg_off,
    const struct smtp_trace *trace, struct err *e)
{
	char dir[] = "/tmp/postern-direct.XXXXXX";
	enum sysq_direct r = SYSQ_DIRECT_DROP;
	struct job j;

	if (access(SYSQ_CONF, R_OK) == -1 || mkdtemp(dir) == NULL)
		return SYSQ_DIRECT_DROP;
	job_init(&j, req);
	if (!sysq_direct_account(&j, dir))
		goto out;
	if (lseek(rec, msg_off, SEEK_SET) != msg_off ||
	    job_prepare(&j, rec, e) == -1) {
		r = SYSQ_DIRECT_FAILED;
		goto out;
	}
	if (sysq_direct_send(&j, trace, e) == 0)
		r = SYSQ_DIRECT_SENT;
	else if (!e->temporary)
		r = SYSQ_DIRECT_FAILED;
out:
	job_free(&j);
	sysq_direct_rmdir(dir);
	return r;
}
