/*
 * queue_run_int.h: what the two halves of a queue run share: the walk
 * over directories, accounts and sessions (queue_run.c) and the work on
 * one locked entry (queue_run_entry.c). Not for other modules.
 */
#ifndef POSTERN_QUEUE_RUN_INT_H
#define POSTERN_QUEUE_RUN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "attempt.h"
#include "deliver.h"
#include "queue.h"
#include "queue_run.h"

struct qrun_item {
	char *id;
	char *account;
	uint64_t size;
	bool due;
	bool done;
};

/*
 * One locked entry on its way through the run's pipeline: ready (its
 * "sending:" mark is on disk, nothing sent yet), in flight (its
 * commands are written, their replies not read) or landed (replies
 * read, outcome not yet recorded).
 */
struct qrun_slot {
	struct queue_entry q;
	struct attempt at;
	struct err e;
	int64_t was_sending; /* the envelope's mark before this run's */
	uint64_t size;       /* the item's, for the progress line */
	bool used;
};

/* At most two entries are held at once (one in flight, one ready). */
#define QRUN_SLOTS 3

struct qrun {
	const struct conf *conf;
	const struct queue_run_opts *o;
	struct queue_run_stats *st;
	time_t now;
	const char *dir;
	const struct account *acct; /* NULL: not in the configuration */
	const char *acct_name;
	struct deliver_session *ds; /* &own, or the submission's (follow) */
	struct deliver_session own;
	bool open;
	bool follow;             /* after a submission: queue_run_follow */
	uint64_t deadline;       /* follow: no entry starts after (ms) */
	char held[ERR_TEXT_MAX]; /* the account is held this run */
	char down[ERR_TEXT_MAX]; /* its server failed this run: defer */
	size_t nheld;            /* its entries found or put on hold */
	size_t done, total;
	uint64_t bytes, total_bytes;
	struct qrun_slot slots[QRUN_SLOTS];
	struct qrun_slot *ready, *fly, *landed; /* see struct qrun_slot */
};

/* One line for the user through the run's note callback. */
void qrun_note(const struct qrun *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Whether the run handles env now (schedule, hold, expiry, only_id). */
bool qrun_due(const struct qrun *r, const struct queue_env *env);

/*
 * Lock the item's entry and do what it needs: expire it, hold it or
 * defer it; or, to send it over r's session (opened here unless
 * r->follow), mark it "sending" on disk and leave it in r->ready for
 * qrun_launch. Marks the item done.
 */
void qrun_entry(struct qrun *r, struct qrun_item *it);

/*
 * The pipeline of a run (see queue_run_entry.c): qrun_launch reads the
 * replies of the entry in flight, writes the commands of r->ready, and
 * records the landed entry's outcome while they are on their way; the
 * caller then prepares the next entry (qrun_entry) while they are still
 * on their way. qrun_drain ends it: nothing in flight or held after.
 */
void qrun_launch(struct qrun *r);
void qrun_drain(struct qrun *r);

#endif
