/*
 * oauth2_store.c: where an account's OAuth2 tokens are kept (oauth2.h).
 *
 * `oauth2_token_store file`: $XDG_STATE_HOME/postern/oauth2/ACCOUNT.json,
 * mode 0600 in a 0700 directory, {"access_token": ..., "refresh_token":
 * ..., "expires_at": UNIX-TIME}, replaced with tmp + fsync + rename +
 * fsync(dir) so a crash leaves the old file or the new one, never half
 * of one (a lost rotated refresh token would end the grant). ACCOUNT.lock
 * beside it is the per-account lock (flock) that serialises refreshes.
 * The keyring store is not built yet: it says so and names the key.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "oauth2.h"
#include "util.h"

#define OAUTH2_FILE_MAX (64 * 1024)

static int
oauth2_store_kind(const struct account *a, struct err *e)
{
	if (a->oauth2_token_store == CONF_STORE_FILE)
		return 0;
	return err_set(e, ERR_CONFIG,
	    "account %s: the keyring token store is not available in this version; add \"oauth2_token_store file\"",
	    a->name);
}

/* DIR/NAME.ext under $XDG_STATE_HOME/postern/oauth2, made 0700. */
static char *
oauth2_store_path(const struct account *a, const char *ext, struct err *e)
{
	char *state = util_xdg_state_home(), *dir = NULL, *p = NULL;
	char name[CONF_NAME_MAX + 16];

	if (state == NULL) {
		(void)err_set(e, ERR_CONFIG, "no home directory for tokens");
		return NULL;
	}
	(void)snprintf(name, sizeof(name), "%s%s", a->name, ext);
	if ((dir = util_path_join(state, "postern/oauth2")) == NULL ||
	    util_mkdirs(dir, e) == -1 || chmod(dir, 0700) == -1)
		goto out;
	p = util_path_join(dir, name);
out:
	if (p == NULL && e->cls == ERR_NONE)
		(void)err_set(e, ERR_OSERR, "cannot make the token directory");
	free(state);
	free(dir);
	return p;
}

int
oauth2_store_lock(const struct account *a, struct err *e)
{
	char *path = oauth2_store_path(a, ".lock", e);
	int fd;

	if (path == NULL)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1 || flock(fd, LOCK_EX) == -1) {
		(void)err_set(e, ERR_OSERR, "cannot lock %s: %s", path,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		fd = -1;
	}
	free(path);
	return fd;
}

static int
oauth2_read(int fd, struct buf *b, const char *path, struct err *e)
{
	char chunk[4096];
	ssize_t n;

	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		if (buf_add(b, chunk, (size_t)n) == -1) {
			explicit_bzero(chunk, sizeof(chunk));
			return err_set(e, ERR_CONFIG, "%s is too large", path);
		}
	explicit_bzero(chunk, sizeof(chunk));
	if (n == -1)
		return err_set(e, ERR_IO, "cannot read %s: %s", path,
		    strerror(errno));
	return 0;
}

int
oauth2_store_load(const struct account *a, struct oauth2_tokens *t,
    struct err *e)
{
	char *path = NULL;
	struct buf b;
	int fd = -1, r = -1;

	buf_init(&b, OAUTH2_FILE_MAX);
	memset(t, 0, sizeof(*t));
	if (oauth2_store_kind(a, e) == -1 ||
	    (path = oauth2_store_path(a, ".json", e)) == NULL)
		goto out;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		if (errno == ENOENT)
			r = 1;
		else
			(void)err_set(e, ERR_IO, "cannot open %s: %s", path,
			    strerror(errno));
		goto out;
	}
	if (oauth2_read(fd, &b, path, e) == 0 &&
	    oauth2_json_store_parse(b.data ? b.data : "", b.len, t, e) == 0)
		r = 0;
out:
	if (fd != -1)
		close(fd);
	buf_wipe(&b);
	free(path);
	return r;
}

/* Write s to path's temporary twin, fsync, rename over path, fsync dir. */
static int
oauth2_replace(const char *path, const char *s, struct err *e)
{
	char tmp[4096], dir[4096], *slash;
	int fd, r = -1;

	(void)snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	(void)strlcpy(dir, path, sizeof(dir));
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd == -1 || util_write_all(fd, s, strlen(s)) == -1 ||
	    fsync(fd) == -1 || rename(tmp, path) == -1) {
		(void)err_set(e, ERR_IO, "cannot write %s: %s", path,
		    strerror(errno));
		(void)unlink(tmp);
		goto out;
	}
	r = 0;
out:
	if (fd != -1)
		close(fd);
	if (r == 0 && (fd = open(dir, O_RDONLY | O_DIRECTORY)) != -1) {
		(void)fsync(fd);
		close(fd);
	}
	return r;
}

int
oauth2_store_save(const struct account *a, const struct oauth2_endpoints *ep,
    struct oauth2_tokens *t, struct err *e)
{
	char *path = NULL, *s = NULL;
	int r = -1;

	(void)ep;
	if (oauth2_store_kind(a, e) == -1 ||
	    (path = oauth2_store_path(a, ".json", e)) == NULL)
		goto out;
	if (t->expires_in >= 0)
		t->expires_at = (int64_t)time(NULL) + t->expires_in;
	if ((s = oauth2_json_store_dump(t)) == NULL) {
		(void)err_set(e, ERR_SOFTWARE, "out of memory");
		goto out;
	}
	r = oauth2_replace(path, s, e);
out:
	if (s != NULL)
		util_freezero(s, strlen(s));
	free(path);
	return r;
}
