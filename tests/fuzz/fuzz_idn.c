/*
 * fuzz_idn.c: libFuzzer target for idn.c behind the address parser:
 * the input as a host name (to A-labels, to U-labels), as an envelope
 * address, and as an address list whose every address goes to A-labels.
 * A conversion that succeeds must give pure ASCII that converts to
 * itself again. Any input must give 0 or -1, never a crash, a leak or
 * undefined behaviour.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "idn.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* A-labels must be ASCII and stable: converting them again is a no-op. */
static void
fuzz_check_ascii(const char *a)
{
	char again[IDN_NAME_MAX];
	struct err err;

	if (!idn_is_ascii(a))
		abort();
	if (idn_to_ascii("host", a, again, sizeof(again), &err) == 0 &&
	    strcmp(a, again) != 0)
		abort();
}

static void
fuzz_name(const char *s)
{
	char out[IDN_NAME_MAX], *u = NULL, *a = NULL, *env = NULL;
	struct err err;

	if (idn_to_ascii("host", s, out, sizeof(out), &err) == 0)
		fuzz_check_ascii(out);
	if (idn_to_unicode("host", s, &u, &err) == 0)
		free(u);
	if (addr_parse_envelope(s, true, &env, NULL, &err) == 0) {
		if (idn_addr_to_ascii(env, &a, &err) == 0) {
			if (idn_addr_local_ascii(env))
				fuzz_check_ascii(a);
			free(a);
		}
		free(env);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct addr_list l;
	struct err err;
	char *s, *a;
	size_t i;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	fuzz_name(s);
	free(s);
	addr_list_init(&l, 0);
	if (addr_parse_list((const char *)data, size, &l, &err) == 0)
		for (i = 0; i < l.n; i++)
			if (idn_addr_to_ascii(l.v[i].spec, &a, &err) == 0)
				free(a);
	addr_list_free(&l);
	return 0;
}
