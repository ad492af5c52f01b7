/*
 * bounce_submit.c: the bounce notice of a partly refused submission
 * (see bounce_submit.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bounce.h"
#include "bounce_submit.h"
#include "queue.h"

/* The recipients the attempt refused (j->env), as the notice lists them. */
static size_t
bsub_refused(const struct job *j, struct bounce_rcpt *out)
{
	const struct queue_env *env = &j->env;
	size_t i, n = 0;

	for (i = 0; i < env->nrcpts; i++)
		if (env->rcpts[i].state == QUEUE_RCPT_REFUSED)
			out[n++] = (struct bounce_rcpt){ env->rcpts[i].addr,
				env->rcpts[i].reply ? env->rcpts[i].reply
				                    : "refused" };
	return n;
}

/* The notice's envelope: from <> to the sender, due now. */
static int
bsub_env(const struct job *j, const struct buf *b, struct queue_env *env)
{
	size_t i;

	env->created = env->next_attempt = time(NULL);
	env->size = b->len;
	for (i = 0; i < b->len; i++)
		env->has_8bit |= (unsigned char)b->data[i] >= 0x80;
	if (queue_env_set(&env->account, j->acct->name) == -1 ||
	    queue_env_set(&env->sender, "") == -1 ||
	    queue_env_add_rcpt(env, j->sender, QUEUE_RCPT_PENDING, NULL))
		return -1;
	return 0;
}

/* Build the notice for the n refused recipients into b. */
static int
bsub_build(const struct job *j, const struct bounce_rcpt *br, size_t n,
    const char *id, struct buf *b)
{
	char host[256] = "localhost", boundary[96], head[BOUNCE_HEADERS_MAX];
	const char *from = j->acct->from;
	ssize_t got = pread(j->fd, head, sizeof(head), 0);
	struct bounce bn;

	if (from == NULL || strpbrk(from, "?*[") != NULL)
		from = j->sender;
	(void)gethostname(host, sizeof(host) - 1);
	(void)snprintf(boundary, sizeof(boundary), "%s/%s", id, host);
	bn = (struct bounce){ host, from, j->sender, id, NULL, time(NULL),
		time(NULL), br, n, head,
		got > 0 ? bounce_header_len(head, (size_t)got) : 0, boundary };
	return bounce_build(&bn, b);
}

bool
bounce_owed(const struct account *a, const char *sender)
{
	return sender != NULL && sender[0] != '\0' && a->queue;
}

int
bounce_submit(const struct job *j, char id[QUEUE_ID_LEN + 1], struct err *e)
{
	struct bounce_rcpt *br;
	struct queue_env env;
	struct buf b;
	size_t n;
	int r = -1;

	if (!bounce_owed(j->acct, j->sender) || j->env.nrcpts == 0)
		return 0;
	if ((br = calloc(j->env.nrcpts, sizeof(*br))) == NULL)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	queue_env_init(&env);
	buf_init(&b, BOUNCE_MAX);
	if ((n = bsub_refused(j, br)) == 0) {
		r = 0;
		goto out;
	}
	if (queue_id_new(env.id, e) == -1)
		goto out;
	if (bsub_build(j, br, n, env.id, &b) == -1 || bsub_env(j, &b, &env))
		err_set(e, ERR_SOFTWARE, "cannot build the bounce notice");
	else if (queue_put(j->acct->queue_dir, &env, buf_str(&b), b.len, e) ==
	    0) {
		memcpy(id, env.id, QUEUE_ID_LEN + 1);
		r = 1;
	}
out:
	buf_free(&b);
	queue_env_free(&env);
	free(br);
	return r;
}
