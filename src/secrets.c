/*
 * secrets.c: the password sources in order, and the store/forget
 * commands (see secrets.h).
 *
 * passwordeval forks /bin/sh -c CMD with its stdout on a pipe (no popen:
 * the parent needs the pid for the deadline and the exit status); the
 * parent reads with a deadline, kills the child when it runs over, and
 * checks the exit status. Only the first line is kept; the rest of the
 * output is read and discarded so the command never blocks on a full
 * pipe. The command is over when the shell exits: once the first line
 * is in, postern waits for the shell's exit, not for the end of the
 * output, which a background process (`echo pw; sleep 30 &`) may hold
 * open. Such a process is left alone (it is the user's; it gets EPIPE
 * or SIGPIPE if it writes); only a command that runs over the timeout
 * is killed, with everything it started. Every descriptor postern
 * opens is close-on-exec, so the command inherits only 0, 1 and 2. The netrc file is opened, checked with fstat on the descriptor
 * and read here; netrc.c parses the bytes.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "keyring.h"
#include "netrc.h"
#include "secrets.h"
#include "tty.h"
#include "util.h"

const char *
secrets_source_name(enum secrets_source src)
{
	switch (src) {
	case SECRETS_CONFIG:
		return "the configuration file (password)";
	case SECRETS_EVAL:
		return "passwordeval";
	case SECRETS_CREDENTIAL:
		return "a systemd credential (password_credential)";
	case SECRETS_KEYRING:
		return "the keyring (" KEYRING_SCHEMA ")";
	case SECRETS_KEYRING_MSMTP:
		return "the keyring (msmtp's " KEYRING_SCHEMA_MSMTP ")";
	case SECRETS_KEYRING_NETWORK:
		return "the keyring (" KEYRING_SCHEMA_NETWORK ")";
	case SECRETS_NETRC:
		return "~/.netrc";
	case SECRETS_PROMPT:
		return "the terminal (prompt)";
	case SECRETS_NONE:
		break;
	}
	return "none";
}

/*
 * The child: stdin /dev/null, stdout the pipe, nothing else open but
 * stderr (not even what postern's caller or a library left without
 * close-on-exec), then exec the shell.
 */
static void
secrets_eval_child(const char *cmd, int out)
{
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (devnull == -1 || dup2(devnull, STDIN_FILENO) == -1 ||
	    dup2(out, STDOUT_FILENO) == -1)
		_exit(127);
	closefrom(STDERR_FILENO + 1);
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}

/* Keep the first line of chunk[0..n) in out. 0, or -1 when too long. */
static int
secrets_eval_keep(const char *chunk, ssize_t n, int *line_done, struct buf *out)
{
	ssize_t i;

	for (i = 0; i < n && !*line_done; i++) {
		if (chunk[i] == '\n' || chunk[i] == '\r')
			*line_done = 1;
		else if (buf_add_char(out, chunk[i]) == -1)
			return -1;
	}
	return 0;
}

/* The child, reaped now if it has exited. 1 reaped, 0 running, -1 lost. */
static int
secrets_eval_reaped(pid_t pid, int *status)
{
	pid_t w;

	while ((w = waitpid(pid, status, WNOHANG)) == -1)
		if (errno != EINTR)
			return -1;
	return w == pid;
}

/*
 * Read the output until the first line is complete (or EOF), then stop
 * reading: the command is done when the shell exits, even if a process
 * it left in the background still holds the pipe. The rest of the
 * output is drained while waiting so that the command never blocks on a
 * full pipe. 0 with *status when the shell exited in time; -1 + err
 * (the caller kills and reaps it).
 */
static int
secrets_eval_read(int fd, pid_t pid, unsigned timeout, struct buf *out,
    int *status, struct err *e)
{
	long long deadline =
	    (long long)util_now_ms() + (long long)timeout * 1000;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char chunk[4096];
	int line_done = 0, eof = 0, r = -1, k;
	ssize_t n;

	for (;;) {
		long long left = deadline - (long long)util_now_ms();

		if ((line_done || eof) &&
		    (k = secrets_eval_reaped(pid, status)) != 0) {
			if (k == -1)
				*status = -1; /* secrets_eval_status says so */
			r = 0;
			goto out;
		}
		if (left <= 0) {
			err_set_temp(e, ERR_TEMP,
			    "passwordeval did not finish within %u seconds; it was killed",
			    timeout);
			goto out;
		}
		if (line_done || eof) /* now waiting for the shell's exit */
			left = left < 10 ? left : 10;
		pfd.fd = eof ? -1 : fd; /* poll ignores a negative fd */
		if ((n = poll(&pfd, 1, (int)left)) == -1 && errno != EINTR)
			break;
		if (n <= 0)
			continue; /* timed out or interrupted: check again */
		if ((n = read(fd, chunk, sizeof(chunk))) == 0)
			eof = 1;
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n == -1)
			break;
		if (secrets_eval_keep(chunk, n, &line_done, out) == -1) {
			err_set(e, ERR_CONFIG,
			    "passwordeval output is too long");
			goto out;
		}
	}
	err_set_temp(e, ERR_TEMP, "passwordeval: %s", strerror(errno));
out:
	explicit_bzero(chunk, sizeof(chunk));
	return r;
}

/* Kill the command and what it started (it ran over), and reap it. */
static void
secrets_eval_kill(pid_t pid)
{
	int status;

	util_kill_tree(pid);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return;
}

/* The verdict on a finished command. 0 or -1 + temporary err. */
static int
secrets_eval_status(int status, const struct buf *out, struct err *e)
{
	if (status == -1)
		return err_set_temp(e, ERR_TEMP,
		    "passwordeval: the command's status is lost");
	if (WIFSIGNALED(status))
		return err_set_temp(e, ERR_TEMP,
		    "passwordeval command was killed by signal %d",
		    WTERMSIG(status));
	if (WEXITSTATUS(status) != 0)
		return err_set_temp(e, ERR_TEMP,
		    "passwordeval command failed (exit status %d)",
		    WEXITSTATUS(status));
	if (out->len == 0)
		return err_set_temp(e, ERR_TEMP,
		    "passwordeval command printed no password (exit status 0, empty first line)");
	return 0;
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
	if ((r = secrets_eval_read(fds[0], pid, timeout, out, &status, e)) ==
	    -1)
		secrets_eval_kill(pid);
	else
		r = secrets_eval_status(status, out, e);
out:
	if (r == -1)
		buf_wipe(out);
	if (fds[0] != -1)
		(void)close(fds[0]);
	if (fds[1] != -1)
		(void)close(fds[1]);
	return r;
}

/* Mode and owner of an open netrc file. 0 or -1 + ERR_CONFIG. */
static int
secrets_netrc_check(int fd, const char *path, struct err *e)
{
	struct stat st;

	if (fstat(fd, &st) == -1)
		return err_set(e, ERR_CONFIG, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return err_set(e, ERR_CONFIG, "%s: not a regular file", path);
	if (st.st_uid != geteuid())
		return err_set(e, ERR_CONFIG,
		    "%s is not owned by you; postern will not take a password from it",
		    path);
	if (st.st_mode & (S_IRWXG | S_IRWXO))
		return err_set(e, ERR_CONFIG,
		    "%s may be read or changed by group or others (mode %04o); postern will not take a password from it: chmod 600 %s",
		    path, (unsigned)(st.st_mode & 07777), path);
	return 0;
}

int
secrets_netrc(const char *path, const char *host, const char *user,
    struct buf *out, struct err *e)
{
	struct buf data;
	char chunk[4096];
	ssize_t n;
	int fd, r = -1;

	buf_init(&data, NETRC_FILE_MAX);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return errno == ENOENT
		    ? 1
		    : err_set(e, ERR_CONFIG, "%s: %s", path, strerror(errno));
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 || buf_add(&data, chunk, (size_t)n) == -1) {
			err_set(e, ERR_CONFIG, "%s: %s", path,
			    n == -1 ? strerror(errno) : "too large");
			goto out;
		}
	}
	r = netrc_find(data.data ? data.data : "", data.len, host, user, out,
	    e);
	/* Only a file that would answer is refused for its permissions. */
	if (r == 0 && secrets_netrc_check(fd, path, e) == -1) {
		buf_wipe(out);
		r = -1;
	}
out:
	explicit_bzero(chunk, sizeof(chunk));
	buf_wipe(&data);
	(void)close(fd);
	return r;
}

/* $NETRC, or ~/.netrc. */
int
secrets_netrc_account(const struct account *a, struct buf *out, struct err *e)
{
	const char *env = getenv("NETRC");
	char *home = NULL, *path = NULL;
	int r = 1;

	if (env != NULL && *env != '\0')
		path = strdup(env);
	else if ((home = util_home_dir()) != NULL)
		path = util_path_join(home, ".netrc");
	if (path != NULL)
		r = secrets_netrc(path, a->host, a->user ? a->user : "", out,
		    e);
	free(path);
	free(home);
	return r;
}

static int
secrets_try_prompt(const struct account *a, struct buf *out, struct err *e)
{
	char prompt[512];

	if (!tty_usable())
		return 1;
	(void)snprintf(prompt, sizeof(prompt),
	    "postern: password for %s at %s (account %s): ",
	    a->user ? a->user : "(no user)", a->host, a->name);
	if (tty_read_secret(prompt, out, e) == -1)
		return -1;
	return out->len ? 0 : err_set(e, ERR_CONFIG, "no password was typed");
}

/* The keyring: 0 found, 1 nothing, -1 with e (maybe temporary). */
static int
secrets_try_keyring(const struct account *a, struct buf *out,
    enum secrets_source *src, struct err *e)
{
	enum keyring_schema which = KEYRING_OURS;
	int r;

	if (!a->keyring || a->user == NULL)
		return 1;
	r = keyring_lookup(a->host, a->user, out, &which, e);
	if (r == 0)
		*src = which == KEYRING_OURS ? SECRETS_KEYRING
		    : which == KEYRING_MSMTP ? SECRETS_KEYRING_MSMTP
		                             : SECRETS_KEYRING_NETWORK;
	return r;
}

/* Keyring, netrc, prompt; a temporary keyring failure waits its turn. */
static int
secrets_lookup(const struct account *a, struct buf *out,
    enum secrets_source *src, struct err *e)
{
	struct err kerr;
	int r;

	err_clear(&kerr);
	if ((r = secrets_try_keyring(a, out, src, &kerr)) == 0)
		return 0;
	if (r == -1 && !kerr.temporary) {
		*e = kerr;
		return -1;
	}
	if ((r = secrets_netrc_account(a, out, e)) != 1) {
		*src = SECRETS_NETRC;
		return r;
	}
	if ((r = secrets_try_prompt(a, out, e)) != 1) {
		*src = SECRETS_PROMPT;
		return r;
	}
	if (kerr.cls != ERR_NONE) {
		*e = kerr;
		return -1;
	}
	return err_set(e, ERR_CONFIG,
	    "account %s: no password for user %s at %s; set password or passwordeval, or store one with postern --store-password",
	    a->name, a->user ? a->user : "(none)", a->host ? a->host : "?");
}

/* The first line of a credential file. 0, or -1 (read error, too long). */
static int
secrets_credential_read(int fd, struct buf *out)
{
	char chunk[4096];
	int line_done = 0, r = 0;
	ssize_t n;

	while (!line_done && (n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 ||
		    secrets_eval_keep(chunk, n, &line_done, out) == -1) {
			r = -1;
			break;
		}
	}
	explicit_bzero(chunk, sizeof(chunk));
	return r;
}

/*
 * password_credential NAME: the first line of $CREDENTIALS_DIRECTORY/NAME,
 * which systemd fills from LoadCredential= or LoadCredentialEncrypted=.
 * Missing is a configuration error (the queue holds the account).
 */
static int
secrets_credential(const char *name, struct buf *out, struct err *e)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	char path[4096];
	int fd, r;

	if (dir == NULL || dir[0] != '/')
		return err_set(e, ERR_CONFIG,
		    "password_credential %s: $CREDENTIALS_DIRECTORY is not set (LoadCredential= in the unit)",
		    name);
	if (strchr(name, '/') != NULL || strcmp(name, "..") == 0 ||
	    strcmp(name, ".") == 0 || name[0] == '\0')
		return err_set(e, ERR_CONFIG,
		    "password_credential %s: not a credential name", name);
	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return err_set(e, ERR_CONFIG, "password_credential %s: %s",
		    name, strerror(errno));
	r = secrets_credential_read(fd, out);
	(void)close(fd);
	if (r == -1 || out->len == 0) {
		buf_wipe(out);
		return err_set(e, ERR_CONFIG,
		    "password_credential %s: the credential is empty or unreadable",
		    name);
	}
	return 0;
}

int
secrets_password(const struct account *a, struct buf *out,
    enum secrets_source *src, struct err *e)
{
	int r;

	*src = SECRETS_NONE;
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); /* holding one now */
	buf_wipe(out);
	if (a->password != NULL) {
		if (buf_add_str(out, a->password) == -1)
			return err_set(e, ERR_CONFIG, "password is too long");
		*src = SECRETS_CONFIG;
		return 0;
	}
	if (a->password_credential != NULL) {
		if (secrets_credential(a->password_credential, out, e) == -1)
			return -1;
		*src = SECRETS_CREDENTIAL;
		return 0;
	}
	if (a->passwordeval != NULL) {
		if (secrets_eval(a->passwordeval,
		        a->timeout ? a->timeout : SECRETS_EVAL_TIMEOUT, out,
		        e) == -1)
			return -1;
		*src = SECRETS_EVAL;
		return 0;
	}
	r = secrets_lookup(a, out, src, e);
	if (r == -1) {
		*src = SECRETS_NONE;
		buf_wipe(out);
	}
	return r;
}

/* One line from stdin (--password-stdin), without CR/LF. */
static int
secrets_read_stdin(struct buf *out, struct err *e)
{
	char c;
	ssize_t n;
	int r = 0;

	while ((n = read(STDIN_FILENO, &c, 1)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			r = err_set(e, ERR_IO, "standard input: %s",
			    strerror(errno));
			break;
		}
		if (c == '\n')
			break;
		if (buf_add_char(out, c) == -1) {
			r = err_set(e, ERR_DATA, "the password is too long");
			break;
		}
	}
	while (out->len > 0 && out->data[out->len - 1] == '\r')
		out->data[--out->len] = '\0';
	explicit_bzero(&c, sizeof(c));
	return r;
}

/* Twice on the terminal, without echo; both must agree. */
static int
secrets_read_twice(const struct account *a, struct buf *out, struct err *e)
{
	struct buf again;
	char prompt[512];
	int r = -1;

	if (!tty_present())
		return err_set(e, ERR_USAGE,
		    "no terminal to ask for the password on; pipe it in with --password-stdin");
	buf_init(&again, SECRETS_MAX);
	(void)snprintf(prompt, sizeof(prompt),
	    "Password for %s at %s (account %s): ", a->user, a->host, a->name);
	if (tty_read_secret(prompt, out, e) == -1 ||
	    tty_read_secret("Again: ", &again, e) == -1)
		goto out;
	if (out->len != again.len ||
	    (out->len && memcmp(out->data, again.data, out->len) != 0)) {
		err_set(e, ERR_DATA,
		    "the two passwords differ; nothing was stored");
		goto out;
	}
	r = 0;
out:
	buf_wipe(&again);
	return r;
}

/* What the keyring item is keyed by must be there. */
static int
secrets_check_key(const struct account *a, struct err *e)
{
	if (a->host == NULL || a->user == NULL)
		return err_set(e, ERR_CONFIG,
		    "account %s has no %s; a keyring password is kept for a user at a host",
		    a->name, a->host == NULL ? "host" : "user");
	return 0;
}

int
secrets_store(const struct account *a, bool from_stdin, struct err *e)
{
	struct buf pw;
	char label[512];
	int r = -1;

	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (secrets_check_key(a, e) == -1)
		return -1;
	if (!keyring_available())
		return keyring_store(a->host, a->user, "", "", e);
	buf_init(&pw, SECRETS_MAX);
	if ((from_stdin ? secrets_read_stdin(&pw, e)
	                : secrets_read_twice(a, &pw, e)) == -1)
		goto out;
	if (pw.len == 0 || memchr(pw.data, '\0', pw.len) != NULL) {
		err_set(e, ERR_DATA, "%s; nothing was stored",
		    pw.len ? "the password holds a NUL byte"
		           : "the password is empty");
		goto out;
	}
	(void)snprintf(label, sizeof(label), "postern: account %s (%s at %s)",
	    a->name, a->user, a->host);
	r = keyring_store(a->host, a->user, label, buf_str(&pw), e);
out:
	buf_wipe(&pw);
	return r;
}

int
secrets_forget(const struct account *a, unsigned *removed, struct err *e)
{
	*removed = 0;
	if (secrets_check_key(a, e) == -1)
		return -1;
	return keyring_forget(a->host, a->user, removed, e);
}
