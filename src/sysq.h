/*
 * sysq.h: the system queue (postern(1) SYSTEM QUEUE): how a user with no
 * configuration of their own submits through the set-group-ID helper
 * postern-drop into SPOOLDIR/maildrop, and how the service (postern -q
 * --system, as the system user) picks those files up into the system
 * queue SPOOLDIR/queue, an ordinary queue directory delivered with the
 * accounts of SYSCONFDIR/postern.conf.
 *
 * Trust: the service believes nothing a user wrote but the message and
 * the command-line arguments, and re-parses those with cli_parse as a
 * fresh sendmail command line; the submitting user is the maildrop
 * file's owner, which must match the uid line the helper wrote (drop.h).
 * -C, --dry-run and every mode but sending are refused there.
 *
 * Nothing here prints or exits; notes go through a callback.
 */
#ifndef POSTERN_SYSQ_H
#define POSTERN_SYSQ_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cli.h"
#include "conf.h"
#include "drop.h"
#include "err.h"
#include "queue_env.h"
#include "queue_run.h"
#include "smtp.h"

#define SYSQ_MAILDROP SPOOLDIR "/maildrop"
#define SYSQ_QUEUE SPOOLDIR "/queue"
#define SYSQ_STATUS SPOOLDIR "/status"
#define SYSQ_TMP_STALE (3600) /* unfinished maildrop files older: removed */

/*
 * Whether this submission goes through the system queue: no -C, no
 * configuration file of the caller's own, not --dry-run, and the
 * maildrop exists (the system queue is installed).
 */
bool sysq_wanted(const struct cli_request *);

/*
 * Whether the host has a system account file (SYSCONFDIR/postern.conf)
 * at all; a drop without one waits until the administrator makes it.
 * Only its existence is asked (the submitting user may not read it).
 */
bool sysq_host_configured(void);

/*
 * The record for postern-drop in an anonymous memory file: argv (after
 * argv[0]) and the message read from in_fd (to its end; without -i, to a
 * lone "." line). The descriptor, the message at *msg_off; or -1 with e.
 */
int sysq_record(int argc, char *const argv[], bool ignore_dots, int in_fd,
    off_t *msg_off, struct err *);

/*
 * Hand the record to postern-drop. 0 with id set; -1 with e filled when
 * postern could not run the helper; or -1 with *helper_rc set (non-zero)
 * when the helper refused and said why on standard error.
 */
int sysq_drop(int rec, char id[DROP_ID_LEN + 1], int *helper_rc, struct err *);

/*
 * system_direct (postern.conf(5)): when the system file is readable and
 * the account says so, deliver the record's message now with it, as
 * msmtp would. SYSQ_DIRECT_SENT, SYSQ_DIRECT_DROP (not allowed, or a
 * temporary failure: drop it into the system queue) or
 * SYSQ_DIRECT_FAILED (e: a permanent failure, the caller keeps it).
 */
enum sysq_direct {
	SYSQ_DIRECT_FAILED = -1,
	SYSQ_DIRECT_SENT = 0,
	SYSQ_DIRECT_DROP = 1,
};
enum sysq_direct sysq_direct(const struct cli_request *, int rec, off_t msg_off,
    const struct smtp_trace *, struct err *);

/* postern -q --system run as root: become the system user. */
int sysq_become_service(struct err *);

struct sysq_pickup_stats {
	size_t picked;  /* new entries in the system queue */
	size_t refused; /* maildrop files set aside (x.ID) */
};

/*
 * Move every complete maildrop file into the system queue (c: the
 * system configuration, conf_load_system). An entry already in the
 * queue under the same id (a run stopped after publishing it) only
 * loses its maildrop file. Unfinished files older than SYSQ_TMP_STALE
 * are removed. note (may be NULL) gets one line per refused file.
 */
int sysq_pickup(const struct conf *c, void (*note)(void *, const char *),
    void *arg, struct sysq_pickup_stats *, struct err *);

/* --watch: an inotify descriptor on the maildrop, and a wait on it. */
int sysq_watch_open(struct err *);
/* 1: something arrived, 0: timeout_ms passed, -1: error (errno). */
int sysq_watch_wait(int fd, int timeout_ms);

/*
 * postern -q --system [--watch]: become the system user (when root),
 * then pick up and run the system queue (queue_run with q); with watch,
 * again whenever the maildrop gets a file and at least every
 * SYSQ_WATCH_SECS, until killed. 0, or -1 with e.
 */
#define SYSQ_WATCH_SECS 60

int sysq_run(bool watch, const struct queue_run_opts *q, struct err *);

/*
 * -bp --system: the system queue (root and the system user: queue_list
 * of SYSQ_QUEUE); anyone else: the status of their own entries
 * (sysq_status_list), never the message.
 */
int sysq_list(bool json, struct buf *out, struct err *);

/*
 * The per-entry status files in SYSQ_STATUS (sysq_status.c): put at
 * pickup (readable by uid through an ACL), synced with the queue after
 * each round (rewritten, or removed with their entry), listed for the
 * user who may read them. Failures are ignored: the status is a view.
 */
/*
 * Tell the user (uid) by mail that the maildrop file id was refused for
 * why: a notice from the null sender queued with the default account of
 * c (sysq_notice.c). Nothing happens when no address can be made.
 */
void sysq_notice(const struct conf *c, const char *id, uid_t uid,
    const char *why);

void sysq_status_put(const struct queue_env *, uid_t uid);
void sysq_status_sync(const char *queue_dir);
int sysq_status_list(struct buf *out, struct err *);

#endif
