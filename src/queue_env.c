/*
 * queue_env.c: the envelope file of a queue entry, parsed and written
 * (format in queue_env.h). Pure: memory in, memory out.
 *
 * The parser is strict on purpose: the fixed first and last lines and
 * the key table make a torn, truncated or foreign file fail to parse,
 * and a file that fails to parse is never sent.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "queue_env.h"
#include "util.h"

#define QENV_MAGIC "postern-queue"
#define QENV_NUM_MAX 9999999999999ULL

enum qenv_kind { QK_STR, QK_OPT, QK_TIME, QK_UINT, QK_BOOL, QK_SPECIAL };

/* The envelope's keys: a row each in qenv_keys, a bit each in "seen". */
enum qenv_key_id {
	QENV_K_ID = 0,
	QENV_K_ACCOUNT,
	QENV_K_SENDER,
	QENV_K_CREATED,
	QENV_K_SIZE,
	QENV_K_BODY,
	QENV_K_SMTPUTF8,
	QENV_K_DSN_NOTIFY,
	QENV_K_DSN_RET,
	QENV_K_ENVID,
	QENV_K_ATTEMPTS,
	QENV_K_NEXT_ATTEMPT,
	QENV_K_LAST_ERROR,
	QENV_K_HELD,
	QENV_K_SENDING,
	QENV_K_COUNT
};

struct qenv_key {
	const char *name;
	enum qenv_kind kind;
	size_t offset;
	bool required; /* every envelope has it */
};

#define QKEY(id, n, k, f, req)                                                 \
	[id] = { .name = n,                                                    \
		.kind = k,                                                     \
		.offset = offsetof(struct queue_env, f),                       \
		.required = req }

static const struct qenv_key qenv_keys[] = {
	QKEY(QENV_K_ID, "id", QK_SPECIAL, id, true),
	QKEY(QENV_K_ACCOUNT, "account", QK_STR, account, true),
	QKEY(QENV_K_SENDER, "sender", QK_STR, sender, true),
	QKEY(QENV_K_CREATED, "created", QK_TIME, created, true),
	QKEY(QENV_K_SIZE, "size", QK_UINT, size, true),
	QKEY(QENV_K_BODY, "body", QK_SPECIAL, has_8bit, true),
	QKEY(QENV_K_SMTPUTF8, "smtputf8", QK_BOOL, smtputf8, true),
	QKEY(QENV_K_DSN_NOTIFY, "dsn-notify", QK_OPT, dsn_notify, false),
	QKEY(QENV_K_DSN_RET, "dsn-ret", QK_OPT, dsn_ret, false),
	QKEY(QENV_K_ENVID, "envid", QK_OPT, envid, false),
	QKEY(QENV_K_ATTEMPTS, "attempts", QK_SPECIAL, attempts, true),
	QKEY(QENV_K_NEXT_ATTEMPT, "next-attempt", QK_TIME, next_attempt, true),
	QKEY(QENV_K_LAST_ERROR, "last-error", QK_OPT, last_error, false),
	QKEY(QENV_K_HELD, "held", QK_OPT, held, false),
	QKEY(QENV_K_SENDING, "sending", QK_TIME, sending, false),
};
_Static_assert(ARRAY_SIZE(qenv_keys) == QENV_K_COUNT,
    "a row for every envelope key");
_Static_assert(QENV_K_COUNT <= 32, "the keys seen fit in an unsigned");

static const char *const qenv_states[] = {
	[QUEUE_RCPT_PENDING] = "pending",
	[QUEUE_RCPT_DEFERRED] = "deferred",
	[QUEUE_RCPT_SENT] = "sent",
	[QUEUE_RCPT_REFUSED] = "refused",
};
_Static_assert(ARRAY_SIZE(qenv_states) == QUEUE_RCPT_REFUSED + 1,
    "a name for every recipient state");

/* Whether every required key was seen (bits by enum qenv_key_id). */
static bool
qenv_has_required(unsigned seen)
{
	size_t i;

	for (i = 0; i < QENV_K_COUNT; i++)
		if (qenv_keys[i].required && !(seen & (1u << i)))
			return false;
	return true;
}

void
queue_env_init(struct queue_env *env)
{
	memset(env, 0, sizeof(*env));
}

void
queue_env_free(struct queue_env *env)
{
	size_t i;

	for (i = 0; i < env->nrcpts; i++) {
		free(env->rcpts[i].addr);
		free(env->rcpts[i].reply);
	}
	free(env->rcpts);
	free(env->account);
	free(env->sender);
	free(env->dsn_notify);
	free(env->dsn_ret);
	free(env->envid);
	free(env->last_error);
	free(env->held);
	memset(env, 0, sizeof(*env));
}

bool
queue_id_valid(const char *s)
{
	size_t i;

	for (i = 0; i < QUEUE_ID_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		        (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[i] == '\0';
}

const char *
queue_rcpt_state_name(enum queue_rcpt_state st)
{
	return (unsigned)st < ARRAY_SIZE(qenv_states) ? qenv_states[st] : "?";
}

/* A copy of value[0..n) with control characters turned into '?'. */
static char *
qenv_clean(const char *value, size_t n)
{
	char *s = malloc(n + 1);
	size_t i;

	if (s == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		s[i] = (unsigned char)value[i] < 0x20 || value[i] == 0x7f
		    ? '?'
		    : value[i];
	s[n] = '\0';
	return s;
}

int
queue_env_set(char **field, const char *value)
{
	char *s = NULL;
	size_t n;

	if (value != NULL) {
		n = strlen(value);
		if ((s = qenv_clean(value,
		         n > QUEUE_TEXT_MAX ? QUEUE_TEXT_MAX : n)) == NULL)
			return -1;
	}
	free(*field);
	*field = s;
	return 0;
}

int
queue_env_add_rcpt(struct queue_env *env, const char *addr,
    enum queue_rcpt_state st, const char *reply)
{
	struct queue_rcpt *v;

	if (env->nrcpts >= QUEUE_RCPTS_MAX || addr[0] == '\0' ||
	    util_has_crlf(addr))
		return -1;
	v = realloc(env->rcpts, (env->nrcpts + 1) * sizeof(*v));
	if (v == NULL)
		return -1;
	env->rcpts = v;
	v += env->nrcpts;
	memset(v, 0, sizeof(*v));
	v->state = st;
	if ((v->addr = strdup(addr)) == NULL ||
	    queue_env_set(&v->reply, reply) == -1) {
		free(v->addr);
		return -1;
	}
	env->nrcpts++;
	return 0;
}

size_t
queue_env_todo(const struct queue_env *env)
{
	size_t i, n = 0;

	for (i = 0; i < env->nrcpts; i++)
		n += env->rcpts[i].state == QUEUE_RCPT_PENDING ||
		    env->rcpts[i].state == QUEUE_RCPT_DEFERRED;
	return n;
}

/* --- parsing ----------------------------------------------------------- */

static int
qenv_number(const char *v, uint64_t *out)
{
	const char *why;

	return util_parse_uint(v, 0, QENV_NUM_MAX, out, &why);
}

/* "pending bob@example.org" */
static int
qenv_rcpt(struct queue_env *env, const char *v)
{
	const char *sp = strchr(v, ' ');
	size_t i, n;

	if (sp == NULL)
		return -1;
	n = (size_t)(sp - v);
	for (i = 0; i < ARRAY_SIZE(qenv_states); i++)
		if (strlen(qenv_states[i]) == n &&
		    strncmp(v, qenv_states[i], n) == 0)
			return queue_env_add_rcpt(env, sp + 1, i, NULL);
	return -1;
}

static int
qenv_special(struct queue_env *env, enum qenv_key_id key, const char *v)
{
	uint64_t n;

	if (key == QENV_K_ID) {
		if (!queue_id_valid(v))
			return -1;
		(void)strlcpy(env->id, v, sizeof(env->id));
	} else if (key == QENV_K_BODY) {
		if (strcmp(v, "8bit") != 0 && strcmp(v, "7bit") != 0)
			return -1;
		env->has_8bit = v[0] == '8';
	} else {
		if (qenv_number(v, &n) == -1 || n > 1000000)
			return -1;
		env->attempts = (unsigned)n;
	}
	return 0;
}

static int
qenv_value(struct queue_env *env, const struct qenv_key *k, const char *v)
{
	char *base = (char *)env;
	uint64_t n;

	switch (k->kind) {
	case QK_STR:
	case QK_OPT:
		return queue_env_set((char **)(void *)(base + k->offset), v);
	case QK_TIME:
		if (qenv_number(v, &n) == -1)
			return -1;
		*(int64_t *)(void *)(base + k->offset) = (int64_t)n;
		return 0;
	case QK_UINT:
		if (qenv_number(v, &n) == -1)
			return -1;
		*(uint64_t *)(void *)(base + k->offset) = n;
		return 0;
	case QK_BOOL:
		if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)
			return -1;
		*(bool *)(void *)(base + k->offset) = v[0] == 'y';
		return 0;
	case QK_SPECIAL:
		break;
	}
	return qenv_special(env, (enum qenv_key_id)(k - qenv_keys), v);
}

/* One "key: value" line (NUL-terminated, no LF). */
static int
qenv_line(struct queue_env *env, char *line, unsigned *seen, const char **why)
{
	char *colon = strstr(line, ": ");
	size_t i;

	*why = "not a \"key: value\" line";
	if (colon == NULL)
		return -1;
	*colon = '\0';
	if (strcmp(line, "rcpt") == 0) {
		*why = "bad recipient";
		return qenv_rcpt(env, colon + 2);
	}
	if (strcmp(line, "rcpt-reply") == 0) {
		*why = "rcpt-reply without its recipient";
		if (env->nrcpts == 0 || env->rcpts[env->nrcpts - 1].reply)
			return -1;
		return queue_env_set(&env->rcpts[env->nrcpts - 1].reply,
		    colon + 2);
	}
	for (i = 0; i < ARRAY_SIZE(qenv_keys); i++)
		if (strcmp(line, qenv_keys[i].name) == 0)
			break;
	*why = "unknown key";
	if (i == ARRAY_SIZE(qenv_keys))
		return -1;
	*why = "key given twice";
	if (*seen & (1u << i))
		return -1;
	*seen |= 1u << i;
	*why = "bad value";
	return qenv_value(env, &qenv_keys[i], colon + 2);
}

static int
qenv_parse_lines(char *p, char *end, struct queue_env *env, struct err *e)
{
	const char *why = "no \"postern-queue: 1\" line";
	unsigned seen = 0, lineno = 1;
	char *nl;

	if (strncmp(p, QENV_MAGIC ": 1\n", sizeof(QENV_MAGIC) + 3) != 0)
		goto bad;
	for (p += sizeof(QENV_MAGIC) + 3; p < end; p = nl + 1) {
		lineno++;
		why = "truncated: no end line";
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			goto bad;
		*nl = '\0';
		if (strcmp(p, "end: " QENV_MAGIC) == 0) {
			why = "bytes after the end line";
			if (nl + 1 != end)
				goto bad;
			why = "a required key is missing";
			if (!qenv_has_required(seen) || env->nrcpts == 0)
				goto bad;
			return 0;
		}
		if (qenv_line(env, p, &seen, &why) == -1)
			goto bad;
	}
	why = "truncated: no end line";
	lineno++;
bad:
	return err_set(e, ERR_DATA, "line %u: %s", lineno, why);
}

int
queue_env_parse(const char *data, size_t len, struct queue_env *env,
    struct err *e)
{
	char *copy;
	int r;

	queue_env_init(env);
	if (len > QUEUE_ENV_MAX)
		return err_set(e, ERR_DATA, "envelope file too large");
	if (memchr(data, '\0', len) != NULL || memchr(data, '\r', len) != NULL)
		return err_set(e, ERR_DATA, "NUL or CR in the envelope file");
	if ((copy = malloc(len + 1)) == NULL)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	memcpy(copy, data, len);
	copy[len] = '\0';
	r = qenv_parse_lines(copy, copy + len, env, e);
	free(copy);
	if (r == -1)
		queue_env_free(env);
	return r;
}

/* --- writing ----------------------------------------------------------- */

static int
qenv_put(struct buf *b, const char *key, const char *v)
{
	if (v == NULL)
		return 0;
	if (util_has_crlf(v))
		return -1;
	return buf_printf(b, "%s: %s\n", key, v);
}

static int
qenv_put_rcpts(const struct queue_env *env, struct buf *b)
{
	size_t i;

	for (i = 0; i < env->nrcpts; i++) {
		const struct queue_rcpt *r = &env->rcpts[i];

		if (util_has_crlf(r->addr) ||
		    buf_printf(b, "rcpt: %s %s\n",
		        queue_rcpt_state_name(r->state), r->addr) == -1 ||
		    qenv_put(b, "rcpt-reply", r->reply) == -1)
			return -1;
	}
	return 0;
}

int
queue_env_format(const struct queue_env *env, struct buf *b)
{
	if (!queue_id_valid(env->id) || env->account == NULL ||
	    env->sender == NULL || env->nrcpts == 0)
		return -1;
	if (buf_printf(b, QENV_MAGIC ": 1\nid: %s\n", env->id) == -1 ||
	    qenv_put(b, "account", env->account) == -1 ||
	    qenv_put(b, "sender", env->sender) == -1 ||
	    buf_printf(b, "created: %lld\nsize: %llu\nbody: %s\n",
	        (long long)env->created, (unsigned long long)env->size,
	        env->has_8bit ? "8bit" : "7bit") == -1 ||
	    buf_printf(b, "smtputf8: %s\n", env->smtputf8 ? "yes" : "no") ||
	    qenv_put(b, "dsn-notify", env->dsn_notify) == -1 ||
	    qenv_put(b, "dsn-ret", env->dsn_ret) == -1 ||
	    qenv_put(b, "envid", env->envid) == -1 ||
	    buf_printf(b, "attempts: %u\nnext-attempt: %lld\n", env->attempts,
	        (long long)env->next_attempt) == -1 ||
	    qenv_put(b, "last-error", env->last_error) == -1 ||
	    qenv_put(b, "held", env->held) == -1 ||
	    (env->sending != 0 &&
	        buf_printf(b, "sending: %lld\n", (long long)env->sending)) ||
	    qenv_put_rcpts(env, b) == -1)
		return -1;
	return buf_add_str(b, "end: " QENV_MAGIC "\n");
}
