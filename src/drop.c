/*
 * drop.c: the maildrop record (drop.h): checking it while copying it
 * from the helper's input into a new maildrop file, and the file's
 * durable creation. Used by postern-drop (drop_main.c), which runs with
 * the system group's rights: it reads nothing but its input, and writes
 * nothing but one new file.
 */
#include "config.h"

#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "drop.h"

struct drop_in {
	int fd;
	size_t off, len;
	char buf[65536];
};

bool
drop_arg_ok(const char *s, size_t n)
{
	size_t i;

	if (n > DROP_ARG_MAX)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

int
drop_id_new(char id[DROP_ID_LEN + 1])
{
	unsigned int r;

	if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return -1;
	(void)snprintf(id, DROP_ID_LEN + 1, "%08llx%08x",
	    (unsigned long long)time(NULL) & 0xffffffffULL, r);
	return 0;
}

bool
drop_id_valid(const char *s)
{
	size_t i;

	for (i = 0; i < DROP_ID_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		        (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[i] == '\0';
}

static int
drop_write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static ssize_t
drop_fill(struct drop_in *in)
{
	ssize_t n;

	if (in->off > 0 && in->off < in->len)
		memmove(in->buf, in->buf + in->off, in->len - in->off);
	in->len -= in->off;
	in->off = 0;
	do
		n = read(in->fd, in->buf + in->len, sizeof(in->buf) - in->len);
	while (n == -1 && errno == EINTR);
	if (n > 0)
		in->len += (size_t)n;
	return n;
}

/* The next line (without its LF) into line; -1 when there is none. */
static int
drop_line(struct drop_in *in, const char **line, size_t *n)
{
	char *nl;

	for (;;) {
		nl = memchr(in->buf + in->off, '\n', in->len - in->off);
		if (nl != NULL) {
			*line = in->buf + in->off;
			*n = (size_t)(nl - *line);
			in->off += *n + 1;
			return 0;
		}
		if (in->len - in->off >= sizeof(in->buf) || drop_fill(in) <= 0)
			return -1;
	}
}

/* The argument lines up to "data", each checked and copied. */
static int
drop_copy_head(struct drop_in *in, int out, const char **why)
{
	size_t n, nargs = 0, total = 0;
	const char *l;

	for (;;) {
		if (drop_line(in, &l, &n) == -1)
			return *why = "the record ends before its data", -1;
		if (n == 4 && memcmp(l, "data", 4) == 0)
			break;
		if (n < 4 || memcmp(l, "arg ", 4) != 0 ||
		    !drop_arg_ok(l + 4, n - 4))
			return *why = "malformed record", -1;
		if (++nargs > DROP_ARGS_MAX || (total += n + 1) > DROP_HEAD_MAX)
			return *why = "too many arguments", -1;
		if (drop_write_all(out, l, n + 1) == -1)
			return *why = strerror(errno), -1;
	}
	if (drop_write_all(out, "data\n", 5) == -1)
		return *why = strerror(errno), -1;
	return 0;
}

/* The rest of the input: the message. */
static int
drop_copy_body(struct drop_in *in, int out, const char **why)
{
	long total = 0;
	ssize_t n;

	for (;;) {
		if (in->len > in->off) {
			total += (long)(in->len - in->off);
			if (total > DROP_MSG_MAX)
				return *why = "the message is too large", -1;
			if (drop_write_all(out, in->buf + in->off,
			        in->len - in->off) == -1)
				return *why = strerror(errno), -1;
		}
		in->off = in->len = 0;
		if ((n = drop_fill(in)) == 0)
			return 0;
		if (n == -1)
			return *why = strerror(errno), -1;
	}
}

int
drop_copy(int infd, int out, uid_t uid, const char **why)
{
	static struct drop_in in; /* 64 KiB: not on the stack */
	char head[64];
	const char *l;
	size_t n;
	int len;

	in.fd = infd;
	in.off = in.len = 0;
	if (drop_line(&in, &l, &n) == -1 || n != strlen(DROP_MAGIC_IN) ||
	    memcmp(l, DROP_MAGIC_IN, n) != 0)
		return *why = "not a postern-drop record", -1;
	len = snprintf(head, sizeof(head), "%s\nuid %lu\n", DROP_MAGIC_FILE,
	    (unsigned long)uid);
	if (drop_write_all(out, head, (size_t)len) == -1)
		return *why = strerror(errno), -1;
	if (drop_copy_head(&in, out, why) == -1)
		return -1;
	return drop_copy_body(&in, out, why);
}

/* fsync, rename into place (never over another file), syncfs. */
static int
drop_commit(int dirfd, int fd, const char *tmp, const char *id,
    const char **why)
{
	if (fchmod(fd, 0444) == -1 || fsync(fd) == -1)
		return *why = strerror(errno), -1;
	if (renameat2(dirfd, tmp, dirfd, id, RENAME_NOREPLACE) == -1)
		return *why = strerror(errno), -1;
	/*
	 * The directory (mode 1730) cannot be opened for reading, so it
	 * cannot be fsynced: syncfs makes the new name durable instead.
	 */
	if (syncfs(fd) == -1) {
		*why = strerror(errno);
		(void)unlinkat(dirfd, id, 0);
		return -1;
	}
	return 0;
}

/* A new temporary file under a fresh id (a few tries on a clash). */
static int
drop_create(int dirfd, char id[DROP_ID_LEN + 1],
    char tmp[sizeof(DROP_TMP_PREFIX) + DROP_ID_LEN], const char **why)
{
	int fd, tries;

	for (tries = 0; tries < 4; tries++) {
		if (drop_id_new(id) == -1)
			return *why = "getrandom failed", -1;
		(void)snprintf(tmp, sizeof(DROP_TMP_PREFIX) + DROP_ID_LEN,
		    "%s%s", DROP_TMP_PREFIX, id);
		fd = openat(dirfd, tmp,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0400);
		if (fd != -1 || errno != EEXIST)
			break;
	}
	if (fd == -1)
		*why = strerror(errno);
	return fd;
}

int
drop_write(int dirfd, int in, uid_t uid, char id[DROP_ID_LEN + 1],
    const char **why, bool *cantcreat)
{
	char tmp[sizeof(DROP_TMP_PREFIX) + DROP_ID_LEN];
	int fd, r = -1;

	*cantcreat = true;
	if ((fd = drop_create(dirfd, id, tmp, why)) == -1)
		return -1;
	errno = 0;
	if (drop_copy(in, fd, uid, why) == -1) {
		*cantcreat = errno == ENOSPC || errno == EIO || errno == EDQUOT;
		goto out;
	}
	if (drop_commit(dirfd, fd, tmp, id, why) == -1)
		goto out;
	r = 0;
out:
	(void)close(fd);
	if (r == -1)
		(void)unlinkat(dirfd, tmp, 0);
	return r;
}
