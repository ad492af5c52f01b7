/*
 * sysq_run.c: the system queue's service (sysq.h): postern -q --system
 * [--watch] and -bp --system. The delivery is the user queue's own
 * (queue_run.h): the same schedule, holds, bounces and log lines; only
 * the configuration (SYSCONFDIR/postern.conf alone) and the queue
 * directory (SYSQ_QUEUE) differ.
 */
#include "config.h"

#include <pwd.h>
#include <time.h>
#include <unistd.h>

#include "queue_list.h"
#include "sysq.h"

/* One round: the configuration afresh, the pickup, the queue run. */
static int
sysq_round(const struct queue_run_opts *q, struct err *e)
{
	struct sysq_pickup_stats ps;
	struct queue_run_stats qs;
	struct conf c;
	int r = -1;

	conf_init(&c);
	if (conf_load_system(&c, SYSQ_QUEUE, e) == -1 ||
	    sysq_pickup(&c, q->note, q->arg, &ps, e) == -1 ||
	    queue_run(&c, q, &qs, e) == -1)
		goto out;
	sysq_status_sync(SYSQ_QUEUE);
	r = 0;
out:
	conf_free(&c);
	return r;
}

int
sysq_run(bool watch, const struct queue_run_opts *q, struct err *e)
{
	int fd, r;

	if (sysq_become_service(e) == -1)
		return -1;
	if (!watch)
		return sysq_round(q, e);
	if ((fd = sysq_watch_open(e)) == -1)
		return -1;
	for (;;) {
		if ((r = sysq_round(q, e)) == -1 && q->note != NULL)
			q->note(q->arg, e->text);
		if (sysq_watch_wait(fd, SYSQ_WATCH_SECS * 1000) == -1) {
			(void)close(fd);
			return err_set(e, ERR_OSERR, "cannot wait on %s",
			    SYSQ_MAILDROP);
		}
	}
}

int
sysq_list(bool json, struct buf *out, struct err *e)
{
	char *dirs[1] = { (char *)SYSQ_QUEUE };
	struct passwd *pw = getpwnam(SYSTEM_USER);

	if (geteuid() != 0 && (pw == NULL || pw->pw_uid != geteuid())) {
		if (json)
			return err_set(e, ERR_USAGE,
			    "--json with --system is for root and the user %s",
			    SYSTEM_USER);
		return sysq_status_list(out, e);
	}
	if (sysq_become_service(e) == -1)
		return -1;
	return queue_list(dirs, 1, json, time(NULL), out, e);
}
