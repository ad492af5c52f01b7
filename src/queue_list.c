/*
 * queue_list.c: mailq and -bp --json (see queue_list.h).
 *
 * Text, one block per entry:
 *
 *   66f0a1b2c3d4e5f6  12m  1234 bytes  <alice@example.org>  account work
 *     attempts 2, next attempt in 3m, last error: 451 4.3.0 try later
 *     held: 535 5.7.8 authentication failed
 *     possible duplicate: an attempt may have reached the server; ...
 *     <bob@example.org> deferred: 450 4.2.0 busy
 *     <carol@example.org> sent
 *
 * after one summary line ("Mail queue: 1 queued (1234 bytes), 1 failed",
 * or "Mail queue is empty" when both are), then, when failed/ holds
 * entries, one line each (id, age, size, sender, the reason: a refused
 * recipient's reply, else the last error):
 *
 *   Failed (kept in failed/; after the fix: postern --queue-run ID, ...):
 *     66f0a1b2c3d4e5f7  2d  980 bytes  <alice@example.org>  550 5.1.1 ...
 *
 * JSON: {"queue": [{"id", "account", "sender", "created", "age", "size",
 * "attempts", "next_attempt", "last_error", "held", "damaged",
 * "recipients": [{"address", "state", "reply"}]}], "failed": [{"id",
 * "account", "sender", "created", "age", "size", "reason"}]}, absent
 * texts as null.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "queue.h"
#include "queue_list.h"
#include "vis.h"

/* Appends one entry of a listing; first: the first one of its list. */
typedef int (*qlist_fn)(const struct queue_entry *, time_t now, bool first,
    struct buf *);

void
queue_list_span(int64_t s, char *out, size_t cap)
{
	if (s < 0)
		s = 0;
	if (s < 60)
		(void)snprintf(out, cap, "%llds", (long long)s);
	else if (s < 3600)
		(void)snprintf(out, cap, "%lldm", (long long)(s / 60));
	else if (s < 86400)
		(void)snprintf(out, cap, "%lldh", (long long)(s / 3600));
	else
		(void)snprintf(out, cap, "%lldd", (long long)(s / 86400));
}

static int
qlist_text(const struct queue_entry *q, time_t now, bool first, struct buf *b)
{
	const struct queue_env *env = &q->env;
	char age[32], next[32];
	size_t i;

	(void)first;
	if (q->damaged)
		return buf_printf(b, "%s  damaged: %s (never sent)\n", env->id,
		    q->why);
	queue_list_span(now - env->created, age, sizeof(age));
	queue_list_span(env->next_attempt - now, next, sizeof(next));
	if (buf_printf(b, "%s  %s  %" PRIu64 " bytes  <%s>  account %s\n",
	        env->id, age, env->size, env->sender, env->account) == -1 ||
	    buf_printf(b, "  attempts %u, next attempt %s%s%s%s\n",
	        env->attempts,
	        env->held                      ? "at the next run"
	            : env->next_attempt <= now ? "now"
	                                       : "in ",
	        env->held || env->next_attempt <= now ? "" : next,
	        env->last_error ? ", last error: " : "",
	        env->last_error ? env->last_error : "") == -1 ||
	    (env->held && buf_printf(b, "  held: %s\n", env->held) == -1) ||
	    (env->sending != 0 &&
	        buf_printf(b,
	            "  possible duplicate: an attempt may have reached the server; the next one resends the message\n") ==
	            -1))
		return -1;
	for (i = 0; i < env->nrcpts; i++)
		if (buf_printf(b, "  <%s> %s%s%s\n", env->rcpts[i].addr,
		        queue_rcpt_state_name(env->rcpts[i].state),
		        env->rcpts[i].reply ? ": " : "",
		        env->rcpts[i].reply ? env->rcpts[i].reply : "") == -1)
			return -1;
	return 0;
}

/* A JSON string, or null. */
static int
qlist_json_str(struct buf *b, const char *s)
{
	if (s == NULL)
		return buf_add_str(b, "null");
	if (buf_add_char(b, '"') == -1)
		return -1;
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c == '"' || c == '\\') && buf_add_char(b, '\\') == -1)
			return -1;
		if (c < 0x20 ? buf_printf(b, "\\u%04x", c) == -1
		             : buf_add_char(b, (char)c) == -1)
			return -1;
	}
	return buf_add_char(b, '"');
}

static int
qlist_json_rcpts(const struct queue_env *env, struct buf *b)
{
	size_t i;

	if (buf_add_str(b, "\"recipients\":[") == -1)
		return -1;
	for (i = 0; i < env->nrcpts; i++)
		if (buf_add_str(b, i ? ",{\"address\":" : "{\"address\":") ||
		    qlist_json_str(b, env->rcpts[i].addr) == -1 ||
		    buf_printf(b, ",\"state\":\"%s\",\"reply\":",
		        queue_rcpt_state_name(env->rcpts[i].state)) == -1 ||
		    qlist_json_str(b, env->rcpts[i].reply) == -1 ||
		    buf_add_char(b, '}') == -1)
			return -1;
	return buf_add_str(b, "]}");
}

/* The fields both lists share: id, account, sender, created, age, size. */
static int
qlist_json_head(const struct queue_env *env, time_t now, bool first,
    struct buf *b)
{
	if (buf_printf(b, "%s{\"id\":\"%s\",\"account\":", first ? "" : ",",
	        env->id) == -1 ||
	    qlist_json_str(b, env->account) == -1 ||
	    buf_add_str(b, ",\"sender\":") == -1 ||
	    qlist_json_str(b, env->sender) == -1)
		return -1;
	return buf_printf(b, ",\"created\":%lld,\"age\":%lld,\"size\":%" PRIu64,
	    (long long)env->created, (long long)(now - env->created),
	    env->size);
}

static int
qlist_json(const struct queue_entry *q, time_t now, bool first, struct buf *b)
{
	const struct queue_env *env = &q->env;

	if (qlist_json_head(env, now, first, b) == -1 ||
	    buf_printf(b,
	        ",\"attempts\":%u,\"next_attempt\":%lld,\"last_error\":",
	        env->attempts, (long long)env->next_attempt) == -1 ||
	    qlist_json_str(b, env->last_error) == -1 ||
	    buf_add_str(b, ",\"held\":") == -1 ||
	    qlist_json_str(b, env->held) == -1 ||
	    buf_add_str(b, ",\"damaged\":") == -1 ||
	    qlist_json_str(b, q->damaged ? q->why : NULL) == -1 ||
	    buf_add_char(b, ',') == -1)
		return -1;
	return qlist_json_rcpts(env, b);
}

/* Why a failed/ entry was given up on. */
static const char *
qlist_reason(const struct queue_entry *q)
{
	size_t i;

	if (q->damaged)
		return q->why;
	for (i = 0; i < q->env.nrcpts; i++)
		if (q->env.rcpts[i].state == QUEUE_RCPT_REFUSED &&
		    q->env.rcpts[i].reply != NULL)
			return q->env.rcpts[i].reply;
	return q->env.last_error ? q->env.last_error : "unknown";
}

static int
qlist_failed_text(const struct queue_entry *q, time_t now, bool first,
    struct buf *b)
{
	char age[32];

	queue_list_span(now - q->env.created, age, sizeof(age));
	if (first &&
	    buf_add_str(b,
	        "Failed (kept in failed/; after the fix: postern --queue-run ID, or --requeue-failed):\n") ==
	        -1)
		return -1;
	return buf_printf(b, "  %s  %s  %" PRIu64 " bytes  <%s>  %s\n",
	    q->env.id, age, q->env.size, q->env.sender ? q->env.sender : "",
	    qlist_reason(q));
}

static int
qlist_failed_json(const struct queue_entry *q, time_t now, bool first,
    struct buf *b)
{
	if (qlist_json_head(&q->env, now, first, b) == -1 ||
	    buf_add_str(b, ",\"reason\":") == -1 ||
	    qlist_json_str(b, qlist_reason(q)) == -1)
		return -1;
	return buf_add_char(b, '}');
}

/* The entries of dir/sub through fn; counts what was listed. */
static int
qlist_dir(const char *dir, const char *sub, qlist_fn fn, time_t now,
    struct buf *b, size_t *n, uint64_t *bytes, struct err *e)
{
	struct queue_entry q;
	char **ids;
	size_t nids, i;
	int r = 0;

	if (queue_scan(dir, sub, &ids, &nids, e) == -1)
		return -1;
	for (i = 0; i < nids && r == 0; i++) {
		if (queue_peek(dir, sub, ids[i], &q, e) == -1) {
			queue_entry_free(&q);
			if (e->cls == ERR_NOINPUT)
				continue; /* sent meanwhile */
			r = -1;
			break;
		}
		r = fn(&q, now, *n == 0, b);
		if (r == -1)
			err_set(e, ERR_SOFTWARE, "the listing is too long");
		++*n;
		*bytes += q.env.size;
		queue_entry_free(&q);
	}
	queue_ids_free(ids, nids);
	return r;
}

/* Every directory's dir/sub through fn. */
static int
qlist_dirs(char *const *dirs, size_t ndirs, const char *sub, qlist_fn fn,
    time_t now, struct buf *out, size_t *n, struct err *e)
{
	uint64_t bytes = 0;
	size_t i;

	*n = 0;
	for (i = 0; i < ndirs; i++)
		if (qlist_dir(dirs[i], sub, fn, now, out, n, &bytes, e) == -1)
			return -1;
	return 0;
}

static int
qlist_json_all(char *const *dirs, size_t ndirs, time_t now, struct buf *out,
    struct err *e)
{
	size_t n;

	if (buf_add_str(out, "{\"queue\":[") == -1)
		goto full;
	if (qlist_dirs(dirs, ndirs, "new", qlist_json, now, out, &n, e) == -1)
		return -1;
	if (buf_add_str(out, "],\"failed\":[") == -1)
		goto full;
	if (qlist_dirs(dirs, ndirs, "failed", qlist_failed_json, now, out, &n,
	        e) == -1)
		return -1;
	if (buf_add_str(out, "]}\n") == -1)
		goto full;
	return 0;
full:
	return err_set(e, ERR_SOFTWARE, "the listing is too long");
}

/* The text listing: one summary line, the queue, then failed/. */
static int
qlist_text_all(char *const *dirs, size_t ndirs, time_t now, struct buf *out,
    struct err *e)
{
	struct buf q, f;
	uint64_t bytes = 0, fbytes = 0;
	size_t i, n = 0, nf = 0;
	int r = -1;

	buf_init(&q, out->max);
	buf_init(&f, out->max);
	for (i = 0; i < ndirs; i++)
		if (qlist_dir(dirs[i], "new", qlist_text, now, &q, &n, &bytes,
		        e) == -1 ||
		    qlist_dir(dirs[i], "failed", qlist_failed_text, now, &f,
		        &nf, &fbytes, e) == -1)
			goto out;
	if ((n + nf == 0
	            ? buf_add_str(out, "Mail queue is empty\n")
	            : buf_printf(out,
	                  "Mail queue: %zu queued (%llu bytes), %zu failed\n",
	                  n, (unsigned long long)bytes, nf)) == -1 ||
	    (q.len > 0 && buf_add(out, q.data, q.len) == -1) ||
	    (f.len > 0 && buf_add(out, f.data, f.len) == -1)) {
		err_set(e, ERR_SOFTWARE, "the listing is too long");
		goto out;
	}
	r = 0;
out:
	buf_free(&q);
	buf_free(&f);
	return r;
}

int
queue_list(char *const *dirs, size_t ndirs, bool json, time_t now,
    struct buf *out, struct err *e)
{
	struct buf raw;
	int r;

	if (json)
		return qlist_json_all(dirs, ndirs, now, out, e);
	/* server replies and errors from the envelopes go to a terminal */
	buf_init(&raw, out->max);
	r = qlist_text_all(dirs, ndirs, now, &raw, e);
	if (r == 0 &&
	    vis_buf(out, raw.data ? raw.data : "", raw.len, "\n") == -1)
		r = err_set(e, ERR_SOFTWARE, "the listing is too long");
	buf_free(&raw);
	return r;
}
