/*
 * util.c: integer parsing, home and XDG directories, paths (see util.h).
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

int
util_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out,
    const char **why)
{
	uint64_t v = 0;
	const char *p;

	if (*s == '\0') {
		*why = "not a number";
		return -1;
	}
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9') {
			*why = "not a number";
			return -1;
		}
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10) {
			*why = "too large";
			return -1;
		}
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v < min) {
		*why = "too small";
		return -1;
	}
	if (v > max) {
		*why = "too large";
		return -1;
	}
	*out = v;
	return 0;
}

/* $HOME is trusted only when it is absolute and, if it exists, ours. */
static bool
util_home_env_ok(const char *home)
{
	struct stat st;

	if (home == NULL || home[0] != '/')
		return false;
	if (stat(home, &st) == -1)
		return errno == ENOENT;
	return st.st_uid == getuid();
}

char *
util_home_dir(void)
{
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (util_home_env_ok(home))
		return strdup(home);
	errno = 0;
	if ((pw = getpwuid(getuid())) == NULL || pw->pw_dir == NULL ||
	    pw->pw_dir[0] != '/') {
		if (errno == 0)
			errno = ENOENT;
		return NULL;
	}
	return strdup(pw->pw_dir);
}

char *
util_path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + 1 + strlen(name) + 1;
	char *p;

	if ((p = malloc(n)) == NULL)
		return NULL;
	(void)snprintf(p, n, "%s/%s", dir, name);
	return p;
}

/* $VAR when set and absolute, else HOME/fallback. */
static char *
util_xdg_dir(const char *var, const char *fallback)
{
	const char *v = getenv(var);
	char *home, *p;

	if (v != NULL && v[0] == '/')
		return strdup(v);
	if ((home = util_home_dir()) == NULL)
		return NULL;
	p = util_path_join(home, fallback);
	free(home);
	return p;
}

char *
util_xdg_config_home(void)
{
	return util_xdg_dir("XDG_CONFIG_HOME", ".config");
}

char *
util_xdg_state_home(void)
{
	return util_xdg_dir("XDG_STATE_HOME", ".local/state");
}

static char *
util_xdg_sub(char *base, const char *sub)
{
	char *p;

	if (base == NULL)
		return NULL;
	p = util_path_join(base, sub);
	free(base);
	return p;
}

char *
util_default_config_path(void)
{
	return util_xdg_sub(util_xdg_config_home(), "postern/config");
}

char *
util_default_queue_path(void)
{
	return util_xdg_sub(util_xdg_state_home(), "postern/queue");
}

/* $STATE_DIRECTORY's first entry ("a:b" with several), or STATEDIR. */
static char *
util_state_env(void)
{
	const char *v = getenv("STATE_DIRECTORY");

	if (v == NULL || v[0] != '/')
		return strdup(STATEDIR);
	return strndup(v, strcspn(v, ":"));
}

/* 0 when st is a directory of the euid closed to group and others. */
static int
util_state_check(const char *dir, const struct stat *st, struct err *e)
{
	if (!S_ISDIR(st->st_mode))
		return err_set(e, ERR_CONFIG, "%s is not a directory", dir);
	if (st->st_uid != geteuid() || (st->st_mode & 077) != 0)
		return err_set(e, ERR_CONFIG,
		    "the state directory %s must be owned by uid %ld and closed to group and others (chown, chmod 700)",
		    dir, (long)geteuid());
	return 0;
}

char *
util_system_state_dir(struct err *e)
{
	char *dir = util_state_env();
	struct stat st;
	int fd;

	if (dir == NULL) {
		(void)err_set(e, ERR_OSERR, "out of memory");
		return NULL;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		(void)err_set(e, ERR_CONFIG,
		    "cannot open the state directory %s: %s (systemd-tmpfiles --create or the package makes it)",
		    dir, strerror(errno));
	else if (fstat(fd, &st) == -1)
		(void)err_set(e, ERR_OSERR, "fstat %s: %s", dir,
		    strerror(errno));
	else if (util_state_check(dir, &st, e) == 0) {
		(void)close(fd);
		return dir;
	}
	if (fd != -1)
		(void)close(fd);
	free(dir);
	return NULL;
}

bool
util_has_crlf(const char *s)
{
	return strpbrk(s, "\r\n") != NULL;
}

void
util_freezero(void *p, size_t n)
{
	if (p == NULL)
		return;
	explicit_bzero(p, n);
	free(p);
}

/* mkdir -p with mode 0700 for every missing component. */
int
util_mkdirs(const char *path, struct err *e)
{
	char tmp[4096];
	char *p;

	if (strlcpy(tmp, path, sizeof(tmp)) >= sizeof(tmp))
		return err_set(e, ERR_CANTCREAT, "path too long: %s", path);
	for (p = tmp + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) == -1 && errno != EEXIST)
			return err_set(e, ERR_CANTCREAT, "cannot create %s: %s",
			    tmp, strerror(errno));
		if (path[p - tmp] == '\0')
			return 0;
		*p = '/';
	}
}

/* The parent of pid and its state letter from /proc/PID/stat, or -1. */
static pid_t
util_ppid(pid_t pid, char *state)
{
	char path[64], line[512], *p;
	pid_t ppid = -1;
	FILE *f;

	(void)snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	/* "pid (comm) state ppid ...": comm may hold blanks and ')'. */
	if (fgets(line, sizeof(line), f) != NULL &&
	    (p = strrchr(line, ')')) != NULL && p[1] == ' ' && p[2] != '\0' &&
	    p[3] == ' ') {
		*state = p[2];
		ppid = (pid_t)strtol(p + 4, NULL, 10);
	}
	(void)fclose(f);
	return ppid;
}

/* Kill the children of pid (depth first), then pid. */
static void
util_kill_tree_depth(pid_t pid, int depth)
{
	struct dirent *d;
	char state;
	DIR *proc;

	if (depth < 16 && (proc = opendir("/proc")) != NULL) {
		while ((d = readdir(proc)) != NULL) {
			char *end;
			long child = strtol(d->d_name, &end, 10);

			if (*end == '\0' && child > 0 &&
			    util_ppid((pid_t)child, &state) == pid)
				util_kill_tree_depth((pid_t)child, depth + 1);
		}
		(void)closedir(proc);
	}
	(void)kill(pid, SIGKILL);
}

void
util_kill_tree(pid_t pid)
{
	const struct timespec tick = { 0, 1000 * 1000 };
	char state = 0;
	int i;

	/* Stop the top first (and wait, briefly, until it is stopped) so
	 * it starts nothing new while we look for its children. */
	(void)kill(pid, SIGSTOP);
	for (i = 0; i < 50 && util_ppid(pid, &state) != -1 && state != 'T'; i++)
		(void)nanosleep(&tick, NULL);
	util_kill_tree_depth(pid, 0);
}

int
util_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

uint64_t
util_now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
