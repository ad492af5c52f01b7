/*
 * tty.c: the no-echo password prompt on /dev/tty (see tty.h).
 *
 * The terminal is opened without becoming our controlling terminal, its
 * settings are saved, ECHO is cleared (ECHONL kept so the user sees the
 * Enter), and the line is read one byte at a time so nothing after the
 * newline is consumed. The handlers for the interrupting signals only
 * make read() fail with EINTR (no SA_RESTART); the old settings and
 * handlers are restored before returning.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "tty.h"
#include "util.h"

static const int tty_signals[] = { SIGINT, SIGTERM, SIGQUIT, SIGTSTP, SIGHUP };

static volatile sig_atomic_t tty_interrupted;

static void
tty_on_signal(int sig)
{
	(void)sig;
	tty_interrupted = 1;
}

bool
tty_present(void)
{
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd == -1)
		return false;
	(void)close(fd);
	return true;
}

bool
tty_usable(void)
{
	struct stat in, tty;
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	bool ok;

	if (fd == -1)
		return false;
	ok = fstat(fd, &tty) == 0;
	if (ok && isatty(STDIN_FILENO) && fstat(STDIN_FILENO, &in) == 0 &&
	    in.st_rdev == tty.st_rdev)
		ok = false;
	(void)close(fd);
	return ok;
}

/* Read up to the newline; 0, or -1 with errno (EINTR: a signal). */
static int
tty_read_line(int fd, struct buf *out, int *too_long)
{
	char c;
	ssize_t n;

	for (;;) {
		if (tty_interrupted) {
			errno = EINTR;
			return -1;
		}
		n = read(fd, &c, 1);
		if (n == -1)
			return -1;
		if (n == 0 || c == '\n' || c == '\r')
			break;
		if (buf_add_char(out, c) == -1)
			*too_long = 1;
	}
	explicit_bzero(&c, sizeof(c));
	return 0;
}

int
tty_read_secret(const char *prompt, struct buf *out, struct err *e)
{
	struct sigaction sa, old[ARRAY_SIZE(tty_signals)];
	struct termios saved, quiet;
	int fd, r = -1, too_long = 0, saved_ok;
	size_t i;

	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1)
		return err_set(e, ERR_USAGE, "no terminal to ask on: %s",
		    strerror(errno));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tty_on_signal;
	(void)sigemptyset(&sa.sa_mask);
	tty_interrupted = 0;
	for (i = 0; i < ARRAY_SIZE(tty_signals); i++)
		(void)sigaction(tty_signals[i], &sa, &old[i]);
	saved_ok = tcgetattr(fd, &saved) == 0;
	if (saved_ok) {
		quiet = saved;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ECHONL;
		(void)tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	(void)write(fd, prompt, strlen(prompt));
	if (tty_read_line(fd, out, &too_long) == -1)
		err_set(e, ERR_USAGE, "%s",
		    errno == EINTR ? "interrupted; nothing was read"
		                   : "cannot read from the terminal");
	else if (too_long)
		err_set(e, ERR_CONFIG, "the password is too long");
	else
		r = 0;
	if (saved_ok)
		(void)tcsetattr(fd, TCSAFLUSH, &saved);
	if (r == -1 && tty_interrupted)
		(void)write(fd, "\n", 1);
	for (i = 0; i < ARRAY_SIZE(tty_signals); i++)
		(void)sigaction(tty_signals[i], &old[i], NULL);
	(void)close(fd);
	if (r == -1)
		buf_wipe(out);
	return r;
}
