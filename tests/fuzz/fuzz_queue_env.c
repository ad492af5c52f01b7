/*
 * fuzz_queue_env.c: libFuzzer target for the queue envelope parser. A
 * queue file may be torn by a crash or edited by hand; the parser must
 * stay within its input, and whatever it accepts must format back into
 * a file that parses to the same bytes again.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "queue_env.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct queue_env env, again;
	struct buf b, b2;
	struct err e;

	if (queue_env_parse((const char *)data, size, &env, &e) == -1)
		return 0;
	buf_init(&b, QUEUE_ENV_MAX * 2);
	buf_init(&b2, QUEUE_ENV_MAX * 2);
	if (queue_env_format(&env, &b) == -1 ||
	    queue_env_parse(b.data, b.len, &again, &e) == -1)
		__builtin_trap();
	if (queue_env_format(&again, &b2) == -1 || b.len != b2.len ||
	    memcmp(b.data, b2.data, b.len) != 0)
		__builtin_trap();
	queue_env_free(&again);
	queue_env_free(&env);
	buf_free(&b);
	buf_free(&b2);
	return 0;
}
