/*
 * conf_file.c: finding and reading the configuration files (conf_load,
 * see conf.h). This is the only part of the configuration that touches
 * the file system; the parser in conf.c works on the bytes read here.
 *
 * Search order: -C FILE, or else the first of
 * $XDG_CONFIG_HOME/postern/config, ~/.msmtprc and
 * $XDG_CONFIG_HOME/msmtp/config that exists (the last two are msmtp's,
 * read unchanged to ease migration); then SYSCONFDIR/postern.conf.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "conf_pattern.h"
#include "util.h"

#define CONF_SYSTEM_FILE SYSCONFDIR "/postern.conf"

enum conf_role { CONF_USER, CONF_REQUIRED, CONF_SYSTEM };

int
conf_check_secrecy(unsigned int mode, unsigned int uid, unsigned int euid,
    bool is_system, const char **why)
{
	if (is_system && euid == 0)
		return 0;
	if (is_system) {
		if (uid != 0 && uid != euid)
			return *why =
			           "holds a password, so it must be owned by root or by you",
			       -1;
		if (mode & 007)
			return *why =
			           "holds a password, so others must not read it (chmod o-rwx)",
			       -1;
		return 0;
	}
	if (uid != euid)
		return *why = "holds a password, so it must be owned by you",
		       -1;
	if (mode & 077)
		return *why =
		           "holds a password, so only you may read it (chmod 600)",
		       -1;
	return 0;
}

static void
conf_note_searched(struct conf *c, const char *path)
{
	if (c->searched.len > 0)
		(void)buf_add_str(&c->searched, ", ");
	(void)buf_add_str(&c->searched, path);
}

/* The whole file into data, refusing more than CONF_FILE_MAX bytes. */
static int
conf_read_fd(int fd, struct buf *data)
{
	char chunk[8192];
	ssize_t n;

	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return (int)n;
		if (buf_add(data, chunk, (size_t)n) == -1) {
			errno = EFBIG;
			return -1;
		}
	}
}

int
conf_read_file(const char *path, struct buf *out, struct err *e)
{
	int fd, r;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return err_set(e, ERR_CONFIG, "cannot open %s: %s", path,
		    strerror(errno));
	r = conf_read_fd(fd, out);
	(void)close(fd);
	if (r == -1)
		return err_set(e, ERR_CONFIG, "cannot read %s: %s", path,
		    errno == EFBIG ? "too large" : strerror(errno));
	return 0;
}

/* What one load carries from file to file. */
struct conf_ld {
	const char *home;
	int nerr;
	bool user_read;     /* a user file or -C was read */
	char *untrusted[4]; /* files whose code-running keys are refused */
	size_t nuntrusted;
};

/*
 * Whether a file may hold keys that run code (passwordeval): not
 * writable by group or others, and owned by the invoking user (a user
 * file), by the invoking user or root (-C), or by root (the system
 * file). Also at euid 0.
 */
static bool
conf_code_trusted(const struct stat *st, enum conf_role role)
{
	if (st->st_mode & 022)
		return false;
	if (role == CONF_SYSTEM)
		return st->st_uid == 0;
	if (role == CONF_REQUIRED && st->st_uid == 0)
		return true;
	return st->st_uid == getuid();
}

/* -C FILE: the caller's or root's, and not writable by others. */
static const char *
conf_check_dash_c(const struct stat *st)
{
	if (st->st_uid != getuid() && st->st_uid != 0)
		return "named by -C is neither yours nor root's; refused";
	if (st->st_mode & 022)
		return "named by -C may be written by group or others; refused";
	return NULL;
}

static void
conf_note_untrusted(struct conf_ld *ld, const char *path)
{
	if (ld->nuntrusted < sizeof(ld->untrusted) / sizeof(ld->untrusted[0]))
		ld->untrusted[ld->nuntrusted++] = strdup(path);
}

/*
 * Whether the file says `system_direct on` (or a bare `system_direct`)
 * on a line of its own: the administrator then lets every user read it,
 * password included.
 */
static bool
conf_sets_direct(const char *p, size_t len)
{
	const char *end = p + len, *nl, *v;

	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		while (p < nl && (*p == ' ' || *p == '\t'))
			p++;
		if ((size_t)(nl - p) < 13 ||
		    memcmp(p, "system_direct", 13) != 0)
			continue;
		for (v = p + 13; v < nl && (*v == ' ' || *v == '\t'); v++)
			;
		if (v == nl ||
		    ((size_t)(nl - v) >= 2 && memcmp(v, "on", 2) == 0 &&
		        (nl - v == 2 || v[2] == ' ' || v[2] == '\t' ||
		            v[2] == '\r')))
			return true;
	}
	return false;
}

/* The file's bytes through the parser and the per-file checks. */
static const char *
conf_load_fd(struct conf *c, int fd, const char *path, enum conf_role role,
    struct conf_ld *ld)
{
	struct buf data;
	struct stat st;
	const char *why = NULL;
	bool secret = false;

	buf_init(&data, CONF_FILE_MAX);
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode))
		why = "is not a regular file";
	else if (role == CONF_REQUIRED && (why = conf_check_dash_c(&st)))
		;
	else if (conf_read_fd(fd, &data) == -1)
		why = errno == EFBIG ? "is too large" : strerror(errno);
	else if (conf_parse(c, path, data.data ? data.data : "", data.len,
	             ld->home, &secret) == -1)
		ld->nerr++;
	if (why == NULL && secret &&
	    !(role == CONF_SYSTEM && conf_sets_direct(data.data, data.len)))
		(void)conf_check_secrecy(st.st_mode, st.st_uid, geteuid(),
		    role == CONF_SYSTEM, &why);
	if (why == NULL && !conf_code_trusted(&st, role))
		conf_note_untrusted(ld, path);
	buf_wipe(&data);
	return why;
}

/*
 * Read and parse one file. 1 when it does not exist (or, for the system
 * file, cannot be read by a user who has a file of their own), 0 when
 * it was read (errors, if any, are in c->errors), -1 for ERR_NOINPUT
 * (-C missing).
 */
static int
conf_load_file(struct conf *c, const char *path, enum conf_role role,
    struct conf_ld *ld)
{
	const char *why;
	int fd;

	conf_note_searched(c, path);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		if ((errno == ENOENT || errno == ENOTDIR) &&
		    role != CONF_REQUIRED)
			return 1;
		if (errno == EACCES && role == CONF_SYSTEM && ld->user_read) {
			(void)buf_printf(&c->notes,
			    "not reading %s: not yours to read\n", path);
			return 1;
		}
		(void)buf_printf(&c->errors, "%s: cannot open: %s\n", path,
		    strerror(errno));
		ld->nerr++;
		return role == CONF_REQUIRED ? -1 : 0;
	}
	if ((why = conf_load_fd(c, fd, path, role, ld)) != NULL) {
		(void)buf_printf(&c->errors, "%s: %s\n", path, why);
		ld->nerr++;
	}
	(void)close(fd);
	if (role != CONF_SYSTEM)
		ld->user_read = true;
	return 0;
}

/*
 * Code-running keys of the accounts in use that come from an untrusted
 * file: one error each (passwordeval never runs from such a file).
 */
static void
conf_check_code(struct conf *c, struct conf_ld *ld)
{
	const struct conf_origin *o;
	size_t a, k, f;

	for (a = 0; a < c->naccounts; a++)
		for (k = 0; k < conf_nkeys; k++) {
			o = &c->accounts[a]->origin[k];
			if (conf_keys[k].type != CONF_CMD || o->file == NULL)
				continue;
			for (f = 0; f < ld->nuntrusted; f++)
				if (ld->untrusted[f] != NULL &&
				    strcmp(ld->untrusted[f], o->file) == 0) {
					(void)buf_printf(&c->errors,
					    "%s:%u: %s runs a command, so the file must be owned by you (or root for the system file) and not writable by group or others\n",
					    o->file, o->line,
					    conf_keys[k].name);
					ld->nerr++;
				}
		}
}

static void
conf_ld_free(struct conf_ld *ld)
{
	size_t i;

	for (i = 0; i < ld->nuntrusted; i++)
		free(ld->untrusted[i]);
}

/* The user's files in search order (paths[3], each or NULL). */
static void
conf_user_paths(const char *home, char *paths[3])
{
	char *xdg = util_xdg_config_home();

	paths[0] = paths[1] = paths[2] = NULL;
	if (xdg != NULL) {
		paths[0] = util_path_join(xdg, "postern/config");
		paths[2] = util_path_join(xdg, "msmtp/config");
	}
	if (home != NULL)
		paths[1] = util_path_join(home, ".msmtprc");
	free(xdg);
}

/* The user's file: the first of postern's and msmtp's that exists. */
static int
conf_load_user(struct conf *c, struct conf_ld *ld)
{
	char *paths[3];
	size_t i;
	int r = 1;

	conf_user_paths(ld->home, paths);
	for (i = 0; i < 3 && r == 1; i++) {
		if (paths[i] == NULL)
			continue;
		r = conf_load_file(c, paths[i], CONF_USER, ld);
		if (r == 0 && i > 0)
			(void)buf_printf(&c->notes,
			    "reading msmtp's configuration %s (copy it to %s to make it postern's own)\n",
			    paths[i], paths[0] ? paths[0] : "postern/config");
		else if (r == 0)
			(void)buf_printf(&c->notes, "reading %s\n", paths[i]);
	}
	for (i = 0; i < 3; i++)
		free(paths[i]);
	return 0;
}

static int
conf_load_files(struct conf *c, const char *config_file, struct conf_ld *ld,
    struct err *e)
{
	int r;

	if (config_file != NULL) {
		if (getuid() != geteuid() || getgid() != getegid())
			return err_set(e, ERR_USAGE,
			    "-C is refused when postern runs set-user-ID or set-group-ID");
		if (conf_load_file(c, config_file, CONF_REQUIRED, ld) == -1)
			return err_set(e, ERR_NOINPUT,
			    "cannot open the configuration file %s named by -C",
			    config_file);
		(void)buf_printf(&c->notes, "reading %s (-C)\n", config_file);
	} else
		conf_load_user(c, ld);
	r = conf_load_file(c, CONF_SYSTEM_FILE, CONF_SYSTEM, ld);
	if (r == 0)
		(void)buf_printf(&c->notes, "reading %s\n", CONF_SYSTEM_FILE);
	return 0;
}

bool
conf_user_exists(void)
{
	char *home = util_home_dir(), *paths[3];
	bool found = false;
	size_t i;

	conf_user_paths(home, paths);
	for (i = 0; i < 3; i++) {
		if (paths[i] != NULL && !found)
			found = access(paths[i], F_OK) == 0 ||
			    (errno != ENOENT && errno != ENOTDIR);
		free(paths[i]);
	}
	free(home);
	return found;
}

/*
 * After the files are read: patterns expanded, defaults filled, the
 * code-running keys checked; every error counted, the first one in e.
 */
static int
conf_load_end(struct conf *c, struct conf_ld *ld, const char *queue_dir,
    struct err *e)
{
	ld->nerr += conf_expand_patterns(c);
	if (conf_finish(c, queue_dir) == -1)
		ld->nerr++;
	conf_check_code(c, ld);
	if (ld->nerr == 0)
		return 0;
	return err_set(e, ERR_CONFIG, "%.*s",
	    (int)strcspn(buf_str(&c->errors), "\n"), buf_str(&c->errors));
}

/*
 * The system file's accounts belong to a service: no keyring, so OAuth2
 * tokens go to a file in the state directory; an explicit keyring store
 * is an error.
 */
static int
conf_system_finish(struct conf *c, struct err *e)
{
	const struct conf_origin *o;
	struct account *a;
	size_t i;

	for (i = 0; i < c->naccounts; i++) {
		a = c->accounts[i];
		a->system = true;
		o = &a->origin[CONF_KEY_OAUTH2_TOKEN_STORE];
		if (o->file != NULL &&
		    a->oauth2_token_store == CONF_STORE_KEYRING) {
			(void)buf_printf(&c->errors,
			    "%s:%u: oauth2_token_store keyring: the system queue has no keyring; its tokens are kept in a file in its state directory (remove the line)\n",
			    o->file, o->line);
			return err_set(e, ERR_CONFIG, "%.*s",
			    (int)strcspn(buf_str(&c->errors), "\n"),
			    buf_str(&c->errors));
		}
		a->oauth2_token_store = CONF_STORE_FILE;
	}
	return 0;
}

int
conf_load_system(struct conf *c, const char *queue_dir, struct err *e)
{
	struct conf_ld ld;
	int r = -1;

	memset(&ld, 0, sizeof(ld));
	if (conf_load_file(c, CONF_SYSTEM_FILE, CONF_SYSTEM, &ld) == 1) {
		err_set(e, ERR_NOINPUT,
		    "cannot open the system configuration %s",
		    CONF_SYSTEM_FILE);
		goto out;
	}
	(void)buf_printf(&c->notes, "reading %s\n", CONF_SYSTEM_FILE);
	if (conf_load_end(c, &ld, queue_dir, e) == -1 ||
	    conf_system_finish(c, e) == -1)
		goto out;
	r = 0;
out:
	conf_ld_free(&ld);
	return r;
}

int
conf_load(struct conf *c, const char *config_file, struct err *e)
{
	char *home = util_home_dir(), *queue = util_default_queue_path();
	struct conf_ld ld;
	int r = -1;

	memset(&ld, 0, sizeof(ld));
	ld.home = home;
	if (conf_load_files(c, config_file, &ld, e) == -1)
		goto out;
	if (conf_load_end(c, &ld, queue, e) == -1)
		goto out;
	r = 0;
out:
	conf_ld_free(&ld);
	free(home);
	free(queue);
	return r;
}
