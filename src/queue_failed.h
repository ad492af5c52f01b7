/*
 * queue_failed.h: resending and removing the entries kept in failed/
 * (--queue-run ID and --queue-delete ID on a failed entry,
 * --requeue-failed and --purge-failed [ACCOUNT]).
 *
 * Queued again, an entry is as a new submission: in new/, due now, a
 * new lifetime, no error, every recipient not yet sent to pending (the
 * refused ones included: the user fixed what refused them). Each entry
 * is locked while it moves (queue.h). Nothing here prints or exits.
 */
#ifndef POSTERN_QUEUE_FAILED_H
#define POSTERN_QUEUE_FAILED_H

#include <stdbool.h>
#include <stddef.h>

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

#endif
