/*
 * fuzz_bs.c: libFuzzer target for the -bs session (bs_session.c and
 * bs_parse.c): arbitrary client bytes through bs_serve, as a local
 * program would send them on postern's standard input, with fake
 * operations that accept everything.
 *
 * Asserted besides memory safety: a message is submitted only at a
 * CRLF "." CRLF, so there are never more submissions than occurrences
 * of CRLF "." CRLF in the input (SMTP smuggling, issue 18: a bare LF
 * must never end the data); every submission has 1..BS_RCPTS_MAX
 * recipients; every reply line is CRLF-terminated and at most
 * BS_REPLY_MAX octets.
 */
#include "config.h"

#include <sys/mman.h>

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "bs.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static size_t nsubmit;

static int
fz_mail(void *arg, const char *sender, struct err *e)
{
	(void)arg;
	(void)e;
	return sender[0] == 'x' ? err_set(e, ERR_CONFIG, "no x") : 0;
}

static int
fz_spool(void *arg, int *fd, struct err *e)
{
	(void)arg;
	*fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	return *fd == -1 ? err_set(e, ERR_IO, "no /dev/null") : 0;
}

static int
fz_submit(void *arg, char **rcpts, size_t n, int fd, char *reply, size_t cap,
    struct err *e)
{
	(void)arg;
	(void)rcpts;
	(void)fd;
	(void)e;
	if (n == 0 || n > BS_RCPTS_MAX)
		__builtin_trap();
	nsubmit++;
	(void)strlcpy(reply, "250 2.0.0 Ok", cap);
	return 0;
}

static void
fz_end(void *arg)
{
	(void)arg;
}

/* Occurrences (overlapping) of CRLF "." CRLF in data. */
static size_t
fz_ends(const uint8_t *data, size_t size)
{
	size_t i, n = 0;

	for (i = 0; i + 5 <= size; i++)
		if (memcmp(data + i, "\r\n.\r\n", 5) == 0)
			n++;
	return n;
}

/* Every reply line CRLF-terminated and within BS_REPLY_MAX. */
static void
fz_check_replies(int fd)
{
	static char out[1 << 22];
	ssize_t n = pread(fd, out, sizeof(out), 0);
	size_t i, start = 0;

	if (n < 0)
		__builtin_trap();
	for (i = 0; i < (size_t)n; i++) {
		if (out[i] != '\n')
			continue;
		if (i == 0 || out[i - 1] != '\r' ||
		    i + 1 - start > BS_REPLY_MAX)
			__builtin_trap();
		start = i + 1;
	}
	if (start != (size_t)n && (size_t)n < sizeof(out))
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct bs_ops ops = { fz_mail, fz_spool, fz_submit, fz_end,
		NULL };
	int in = memfd_create("fuzz_bs.in", MFD_CLOEXEC);
	int out = memfd_create("fuzz_bs.out", MFD_CLOEXEC);
	struct bs_session s;
	struct err e;

	if (in == -1 || out == -1 || write(in, data, size) != (ssize_t)size ||
	    lseek(in, 0, SEEK_SET) != 0)
		__builtin_trap();
	nsubmit = 0;
	bs_session_init(&s, "fuzz.test", &ops, NULL);
	err_clear(&e);
	(void)bs_serve(&s, in, out, &e);
	bs_session_free(&s);
	if (nsubmit > fz_ends(data, size) || s.ncompleted < nsubmit)
		__builtin_trap();
	fz_check_replies(out);
	(void)close(in);
	(void)close(out);
	return 0;
}
