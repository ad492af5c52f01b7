/*
 * queue_env.h: the envelope of a queue entry, and its file format.
 *
 * A queue entry is two files named by its id: ID.msg (the canonical
 * message, CRLF lines) and ID.env (this envelope). The envelope is text,
 * one "key: value" line each (LF-terminated, the value is everything
 * after ": ", possibly empty):
 *
 *   postern-queue: 1
 *   id: 66f0a1b2c3d4e5f6
 *   account: work
 *   sender: alice@example.org          (empty: the null sender <>)
 *   created: 1727000000                (Unix time)
 *   size: 1234                         (bytes of ID.msg)
 *   body: 8bit                         (7bit | 8bit)
 *   smtputf8: no                       (yes | no)
 *   dsn-notify: FAILURE,DELAY          (optional)
 *   dsn-ret: HDRS                      (optional)
 *   envid: abc                         (optional)
 *   attempts: 2
 *   next-attempt: 1727000240           (Unix time)
 *   last-error: 451 4.3.0 try later    (optional)
 *   held: authentication refused: ...  (optional: the account is held)
 *   sending: 1727000300                (optional: an attempt that began
 *                                       then may have reached the server;
 *                                       the next one is a possible
 *                                       duplicate)
 *   rcpt: pending bob@example.org      (pending|deferred|sent|refused)
 *   rcpt-reply: 450 4.2.0 busy         (optional, for the rcpt above)
 *   end: postern-queue
 *
 * The first and last lines are fixed: a file without them, with an
 * unknown key, a duplicate, or a bad number is not an envelope (a torn
 * or foreign file) and is never sent. Values never hold CR, LF or NUL:
 * addresses cannot, and reply texts are sanitised when written.
 * Everything here is pure (memory in, memory out) and never prints.
 */
#ifndef POSTERN_QUEUE_ENV_H
#define POSTERN_QUEUE_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

#define QUEUE_ID_LEN 16                 /* hex digits */
#define QUEUE_ENV_MAX (8 * 1024 * 1024) /* bytes of an envelope file */
#define QUEUE_RCPTS_MAX 10000           /* recipients of one entry */
#define QUEUE_TEXT_MAX 1000             /* a reply or error text */

enum queue_rcpt_state {
	QUEUE_RCPT_PENDING = 0, /* not tried yet */
	QUEUE_RCPT_DEFERRED,    /* 4xx or not reached: try again */
	QUEUE_RCPT_SENT,        /* the server took it: never again */
	QUEUE_RCPT_REFUSED,     /* 5xx: reported, never again */
};

struct queue_rcpt {
	char *addr;
	enum queue_rcpt_state state;
	char *reply; /* the reply that decided the state, or NULL */
};

struct queue_env {
	char id[QUEUE_ID_LEN + 1];
	char *account;
	char *sender; /* "" for the null sender */
	int64_t created;
	uint64_t size;
	bool has_8bit;
	bool smtputf8;
	char *dsn_notify; /* or NULL */
	char *dsn_ret;    /* or NULL */
	char *envid;      /* or NULL */
	unsigned attempts;
	int64_t next_attempt;
	char *last_error; /* or NULL */
	char *held;       /* or NULL */
	int64_t sending;  /* 0, or when an attempt began whose outcome is
			     unknown: written (fsynced) before MAIL and
			     cleared with the outcome */
	struct queue_rcpt *rcpts;
	size_t nrcpts;
};

/* An empty envelope; queue_env_free releases what it owns. */
void queue_env_init(struct queue_env *);
void queue_env_free(struct queue_env *);

/* True when s is QUEUE_ID_LEN lower-case hex digits. */
bool queue_id_valid(const char *s);

/* Set a string field (copied; NULL clears; controls become '?'). */
int queue_env_set(char **field, const char *value);

/* Append a recipient (copied). 0, or -1 (cap, memory, bad address). */
int queue_env_add_rcpt(struct queue_env *, const char *addr,
    enum queue_rcpt_state, const char *reply);

/* Recipients still to be tried (pending or deferred). */
size_t queue_env_todo(const struct queue_env *);

/* "pending", "deferred", "sent", "refused". */
const char *queue_rcpt_state_name(enum queue_rcpt_state);

/* Parse an envelope file's bytes. 0, or -1 with ERR_DATA "line N: ...". */
int queue_env_parse(const char *data, size_t len, struct queue_env *,
    struct err *);

/* The file's bytes into out. 0, or -1 (a field holds CR/LF, or memory). */
int queue_env_format(const struct queue_env *, struct buf *out);

#endif
