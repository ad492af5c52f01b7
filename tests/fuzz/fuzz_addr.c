/*
 * fuzz_addr.c: libFuzzer target for the address-list parser, the
 * envelope check and the aliases parser with resolution. Any input must
 * give 0 or -1, never a crash, a leak or undefined behaviour.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct addr_list l, out;
	struct addr_aliases *al = NULL;
	struct err err;
	char *s, *env = NULL;

	addr_list_init(&l, 0);
	addr_list_init(&out, 0);
	if (addr_parse_list((const char *)data, size, &l, &err) == 0 &&
	    addr_aliases_parse((const char *)data, size, &al, &err) == 0)
		(void)addr_resolve(&l, al, size % 2 ? "h.test" : NULL, &out,
		    &err);
	if ((s = malloc(size + 1)) != NULL) {
		memcpy(s, data, size);
		s[size] = '\0';
		if (addr_parse_envelope(s, true, &env, NULL, &err) == 0)
			free(env);
		free(s);
	}
	addr_aliases_free(al);
	addr_list_free(&l);
	addr_list_free(&out);
	return 0;
}
