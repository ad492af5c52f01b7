/*
 * queue.h: the durable queue (storage): entries on disk, locks, the
 * schedule. Below the engine: nothing here knows of SMTP, accounts or
 * jobs; the submission (submit.h) and the queue run (queue_run.h) sit
 * above it and decide what happens to an entry.
 *
 * Layout of a queue directory (mode 0700, queue_dir in the config):
 *
 *   tmp/          spool files of messages being prepared, envelopes
 *                 being written; anything older than a day is removed
 *   new/ID.msg    the canonical message (CRLF lines)
 *   new/ID.env    its envelope (queue_env.h); published last, so an
 *                 entry exists exactly when its .env does
 *   failed/       entries given up on (permanent failure, lifetime),
 *                 same two files, kept for the user
 *
 * Publishing an entry: fsync the message, write the envelope to tmp/
 * (O_EXCL) and fsync it, rename the message then the envelope into new/,
 * fsync new/. Only then is the entry the queue's responsibility; any
 * failure on the way (ENOSPC, EIO, a failed fsync) removes what was made
 * and returns -1, so nothing half-published is ever sent. Envelope
 * updates are written the same way (tmp, fsync, rename, fsync dir).
 *
 * A process that works on an entry holds flock(LOCK_EX) on its .msg
 * (never replaced, unlike the .env) and reads the envelope only after
 * taking the lock; an entry whose lock is taken is skipped, one whose
 * files vanished meanwhile was finished by someone else. Nothing here
 * prints or exits.
 */
#ifndef POSTERN_QUEUE_H
#define POSTERN_QUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "err.h"
#include "queue_defaults.h"
#include "queue_env.h"

#define QUEUE_STALE_SECS (24 * 3600) /* tmp files older than this go */

/* One entry, locked, with its envelope. */
struct queue_entry {
	char *dir;       /* the queue directory */
	const char *sub; /* "new" or "failed" */
	struct queue_env env;
	int fd;       /* ID.msg, open and locked, or -1 */
	bool damaged; /* the entry is torn: env text in why */
	char why[ERR_TEXT_MAX];
};

/* Create the queue directory and its subdirectories (0700). */
int queue_dir_init(const char *dir, struct err *);

/* A new entry id: the time and random bits, 16 hex digits. */
int queue_id_new(char id[QUEUE_ID_LEN + 1], struct err *);

/*
 * Publish a message file (msg_path, open as msg_fd, in dir/tmp) with env
 * into dir/sub ("new" or "failed"), durably, as described above. The
 * message file is renamed away on success and left alone on failure.
 * ERR_CANTCREAT or ERR_IO.
 */
int queue_publish(const char *dir, const char *sub, struct queue_env *,
    int msg_fd, const char *msg_path, struct err *);

/* The same for a message held in memory (bounce notices). */
int queue_put(const char *dir, struct queue_env *, const char *data, size_t len,
    struct err *);

/* The ids in dir/sub with an envelope, sorted (oldest first). */
int queue_scan(const char *dir, const char *sub, char ***ids, size_t *n,
    struct err *);
void queue_ids_free(char **, size_t);

/*
 * Read an entry without locking it (for listing). 0, or -1: ENOENT as
 * ERR_NOINPUT (it went away), a torn entry as ERR_DATA.
 */
int queue_peek(const char *dir, const char *sub, const char *id,
    struct queue_entry *, struct err *);

/*
 * Lock and read an entry. 1: locked (check damaged); 0: busy or gone;
 * -1: error. wait blocks for the lock instead of skipping.
 */
int queue_lock(const char *dir, const char *sub, const char *id, bool wait,
    struct queue_entry *, struct err *);

/* Rewrite the envelope durably. */
int queue_save(struct queue_entry *, struct err *);

/* Remove the entry (envelope first), or move it to failed/. */
int queue_remove(struct queue_entry *, struct err *);
int queue_fail(struct queue_entry *, struct err *);

/* Move the entry into sub ("new", "failed"): message, envelope, fsync. */
int queue_move(struct queue_entry *, const char *sub, struct err *);

/* Unlock and free (the files stay). */
void queue_entry_free(struct queue_entry *);

/* Remove tmp/ files and orphan new/ID.msg older than QUEUE_STALE_SECS. */
void queue_clean(const char *dir, time_t now);

/*
 * Seconds to wait after the nth failed attempt (n >= 1): min doubling up
 * to max, minus up to a quarter drawn from rnd (jitter). Pure.
 */
int64_t queue_backoff(unsigned n, unsigned min, unsigned max, uint32_t rnd);

/* A random 32-bit number for the jitter. */
uint32_t queue_random(void);

#endif
