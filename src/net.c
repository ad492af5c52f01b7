/*
 * net.c: connect with deadlines and buffered I/O over a transport (see
 * net.h). The socket is non-blocking; every wait is a poll() bounded by
 * the connection's deadline. Plain TCP is the transport until
 * net_starttls swaps in tls_transport.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "idn.h"
#include "net.h"
#include "tls.h"
#include "util.h"

#define NET_DEFAULT_TIMEOUT 60
#define NET_READ_CHUNK 16384

struct net_conn {
	int fd;
	const struct net_transport *ops;
	void *ctx;
	struct tls_session *tls;
	unsigned timeout; /* seconds */
	struct timespec deadline;
	struct buf rbuf;
	char *wbuf;
	size_t wlen;
	char peer[INET6_ADDRSTRLEN + 16];
};

static ssize_t
net_plain_read(void *ctx, void *p, size_t n, struct err *e)
{
	struct net_conn *c = ctx;
	ssize_t r = read(c->fd, p, n);

	if (r >= 0)
		return r;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return NET_IO_WANT_READ;
	if (errno == ECONNRESET)
		return err_setr_temp(e, ERR_TEMP, ERR_REASON_RESET,
		    "connection reset by %s", c->peer);
	return err_set(e, ERR_IO, "read from %s: %s", c->peer, strerror(errno));
}

static ssize_t
net_plain_write(void *ctx, const void *p, size_t n, struct err *e)
{
	struct net_conn *c = ctx;
	ssize_t r = send(c->fd, p, n, MSG_NOSIGNAL);

	if (r >= 0)
		return r;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return NET_IO_WANT_WRITE;
	if (errno == EPIPE || errno == ECONNRESET)
		return err_set_temp(e, ERR_TEMP,
		    "connection closed by %s while sending", c->peer);
	return err_set(e, ERR_IO, "write to %s: %s", c->peer, strerror(errno));
}

static size_t
net_plain_pending(void *ctx)
{
	(void)ctx;
	return 0;
}

static void
net_plain_close(void *ctx)
{
	(void)ctx;
}

static const struct net_transport net_plain = {
	.name = "tcp",
	.read = net_plain_read,
	.write = net_plain_write,
	.pending = net_plain_pending,
	.close = net_plain_close,
};

static void
net_deadline_set(struct timespec *d, unsigned seconds)
{
	(void)clock_gettime(CLOCK_MONOTONIC, d);
	d->tv_sec += seconds ? seconds : NET_DEFAULT_TIMEOUT;
}

/* Milliseconds left before the deadline, 0 when it passed. */
static int
net_deadline_left(const struct timespec *d)
{
	struct timespec now;
	long long ms;

	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(d->tv_sec - now.tv_sec) * 1000 +
	    (d->tv_nsec - now.tv_nsec) / 1000000;
	if (ms <= 0)
		return 0;
	return ms > 24 * 3600 * 1000 ? 24 * 3600 * 1000 : (int)ms;
}

/* Wait until fd is ready for want (NET_IO_WANT_*) or the deadline. */
static int
net_wait(struct net_conn *c, int want, struct err *e)
{
	struct pollfd pfd;
	int ms, r, one = 1;

	pfd.fd = c->fd;
	pfd.events = want == NET_IO_WANT_WRITE ? POLLOUT : POLLIN;
	/*
	 * About to wait for the peer: acknowledge what it sent now. With
	 * a delayed ACK the server's next small write (the 220 after the
	 * TLS 1.3 session tickets on an implicit-TLS port) waits ~40 ms
	 * in its Nagle queue for our ACK. Setting TCP_QUICKACK sends a
	 * pending ACK at once; it is not permanent, hence every time.
	 */
	if (want != NET_IO_WANT_WRITE)
		(void)setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &one,
		    sizeof(one));
	for (;;) {
		if ((ms = net_deadline_left(&c->deadline)) == 0)
			return err_setr_temp(e, ERR_TEMP, ERR_REASON_TIMEOUT,
			    "timed out after %u s waiting for %s",
			    c->timeout ? c->timeout : NET_DEFAULT_TIMEOUT,
			    c->peer);
		r = poll(&pfd, 1, ms);
		if (r > 0)
			return 0;
		if (r == -1 && errno != EINTR)
			return err_set(e, ERR_IO, "poll: %s", strerror(errno));
	}
}

static struct net_conn *
net_conn_new(int fd, unsigned timeout)
{
	struct net_conn *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->wbuf = malloc(NET_WBUF_SIZE)) == NULL) {
		free(c);
		return NULL;
	}
	c->fd = fd;
	c->ops = &net_plain;
	c->ctx = c;
	buf_init(&c->rbuf, NET_RBUF_MAX);
	(void)strlcpy(c->peer, "the server", sizeof(c->peer));
	net_set_timeout(c, timeout);
	return c;
}

struct net_conn *
net_conn_from_fd(int fd, unsigned timeout)
{
	struct net_conn *c;
	int fl;

	if ((c = net_conn_new(fd, timeout)) == NULL)
		return NULL;
	if ((fl = fcntl(fd, F_GETFL)) != -1)
		(void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	return c;
}

void
net_set_timeout(struct net_conn *c, unsigned seconds)
{
	c->timeout = seconds;
	net_deadline_set(&c->deadline, seconds);
}

int
net_flush(struct net_conn *c, struct err *e)
{
	size_t off = 0;
	ssize_t r;

	while (off < c->wlen) {
		r = c->ops->write(c->ctx, c->wbuf + off, c->wlen - off, e);
		if (r > 0) {
			off += (size_t)r;
			/* Progress renews the deadline: a large body may
			 * take longer than one command's timeout. */
			net_deadline_set(&c->deadline, c->timeout);
		} else if (r == NET_IO_WANT_READ || r == NET_IO_WANT_WRITE) {
			if (net_wait(c, (int)r, e) == -1)
				return -1;
		} else if (r == 0)
			return err_set_temp(e, ERR_TEMP,
			    "connection closed by %s while sending", c->peer);
		else
			return -1;
	}
	c->wlen = 0;
	return 0;
}

int
net_write(struct net_conn *c, const void *p, size_t n, struct err *e)
{
	const char *s = p;
	size_t k;

	while (n > 0) {
		if (c->wlen == NET_WBUF_SIZE && net_flush(c, e) == -1)
			return -1;
		k = NET_WBUF_SIZE - c->wlen;
		if (k > n)
			k = n;
		memcpy(c->wbuf + c->wlen, s, k);
		c->wlen += k;
		s += k;
		n -= k;
	}
	return 0;
}

char *
net_write_reserve(struct net_conn *c, size_t min, size_t *room, struct err *e)
{
	if (min > NET_WBUF_SIZE)
		min = NET_WBUF_SIZE;
	if (NET_WBUF_SIZE - c->wlen < min && net_flush(c, e) == -1)
		return NULL;
	*room = NET_WBUF_SIZE - c->wlen;
	return c->wbuf + c->wlen;
}

void
net_commit(struct net_conn *c, size_t n)
{
	c->wlen += n;
}

size_t
net_wpending(const struct net_conn *c)
{
	return c->wlen;
}

int
net_fill(struct net_conn *c, struct err *e)
{
	char tmp[NET_READ_CHUNK];
	size_t room;
	ssize_t r;

	if (net_flush(c, e) == -1)
		return -1;
	room = c->rbuf.max - c->rbuf.len;
	if (room == 0)
		return err_set(e, ERR_PROTOCOL, "%s sent too much at once",
		    c->peer);
	for (;;) {
		r = c->ops->read(c->ctx, tmp,
		    room < sizeof(tmp) ? room : sizeof(tmp), e);
		if (r > 0)
			break;
		if (r == 0)
			return err_set_temp(e, ERR_TEMP,
			    "connection closed by %s", c->peer);
		if (r != NET_IO_WANT_READ && r != NET_IO_WANT_WRITE)
			return -1;
		if (net_wait(c, (int)r, e) == -1)
			return -1;
	}
	if (buf_add(&c->rbuf, tmp, (size_t)r) == -1)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	return 0;
}

const char *
net_rbuf(const struct net_conn *c, size_t *len)
{
	*len = c->rbuf.len;
	return buf_str(&c->rbuf);
}

void
net_rconsume(struct net_conn *c, size_t n)
{
	buf_consume(&c->rbuf, n);
}

size_t
net_rpending(const struct net_conn *c)
{
	return c->rbuf.len + c->ops->pending(c->ctx);
}

bool
net_peer_spoke(const struct net_conn *c)
{
	struct pollfd pfd = { c->fd, POLLIN, 0 };

	return net_rpending(c) > 0 || poll(&pfd, 1, 0) != 0;
}

int
net_starttls(struct net_conn *c, const struct tls_params *p, struct err *e)
{
	struct tls_session *t = NULL;
	int r;

	if (net_rpending(c) > 0)
		return err_set(e, ERR_PROTOCOL,
		    "%s sent data before the TLS handshake (possible STARTTLS response injection); aborting",
		    c->peer);
	if (net_flush(c, e) == -1 || tls_session_new(&t, c->fd, p, e) == -1)
		return -1;
	while ((r = tls_session_handshake(t, e)) != 0) {
		/* The handshake's own failure (a close, an alert) keeps its
		 * reason; only a wait that ran out is a timeout. */
		if (r != NET_IO_WANT_READ && r != NET_IO_WANT_WRITE) {
			tls_session_free(t);
			return -1;
		}
		if (net_wait(c, r, e) == -1) {
			if (e->cls == ERR_TEMP)
				(void)err_setr_temp(e, ERR_TEMP,
				    ERR_REASON_TLS_HANDSHAKE,
				    "TLS handshake with %s interrupted: timed out",
				    c->peer);
			tls_session_free(t);
			return -1;
		}
	}
	c->ops = &tls_transport;
	c->ctx = t;
	c->tls = t;
	return 0;
}

struct tls_session *
net_tls(const struct net_conn *c)
{
	return c->tls;
}

const char *
net_peer(const struct net_conn *c)
{
	return c->peer;
}

void
net_close(struct net_conn *c)
{
	if (c == NULL)
		return;
	c->ops->close(c->ctx);
	if (c->fd != -1)
		(void)close(c->fd);
	buf_free(&c->rbuf);
	free(c->wbuf);
	free(c);
}

/* --- connecting --------------------------------------------------------- */

static void
net_format_peer(char *out, size_t cap, const struct sockaddr *sa)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;
		(void)inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		port = ntohs(s4->sin_port);
		(void)snprintf(out, cap, "%s port %u", host, port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;
		(void)inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		port = ntohs(s6->sin6_port);
		(void)snprintf(out, cap, "[%s] port %u", host, port);
	} else
		(void)snprintf(out, cap, "?");
}

static int
net_bind_source(int fd, int family, const char *source, struct err *e)
{
	struct addrinfo hints, *res = NULL;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
	if ((rc = getaddrinfo(source, NULL, &hints, &res)) != 0)
		return err_set(e, ERR_OSERR, "source_ip %s: %s", source,
		    gai_strerror(rc));
	rc = bind(fd, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	if (rc == -1)
		return err_set(e, ERR_OSERR, "cannot bind to source_ip %s: %s",
		    source, strerror(errno));
	return 0;
}

/* One connect attempt; 0, -1 (try the next address), -2 (give up). */
static int
net_try(struct net_conn **out, const struct addrinfo *ai,
    const struct net_params *p, int *last_errno, struct err *e)
{
	struct net_conn *c = NULL;
	int fd, on = 1, soerr = 0;
	socklen_t len = sizeof(soerr);

	fd = socket(ai->ai_family,
	    ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd == -1) {
		*last_errno = errno;
		return -1;
	}
	if (p->source_ip != NULL &&
	    net_bind_source(fd, ai->ai_family, p->source_ip, e) == -1) {
		(void)close(fd);
		/* A source of the other family just skips this address. */
		return -1;
	}
	if ((c = net_conn_new(fd, p->timeout)) == NULL) {
		(void)close(fd);
		(void)err_set(e, ERR_SOFTWARE, "out of memory");
		return -2;
	}
	net_format_peer(c->peer, sizeof(c->peer), ai->ai_addr);
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1 &&
	    errno != EINPROGRESS) {
		soerr = errno;
	} else if (net_wait(c, NET_IO_WANT_WRITE, e) == -1) {
		soerr = ETIMEDOUT;
	} else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1)
		soerr = errno;
	if (soerr != 0) {
		*last_errno = soerr;
		net_close(c);
		return -1;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	*out = c;
	return 0;
}

static int
net_family_rank(const struct addrinfo *ai, enum net_family f)
{
	if (f == NET_FAMILY_PREFER4)
		return ai->ai_family == AF_INET ? 0 : 1;
	if (f == NET_FAMILY_PREFER6)
		return ai->ai_family == AF_INET6 ? 0 : 1;
	return 0;
}

static int
net_resolve(const struct net_params *p, struct addrinfo **res, struct err *e)
{
	char host[IDN_NAME_MAX];
	struct addrinfo hints;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = p->family == NET_FAMILY_ONLY4 ? AF_INET
	    : p->family == NET_FAMILY_ONLY6             ? AF_INET6
	                                                : AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	/* U-labels ("smtp.例え.jp") are looked up as A-labels. */
	if (idn_to_ascii("host", p->host, host, sizeof(host), e) == -1) {
		if (e->cls == ERR_DATA)
			e->cls = ERR_CONFIG;
		return -1;
	}
	rc = getaddrinfo(host, p->port, &hints, res);
	if (rc == 0)
		return 0;
	if (rc == EAI_AGAIN)
		return err_set_temp(e, ERR_TEMP, "cannot resolve %s: %s",
		    p->host, gai_strerror(rc));
	if (rc == EAI_SYSTEM)
		return err_set(e, ERR_OSERR, "cannot resolve %s: %s", p->host,
		    strerror(errno));
	return err_set(e, ERR_NOHOST, "cannot resolve %s: %s", p->host,
	    gai_strerror(rc));
}

int
net_connect(struct net_conn **out, const struct net_params *p, struct err *e)
{
	struct addrinfo *res = NULL, *ai;
	int rank, r = -1, last_errno = 0, tried = 0;

	*out = NULL;
	if (net_resolve(p, &res, e) == -1)
		return -1;
	for (rank = 0; rank < 2 && *out == NULL; rank++) {
		for (ai = res; ai != NULL; ai = ai->ai_next) {
			if (net_family_rank(ai, p->family) != rank)
				continue;
			tried++;
			r = net_try(out, ai, p, &last_errno, e);
			if (r == 0 || r == -2)
				break;
		}
		if (r == -2)
			break;
	}
	freeaddrinfo(res);
	if (*out != NULL)
		return 0;
	if (r == -2 || (tried > 0 && last_errno == 0 && e->cls == ERR_OSERR))
		return -1;
	return err_setr_temp(e, ERR_TEMP, err_connect_reason(last_errno),
	    "cannot connect to %s port %s: %s", p->host, p->port,
	    last_errno ? strerror(last_errno) : "no usable address");
}
