/*
 * fuzz_reply.c: libFuzzer target for the SMTP reply parser and the
 * capability reader. Every server we talk to can send anything; the
 * parser must stay within its input and its 512-octet / 100-line caps.
 * Parses replies back to back from the input, as the engine does.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "smtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct smtp_reply reply;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data, *why;
	struct smtp_info info;
	char text[SMTP_TEXT_MAX];
	size_t used;
	int r;

	while (size > 0) {
		r = smtp_reply_parse(in, size, &reply, &used, &why);
		if (r != 1)
			break;
		if (used == 0 || used > size)
			__builtin_trap();
		memset(&info, 0, sizeof(info));
		smtp_caps_parse(&reply, &info);
		smtp_reply_format(&reply, text, sizeof(text));
		if (strlen(text) >= sizeof(text) || reply.code < 200 ||
		    reply.code > 559)
			__builtin_trap();
		in += used;
		size -= used;
	}
	return 0;
}
