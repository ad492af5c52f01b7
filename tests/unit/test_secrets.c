/*
 * test_secrets.c: passwordeval (first line, CR/LF stripped, exit status,
 * empty output, signals, the timeout, stderr left alone), the netrc file
 * checks (mode, missing file) and the order of the sources.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "secrets.h"
#include "tap.h"
#include "tty.h"

/* Whether a live process has arg among its arguments. */
static int
process_running(const char *arg)
{
	struct dirent *d;
	DIR *proc = opendir("/proc");
	int found = 0;

	while (proc != NULL && !found && (d = readdir(proc)) != NULL) {
		char path[300], args[4096], stat[512], *p;
		size_t n, i;
		FILE *f;

		(void)snprintf(path, sizeof(path), "/proc/%s/cmdline",
		    d->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		n = fread(args, 1, sizeof(args) - 1, f);
		args[n] = '\0';
		(void)fclose(f);
		for (i = 0; i < n; i += strlen(args + i) + 1)
			if (strcmp(args + i, arg) == 0)
				found = 1;
		(void)snprintf(path, sizeof(path), "/proc/%s/stat", d->d_name);
		if (found && (f = fopen(path, "r")) != NULL) {
			/* a zombie waiting to be reaped is not running */
			if (fgets(stat, sizeof(stat), f) != NULL &&
			    (p = strrchr(stat, ')')) != NULL && p[2] == 'Z')
				found = 0;
			(void)fclose(f);
		}
	}
	if (proc != NULL)
		(void)closedir(proc);
	return found;
}

static char tmpdir[] = "/tmp/test_secrets.XXXXXX";

/* eval(cmd, timeout, &r, &e): the output or "" on failure. */
static const char *
eval(const char *cmd, unsigned timeout, int *r, struct err *e)
{
	static char got[256];
	struct buf out;

	buf_init(&out, SECRETS_MAX);
	err_clear(e);
	*r = secrets_eval(cmd, timeout, &out, e);
	(void)snprintf(got, sizeof(got), "%s", buf_str(&out));
	buf_wipe(&out);
	return got;
}

static void
test_eval(void)
{
	const struct timespec tick = { 0, 20 * 1000 * 1000 };
	struct err e;
	time_t t0;
	int i, r;

	IS_STR(eval("printf 'pw one\\r\\nsecond\\n'", 5, &r, &e), "pw one",
	    "the first line, CR/LF stripped");
	IS_INT(r, 0, "passwordeval succeeded");
	IS_STR(eval("printf 'no newline'", 5, &r, &e), "no newline",
	    "output without a newline");
	IS_STR(eval("echo pw; exit 3", 5, &r, &e), "",
	    "a failing command yields nothing");
	IS_INT(r, -1, "non-zero exit status fails");
	IS_STR(e.text, "passwordeval command failed (exit status 3)",
	    "the error names the exit status");
	OK(e.temporary && e.cls == ERR_TEMP, "and is temporary");
	eval("true", 5, &r, &e);
	IS_STR(e.text,
	    "passwordeval command printed no password (exit status 0, empty "
	    "first line)",
	    "empty output is an error naming the exit status");
	eval("kill -TERM $$", 5, &r, &e);
	IS_STR(e.text, "passwordeval command was killed by signal 15",
	    "a signal is named");
	t0 = time(NULL);
	eval("sleep 29.75; echo late", 1, &r, &e);
	IS_INT(r, -1, "a slow command fails");
	IS_STR(e.text,
	    "passwordeval did not finish within 1 seconds; it was "
	    "killed",
	    "the error names the timeout");
	OK(time(NULL) - t0 <= 3, "and it did not wait for the command");
	/* SIGKILL is delivered asynchronously: allow it 2 s to take. */
	for (i = 0; i < 100 && process_running("29.75"); i++)
		(void)nanosleep(&tick, NULL);
	OK(!process_running("29.75"),
	    "the command the shell started was killed with it");
	IS_STR(eval("echo oops >&2; yes pw | head -c 200000", 5, &r, &e), "pw",
	    "a long output is drained, only its first line kept");
	IS_STR(eval("read x; echo \"[$x]\"", 5, &r, &e), "[]",
	    "stdin is /dev/null, not the message");
}

static char *
write_file(const char *name, const char *data, mode_t mode)
{
	static char path[256];
	int fd;

	(void)snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd == -1 || write(fd, data, strlen(data)) == -1)
		perror(path);
	(void)fchmod(fd, mode);
	(void)close(fd);
	return path;
}

static void
test_netrc_file(void)
{
	struct buf out;
	struct err e;
	char *p;

	buf_init(&out, SECRETS_MAX);
	p = write_file("netrc", "machine h login u password pw\n", 0600);
	IS_INT(secrets_netrc(p, "h", "u", &out, &e), 0, "mode 0600 is used");
	IS_STR(buf_str(&out), "pw", "and gives the password");
	buf_wipe(&out);
	IS_INT(secrets_netrc(p, "x", "u", &out, &e), 1, "no entry: not found");
	p = write_file("netrc", "machine h login u password pw\n", 0644);
	IS_INT(secrets_netrc(p, "h", "u", &out, &e), -1,
	    "a world-readable file that would answer is refused");
	OK(strstr(e.text,
	       "may be read or changed by group or others (mode "
	       "0644)") != NULL,
	    "the error says why");
	IS_INT(e.cls, ERR_CONFIG, "as a configuration error");
	IS_INT(out.len, 0, "nothing is handed out");
	p = write_file("netrc", "machine h login u password pw\n", 0640);
	IS_INT(secrets_netrc(p, "h", "u", &out, &e), -1,
	    "a group-readable file is refused too");
	IS_INT(secrets_netrc("/nonexistent/netrc", "h", "u", &out, &e), 1,
	    "a missing file is not an error");
	buf_wipe(&out);
}

static void
test_order(void)
{
	static char name[] = "acct", host[] = "h", user[] = "u";
	static char conf[] = "conf", cmd[] = "echo eval";
	struct account a;
	struct buf out;
	enum secrets_source src;
	struct err e;
	char *p;

	memset(&a, 0, sizeof(a));
	a.name = name;
	a.host = host;
	a.user = user;
	a.keyring = false;
	buf_init(&out, SECRETS_MAX);
	a.password = conf;
	a.passwordeval = cmd;
	IS_INT(secrets_password(&a, &out, &src, &e), 0, "password");
	IS_STR(buf_str(&out), "conf", "password beats passwordeval");
	IS_INT(src, SECRETS_CONFIG, "source: configuration");
	a.password = NULL;
	IS_INT(secrets_password(&a, &out, &src, &e), 0, "passwordeval");
	IS_STR(buf_str(&out), "eval", "passwordeval beats netrc");
	IS_STR(secrets_source_name(src), "passwordeval", "source name");
	a.passwordeval = NULL;
	p = write_file("netrc2", "machine h login u password fromnetrc\n",
	    0600);
	(void)setenv("NETRC", p, 1);
	IS_INT(secrets_password(&a, &out, &src, &e), 0, "netrc");
	IS_STR(buf_str(&out), "fromnetrc", "netrc when nothing else");
	IS_STR(secrets_source_name(src), "~/.netrc", "source name");
	(void)setenv("NETRC", "/nonexistent/netrc", 1);
	if (tty_usable()) {
		OK(1, "# SKIP a terminal is present; the prompt would ask");
		OK(1, "# SKIP");
	} else {
		IS_INT(secrets_password(&a, &out, &src, &e), -1, "no source");
		OK(e.cls == ERR_CONFIG && !e.temporary &&
		        strstr(e.text, "no password for user u at h") != NULL,
		    "no source: a configuration error");
	}
	IS_INT(out.len, 0, "nothing left in the buffer after a failure");
	buf_wipe(&out);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_eval();
	test_netrc_file();
	test_order();
	(void)unlink(write_file("netrc", "", 0600));
	(void)unlink(write_file("netrc2", "", 0600));
	(void)rmdir(tmpdir);
	return tap_done();
}
