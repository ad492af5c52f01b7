/*
 * sysq.c: the submitting side of the system queue (sysq.h): the choice
 * of the system path, the record for postern-drop in an anonymous
 * memory file (no home directory needed), running the helper; and the
 * service's own small steps (becoming the system user, --watch).
 */
#include "config.h"

#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sysq.h"
#include "util.h"

bool
sysq_wanted(const struct cli_request *req)
{
	struct stat st;

	if (req->config_file != NULL || req->dry_run)
		return false;
	if (stat(SYSQ_MAILDROP, &st) == -1 || !S_ISDIR(st.st_mode))
		return false;
	return !conf_user_exists();
}

bool
sysq_host_configured(void)
{
	struct stat st;

	return lstat(SYSCONFDIR "/postern.conf", &st) == 0 || errno != ENOENT;
}

/* The message, to its end or (without -i) to a lone "." line. */
struct sysq_copy {
	int out;
	int st; /* 0 line start, 1 ".", 2 ".\r", 3 inside a line */
	long total;
	size_t n;
	char buf[65536];
};

static int
sysq_emit(struct sysq_copy *c, const char *p, size_t n)
{
	if ((c->total += (long)n) > DROP_MSG_MAX)
		return errno = EFBIG, -1;
	if (c->n + n > sizeof(c->buf)) {
		if (util_write_all(c->out, c->buf, c->n) == -1)
			return -1;
		c->n = 0;
	}
	memcpy(c->buf + c->n, p, n);
	c->n += n;
	return 0;
}

/* One byte through the dot-line state machine; 1 at the lone ".". */
static int
sysq_dot(struct sysq_copy *c, char ch)
{
	if (c->st == 0 && ch == '.')
		return c->st = 1, 0;
	if ((c->st == 1 || c->st == 2) && ch == '\n')
		return 1;
	if (c->st == 1 && ch == '\r')
		return c->st = 2, 0;
	if (c->st == 1 || c->st == 2) {
		if (sysq_emit(c, ".\r", (size_t)c->st) == -1)
			return -1;
	}
	c->st = ch == '\n' ? 0 : 3;
	return sysq_emit(c, &ch, 1);
}

static int
sysq_copy_message(int in, int out, bool ignore_dots, struct err *e)
{
	static struct sysq_copy c;
	char chunk[8192];
	ssize_t n, i;
	int r = 0;

	memset(&c, 0, sizeof(c));
	c.out = out;
	while (r == 0) {
		if ((n = read(in, chunk, sizeof(chunk))) == -1 &&
		    errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (i = 0; i < n && r == 0; i++)
			r = ignore_dots ? sysq_emit(&c, chunk + i, 1)
			                : sysq_dot(&c, chunk[i]);
	}
	if (r == 0 && n == 0 && (c.st == 1 || c.st == 2))
		r = sysq_emit(&c, ".\r", (size_t)c.st);
	if (r != -1 && n != -1 && util_write_all(out, c.buf, c.n) == 0)
		return 0;
	if (errno == EFBIG)
		return err_set(e, ERR_DATA,
		    "the message is larger than %ld bytes", DROP_MSG_MAX);
	return err_set(e, ERR_IO, "cannot read the message: %s",
	    strerror(errno));
}

int
sysq_record(int argc, char *const argv[], bool ignore_dots, int in,
    off_t *msg_off, struct err *e)
{
	struct buf b;
	int fd, i;

	if ((fd = memfd_create("postern-drop", MFD_CLOEXEC)) == -1)
		return err_set(e, ERR_OSERR, "memfd_create: %s",
		    strerror(errno));
	buf_init(&b, DROP_HEAD_MAX);
	(void)buf_add_str(&b, DROP_MAGIC_IN "\n");
	for (i = 1; i < argc; i++)
		if (!drop_arg_ok(argv[i], strlen(argv[i])) ||
		    buf_printf(&b, "arg %s\n", argv[i]) == -1) {
			err_set(e, ERR_USAGE,
			    "an argument holds a control character or is too long for the system queue");
			goto fail;
		}
	*msg_off = (off_t)b.len + 5;
	if (buf_add_str(&b, "data\n") == -1 ||
	    util_write_all(fd, b.data, b.len) == -1) {
		err_set(e, ERR_IO, "cannot write the record: %s",
		    strerror(errno));
		goto fail;
	}
	if (sysq_copy_message(in, fd, ignore_dots, e) == -1)
		goto fail;
	if (lseek(fd, 0, SEEK_SET) == 0) {
		buf_free(&b);
		return fd;
	}
	err_set(e, ERR_IO, "lseek: %s", strerror(errno));
fail:
	buf_free(&b);
	(void)close(fd);
	return -1;
}

/* The child: the record on stdin, stdout to the pipe, then the helper. */
static void
sysq_exec(int rec, int out)
{
	char *const args[] = { (char *)"postern-drop", NULL };
	char *const env[] = { NULL };
	int err;

	if (dup2(rec, STDIN_FILENO) == -1 || dup2(out, STDOUT_FILENO) == -1)
		_exit(126);
	(void)execve(DROP_HELPER, args, env);
	err = errno;
	(void)util_write_all(STDOUT_FILENO, "!", 1);
	(void)util_write_all(STDOUT_FILENO, &err, sizeof(err));
	_exit(127);
}

/* The helper's answer: its id line, or why it could not be run. */
static int
sysq_answer(int fd, pid_t pid, char id[DROP_ID_LEN + 1], int *helper_rc,
    struct err *e)
{
	char got[64];
	ssize_t n, len = 0;
	int status, err;

	while (len < (ssize_t)sizeof(got) - 1 &&
	    ((n = read(fd, got + len, sizeof(got) - 1 - (size_t)len)) > 0 ||
	        (n == -1 && errno == EINTR)))
		len += n > 0 ? n : 0;
	got[len] = '\0';
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (len > 0 && got[0] == '!') {
		memcpy(&err, got + 1, len >= 5 ? sizeof(err) : 0);
		return err_set(e, ERR_UNAVAILABLE,
		    "cannot run the system queue's helper %s: %s", DROP_HELPER,
		    len >= 5 ? strerror(err) : "exec failed");
	}
	if (!WIFEXITED(status))
		return err_set(e, ERR_SOFTWARE, "%s was killed by signal %d",
		    DROP_HELPER, WTERMSIG(status));
	if (WEXITSTATUS(status) != 0)
		return *helper_rc = WEXITSTATUS(status), -1;
	if (len != DROP_ID_LEN + 1 || got[DROP_ID_LEN] != '\n')
		return err_set(e, ERR_SOFTWARE, "%s gave no id", DROP_HELPER);
	got[DROP_ID_LEN] = '\0';
	memcpy(id, got, DROP_ID_LEN + 1);
	return 0;
}

int
sysq_drop(int rec, char id[DROP_ID_LEN + 1], int *helper_rc, struct err *e)
{
	int p[2] = { -1, -1 }, r = -1;
	pid_t pid;

	*helper_rc = 0;
	if (lseek(rec, 0, SEEK_SET) != 0)
		return err_set(e, ERR_IO, "lseek: %s", strerror(errno));
	if (pipe2(p, O_CLOEXEC) == -1 || (pid = fork()) == -1) {
		err_set(e, ERR_OSERR, "cannot start %s: %s", DROP_HELPER,
		    strerror(errno));
		goto out;
	}
	if (pid == 0)
		sysq_exec(rec, p[1]);
	(void)close(p[1]);
	p[1] = -1;
	r = sysq_answer(p[0], pid, id, helper_rc, e);
out:
	if (p[0] != -1)
		(void)close(p[0]);
	if (p[1] != -1)
		(void)close(p[1]);
	return r;
}

int
sysq_become_service(struct err *e)
{
	struct passwd *pw = getpwnam(SYSTEM_USER);

	if (pw == NULL)
		return err_set(e, ERR_UNAVAILABLE,
		    "there is no system user %s (the system queue is not installed)",
		    SYSTEM_USER);
	if (geteuid() == pw->pw_uid && getuid() == pw->pw_uid)
		return 0;
	if (geteuid() != 0)
		return err_set(e, ERR_NOPERM,
		    "the system queue is run by root or by the user %s",
		    SYSTEM_USER);
	if (setgroups(0, NULL) == -1 || setgid(pw->pw_gid) == -1 ||
	    setuid(pw->pw_uid) == -1 || setuid(0) != -1)
		return err_set(e, ERR_OSERR, "cannot become the user %s: %s",
		    SYSTEM_USER, strerror(errno));
	return 0;
}

int
sysq_watch_open(struct err *e)
{
	int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);

	if (fd == -1 ||
	    inotify_add_watch(fd, SYSQ_MAILDROP,
	        IN_MOVED_TO | IN_CLOSE_WRITE) == -1) {
		err_set(e, ERR_OSERR, "cannot watch %s: %s", SYSQ_MAILDROP,
		    strerror(errno));
		if (fd != -1)
			(void)close(fd);
		return -1;
	}
	return fd;
}

int
sysq_watch_wait(int fd, int timeout_ms)
{
	struct pollfd p = { fd, POLLIN, 0 };
	char ev[4096];
	int n;

	if ((n = poll(&p, 1, timeout_ms)) <= 0)
		return n == -1 && errno == EINTR ? 0 : n;
	while (read(fd, ev, sizeof(ev)) > 0)
		;
	return 1;
}
