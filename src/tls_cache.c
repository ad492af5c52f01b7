/*
 * tls_cache.c: the TLS session cache file (see tls_cache.h): naming,
 * the checks before a cached session is offered, and the atomic
 * replacement.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "tls_cache.h"
#include "util.h"

#define TLS_CACHE_MAGIC "postern-tls-session 1 "
#define TLS_ROOT_MAGIC "postern-tls-root 1 "

int
tls_cache_path(const char *dir, const unsigned char md[32], char **path,
    char *hdr)
{
	char hex[65];
	size_t i;

	for (i = 0; i < 32; i++)
		(void)snprintf(hex + 2 * i, 3, "%02x", md[i]);
	(void)snprintf(hdr, TLS_CACHE_HDR_MAX, "%s%s\n", TLS_CACHE_MAGIC, hex);
	*path = util_path_join(dir, hex);
	return *path == NULL ? -1 : 0;
}

bool
tls_cache_racy(const struct stat *st, const struct timespec *now)
{
	const struct timespec *last = &st->st_mtim;
	long long ns;

	if (st->st_ctim.tv_sec > last->tv_sec ||
	    (st->st_ctim.tv_sec == last->tv_sec &&
	        st->st_ctim.tv_nsec > last->tv_nsec))
		last = &st->st_ctim;
	ns = (long long)(now->tv_sec - last->tv_sec) * 1000000000LL +
	    (now->tv_nsec - last->tv_nsec);
	return ns < 2000000000LL;
}

/* Now, for tls_cache_racy. */
static struct timespec
tls_cache_now(void)
{
	struct timespec ts = { 0, 0 };

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return ts;
}

int
tls_cache_root_stamp(const char *path, const struct stat *st, char **root_path,
    char *hdr)
{
	const char *base = strrchr(path, '/');
	int n;

	*root_path = NULL;
	n = snprintf(hdr, TLS_CACHE_HDR_MAX,
	    "%s%s %ju:%ju:%jd:%jd.%09ld:%jd.%09ld\n", TLS_ROOT_MAGIC,
	    base != NULL ? base + 1 : path, (uintmax_t)st->st_dev,
	    (uintmax_t)st->st_ino, (intmax_t)st->st_size,
	    (intmax_t)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
	    (intmax_t)st->st_ctim.tv_sec, st->st_ctim.tv_nsec);
	if (n < 0 || n >= TLS_CACHE_HDR_MAX)
		return -1;
	if ((*root_path = malloc(strlen(path) + sizeof(".root"))) == NULL)
		return -1;
	(void)snprintf(*root_path, strlen(path) + sizeof(".root"), "%s.root",
	    path);
	return 0;
}

int
tls_cache_root_hdr(const char *path, const char *trust_file, char **root_path,
    char *hdr)
{
	struct timespec now = tls_cache_now();
	struct stat st;

	*root_path = NULL;
	if (trust_file == NULL || stat(trust_file, &st) == -1 ||
	    !S_ISREG(st.st_mode) || tls_cache_racy(&st, &now))
		return -1;
	return tls_cache_root_stamp(path, &st, root_path, hdr);
}

/* Read exactly n bytes. */
static int
tls_cache_read_all(int fd, unsigned char *b, size_t n)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = read(fd, b + got, n - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

int
tls_cache_read(const char *path, const char *hdr, unsigned char **data,
    size_t *len)
{
	size_t hl = strlen(hdr);
	unsigned char *b = NULL;
	struct stat st;
	int fd, r = -1;

	*data = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 077) != 0 ||
	    st.st_size <= (off_t)hl || st.st_size > TLS_CACHE_MAX)
		goto out;
	if ((b = malloc((size_t)st.st_size)) == NULL ||
	    tls_cache_read_all(fd, b, (size_t)st.st_size) == -1 ||
	    memcmp(b, hdr, hl) != 0)
		goto out;
	*len = (size_t)st.st_size - hl;
	memmove(b, b + hl, *len);
	*data = b;
	b = NULL;
	r = 0;
out:
	free(b);
	(void)close(fd);
	return r;
}

/* Write all of p to fd. */
static int
tls_cache_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t r;

	while (n > 0) {
		if ((r = write(fd, c, n)) == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

int
tls_cache_write(const char *path, const char *hdr, const void *data, size_t len)
{
	char *dir = NULL, *tmp = NULL, *slash;
	struct err e;
	bool ok;
	int fd, r = -1;

	if (strlen(hdr) + len > TLS_CACHE_MAX || (dir = strdup(path)) == NULL ||
	    (slash = strrchr(dir, '/')) == NULL)
		goto out;
	*slash = '\0';
	if (util_mkdirs(dir, &e) == -1 ||
	    (tmp = util_path_join(dir, ".new.XXXXXX")) == NULL ||
	    (fd = mkostemp(tmp, O_CLOEXEC)) == -1) /* mode 0600 */
		goto out;
	ok = tls_cache_write_all(fd, hdr, strlen(hdr)) == 0 &&
	    tls_cache_write_all(fd, data, len) == 0;
	if (close(fd) == -1 || !ok || rename(tmp, path) == -1)
		(void)unlink(tmp);
	else
		r = 0;
out:
	free(tmp);
	free(dir);
	return r;
}
