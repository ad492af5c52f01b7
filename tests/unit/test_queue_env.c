/*
 * test_queue_env.c: the queue envelope file, byte for byte: a round
 * trip, and every way a torn or foreign file must fail to parse.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "queue_env.h"
#include "tap.h"
#include "util.h"

static const char full[] = "postern-queue: 1\n"
                           "id: 0123456789abcdef\n"
                           "account: work\n"
                           "sender: alice@example.org\n"
                           "created: 1727000000\n"
                           "size: 1234\n"
                           "body: 8bit\n"
                           "smtputf8: no\n"
                           "dsn-notify: FAILURE,DELAY\n"
                           "dsn-ret: HDRS\n"
                           "envid: abc\n"
                           "attempts: 2\n"
                           "next-attempt: 1727000240\n"
                           "last-error: 451 4.3.0 try later\n"
                           "held: authentication refused\n"
                           "rcpt: sent bob@example.org\n"
                           "rcpt: deferred carol@example.org\n"
                           "rcpt-reply: 450 4.2.0 busy\n"
                           "rcpt: pending \"d e\"@example.org\n"
                           "end: postern-queue\n";

static void
test_round_trip(void)
{
	struct queue_env env;
	struct err e;
	struct buf b;

	IS_INT(queue_env_parse(full, strlen(full), &env, &e), 0, "parses");
	IS_STR(env.id, "0123456789abcdef", "id");
	IS_STR(env.account, "work", "account");
	IS_STR(env.sender, "alice@example.org", "sender");
	IS_INT(env.created, 1727000000, "created");
	IS_INT(env.size, 1234, "size");
	OK(env.has_8bit && !env.smtputf8, "body and smtputf8");
	IS_STR(env.dsn_notify, "FAILURE,DELAY", "dsn-notify");
	IS_INT(env.attempts, 2, "attempts");
	IS_INT(env.next_attempt, 1727000240, "next attempt");
	IS_STR(env.held, "authentication refused", "held");
	IS_INT(env.sending, 0, "no sending line: 0");
	IS_INT(env.nrcpts, 3, "three recipients");
	IS_INT(env.rcpts[1].state, QUEUE_RCPT_DEFERRED, "state");
	IS_STR(env.rcpts[1].reply, "450 4.2.0 busy", "rcpt reply");
	IS_STR(env.rcpts[2].addr, "\"d e\"@example.org", "quoted local part");
	IS_INT(queue_env_todo(&env), 2, "two still to do");
	buf_init(&b, QUEUE_ENV_MAX);
	IS_INT(queue_env_format(&env, &b), 0, "formats");
	IS_STR(buf_str(&b), full, "the same bytes back");
	buf_free(&b);
	queue_env_free(&env);
}

static void
test_null_sender_and_clean(void)
{
	struct queue_env env;
	struct err e;
	struct buf b;

	queue_env_init(&env);
	memcpy(env.id, "fedcba9876543210", QUEUE_ID_LEN + 1);
	(void)queue_env_set(&env.account, "a b");
	(void)queue_env_set(&env.sender, "");
	(void)queue_env_set(&env.last_error, "421 bye\r\nheld: forged");
	OK(queue_env_add_rcpt(&env, "x@y\r\nrcpt: sent z@w", QUEUE_RCPT_PENDING,
	       NULL) == -1,
	    "an address with CR LF is refused");
	OK(queue_env_add_rcpt(&env, "x@y", QUEUE_RCPT_PENDING, "5\n5") == 0,
	    "a recipient");
	buf_init(&b, QUEUE_ENV_MAX);
	IS_INT(queue_env_format(&env, &b), 0, "formats");
	IS_STR(buf_str(&b),
	    "postern-queue: 1\nid: fedcba9876543210\naccount: a b\n"
	    "sender: \ncreated: 0\nsize: 0\nbody: 7bit\nsmtputf8: no\n"
	    "attempts: 0\nnext-attempt: 0\n"
	    "last-error: 421 bye??held: forged\n"
	    "rcpt: pending x@y\nrcpt-reply: 5?5\nend: postern-queue\n",
	    "null sender is empty, controls in texts become ?");
	queue_env_free(&env);
	IS_INT(queue_env_parse(b.data, b.len, &env, &e), 0, "parses back");
	IS_STR(env.sender, "", "null sender");
	queue_env_free(&env);
	buf_free(&b);
}

static void
bad(const char *text, const char *want, const char *what)
{
	struct queue_env env;
	struct err e;

	err_clear(&e);
	IS_INT(queue_env_parse(text, strlen(text), &env, &e), -1, what);
	IS_STR(e.text, want, what);
	IS_INT(env.nrcpts, 0, "nothing kept");
}

/* full with line `from` replaced by `to` ("" deletes it). */
static char *
edit(const char *from, const char *to)
{
	const char *p = strstr(full, from);
	size_t n = strlen(full) + strlen(to) + 1;
	char *s = malloc(n);

	if (s == NULL || p == NULL)
		abort();
	memcpy(s, full, (size_t)(p - full));
	s[p - full] = '\0';
	strlcat(s, to, n);
	strlcat(s, p + strlen(from), n);
	return s;
}

static void
test_torn(void)
{
	char *s;
	size_t i;
	struct queue_env env;
	struct err e;
	int fails = 0;

	/* Every proper prefix of the file fails to parse. */
	for (i = 0; i < strlen(full); i++)
		fails += queue_env_parse(full, i, &env, &e) == -1;
	IS_INT(fails, strlen(full), "every truncation is refused");
	bad("", "line 1: no \"postern-queue: 1\" line", "empty file");
	bad("postern-queue: 2\nend: postern-queue\n",
	    "line 1: no \"postern-queue: 1\" line", "other version");
	s = edit("size: 1234\n", "size: 1234\nsize: 1\n");
	bad(s, "line 7: key given twice", "duplicate key");
	free(s);
	s = edit("body: 8bit\n", "color: red\n");
	bad(s, "line 7: unknown key", "unknown key");
	free(s);
	s = edit("account: work\n", "");
	bad(s, "line 19: a required key is missing", "missing account");
	free(s);
	s = edit("attempts: 2\n", "attempts: -1\n");
	bad(s, "line 12: bad value", "negative number");
	free(s);
	s = edit("rcpt: sent bob", "rcpt: gone bob");
	bad(s, "line 16: bad recipient", "unknown state");
	free(s);
	s = edit("end: postern-queue\n", "end: postern-queue\nx");
	bad(s, "line 20: bytes after the end line", "junk after end");
	free(s);
	s = edit("id: 0123456789abcdef", "id: ../../etc/passwd");
	bad(s, "line 2: bad value", "id is hex only");
	free(s);
	s = edit("sender: alice", "sender:alice");
	bad(s, "line 4: not a \"key: value\" line", "no blank after colon");
	free(s);
	bad("postern-queue: 1\nid: 0123456789abcdef\naccount: a\n"
	    "sender: \ncreated: 0\nsize: 0\nbody: 7bit\nsmtputf8: no\n"
	    "attempts: 0\nnext-attempt: 0\nend: postern-queue\n",
	    "line 11: a required key is missing", "no recipient");
	OK(queue_id_valid("0123456789abcdef") &&
	        !queue_id_valid("0123456789ABCDEF") &&
	        !queue_id_valid("0123456789abcde") &&
	        !queue_id_valid("0123456789abcdef0"),
	    "ids are 16 lower-case hex digits");
}

/* The send-in-progress mark: optional, once, a number, not written at 0. */
static void
test_sending(void)
{
	static const char head[] = "postern-queue: 1\n"
	                           "id: 0123456789abcdef\n"
	                           "account: a\n"
	                           "sender: \n"
	                           "created: 1\n"
	                           "size: 2\n"
	                           "body: 7bit\n"
	                           "smtputf8: no\n"
	                           "attempts: 0\n"
	                           "next-attempt: 1\n";
	static const char tail[] = "rcpt: pending b@example.org\n"
	                           "end: postern-queue\n";
	const char *bad[] = { "sending: soon\n", "sending: -1\n",
		"sending: 5\nsending: 5\n", "sending: \n" };
	char file[1024];
	struct queue_env env;
	struct err e;
	struct buf b;
	size_t i;

	(void)snprintf(file, sizeof(file), "%s%s", head, tail);
	IS_INT(queue_env_parse(file, strlen(file), &env, &e), 0,
	    "no sending line: parses");
	IS_INT(env.sending, 0, "not sending");
	buf_init(&b, QUEUE_ENV_MAX);
	IS_INT(queue_env_format(&env, &b), 0, "formats");
	IS_STR(buf_str(&b), file, "no sending line written for 0");
	buf_reset(&b);
	env.sending = 42;
	IS_INT(queue_env_format(&env, &b), 0, "formats the mark");
	OK(strstr(buf_str(&b), "\nsending: 42\nrcpt: ") != NULL,
	    "sending: 42 before the recipients");
	queue_env_free(&env);
	IS_INT(queue_env_parse(buf_str(&b), b.len, &env, &e), 0,
	    "the mark parses back");
	IS_INT(env.sending, 42, "sending: 42");
	buf_free(&b);
	queue_env_free(&env);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		(void)snprintf(file, sizeof(file), "%s%s%s", head, bad[i],
		    tail);
		IS_INT(queue_env_parse(file, strlen(file), &env, &e), -1,
		    "bad or repeated sending refused");
	}
}

/* Each required key missing fails the parse; each optional one does not. */
static void
test_required(void)
{
	static const char *const required[] = { "id: ", "account: ", "sender: ",
		"created: ", "size: ", "body: ", "smtputf8: ", "attempts: ",
		"next-attempt: " };
	static const char *const optional[] = { "dsn-notify: ", "dsn-ret: ",
		"envid: ", "last-error: ", "held: " };
	struct queue_env env;
	struct err e;
	const char *p, *nl;
	char line[128], *s;
	size_t i, k, ok = 0;

	for (k = 0; k < 2; k++) {
		const char *const *v = k == 0 ? required : optional;
		size_t n = k == 0 ? ARRAY_SIZE(required) : ARRAY_SIZE(optional);

		for (i = 0; i < n; i++) {
			p = strstr(full, v[i]);
			nl = strchr(p, '\n');
			(void)snprintf(line, sizeof(line), "%.*s",
			    (int)(nl - p + 1), p);
			s = edit(line, "");
			ok += (queue_env_parse(s, strlen(s), &env, &e) == 0) ==
			    (k == 1);
			if (k == 1)
				queue_env_free(&env);
			free(s);
		}
	}
	IS_INT(ok, ARRAY_SIZE(required) + ARRAY_SIZE(optional),
	    "required keys are required, optional ones are not");
}

int
main(void)
{
	test_required();
	test_round_trip();
	test_sending();
	test_null_sender_and_clean();
	test_torn();
	return tap_done();
}
