/*
 * sysq_pickup.c: the service's pickup (sysq.h): each maildrop file the
 * helper finished (drop.h) becomes an entry of the system queue under
 * the same id. The file is locked, its owner must be the uid the helper
 * wrote, its arguments are parsed afresh as a sendmail command line
 * (only sending; -C refused), the message goes through job_prepare with
 * the system configuration exactly as a user's submission does, and the
 * entry is published (queue_publish) before the maildrop file goes.
 * The default envelope sender is the submitting user's name (qualified
 * by the account's local_domain as any bare -f is).
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <syslog.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "job.h"
#include "log.h"
#include "queue.h"
#include "sysq.h"
#include "util.h"

/* One maildrop file being picked up. */
struct sysq_file {
	int dirfd, fd;
	const char *id;
	struct stat st;
	struct buf head; /* the lines before the message */
	bool own_sender; /* no -f: the sender is the user's name */
	char **argv;
	int argc;
	off_t msg_off;
};

/* The lines up to "data\n" into f->head; the message's offset. */
static int
sysq_read_head(struct sysq_file *f, struct err *e)
{
	char chunk[8192], *end;
	ssize_t n;

	for (;;) {
		if ((end = memmem(buf_str(&f->head), f->head.len, "\ndata\n",
		         6)))
			break;
		n = read(f->fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0 || buf_add(&f->head, chunk, (size_t)n) == -1)
			return err_set(e, ERR_DATA,
			    "the record has no data line");
	}
	f->msg_off = (off_t)(end - buf_str(&f->head)) + 6;
	f->head.len = (size_t)(end - buf_str(&f->head)) + 1;
	f->head.data[f->head.len] = '\0';
	return 0;
}

/* The magic, the uid (the file's owner), the arguments. */
static int
sysq_parse_head(struct sysq_file *f, struct err *e)
{
	char *p = f->head.data, *nl, uidline[40];
	size_t max = f->head.len / 5 + 2;

	(void)snprintf(uidline, sizeof(uidline), "%s\nuid %lu\n",
	    DROP_MAGIC_FILE, (unsigned long)f->st.st_uid);
	if (strncmp(p, uidline, strlen(uidline)) != 0)
		return err_set(e, ERR_DATA,
		    "the record does not name its owner, uid %lu",
		    (unsigned long)f->st.st_uid);
	if ((f->argv = calloc(max, sizeof(*f->argv))) == NULL)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	f->argv[f->argc++] = (char *)"sendmail";
	for (p += strlen(uidline); *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		*nl = '\0';
		if (strncmp(p, "arg ", 4) != 0 ||
		    !drop_arg_ok(p + 4, strlen(p + 4)))
			return err_set(e, ERR_DATA, "malformed record");
		f->argv[f->argc++] = p + 4;
	}
	return 0;
}

/* The arguments as a request: sending only, no -C, the uid's sender. */
static int
sysq_request(struct sysq_file *f, struct cli_request *req, struct err *e)
{
	struct passwd *pw = getpwuid(f->st.st_uid);

	if (cli_parse(f->argc, f->argv, req, e) == -1)
		return -1;
	if (req->mode != CLI_MODE_SEND || req->config_file != NULL ||
	    req->dry_run)
		return err_set(e, ERR_USAGE,
		    "only sending is allowed through the system queue");
	req->verbose = 0;
	req->queue_only = true;
	f->own_sender = req->sender == NULL;
	if (req->sender == NULL && pw == NULL &&
	    asprintf(&req->sender, "uid%lu", (unsigned long)f->st.st_uid) == -1)
		req->sender = NULL;
	else if (req->sender == NULL && pw != NULL)
		req->sender = strdup(pw->pw_name);
	if (req->sender == NULL)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	return 0;
}

/*
 * The user's name through the account's aliases (and local_domain), so
 * that bounce and delay notices for "root" reach whoever root's mail
 * goes to: the first address it maps to becomes the envelope sender.
 */
static int
sysq_map_sender(struct job *j, struct err *e)
{
	struct addr_list in, out;
	int r = -1;

	addr_list_init(&in, 1);
	addr_list_init(&out, 0);
	if (strchr(j->req->sender, '@') != NULL || j->aliases == NULL) {
		r = 0;
		goto out;
	}
	if (addr_list_add(&in, j->req->sender, NULL, NULL, e) == -1)
		goto out;
	/* a name the aliases cannot map keeps the sender job_prepare chose */
	if (addr_resolve(&in, j->aliases, j->local_domain, &out, e) == 0 &&
	    out.n > 0 && !out.v[0].unqualified) {
		free(j->sender);
		if ((j->sender = strdup(out.v[0].spec)) == NULL) {
			err_set(e, ERR_SOFTWARE, "out of memory");
			goto out;
		}
	}
	r = 0;
out:
	addr_list_free(&in);
	addr_list_free(&out);
	return r;
}

/* The prepared entry, renamed like its maildrop file, published. */
static int
sysq_publish(struct job *j, const char *id, uid_t uid, struct err *e)
{
	(void)strlcpy(j->env.id, id, sizeof(j->env.id));
	if (queue_env_set(&j->env.sender, j->sender) == -1)
		return err_set(e, ERR_SOFTWARE, "cannot build the envelope");
	if (queue_dir_init(j->acct->queue_dir, e) == -1 ||
	    queue_publish(j->acct->queue_dir, "new", &j->env, j->fd, j->spool,
	        e) == -1)
		return -1;
	free(j->spool);
	j->spool = NULL;
	sysq_status_put(&j->env, uid);
	return 0;
}

/* Prepare the message with the system configuration and publish it. */
static int
sysq_enqueue(const struct conf *c, struct sysq_file *f, struct err *e)
{
	struct cli_request req;
	struct job j;
	const char *hint;
	int r = -1;

	memset(&req, 0, sizeof(req));
	if (sysq_request(f, &req, e) == -1) {
		cli_free(&req);
		return -1;
	}
	job_init(&j, &req);
	hint = req.sender[0] == '<' ? NULL : req.sender;
	if (conf_select(c, req.account, hint, &j.acct, e) == -1 ||
	    lseek(f->fd, f->msg_off, SEEK_SET) == -1)
		goto out;
	if (job_prepare(&j, f->fd, e) == -1 ||
	    (f->own_sender && j.acct->allow_from_override &&
	        sysq_map_sender(&j, e) == -1) ||
	    sysq_publish(&j, f->id, f->st.st_uid, e) == -1)
		goto out;
	r = 0;
out:
	j.acct = NULL;
	job_free(&j);
	cli_free(&req);
	return r;
}

/* Whether a run already published this id (then stopped). */
static bool
sysq_published(const struct conf *c, const char *id)
{
	char **dirs = NULL, path[4096];
	size_t n = 0, i;
	bool found = false;
	struct err e;

	if (queue_dirs(c, &dirs, &n, &e) == -1)
		return false;
	for (i = 0; i < n && !found; i++) {
		(void)snprintf(path, sizeof(path), "%s/new/%s.env", dirs[i],
		    id);
		found = access(path, F_OK) == 0;
		(void)snprintf(path, sizeof(path), "%s/failed/%s.env", dirs[i],
		    id);
		found = found || access(path, F_OK) == 0;
	}
	queue_ids_free(dirs, n);
	return found;
}

/* Lock the file; 1 when it is ours to pick up, 0 busy or gone. */
static int
sysq_open(struct sysq_file *f, struct err *e)
{
	f->fd = openat(f->dirfd, f->id, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (f->fd == -1)
		return errno == ENOENT
		    ? 0
		    : err_set(e, ERR_IO, "%s/%s: %s", SYSQ_MAILDROP, f->id,
		          strerror(errno));
	if (flock(f->fd, LOCK_EX | LOCK_NB) == -1)
		return 0;
	if (fstat(f->fd, &f->st) == -1)
		return err_set(e, ERR_IO, "%s/%s: %s", SYSQ_MAILDROP, f->id,
		    strerror(errno));
	if (f->st.st_nlink == 0)
		return 0; /* another run finished it */
	if (!S_ISREG(f->st.st_mode) || f->st.st_nlink != 1)
		return err_set(e, ERR_DATA, "not a regular file");
	return 1;
}

/* The maildrop file is done: remove it durably. */
static void
sysq_done(struct sysq_file *f)
{
	if (unlinkat(f->dirfd, f->id, 0) == 0)
		(void)fsync(f->dirfd);
}

/* Set a file the service refuses aside as x.ID, for the admin. */
static void
sysq_refuse(struct sysq_file *f, const struct err *why,
    void (*note)(void *, const char *), void *arg)
{
	char to[DROP_ID_LEN + 3], line[ERR_TEXT_MAX + 128];

	(void)snprintf(to, sizeof(to), "x.%s", f->id);
	if (renameat(f->dirfd, f->id, f->dirfd, to) == 0)
		(void)fsync(f->dirfd);
	(void)snprintf(line, sizeof(line),
	    "system queue: maildrop file %s (uid %lu) refused and kept as %s: %s",
	    f->id, (unsigned long)f->st.st_uid, to, why->text);
	log_syslog(line, LOG_MAIL, 1);
	if (note != NULL)
		note(arg, line);
}

/*
 * Whether the failure is the file's own (its record, its arguments, its
 * message): then it is set aside. Anything else (the configuration, a
 * full disk) leaves it for the next run.
 */
static bool
sysq_file_fault(const struct err *e)
{
	return e->cls == ERR_DATA || e->cls == ERR_USAGE ||
	    e->cls == ERR_NOUSER;
}

/* A file left for the next run: say why (syslog, and the note). */
static void
sysq_keep(const struct sysq_file *f, const struct err *why,
    void (*note)(void *, const char *), void *arg)
{
	char line[ERR_TEXT_MAX + 128];

	(void)snprintf(line, sizeof(line),
	    "system queue: maildrop file %s left for the next run: %s", f->id,
	    why->text);
	log_syslog(line, LOG_MAIL, 1);
	if (note != NULL)
		note(arg, line);
}

/* 1 picked, 0 skipped, -1 failed (e says why). */
static int
sysq_pick_one(const struct conf *c, struct sysq_file *f, struct err *e)
{
	int r;

	if ((r = sysq_open(f, e)) != 1)
		return r;
	if (sysq_published(c, f->id)) {
		sysq_done(f);
		return 0;
	}
	if (sysq_read_head(f, e) == -1 || sysq_parse_head(f, e) == -1 ||
	    sysq_enqueue(c, f, e) == -1)
		return -1;
	sysq_done(f);
	return 1;
}

static void
sysq_file_free(struct sysq_file *f)
{
	if (f->fd != -1)
		(void)close(f->fd);
	buf_free(&f->head);
	free(f->argv);
}

/* Unfinished files (a helper killed on the way) older than an hour. */
static void
sysq_clean_tmp(int dirfd, const char *name)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    st.st_mtime + SYSQ_TMP_STALE < time(NULL))
		(void)unlinkat(dirfd, name, 0);
}

static void
sysq_entry(const struct conf *c, int dirfd, const char *name,
    void (*note)(void *, const char *), void *arg, struct sysq_pickup_stats *st)
{
	struct sysq_file f;
	struct err e;
	int r;

	if (strncmp(name, DROP_TMP_PREFIX, strlen(DROP_TMP_PREFIX)) == 0) {
		sysq_clean_tmp(dirfd, name);
		return;
	}
	if (!drop_id_valid(name))
		return;
	memset(&f, 0, sizeof(f));
	f.dirfd = dirfd;
	f.fd = -1;
	f.id = name;
	buf_init(&f.head, DROP_HEAD_MAX + 64);
	err_clear(&e);
	if ((r = sysq_pick_one(c, &f, &e)) == 1)
		st->picked++;
	else if (r == -1 && f.fd != -1 && sysq_file_fault(&e)) {
		sysq_refuse(&f, &e, note, arg);
		if (f.st.st_nlink > 0)
			sysq_notice(c, f.id, f.st.st_uid, e.text);
		st->refused++;
	} else if (r == -1)
		sysq_keep(&f, &e, note, arg);
	sysq_file_free(&f);
}

int
sysq_pickup(const struct conf *c, void (*note)(void *, const char *), void *arg,
    struct sysq_pickup_stats *st, struct err *e)
{
	struct dirent *d;
	DIR *dir;
	int dfd;

	memset(st, 0, sizeof(*st));
	if ((dir = opendir(SYSQ_MAILDROP)) == NULL)
		return err_set(e, ERR_IO, "cannot read %s: %s", SYSQ_MAILDROP,
		    strerror(errno));
	dfd = dirfd(dir);
	while ((d = readdir(dir)) != NULL)
		sysq_entry(c, dfd, d->d_name, note, arg, st);
	(void)closedir(dir);
	return 0;
}
