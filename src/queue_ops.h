/*
 * queue_ops.h: the queue operable by a person. Resending and removing
 * the entries kept in failed/ (--queue-run ID and --queue-delete ID on a
 * failed entry, --requeue-failed and --purge-failed [ACCOUNT]), and what
 * a -q run leaves for later (the entries not due yet).
 *
 * Queued again, an entry is as a new submission: in new/, due now, a
 * new lifetime, no error, every recipient not yet sent to pending (the
 * refused ones included: the user fixed what refused them). Each entry
 * is locked while it moves (queue.h). Nothing here prints or exits.
 */
#ifndef POSTERN_QUEUE_OPS_H
#define POSTERN_QUEUE_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "conf.h"
#include "err.h"

/*
 * The failed entry id, in any queue directory of the configuration:
 * queued again, or removed (purge). 1 done, 0 no such failed entry, -1
 * with e (a damaged entry cannot be queued again: ERR_DATA).
 */
int queue_failed_id(const struct conf *, const char *id, bool purge,
    struct err *);

/*
 * Every failed entry of account (the name in the envelope; NULL: all):
 * queued again or removed; *done counts them. 0, or -1 with e.
 */
int queue_failed_all(const struct conf *, const char *account, bool purge,
    size_t *done, struct err *);

/* --queue-delete: the entry in new/, else in failed/. ERR_NOINPUT. */
int queue_delete_any(const struct conf *, const char *id, struct err *);

/*
 * The entries of new/ that a -q run at now skips (not held, not expired,
 * next attempt later): *n of them, the earliest next attempt in *next.
 * Read without locks, as mailq does. 0, or -1 with e.
 */
int queue_not_due(const struct conf *, time_t now, size_t *n, int64_t *next,
    struct err *);

#endif
