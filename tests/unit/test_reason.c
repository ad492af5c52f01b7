/*
 * test_reason.c: the reason codes of struct err (err.h), as the raising
 * functions set them, on loopback only: a refused connect (a port bound
 * but not listening), a connect that the listener never completes (its
 * accept queue is full), a peer that never answers, a peer that resets
 * the connection, and a TLS handshake against a plain-text peer or one
 * that never answers. The texts stay what they were: tests match them.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "err.h"
#include "net.h"
#include "tap.h"
#include "tls.h"

/* A TCP socket on 127.0.0.1, port in *port; listening when backlog >= 0. */
static int
lo_socket(int backlog, char *port, size_t cap)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1 ||
	    (backlog >= 0 && listen(fd, backlog) == -1)) {
		perror("lo_socket");
		return -1;
	}
	(void)snprintf(port, cap, "%u", ntohs(sin.sin_port));
	return fd;
}

static int
lo_connect(struct net_conn **c, const char *port, unsigned timeout,
    struct err *e)
{
	struct net_params p = { "127.0.0.1", port, NET_FAMILY_ONLY4, NULL,
		timeout };

	err_clear(e);
	return net_connect(c, &p, e);
}

static void
test_setters(void)
{
	struct err e;

	(void)err_setr_temp(&e, ERR_TEMP, ERR_REASON_TIMEOUT, "timed out %d",
	    1);
	OK(e.reason == ERR_REASON_TIMEOUT && e.temporary && e.cls == ERR_TEMP,
	    "err_setr_temp sets reason, class and temporary");
	IS_STR(e.text, "timed out 1", "and the text");
	(void)err_set(&e, ERR_IO, "wrapped: %s", e.text);
	IS_INT(e.reason, ERR_REASON_NONE, "err_set leaves no reason");
	(void)err_setr(&e, ERR_NOPERM, ERR_REASON_CERT_PIN, "pin");
	OK(e.reason == ERR_REASON_CERT_PIN && !e.temporary,
	    "err_setr is permanent");
	err_clear(&e);
	IS_INT(e.reason, ERR_REASON_NONE, "err_clear resets the reason");
	IS_INT(err_connect_reason(ECONNREFUSED), ERR_REASON_CONNECT_REFUSED,
	    "ECONNREFUSED");
	IS_INT(err_connect_reason(ETIMEDOUT), ERR_REASON_CONNECT_TIMEDOUT,
	    "ETIMEDOUT");
	IS_INT(err_connect_reason(ECONNRESET), ERR_REASON_CONNECT_RESET,
	    "ECONNRESET");
	IS_INT(err_connect_reason(ENETUNREACH), ERR_REASON_CONNECT_UNREACHABLE,
	    "ENETUNREACH");
	IS_INT(err_connect_reason(EHOSTUNREACH), ERR_REASON_CONNECT_UNREACHABLE,
	    "EHOSTUNREACH");
	IS_INT(err_connect_reason(0), ERR_REASON_CONNECT_OTHER,
	    "no usable address");
	OK(err_reason_connect(ERR_REASON_CONNECT_OTHER) &&
	        !err_reason_connect(ERR_REASON_RESET) &&
	        !err_reason_connect(ERR_REASON_NONE),
	    "err_reason_connect: the CONNECT_* only");
	IS_STR(err_reason_name(ERR_REASON_CONNECT_REFUSED), "connect refused",
	    "a name");
	IS_STR(err_reason_name(ERR_REASON_COUNT), "unknown", "out of range");
}

static void
test_refused(void)
{
	struct net_conn *c = NULL;
	char port[16], want[128];
	struct err e;
	int fd = lo_socket(-1, port, sizeof(port)); /* bound: no one else */

	OK(lo_connect(&c, port, 5, &e) == -1, "connect to a closed port fails");
	(void)snprintf(want, sizeof(want),
	    "cannot connect to 127.0.0.1 port %s: Connection refused", port);
	IS_STR(e.text, want, "the text is unchanged");
	OK(e.cls == ERR_TEMP && e.temporary, "temporary");
	IS_STR(err_reason_name(e.reason),
	    err_reason_name(ERR_REASON_CONNECT_REFUSED), "reason: refused");
	(void)close(fd);
}

/*
 * A listener whose accept queue is full drops the next SYN: the connect
 * runs into its deadline. backlog 0 still queues one connection, so
 * fill it first (two, in case the kernel queues one more).
 */
static void
test_connect_timeout(void)
{
	struct net_conn *fill[2] = { NULL, NULL }, *c = NULL;
	char port[16], want[128];
	struct err e;
	int fd = lo_socket(0, port, sizeof(port)), i, r = 0;

	for (i = 0; i < 2 && r == 0; i++)
		r = lo_connect(&fill[i], port, 1, &e);
	if (r == 0)
		r = lo_connect(&c, port, 1, &e);
	OK(r == -1, "a connect the listener never completes fails");
	(void)snprintf(want, sizeof(want),
	    "cannot connect to 127.0.0.1 port %s: Connection timed out", port);
	IS_STR(e.text, want, "the text is unchanged");
	IS_STR(err_reason_name(e.reason),
	    err_reason_name(ERR_REASON_CONNECT_TIMEDOUT),
	    "reason: connect timed out");
	for (i = 0; i < 2; i++)
		if (fill[i] != NULL)
			net_close(fill[i]);
	if (c != NULL)
		net_close(c);
	(void)close(fd);
}

static void
test_silent_peer(void)
{
	struct net_conn *c = NULL;
	char port[16], want[128];
	struct err e;
	int fd = lo_socket(1, port, sizeof(port));

	OK(lo_connect(&c, port, 1, &e) == 0, "connected to a silent listener");
	OK(c != NULL && net_fill(c, &e) == -1, "reading from it fails");
	(void)snprintf(want, sizeof(want),
	    "timed out after 1 s waiting for 127.0.0.1 port %s", port);
	IS_STR(e.text, want, "the text is unchanged");
	IS_STR(err_reason_name(e.reason), err_reason_name(ERR_REASON_TIMEOUT),
	    "reason: timed out");
	if (c != NULL)
		net_close(c);
	(void)close(fd);
}

static void
test_reset(void)
{
	struct linger lg = { 1, 0 };
	struct net_conn *c = NULL;
	char port[16], want[128];
	struct err e;
	int fd = lo_socket(1, port, sizeof(port)), a;

	OK(lo_connect(&c, port, 5, &e) == 0, "connected");
	a = accept(fd, NULL, NULL);
	/* Linger 0: close sends a reset instead of a FIN. */
	OK(a != -1 &&
	        setsockopt(a, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0,
	    "accepted, linger 0");
	(void)close(a);
	OK(c != NULL && net_fill(c, &e) == -1, "reading a reset fails");
	(void)snprintf(want, sizeof(want),
	    "connection reset by 127.0.0.1 port %s", port);
	IS_STR(e.text, want, "the text is unchanged");
	IS_STR(err_reason_name(e.reason), err_reason_name(ERR_REASON_RESET),
	    "reason: reset");
	if (c != NULL)
		net_close(c);
	(void)close(fd);
}

/* TLS against a socketpair peer that says hello in plain text, or nothing. */
static void
test_tls(const char *peer_says, const char *what, int want_cls)
{
	struct tls_params tp;
	struct net_conn *c;
	struct err e;
	int sv[2];
	char name[ERR_TEXT_MAX + 128];

	memset(&tp, 0, sizeof(tp));
	tp.host = "localhost";
	tp.no_certcheck = true;
	err_clear(&e);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1) {
		OK(0, "socketpair");
		return;
	}
	if (peer_says != NULL)
		(void)!write(sv[1], peer_says, strlen(peer_says));
	c = net_conn_from_fd(sv[0], 1);
	OK(c != NULL && net_starttls(c, &tp, &e) == -1, what);
	(void)snprintf(name, sizeof(name), "%s: reason TLS handshake (%s)",
	    what, e.text);
	IS_STR(err_reason_name(e.reason),
	    err_reason_name(ERR_REASON_TLS_HANDSHAKE), name);
	IS_INT(e.cls, want_cls, "and its class");
	if (c != NULL)
		net_close(c);
	(void)close(sv[1]);
}

int
main(void)
{
	test_setters();
	test_refused();
	test_connect_timeout();
	test_silent_peer();
	test_reset();
	test_tls("220 plain.example ESMTP\r\n",
	    "a handshake with a plain-text peer fails", ERR_PROTOCOL);
	test_tls(NULL, "a handshake with a silent peer times out", ERR_TEMP);
	return tap_done();
}
