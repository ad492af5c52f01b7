/*
 * sysq_status.c: what a user may know of their own mail in the system
 * queue (-bp --system as neither root nor the system user). The queue
 * itself is the system user's alone (0700), so the service keeps one
 * small file per entry in SPOOLDIR/status (0755): SPOOLDIR/status/ID,
 * mode 0600 plus a POSIX ACL that lets the submitting uid read it, and
 * nobody else. It holds the id, the time queued, the size, the sender,
 * the recipients with their state, the attempts and the last error,
 * why the entry is held (an account that needs authorization): never
 * the message. Written at pickup, rewritten after each round,
 * removed when the entry has left the queue. Without ACL support the
 * file stays the service's own (the user then sees nothing).
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/xattr.h>

#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "queue.h"
#include "sysq.h"
#include "util.h"

#define SYSQ_STATUS_MAX (256 * 1024) /* bytes of one status file */

/* The kernel's posix_acl_xattr format (little-endian). */
struct sysq_acl_entry {
	uint16_t tag, perm;
	uint32_t id;
};

/* Owner rw, uid r, group none, mask r, others none. */
static int
sysq_acl_set(int fd, uid_t uid)
{
	struct {
		uint32_t version;
		struct sysq_acl_entry e[5];
	} acl = { htole32(2),
		{ { htole16(0x01), htole16(6), htole32(~0U) },
		    { htole16(0x02), htole16(4), htole32((uint32_t)uid) },
		    { htole16(0x04), htole16(0), htole32(~0U) },
		    { htole16(0x10), htole16(4), htole32(~0U) },
		    { htole16(0x20), htole16(0), htole32(~0U) } } };

	return fsetxattr(fd, "system.posix_acl_access", &acl, sizeof(acl), 0);
}

/* The entry's status text. */
static int
sysq_status_text(const struct queue_env *env, struct buf *b)
{
	char when[32];
	time_t t = (time_t)env->created;
	struct tm tm;
	size_t i;

	(void)strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S",
	    gmtime_r(&t, &tm));
	if (buf_printf(b, "%s  queued %s UTC  %llu bytes  from <%s>\n", env->id,
	        when, (unsigned long long)env->size, env->sender) == -1)
		return -1;
	for (i = 0; i < env->nrcpts; i++)
		if (buf_printf(b, "  to <%s>: %s\n", env->rcpts[i].addr,
		        queue_rcpt_state_name(env->rcpts[i].state)) == -1)
			return -1;
	if (env->attempts > 0 &&
	    buf_printf(b, "  %u attempt%s, last error: %s\n", env->attempts,
	        env->attempts == 1 ? "" : "s",
	        env->last_error ? env->last_error : "none") == -1)
		return -1;
	if (env->held != NULL && buf_printf(b, "  held: %s\n", env->held) == -1)
		return -1;
	return 0;
}

/* Write the text into fd from the start. */
static int
sysq_status_write(int fd, const struct queue_env *env)
{
	struct buf b;
	int r = -1;

	buf_init(&b, SYSQ_STATUS_MAX);
	if (sysq_status_text(env, &b) == 0 && ftruncate(fd, 0) == 0 &&
	    lseek(fd, 0, SEEK_SET) == 0 &&
	    util_write_all(fd, b.data, b.len) == 0)
		r = 0;
	buf_free(&b);
	return r;
}

void
sysq_status_put(const struct queue_env *env, uid_t uid)
{
	char path[sizeof(SYSQ_STATUS) + DROP_ID_LEN + 8];
	int fd;

	(void)snprintf(path, sizeof(path), "%s/%s", SYSQ_STATUS, env->id);
	fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1)
		return;
	(void)sysq_acl_set(fd, uid);
	(void)sysq_status_write(fd, env);
	(void)close(fd);
}

/* One status file: rewritten from its entry, or gone with it. */
static void
sysq_status_one(int dfd, const char *queue_dir, const char *id)
{
	struct queue_entry q;
	struct err e;
	int fd;

	memset(&q, 0, sizeof(q));
	if (queue_peek(queue_dir, "new", id, &q, &e) == -1) {
		if (e.cls == ERR_NOINPUT)
			(void)unlinkat(dfd, id, 0);
		queue_entry_free(&q); /* queue_peek made q freeable */
		return;
	}
	fd = openat(dfd, id, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd != -1) {
		(void)sysq_status_write(fd, &q.env);
		(void)close(fd);
	}
	queue_entry_free(&q);
}

void
sysq_status_sync(const char *queue_dir)
{
	struct dirent *d;
	DIR *dir;

	if ((dir = opendir(SYSQ_STATUS)) == NULL)
		return;
	while ((d = readdir(dir)) != NULL)
		if (drop_id_valid(d->d_name))
			sysq_status_one(dirfd(dir), queue_dir, d->d_name);
	(void)closedir(dir);
}

/* Append the file if the caller may read it. */
static void
sysq_status_add(int dfd, const char *id, struct buf *out, size_t *n)
{
	char chunk[4096];
	ssize_t k;
	int fd = openat(dfd, id, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd == -1)
		return;
	while ((k = read(fd, chunk, sizeof(chunk))) > 0)
		if (buf_add(out, chunk, (size_t)k) == -1)
			break;
	(void)close(fd);
	(*n)++;
}

int
sysq_status_list(struct buf *out, struct err *e)
{
	struct dirent *d;
	size_t n = 0;
	DIR *dir;

	if ((dir = opendir(SYSQ_STATUS)) == NULL)
		return err_set(e, ERR_NOPERM, "cannot read %s: %s", SYSQ_STATUS,
		    strerror(errno));
	while ((d = readdir(dir)) != NULL)
		if (drop_id_valid(d->d_name))
			sysq_status_add(dirfd(dir), d->d_name, out, &n);
	(void)closedir(dir);
	if (n == 0)
		(void)buf_add_str(out,
		    "No mail of yours in the system queue\n");
	return 0;
}
