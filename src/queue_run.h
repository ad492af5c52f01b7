/*
 * queue_run.h: a queue run (-q, -qf/--flush, --queue-run ID) and
 * --queue-delete.
 *
 * A run goes through every queue directory of the configuration, and in
 * each through the entries account by account: expired entries (older
 * than queue_lifetime) go to failed/ with a bounce notice; due entries
 * go over one connection per account (RSET between messages, a new
 * connection when the server drops it). Per recipient: accepted ones
 * are never sent again, refused ones get a bounce notice (never for the
 * null sender, so never for a bounce), deferred ones are retried with
 * jittered exponential backoff.
 *
 * Holds: when the session fails on authentication, the certificate, the
 * configuration or the password source (keyring unreachable), the
 * account is held: its entries stay, marked "held: REASON", without
 * bounces or backoff; the next run tries one entry first whatever the
 * schedule, and when it goes through the rest follow.
 *
 * Nothing here prints or exits: notes and progress go through callbacks.
 */
#ifndef POSTERN_QUEUE_RUN_H
#define POSTERN_QUEUE_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "deliver.h"
#include "err.h"
#include "smtp.h"

struct queue_run_opts {
	bool flush;          /* ignore the schedule */
	const char *only_id; /* one entry (implies flush), or NULL */
	const struct smtp_trace *trace;
	/* One line for the user (held, expired, damaged, delivered). */
	void (*note)(void *arg, const char *line);
	/* After each entry: entries done/total, bytes done/total. */
	void (*progress)(void *arg, size_t done, size_t total, uint64_t bytes,
	    uint64_t total_bytes);
	void *arg;
};

struct queue_run_stats {
	size_t delivered; /* entries finished with every recipient done */
	size_t deferred;
	size_t held;
	size_t failed; /* expired or refused: moved to failed/ */
	size_t bounced;
	size_t seen; /* entries looked at */
};

/* The distinct queue directories of the configuration's accounts. */
int queue_dirs(const struct conf *, char ***dirs, size_t *n, struct err *);

/* One run. 0, or -1 when a queue directory cannot be read. */
int queue_run(const struct conf *, const struct queue_run_opts *,
    struct queue_run_stats *, struct err *);

/*
 * After a submission went through on ds (submit.h) and the
 * session is still good: the due entries of account a (its queue_dir,
 * held ones included) go over that same session, each locked and
 * handled exactly as a run handles it (envelope, log line, bounce
 * notices); no entry is started after QUEUE_FOLLOW_SECS, and none once
 * the server dropped the session (no new connection). Then QUIT. Nothing
 * is reported: the submission's outcome is the caller's alone.
 */
#define QUEUE_FOLLOW_SECS 10

void queue_run_follow(const struct account *a, struct deliver_session *ds,
    const struct smtp_trace *trace);

/* Remove one entry (waits for its lock). ERR_NOINPUT when not found. */
int queue_delete(const struct conf *, const char *id, struct err *);

#endif
