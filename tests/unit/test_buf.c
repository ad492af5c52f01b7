/*
 * test_buf.c: capped buffers grow, refuse to pass their cap and stay
 * unchanged when they refuse.
 */
#include "config.h"

#include <stdlib.h>

#include "buf.h"
#include "tap.h"

static void
test_grow(void)
{
	struct buf b;
	int i, r = 0;

	buf_init(&b, 100000);
	IS_STR(buf_str(&b), "", "a fresh buffer reads as empty");
	for (i = 0; i < 10000; i++)
		r |= buf_add(&b, "0123456789", 10);
	IS_INT(r, 0, "10000 appends of 10 bytes fit a 100000 cap");
	IS_INT(b.len, 100000, "length is the sum of the appends");
	IS_INT(b.data[b.len], '\0', "data stays NUL-terminated");
	buf_free(&b);
}

static void
test_cap(void)
{
	struct buf b;

	buf_init(&b, 8);
	IS_INT(buf_add_str(&b, "12345678"), 0, "exactly the cap fits");
	IS_INT(buf_add_char(&b, 'x'), -1, "one byte past the cap is refused");
	IS_STR(buf_str(&b), "12345678", "a refused append changes nothing");
	buf_reset(&b);
	IS_INT(buf_printf(&b, "%d-%s", 42, "abcdefgh"), -1,
	    "a formatted string past the cap is refused");
	IS_INT(b.len, 0, "and leaves the buffer empty");
	IS_INT(buf_printf(&b, "%d-%s", 42, "ab"), 0, "a short one fits");
	IS_STR(buf_str(&b), "42-ab", "formatted text is appended");
	buf_free(&b);
}

static void
test_consume_steal(void)
{
	struct buf b;
	char *s;

	buf_init(&b, 64);
	(void)buf_add_str(&b, "EHLO x\r\nQUIT\r\n");
	buf_consume(&b, 8);
	IS_STR(buf_str(&b), "QUIT\r\n", "consume drops the front");
	buf_consume(&b, 100);
	IS_INT(b.len, 0, "consuming more than len empties it");
	(void)buf_add_str(&b, "kept");
	s = buf_steal(&b);
	IS_STR(s, "kept", "steal hands over the contents");
	OK(b.data == NULL && b.len == 0, "and leaves the buffer empty");
	free(s);
	s = buf_steal(&b);
	IS_STR(s, "", "stealing an empty buffer gives an empty string");
	free(s);
	(void)buf_add_str(&b, "secret");
	buf_wipe(&b);
	OK(b.data == NULL && b.len == 0, "wipe releases the buffer");
}

int
main(void)
{
	test_grow();
	test_cap();
	test_consume_steal();
	return tap_done();
}
