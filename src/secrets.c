/*
 * secrets.c: the password sources in order (see secrets.h).
 *
 * passwordeval forks /bin/sh -c CMD with its stdout on a pipe; the parent
 * reads with a deadline, kills the child when it runs over, and checks
 * the exit status. Only the first line is kept; the rest of the output is
 * read and discarded so the command never blocks on a full pipe.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "secrets.h"

const char *
secrets_source_name(enum secrets_source src)
{
	switch (src) {
	case SECRETS_CONFIG:
		return "the configuration file (password)";
	case SECRETS_EVAL:
		return "passwordeval";
	case SECRETS_NONE:
		break;
	}
	return "none";
}

/* The child: stdin /dev/null, stdout the pipe, then exec the shell. */
static void
secrets_eval_child(const char *cmd, int out)
{
	int devnull = open("/dev/null", O_RDONLY);

	if (devnull == -1 || dup2(devnull, STDIN_FILENO) == -1 ||
	    dup2(out, STDOUT_FILENO) == -1)
		_exit(127);
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}

/* Read everything until EOF or the deadline; keep the first line. */
static int
secrets_eval_read(int fd, time_t deadline, struct buf *out, struct err *e)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char chunk[4096];
	int line_done = 0, r = -1;
	ssize_t n, i;

	for (;;) {
		int left = (int)(deadline - time(NULL));

		if (left <= 0) {
			err_set_temp(e, ERR_TEMP,
			    "passwordeval did not finish within %d seconds",
			    SECRETS_EVAL_TIMEOUT);
			goto out;
		}
		if (poll(&pfd, 1, left * 1000) == -1 && errno != EINTR)
			break;
		if ((n = read(fd, chunk, sizeof(chunk))) == 0) {
			r = 0;
			goto out;
		}
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n == -1)
			break;
		for (i = 0; i < n && !line_done; i++) {
			if (chunk[i] == '\n' || chunk[i] == '\r')
				line_done = 1;
			else if (buf_add_char(out, chunk[i]) == -1) {
				err_set(e, ERR_CONFIG,
				    "passwordeval output is too long");
				goto out;
			}
		}
	}
	err_set_temp(e, ERR_TEMP, "passwordeval: %s", strerror(errno));
out:
	explicit_bzero(chunk, sizeof(chunk));
	return r;
}

/* Reap the child (killing it first when it is still running). */
static int
secrets_eval_wait(pid_t pid, int kill_it)
{
	int status;

	if (kill_it)
		(void)kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	return status;
}

int
secrets_eval(const char *cmd, unsigned timeout, struct buf *out, struct err *e)
{
	int fds[2] = { -1, -1 }, status, r = -1;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) == -1)
		return err_set_temp(e, ERR_TEMP, "passwordeval: pipe: %s",
		    strerror(errno));
	if ((pid = fork()) == -1) {
		err_set_temp(e, ERR_TEMP, "passwordeval: fork: %s",
		    strerror(errno));
		goto out;
	}
	if (pid == 0)
		secrets_eval_child(cmd, fds[1]);
	(void)close(fds[1]);
	fds[1] = -1;
	r = secrets_eval_read(fds[0], time(NULL) + (time_t)timeout, out, e);
	status = secrets_eval_wait(pid, r == -1);
	if (r == -1)
		goto out;
	r = -1;
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		err_set_temp(e, ERR_TEMP,
		    "passwordeval failed (exit status %d)",
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	else if (out->len == 0)
		err_set_temp(e, ERR_TEMP, "passwordeval printed no password");
	else
		r = 0;
out:
	if (r == -1)
		buf_wipe(out);
	if (fds[0] != -1)
		(void)close(fds[0]);
	if (fds[1] != -1)
		(void)close(fds[1]);
	return r;
}

int
secrets_password(const struct account *a, struct buf *out,
    enum secrets_source *src, struct err *e)
{
	*src = SECRETS_NONE;
	if (a->password != NULL) {
		if (buf_add_str(out, a->password) == -1)
			return err_set(e, ERR_CONFIG, "password is too long");
		*src = SECRETS_CONFIG;
		return 0;
	}
	if (a->passwordeval != NULL) {
		if (secrets_eval(a->passwordeval, SECRETS_EVAL_TIMEOUT, out,
		        e) == -1)
			return -1;
		*src = SECRETS_EVAL;
		return 0;
	}
	return err_set(e, ERR_CONFIG,
	    "account %s: no password for user %s at %s; set password or "
	    "passwordeval in the configuration",
	    a->name, a->user ? a->user : "(none)", a->host ? a->host : "?");
}
