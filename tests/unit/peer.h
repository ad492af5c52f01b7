/*
 * peer.h: a scripted SMTP peer for the engine's unit tests. A forked
 * child on one end of a socketpair plays a script; the parent runs the
 * engine on the other end. The child records every byte it receives,
 * with '|' between read() calls (so a test can tell whether a pipelined
 * group arrived in one write), into a buffer the parent gets back.
 *
 * Script entries:
 *   "S:text"   send text + CRLF
 *   "C:text"   expect this client line exactly ("C:text*" = prefix)
 *   "BODY"     read up to and including the ".\r\n" end-of-data line
 *   "RAW:n"    read n raw bytes (BDAT chunk)
 *   "SLEEP:n"  sleep n seconds
 *   "CLOSE"    close the connection and stop
 * After the last entry the child reads until EOF. It exits 0 when every
 * expectation held, 1 otherwise (with the mismatch in the transcript).
 */
#ifndef POSTERN_TEST_PEER_H
#define POSTERN_TEST_PEER_H

#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PEER_LOG_MAX (1024 * 1024)

struct peer {
	pid_t pid;
	int fd;     /* the engine's end */
	int logfd;  /* read end of the transcript pipe */
	char *log;  /* transcript, after peer_finish */
	int status; /* child exit status */
};

struct peer_io {
	int fd, logfd;
	char in[65536];
	size_t len;
};

static void
peer_log(struct peer_io *io, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(io->logfd, p, n);
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static int
peer_fill(struct peer_io *io)
{
	ssize_t r;

	if (io->len == sizeof(io->in))
		return -1;
	r = read(io->fd, io->in + io->len, sizeof(io->in) - io->len);
	if (r <= 0)
		return -1;
	peer_log(io, "|", 1);
	peer_log(io, io->in + io->len, (size_t)r);
	io->len += (size_t)r;
	return 0;
}

static void
peer_take(struct peer_io *io, size_t n)
{
	memmove(io->in, io->in + n, io->len - n);
	io->len -= n;
}

/* One line without CRLF into line; -1 at EOF. */
static int
peer_line(struct peer_io *io, char *line, size_t cap)
{
	char *nl;
	size_t n;

	while ((nl = memchr(io->in, '\n', io->len)) == NULL)
		if (peer_fill(io) == -1)
			return -1;
	n = (size_t)(nl - io->in) + 1;
	if (n - 1 >= cap)
		return -1;
	memcpy(line, io->in, n - 1);
	line[n - 1] = '\0';
	if (n >= 2 && line[n - 2] == '\r')
		line[n - 2] = '\0';
	peer_take(io, n);
	return 0;
}

static int
peer_step(struct peer_io *io, const char *st)
{
	char line[70000];
	size_t n, k;

	if (strncmp(st, "S:", 2) == 0) {
		peer_log(io, "", 0);
		if (write(io->fd, st + 2, strlen(st + 2)) < 0 ||
		    write(io->fd, "\r\n", 2) < 0)
			return -1;
		return 0;
	}
	if (strncmp(st, "C:", 2) == 0) {
		if (peer_line(io, line, sizeof(line)) == -1)
			return -1;
		n = strlen(st + 2);
		if (n > 0 && st[1 + n] == '*')
			return strncmp(line, st + 2, n - 1) == 0 ? 0 : -1;
		return strcmp(line, st + 2) == 0 ? 0 : -1;
	}
	if (strcmp(st, "BODY") == 0) {
		do {
			if (peer_line(io, line, sizeof(line)) == -1)
				return -1;
		} while (strcmp(line, ".") != 0);
		return 0;
	}
	if (strncmp(st, "RAW:", 4) == 0) {
		n = (size_t)strtoul(st + 4, NULL, 10);
		while (n > 0) {
			if (io->len == 0 && peer_fill(io) == -1)
				return -1;
			k = io->len < n ? io->len : n;
			peer_take(io, k);
			n -= k;
		}
		return 0;
	}
	if (strncmp(st, "SLEEP:", 6) == 0) {
		sleep((unsigned)strtoul(st + 6, NULL, 10));
		return 0;
	}
	return -1;
}

static void
peer_child(int fd, int logfd, const char *const *script)
{
	static struct peer_io io;
	char buf[4096];
	int rc = 0;

	io.fd = fd;
	io.logfd = logfd;
	alarm(30); /* never outlive a broken test */
	for (; *script != NULL; script++) {
		if (strcmp(*script, "CLOSE") == 0)
			break;
		if (peer_step(&io, *script) == -1) {
			peer_log(&io, "\n#MISMATCH at ", 14);
			peer_log(&io, *script, strlen(*script));
			rc = 1;
			break;
		}
	}
	if (*script == NULL || rc == 1) {
		ssize_t r;
		while ((r = read(fd, buf, sizeof(buf))) > 0) {
			peer_log(&io, "|", 1);
			peer_log(&io, buf, (size_t)r);
		}
	}
	_exit(rc);
}

static int
peer_start(struct peer *p, const char *const *script)
{
	int sv[2], lp[2];

	memset(p, 0, sizeof(*p));
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1 || pipe(lp) == -1)
		return -1;
	p->pid = fork();
	if (p->pid == -1)
		return -1;
	if (p->pid == 0) {
		close(sv[0]);
		close(lp[0]);
		signal(SIGPIPE, SIG_IGN);
		peer_child(sv[1], lp[1], script);
	}
	close(sv[1]);
	close(lp[1]);
	p->fd = sv[0];
	p->logfd = lp[0];
	return 0;
}

/* Wait for the child, collect the transcript. The engine's fd is gone. */
static void
peer_finish(struct peer *p)
{
	size_t len = 0;
	ssize_t r;

	p->log = calloc(1, PEER_LOG_MAX + 1);
	while (len < PEER_LOG_MAX &&
	    (r = read(p->logfd, p->log + len, PEER_LOG_MAX - len)) > 0)
		len += (size_t)r;
	close(p->logfd);
	(void)waitpid(p->pid, &p->status, 0);
	p->status = WIFEXITED(p->status) ? WEXITSTATUS(p->status) : 99;
}

#endif
