/*
 * fuzz_msg.c: libFuzzer target for the message preparer. The first byte
 * picks the options and a chunk size; the rest is the message. Besides
 * not crashing, the output must hold no NUL, no bare CR and no bare LF,
 * and chunked input must give the same output as one chunk (abort()
 * otherwise, so libFuzzer reports it).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
sink(void *arg, const void *data, size_t len, struct err *err)
{
	if (buf_add(arg, data, len) == -1)
		return err_set(err, ERR_IO, "full");
	return 0;
}

static int
prepare(const struct msg_opts *o, const uint8_t *in, size_t len, size_t step,
    struct buf *out)
{
	struct msg *m = NULL;
	struct msg_result res;
	struct err err;
	struct buf two;
	size_t off, n;
	int r;

	memset(&res, 0, sizeof res);
	r = msg_new(&m, o, sink, out, &err);
	for (off = 0; r == 0 && off < len; off += n) {
		n = len - off < step ? len - off : step;
		r = msg_feed(m, in + off, n, &err);
	}
	if (r == 0)
		r = msg_finish(m, &res, &err);
	if (r == 0 && res.needs_reencode) {
		buf_init(&two, 1 << 24);
		r = msg_reencode_begin(m, sink, &two, &err);
		if (r == 0)
			r = msg_reencode_feed(m, out->data, out->len, &err);
		if (r == 0)
			r = msg_reencode_finish(m, &res, &err);
		buf_free(out);
		*out = two;
	}
	if (r == 0 && res.size != out->len)
		abort();
	msg_result_free(&res);
	msg_free(m);
	return r;
}

static void
canonical(const struct buf *b)
{
	size_t i;

	for (i = 0; i < b->len; i++)
		if (b->data[i] == '\0' ||
		    (b->data[i] == '\r') !=
		        (i + 1 < b->len && b->data[i + 1] == '\n'))
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg_opts o;
	struct buf a, b;
	int ra, rb;

	if (size < 1)
		return 0;
	memset(&o, 0, sizeof o);
	o.dot_ends_input = data[0] & 1;
	o.read_recipients = data[0] & 2;
	o.set_from_header = (enum msg_set_from)((data[0] >> 2) % 3);
	o.set_date_header = o.set_msgid_header = data[0] & 16;
	o.remove_bcc_headers = data[0] & 32;
	o.local_domain = data[0] & 64 ? "h.test" : NULL;
	o.envelope_from = o.account_from = "me@example.org";
	o.from_full_name = "J\xc3\xb6rg";
	o.now = 1800000000;
	o.msgid_left = "fuzz";
	o.max_header_bytes = 1 << 16;
	buf_init(&a, 1 << 24);
	buf_init(&b, 1 << 24);
	ra = prepare(&o, data + 1, size - 1, size, &a);
	rb = prepare(&o, data + 1, size - 1, 1 + data[0] % 7, &b);
	if (ra != rb ||
	    (ra == 0 && (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)))
		abort();
	if (ra == 0)
		canonical(&a);
	buf_free(&a);
	buf_free(&b);
	return 0;
}
