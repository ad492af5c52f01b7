/*
 * queue_defaults.h: the queue's schedule defaults, defined once. The
 * config table (conf_table.c) shows them as durations ("5d", "1m",
 * "1h"), built from the same numbers; a queue run falls back on them
 * for an entry whose account is no longer configured.
 */
#ifndef POSTERN_QUEUE_DEFAULTS_H
#define POSTERN_QUEUE_DEFAULTS_H

#define QUEUE_LIFETIME_DAYS 5     /* queue_lifetime */
#define QUEUE_RETRY_MIN_MINUTES 1 /* retry_min */
#define QUEUE_RETRY_MAX_HOURS 1   /* retry_max */

#define QUEUE_DEFAULT_STR_(n) #n
#define QUEUE_DEFAULT_STR(n) QUEUE_DEFAULT_STR_(n)

/* In seconds. */
#define QUEUE_LIFETIME_DEFAULT (QUEUE_LIFETIME_DAYS * 86400U)
#define QUEUE_RETRY_MIN_DEFAULT (QUEUE_RETRY_MIN_MINUTES * 60U)
#define QUEUE_RETRY_MAX_DEFAULT (QUEUE_RETRY_MAX_HOURS * 3600U)

/* As the config table writes them. */
#define QUEUE_LIFETIME_DEFAULT_TEXT QUEUE_DEFAULT_STR(QUEUE_LIFETIME_DAYS) "d"
#define QUEUE_RETRY_MIN_DEFAULT_TEXT                                           \
	QUEUE_DEFAULT_STR(QUEUE_RETRY_MIN_MINUTES) "m"
#define QUEUE_RETRY_MAX_DEFAULT_TEXT                                           \
	QUEUE_DEFAULT_STR(QUEUE_RETRY_MAX_HOURS) "h"

#endif
