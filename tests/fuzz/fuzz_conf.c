/*
 * fuzz_conf.c: libFuzzer target for the configuration parser. A config
 * file is written by hand or by other programs; conf_parse must stay
 * within its input whatever the bytes, and conf_finish and conf_print
 * must cope with whatever it accepted.
 */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf c;
	struct buf out;
	bool secret = false;
	size_t i;

	conf_init(&c);
	if (conf_parse(&c, "fuzz.conf", (const char *)data, size, "/home/u",
	        &secret) == 0 &&
	    conf_finish(&c, "/tmp/q") == 0) {
		buf_init(&out, 1 << 20);
		for (i = 0; i < c.naccounts; i++) {
			(void)conf_print(c.accounts[i], &out);
			buf_reset(&out);
		}
		buf_free(&out);
	}
	conf_free(&c);
	return 0;
}
