/*
 * oauth2_store.c: where an account's OAuth2 tokens are kept (oauth2.h).
 *
 * `oauth2_token_store file`: $XDG_STATE_HOME/postern/oauth2/ACCOUNT.json
 * (the system queue's accounts: STATE/oauth2/ACCOUNT.json, STATE being
 * util_system_state_dir: $STATE_DIRECTORY or STATEDIR; always a file),
 * mode 0600 in a 0700 directory, {"access_token": ..., "refresh_token":
 * ..., "expires_at": UNIX-TIME}, replaced with tmp + fsync + rename +
 * fsync(dir) so a crash leaves the old file or the new one, never half
 * of one (a lost rotated refresh token would end the grant).
 * `oauth2_token_store keyring` (the default): the same JSON as one
 * Secret Service item of our schema (keyring.h: issuer, client_id, user,
 * kind "tokens"; the issuer is the token endpoint when none is known).
 * Either way ACCOUNT.lock in that directory is the per-account lock
 * (flock) that serialises refreshes.
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

#include "keyring.h"
#include "oauth2.h"
#include "util.h"

#define OAUTH2_FILE_MAX (64 * 1024)

/*
 * The token directory, made 0700: $XDG_STATE_HOME/postern/oauth2, or
 * for the system queue's account oauth2/ in its state directory.
 */
static char *
oauth2_store_dir(const struct account *a, struct err *e)
{
	char *state, *dir;

	if (a->system) {
		if ((state = util_system_state_dir(e)) == NULL)
			return NULL;
		dir = util_path_join(state, "oauth2");
	} else {
		if ((state = util_xdg_state_home()) == NULL) {
			(void)err_set(e, ERR_CONFIG,
			    "no home directory for tokens");
			return NULL;
		}
		dir = util_path_join(state, "postern/oauth2");
	}
	free(state);
	if (dir != NULL && util_mkdirs(dir, e) == 0 && chmod(dir, 0700) == 0)
		return dir;
	if (e->cls == ERR_NONE)
		(void)err_set(e, ERR_OSERR, "cannot make the token directory");
	free(dir);
	return NULL;
}

/* DIR/NAME.ext in the token directory. */
static char *
oauth2_store_path(const struct account *a, const char *ext, struct err *e)
{
	char *dir = oauth2_store_dir(a, e), *p;
	char name[CONF_NAME_MAX + 16];

	if (dir == NULL)
		return NULL;
	(void)snprintf(name, sizeof(name), "%s%s", a->name, ext);
	if ((p = util_path_join(dir, name)) == NULL)
		(void)err_set(e, ERR_OSERR, "out of memory");
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

/* The keyring item's attributes for the account. */
static void
oauth2_store_key(const struct account *a, const struct oauth2_endpoints *ep,
    struct keyring_token *k)
{
	k->issuer = ep->issuer[0] ? ep->issuer : ep->token;
	k->client_id = ep->client_id;
	k->user = a->user ? a->user : a->name;
	k->kind = "tokens";
}

/* The token file's bytes into b; 1 when there is none. */
static int
oauth2_file_load(const struct account *a, struct buf *b, struct err *e)
{
	char *path = oauth2_store_path(a, ".json", e);
	int fd, r = -1;

	if (path == NULL)
		return -1;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		if (errno == ENOENT)
			r = 1;
		else
			(void)err_set(e, ERR_IO, "cannot open %s: %s", path,
			    strerror(errno));
	} else {
		r = oauth2_read(fd, b, path, e);
		close(fd);
	}
	free(path);
	return r;
}

int
oauth2_store_load(const struct account *a, const struct oauth2_endpoints *ep,
    struct oauth2_tokens *t, struct err *e)
{
	struct keyring_token k;
	struct buf b;
	int r;

	buf_init(&b, OAUTH2_FILE_MAX);
	memset(t, 0, sizeof(*t));
	oauth2_store_key(a, ep, &k);
	r = a->oauth2_token_store == CONF_STORE_FILE
	    ? oauth2_file_load(a, &b, e)
	    : keyring_token_lookup(&k, &b, e);
	if (r == 0 &&
	    oauth2_json_store_parse(b.data ? b.data : "", b.len, t, e) == -1)
		r = -1;
	buf_wipe(&b);
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
	char *path = NULL, *s = NULL, label[CONF_NAME_MAX + 64];
	struct keyring_token k;
	int r = -1;

	if (t->expires_in >= 0)
		t->expires_at = (int64_t)time(NULL) + t->expires_in;
	if ((s = oauth2_json_store_dump(t)) == NULL) {
		(void)err_set(e, ERR_SOFTWARE, "out of memory");
		goto out;
	}
	if (a->oauth2_token_store != CONF_STORE_FILE) {
		oauth2_store_key(a, ep, &k);
		(void)snprintf(label, sizeof(label),
		    "postern OAuth2 tokens (account %s)", a->name);
		r = keyring_token_store(&k, label, s, e);
	} else if ((path = oauth2_store_path(a, ".json", e)) != NULL)
		r = oauth2_replace(path, s, e);
out:
	if (s != NULL)
		util_freezero(s, strlen(s));
	free(path);
	return r;
}

int
oauth2_store_save_locked(const struct account *a,
    const struct oauth2_endpoints *ep, struct oauth2_tokens *t, struct err *e)
{
	int fd = oauth2_store_lock(a, e), r;

	if (fd == -1)
		return -1;
	r = oauth2_store_save(a, ep, t, e);
	close(fd);
	return r;
}
