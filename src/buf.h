/*
 * buf.h: capped dynamic buffers.
 *
 * Everything that grows from network, stdin or a file is a struct buf
 * with a maximum size fixed at init. Appending past the cap, or running
 * out of memory, fails with -1 and leaves the buffer as it was; the data
 * is always NUL-terminated (the terminator is not counted in len and does
 * not count against the cap). Buffers that held a secret are released
 * with buf_wipe so the bytes never linger in freed memory.
 */
#ifndef POSTERN_BUF_H
#define POSTERN_BUF_H

#include <stddef.h>

struct buf {
	char *data;  /* NULL until the first append */
	size_t len;  /* bytes in use, without the terminator */
	size_t size; /* bytes allocated */
	size_t max;  /* cap on len */
};

/* An empty buffer that may grow to max bytes. Allocates nothing. */
void buf_init(struct buf *, size_t max);

/* Append n bytes / a string / a formatted string. 0, or -1 (cap, ENOMEM). */
int buf_add(struct buf *, const void *, size_t n);
int buf_add_str(struct buf *, const char *);
int buf_add_char(struct buf *, char);
int buf_printf(struct buf *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/* The contents as a string: "" for a buffer that never grew. */
const char *buf_str(const struct buf *);

/* Forget the contents, keep the memory. */
void buf_reset(struct buf *);

/* Drop the first n bytes (n <= len), keeping the rest. */
void buf_consume(struct buf *, size_t n);

/*
 * Hand the contents to the caller (free() it) and reset the buffer.
 * Returns a "" allocation for an empty buffer, or NULL on ENOMEM.
 */
char *buf_steal(struct buf *);

/* Release the memory. buf_wipe zeroes it first. Both leave an empty buffer. */
void buf_free(struct buf *);
void buf_wipe(struct buf *);

#endif
