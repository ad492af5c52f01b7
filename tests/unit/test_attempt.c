/*
 * test_attempt.c: the one envelope -> engine mail conversion (only the
 * recipients still to do, every parameter carried), the one recipient
 * result -> queue state mapping, and --dry-run's lines built by the
 * engine's own builders (SIZE, ENVID in xtext, NOTIFY).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "attempt.h"
#include "tap.h"

static void
test_env(struct queue_env *env)
{
	queue_env_init(env);
	(void)queue_env_set(&env->account, "work");
	(void)queue_env_set(&env->sender, "alice@example.org");
	(void)queue_env_set(&env->dsn_notify, "FAILURE,DELAY");
	(void)queue_env_set(&env->dsn_ret, "HDRS");
	(void)queue_env_set(&env->envid, "id+1");
	env->size = 1234;
	env->has_8bit = true;
	(void)queue_env_add_rcpt(env, "sent@example.org", QUEUE_RCPT_SENT,
	    NULL);
	(void)queue_env_add_rcpt(env, "b@example.org", QUEUE_RCPT_DEFERRED,
	    "450 busy");
	(void)queue_env_add_rcpt(env, "gone@example.org", QUEUE_RCPT_REFUSED,
	    "550 no");
	(void)queue_env_add_rcpt(env, "c@example.org", QUEUE_RCPT_PENDING,
	    NULL);
}

static void
test_mail(void)
{
	struct queue_env env;
	struct smtp_mail m;
	size_t *map = NULL;

	test_env(&env);
	OK(attempt_mail(&env, 7, &m, &map) == 0, "mail built");
	IS_INT(m.nrcpts, 2, "only the recipients still to do");
	IS_STR(m.rcpts[0].addr, "b@example.org", "deferred one");
	IS_STR(m.rcpts[1].addr, "c@example.org", "pending one");
	IS_INT(map[0], 1, "map to envelope index");
	IS_INT(map[1], 3, "map to envelope index");
	IS_STR(m.from, "alice@example.org", "sender");
	IS_INT(m.fd, 7, "message file");
	IS_INT(m.size, 1234, "size");
	OK(m.has_8bit, "8-bit");
	IS_STR(m.dsn_envid, "id+1", "envid raw");
	attempt_mail_free(&m, &map);
	queue_env_free(&env);
}

static void
test_state(void)
{
	IS_INT(attempt_state(SMTP_RCPT_OK, false), QUEUE_RCPT_SENT, "ok");
	IS_INT(attempt_state(SMTP_RCPT_OK, true), QUEUE_RCPT_SENT,
	    "ok, whole failed");
	IS_INT(attempt_state(SMTP_RCPT_PERMFAIL, false), QUEUE_RCPT_REFUSED,
	    "5xx");
	IS_INT(attempt_state(SMTP_RCPT_TEMPFAIL, false), QUEUE_RCPT_DEFERRED,
	    "4xx");
	IS_INT(attempt_state(SMTP_RCPT_PENDING, false), QUEUE_RCPT_DEFERRED,
	    "not reached");
	IS_INT(attempt_state(SMTP_RCPT_TEMPFAIL, true), QUEUE_RCPT_REFUSED,
	    "the whole message refused for good");
	IS_INT(attempt_state(SMTP_RCPT_PENDING, true), QUEUE_RCPT_REFUSED,
	    "not reached, the whole message refused for good");
}

static void
test_dry_run(void)
{
	struct queue_env env;
	struct buf b;
	struct err e;

	test_env(&env);
	buf_init(&b, 4096);
	err_clear(&e);
	OK(attempt_dry_run(&env, -1, &b, &e) == 0, "dry run");
	IS_STR(buf_str(&b),
	    "MAIL FROM:<alice@example.org> SIZE=1234 BODY=8BITMIME RET=HDRS ENVID=id+2B1\n"
	    "RCPT TO:<b@example.org> NOTIFY=FAILURE,DELAY\n"
	    "RCPT TO:<c@example.org> NOTIFY=FAILURE,DELAY\n",
	    "the engine's lines");
	buf_free(&b);
	queue_env_free(&env);
}

int
main(void)
{
	test_mail();
	test_state();
	test_dry_run();
	return tap_done();
}
