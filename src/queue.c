/*
 * queue.c: queue entries on disk: publish, read, lock, update, remove,
 * the retry schedule, stale file cleanup (layout and rules in queue.h).
 *
 * Durability: every step that makes or changes an entry writes a new
 * file in tmp/, fsyncs it, renames it into place and fsyncs the
 * directory. A failed fsync is a failure (the kernel may have dropped
 * the pages), never retried.
 *
 * Trust: an entry is sent with the user's account, so the queue must be
 * the user's alone. The queue directory and its subdirectories are
 * opened with O_NOFOLLOW and must be directories owned by the user with
 * no access for group or others; entries are opened with openat() on
 * that descriptor, O_NOFOLLOW, and must be regular files owned by the
 * user, mode 0600 or stricter. Anything else is refused with an error
 * naming the path (ERR_CONFIG): a file another user planted is never
 * read, let alone sent.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "queue.h"
#include "util.h"

#define QUEUE_PATH_MAX 4096
#define QUEUE_OPEN_DIR (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
#define QUEUE_OPEN_FILE (O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY)

/* The open fd at path is the user's alone: owner, type and mode. */
static int
queue_check(int fd, const char *path, bool dir, struct err *e)
{
	struct stat st;

	if (fstat(fd, &st) == -1)
		return err_set(e, ERR_IO, "cannot stat %s: %s", path,
		    strerror(errno));
	if (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
		return err_set(e, ERR_CONFIG,
		    "%s is not a %s; postern will not use it", path,
		    dir ? "directory" : "regular file");
	if (st.st_uid != geteuid())
		return err_set(e, ERR_CONFIG,
		    "%s is not owned by you (owner uid %u); postern will not use it",
		    path, (unsigned)st.st_uid);
	if (st.st_mode & (S_IRWXG | S_IRWXO))
		return err_set(e, ERR_CONFIG,
		    "%s may be read or changed by group or others (mode %04o); postern will not use it: chmod %s %s",
		    path, (unsigned)(st.st_mode & 07777), dir ? "700" : "600",
		    path);
	return 0;
}

/* Why name at dfd did not open (errno is openat's). Always -1. */
static int
queue_open_failed(int dfd, const char *name, const char *path, struct err *e)
{
	int saved = errno;
	struct stat st;

	/* O_NOFOLLOW says ELOOP, or ENOTDIR with O_DIRECTORY */
	if ((saved == ELOOP || saved == ENOTDIR) &&
	    fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode))
		return err_set(e, ERR_CONFIG,
		    "%s is a symbolic link; postern will not follow it", path);
	return err_set(e,
	    saved == ENOENT        ? ERR_NOINPUT
	        : saved == ENOTDIR ? ERR_CONFIG
	                           : ERR_IO,
	    "cannot open %s: %s", path, strerror(saved));
}

/* name at dfd, opened without following a link, and checked. */
static int
queue_open_at(int dfd, const char *name, const char *path, bool dir,
    struct err *e)
{
	int fd = openat(dfd, name, dir ? QUEUE_OPEN_DIR : QUEUE_OPEN_FILE);

	if (fd == -1)
		return queue_open_failed(dfd, name, path, e);
	if (queue_check(fd, path, dir, e) == -1) {
		(void)close(fd);
		return -1;
	}
	return fd;
}

/* dir/sub, opened and checked (and dir itself): its descriptor, or -1. */
static int
queue_open_sub(const char *dir, const char *sub, struct err *e)
{
	char p[QUEUE_PATH_MAX];
	int top, fd;

	if (snprintf(p, sizeof(p), "%s/%s", dir, sub) >= (int)sizeof(p))
		return err_set(e, ERR_CANTCREAT, "queue path too long: %s",
		    dir);
	if ((top = queue_open_at(AT_FDCWD, dir, dir, true, e)) == -1)
		return -1;
	fd = queue_open_at(top, sub, p, true, e);
	(void)close(top);
	return fd;
}

static int
queue_path(char *out, const char *dir, const char *sub, const char *id,
    const char *ext, struct err *e)
{
	int n = snprintf(out, QUEUE_PATH_MAX, "%s/%s/%s%s", dir, sub, id, ext);

	if (n < 0 || n >= QUEUE_PATH_MAX)
		return err_set(e, ERR_CANTCREAT, "queue path too long: %s",
		    dir);
	return 0;
}

int
queue_dir_init(const char *dir, struct err *e)
{
	static const char *const subs[] = { "tmp", "new", "failed" };
	char p[QUEUE_PATH_MAX];
	size_t i;
	int fd;

	for (i = 0; i < ARRAY_SIZE(subs); i++) {
		if (queue_path(p, dir, subs[i], "", "", e) == -1 ||
		    util_mkdirs(p, e) == -1 ||
		    (fd = queue_open_sub(dir, subs[i], e)) == -1)
			return -1;
		(void)close(fd);
	}
	return 0;
}

uint32_t
queue_random(void)
{
	uint32_t r = 0;

	if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		r = (uint32_t)getpid() * 2654435761u ^ (uint32_t)time(NULL);
	return r;
}

int
queue_id_new(char id[QUEUE_ID_LEN + 1], struct err *e)
{
	uint32_t r;

	if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return err_set(e, ERR_OSERR, "getrandom failed");
	(void)snprintf(id, QUEUE_ID_LEN + 1, "%08llx%08lx",
	    (unsigned long long)time(NULL) & 0xffffffffULL, (unsigned long)r);
	return 0;
}

int64_t
queue_backoff(unsigned n, unsigned min, unsigned max, uint32_t rnd)
{
	uint64_t d = min ? min : 1;

	while (n-- > 1 && d < max)
		d *= 2;
	if (d > max)
		d = max;
	return (int64_t)(d - rnd % (d / 4 + 1));
}

static int
queue_fsync_dir(const char *dir, const char *sub, struct err *e)
{
	char p[QUEUE_PATH_MAX];
	int fd, r;

	if (queue_path(p, dir, sub, "", "", e) == -1 ||
	    (fd = queue_open_sub(dir, sub, e)) == -1)
		return -1;
	r = fsync(fd);
	(void)close(fd);
	if (r == -1)
		return err_set(e, ERR_IO, "cannot fsync %s: %s", p,
		    strerror(errno));
	return 0;
}

/* data into a new file at path: O_EXCL, written, fsynced, closed. */
static int
queue_write_file(const char *path, const char *data, size_t len, struct err *e)
{
	int fd, r = -1;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1)
		return err_set(e, ERR_CANTCREAT, "cannot create %s: %s", path,
		    strerror(errno));
	if (util_write_all(fd, data, len) == -1)
		err_set(e, ERR_IO, "cannot write %s: %s", path,
		    strerror(errno));
	else if (fsync(fd) == -1)
		err_set(e, ERR_IO, "cannot fsync %s: %s", path,
		    strerror(errno));
	else
		r = 0;
	if (close(fd) == -1 && r == 0)
		r = err_set(e, ERR_IO, "cannot close %s: %s", path,
		    strerror(errno));
	if (r == -1)
		(void)unlink(path);
	return r;
}

/* The envelope into dir/tmp/ID.env, durably. */
static int
queue_write_env(const char *dir, const struct queue_env *env, char *tmp,
    struct err *e)
{
	struct buf b;
	int r = -1;

	buf_init(&b, QUEUE_ENV_MAX);
	if (queue_env_format(env, &b) == -1)
		err_set(e, ERR_SOFTWARE, "cannot format the envelope");
	else if (queue_path(tmp, dir, "tmp", env->id, ".env", e) == 0) {
		/* A run killed between writing and renaming left this file:
		 * the caller holds the entry (its lock, or a fresh id), so
		 * it is stale, and keeping it would block every save. */
		(void)unlink(tmp);
		r = queue_write_file(tmp, buf_str(&b), b.len, e);
	}
	buf_free(&b);
	return r;
}

static int
queue_rename(const char *from, const char *to, struct err *e)
{
	if (rename(from, to) == -1)
		return err_set(e, errno == ENOSPC ? ERR_CANTCREAT : ERR_IO,
		    "cannot rename %s to %s: %s", from, to, strerror(errno));
	return 0;
}

int
queue_publish(const char *dir, const char *sub, struct queue_env *env,
    int msg_fd, const char *msg_path, struct err *e)
{
	char tmp[QUEUE_PATH_MAX], msg[QUEUE_PATH_MAX], envp[QUEUE_PATH_MAX];
	int stage = 0;

	if (fsync(msg_fd) == -1)
		return err_set(e, ERR_IO, "cannot fsync the spool file: %s",
		    strerror(errno));
	if (queue_path(msg, dir, sub, env->id, ".msg", e) == -1 ||
	    queue_path(envp, dir, sub, env->id, ".env", e) == -1 ||
	    queue_write_env(dir, env, tmp, e) == -1)
		return -1;
	stage = 1;
	if (queue_rename(msg_path, msg, e) == -1)
		goto fail;
	stage = 2;
	if (queue_rename(tmp, envp, e) == -1)
		goto fail;
	stage = 3;
	if (queue_fsync_dir(dir, sub, e) == -1)
		goto fail;
	return 0;
fail:
	/* Undo in reverse: the caller keeps its message, nothing is left. */
	if (stage >= 3)
		(void)unlink(envp);
	if (stage >= 2 && rename(msg, msg_path) == -1)
		(void)unlink(msg);
	if (stage < 3)
		(void)unlink(tmp);
	return -1;
}

int
queue_put(const char *dir, struct queue_env *env, const char *data, size_t len,
    struct err *e)
{
	char p[QUEUE_PATH_MAX];
	int fd, r = -1;

	if (queue_path(p, dir, "tmp", env->id, ".msg", e) == -1)
		return -1;
	if (queue_write_file(p, data, len, e) == -1)
		return -1;
	if ((fd = open(p, O_RDONLY | O_CLOEXEC)) == -1)
		err_set(e, ERR_IO, "cannot open %s: %s", p, strerror(errno));
	else {
		env->size = len;
		r = queue_publish(dir, "new", env, fd, p, e);
		(void)close(fd);
	}
	if (r == -1)
		(void)unlink(p);
	return r;
}

static int
queue_id_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
queue_ids_free(char **ids, size_t n)
{
	while (n > 0)
		free(ids[--n]);
	free(ids);
}

int
queue_scan(const char *dir, const char *sub, char ***ids, size_t *n,
    struct err *e)
{
	char **v;
	struct dirent *d;
	DIR *dp;
	int fd;

	*ids = NULL;
	*n = 0;
	if ((fd = queue_open_sub(dir, sub, e)) == -1)
		return e->cls == ERR_NOINPUT ? 0 : -1;
	if ((dp = fdopendir(fd)) == NULL) {
		(void)close(fd);
		return err_set(e, ERR_IO, "cannot read %s/%s: %s", dir, sub,
		    strerror(errno));
	}
	while ((d = readdir(dp)) != NULL) {
		size_t len = strlen(d->d_name);

		if (len != QUEUE_ID_LEN + 4 ||
		    strcmp(d->d_name + QUEUE_ID_LEN, ".env") != 0)
			continue;
		if ((v = realloc(*ids, (*n + 1) * sizeof(*v))) == NULL ||
		    (v[*n] = strndup(d->d_name, QUEUE_ID_LEN)) == NULL) {
			*ids = v ? v : *ids;
			(void)closedir(dp);
			return err_set(e, ERR_SOFTWARE, "out of memory");
		}
		*ids = v;
		if (queue_id_valid(v[*n]))
			++*n;
		else
			free(v[*n]);
	}
	(void)closedir(dp);
	if (*n > 0)
		qsort(*ids, *n, sizeof(**ids), queue_id_cmp);
	return 0;
}

/* dir/sub/ID.EXT, opened without following links and checked. */
static int
queue_open_file(const char *dir, const char *sub, const char *id,
    const char *ext, struct err *e)
{
	char p[QUEUE_PATH_MAX], name[QUEUE_ID_LEN + 8];
	int dfd, fd;

	if (queue_path(p, dir, sub, id, ext, e) == -1 ||
	    (dfd = queue_open_sub(dir, sub, e)) == -1)
		return -1;
	(void)snprintf(name, sizeof(name), "%s%s", id, ext);
	fd = queue_open_at(dfd, name, p, false, e);
	(void)close(dfd);
	return fd;
}

/* The whole envelope file into b (capped). 0, or -1 + e. */
static int
queue_read_env(const char *dir, const char *sub, const char *id, struct buf *b,
    struct err *e)
{
	char chunk[4096];
	ssize_t n;
	int fd;

	if ((fd = queue_open_file(dir, sub, id, ".env", e)) == -1) {
		if (e->cls == ERR_NOINPUT)
			err_set(e, ERR_NOINPUT, "%s went away", id);
		return -1;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 || buf_add(b, chunk, (size_t)n) == -1) {
			err_set(e, ERR_IO, "cannot read the envelope of %s: %s",
			    id, n == -1 ? strerror(errno) : "too large");
			(void)close(fd);
			return -1;
		}
	}
	(void)close(fd);
	return 0;
}

/* Read ID.env into the entry and check it against the message file. */
static int
queue_load(struct queue_entry *q, const char *id, int msg_fd, struct err *e)
{
	struct stat st;
	struct buf b;
	struct err pe;
	int r = -1;

	buf_init(&b, QUEUE_ENV_MAX);
	if (queue_read_env(q->dir, q->sub, id, &b, e) == -1)
		goto out;
	r = 0;
	if (queue_env_parse(buf_str(&b), b.len, &q->env, &pe) == -1)
		(void)snprintf(q->why, sizeof(q->why),
		    "damaged envelope: %.400s", pe.text);
	else if (strcmp(q->env.id, id) != 0)
		(void)snprintf(q->why, sizeof(q->why), "envelope of %s",
		    q->env.id);
	else if (fstat(msg_fd, &st) == -1 ||
	    (uint64_t)st.st_size != q->env.size)
		(void)snprintf(q->why, sizeof(q->why),
		    "message size differs from the envelope");
	q->damaged = q->why[0] != '\0';
	if (q->damaged)
		memcpy(q->env.id, id, QUEUE_ID_LEN + 1);
out:
	buf_free(&b);
	return r;
}

static int
queue_open(const char *dir, const char *sub, const char *id,
    struct queue_entry *q, struct err *e)
{
	memset(q, 0, sizeof(*q));
	q->fd = -1;
	q->sub = sub;
	if ((q->dir = strdup(dir)) == NULL)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	if (!queue_id_valid(id))
		return err_set(e, ERR_USAGE, "%s is not a queue id", id);
	q->fd = queue_open_file(dir, sub, id, ".msg", e);
	return q->fd == -1 ? -1 : 0;
}

int
queue_peek(const char *dir, const char *sub, const char *id,
    struct queue_entry *q, struct err *e)
{
	if (queue_open(dir, sub, id, q, e) == -1)
		return -1;
	return queue_load(q, id, q->fd, e);
}

int
queue_lock(const char *dir, const char *sub, const char *id, bool wait,
    struct queue_entry *q, struct err *e)
{
	if (queue_open(dir, sub, id, q, e) == -1)
		return e->cls == ERR_NOINPUT ? 0 : -1;
	while (flock(q->fd, LOCK_EX | (wait ? 0 : LOCK_NB)) == -1) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK)
			return 0;
		return err_set(e, ERR_IO, "cannot lock %s: %s", id,
		    strerror(errno));
	}
	if (queue_load(q, id, q->fd, e) == -1)
		return e->cls == ERR_NOINPUT ? 0 : -1;
	return 1;
}

int
queue_save(struct queue_entry *q, struct err *e)
{
	char tmp[QUEUE_PATH_MAX], p[QUEUE_PATH_MAX];

	if (queue_path(p, q->dir, q->sub, q->env.id, ".env", e) == -1 ||
	    queue_write_env(q->dir, &q->env, tmp, e) == -1)
		return -1;
	if (queue_rename(tmp, p, e) == -1) {
		(void)unlink(tmp);
		return -1;
	}
	return queue_fsync_dir(q->dir, q->sub, e);
}

int
queue_remove(struct queue_entry *q, struct err *e)
{
	char env[QUEUE_PATH_MAX], msg[QUEUE_PATH_MAX];

	if (queue_path(env, q->dir, q->sub, q->env.id, ".env", e) == -1 ||
	    queue_path(msg, q->dir, q->sub, q->env.id, ".msg", e) == -1)
		return -1;
	if (unlink(env) == -1 && errno != ENOENT)
		return err_set(e, ERR_IO, "cannot remove %s: %s", env,
		    strerror(errno));
	(void)unlink(msg);
	return queue_fsync_dir(q->dir, q->sub, e);
}

/* Message first, envelope last, as when publishing. */
int
queue_move(struct queue_entry *q, const char *sub, struct err *e)
{
	static const char *const ext[] = { ".msg", ".env" };
	char from[QUEUE_PATH_MAX], to[QUEUE_PATH_MAX];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ext); i++)
		if (queue_path(from, q->dir, q->sub, q->env.id, ext[i], e) ||
		    queue_path(to, q->dir, sub, q->env.id, ext[i], e) ||
		    queue_rename(from, to, e) == -1)
			return -1;
	if (queue_fsync_dir(q->dir, sub, e) == -1)
		return -1;
	(void)queue_fsync_dir(q->dir, q->sub, e);
	q->sub = sub;
	return 0;
}

int
queue_fail(struct queue_entry *q, struct err *e)
{
	return queue_move(q, "failed", e);
}

void
queue_entry_free(struct queue_entry *q)
{
	if (q->fd != -1)
		(void)close(q->fd);
	q->fd = -1;
	queue_env_free(&q->env);
	free(q->dir);
	q->dir = NULL;
}

/*
 * Remove the files of dir/sub older than QUEUE_STALE_SECS: all of them,
 * or with orphans only an ID.msg whose ID.env is missing.
 */
static void
queue_clean_sub(const char *dir, const char *sub, time_t now, bool orphans)
{
	char env[QUEUE_PATH_MAX];
	struct dirent *d;
	struct stat st;
	struct err e;
	DIR *dp;
	int dfd;

	if ((dfd = queue_open_sub(dir, sub, &e)) == -1)
		return;
	if ((dp = fdopendir(dfd)) == NULL) {
		(void)close(dfd);
		return;
	}
	while ((d = readdir(dp)) != NULL) {
		size_t n = strlen(d->d_name);

		if (d->d_name[0] == '.' ||
		    fstatat(dfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
		    st.st_mtime > now - QUEUE_STALE_SECS)
			continue;
		if (orphans) {
			/* new/ID.msg without ID.env: a publish that died */
			if (n != QUEUE_ID_LEN + 4 ||
			    strcmp(d->d_name + QUEUE_ID_LEN, ".msg") != 0)
				continue;
			(void)snprintf(env, sizeof(env), "%.*s.env",
			    QUEUE_ID_LEN, d->d_name);
			if (faccessat(dfd, env, F_OK, AT_SYMLINK_NOFOLLOW) ==
			        0 ||
			    errno != ENOENT)
				continue;
		}
		(void)unlinkat(dfd, d->d_name, 0);
	}
	(void)closedir(dp);
}

void
queue_clean(const char *dir, time_t now)
{
	queue_clean_sub(dir, "tmp", now, false);
	queue_clean_sub(dir, "new", now, true);
}
