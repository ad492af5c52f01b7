/*
 * buf.c: capped dynamic buffers (see buf.h).
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "util.h"

#define BUF_MIN_ALLOC 64

void
buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->size = 0;
	b->max = max;
}

/* Make room for n more bytes plus the terminator. */
static int
buf_reserve(struct buf *b, size_t n)
{
	size_t need, size;
	char *p;

	if (n > b->max - b->len)
		return -1;
	need = b->len + n + 1;
	if (need <= b->size)
		return 0;
	size = b->size ? b->size : BUF_MIN_ALLOC;
	while (size < need)
		size = size > SIZE_MAX / 2 ? need : size * 2;
	if (b->max < SIZE_MAX && size > b->max + 1)
		size = b->max + 1;
	if ((p = realloc(b->data, size)) == NULL)
		return -1;
	b->data = p;
	b->size = size;
	return 0;
}

int
buf_add(struct buf *b, const void *src, size_t n)
{
	if (buf_reserve(b, n) == -1)
		return -1;
	if (n > 0)
		memcpy(b->data + b->len, src, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_add_str(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int
buf_add_char(struct buf *b, char c)
{
	return buf_add(b, &c, 1);
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_reserve(b, (size_t)n) == -1)
		return -1;
	va_start(ap, fmt);
	(void)vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

const char *
buf_str(const struct buf *b)
{
	return b->data ? b->data : "";
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void
buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		buf_reset(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	b->data[b->len] = '\0';
}

char *
buf_steal(struct buf *b)
{
	char *p = b->data;

	if (p == NULL)
		p = calloc(1, 1);
	b->data = NULL;
	b->len = b->size = 0;
	return p;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->size = 0;
}

void
buf_wipe(struct buf *b)
{
	if (b->data)
		explicit_bzero(b->data, b->size);
	buf_free(b);
}
