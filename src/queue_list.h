/*
 * queue_list.h: mailq / -bp: the queue as text for people or as JSON
 * for scripts. Reads each entry without locking it (a listing never
 * waits for a run). Nothing here prints: the text goes into a buffer.
 */
#ifndef POSTERN_QUEUE_LIST_H
#define POSTERN_QUEUE_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "err.h"

#define QUEUE_LIST_MAX (256 * 1024 * 1024) /* bytes of a listing */

/*
 * The entries of the queue directories, oldest first, as seen at now.
 * Text: one block per entry (id, age, size, sender, account; attempts,
 * next attempt, last error; "held: REASON"; one line per recipient with
 * its state) after one summary line ("Mail queue: N queued (B bytes), M
 * failed", or "Mail queue is empty"); then, when failed/ holds entries,
 * "Failed (kept in failed/; ...):" and one line each (id, age, size,
 * sender, reason). JSON: {"queue": [...], "failed": [...]}. 0, or
 * -1 with e filled.
 */
int queue_list(char *const *dirs, size_t ndirs, bool json, time_t now,
    struct buf *out, struct err *e);

/* A span of seconds as "45s", "12m", "3h", "2d" (negative: "0s"). */
void queue_list_span(int64_t s, char *out, size_t cap);

#endif
