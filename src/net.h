/*
 * net.h: the SMTP connection: connect with a deadline (IPv6 and IPv4,
 * optional source address), then buffered reads and writes over a
 * transport vtable (plain TCP, or TLS after net_starttls).
 *
 * Writes go into an output buffer that is flushed only when the caller
 * waits for input (net_fill flushes first), when it is full, or on
 * net_flush; a pipelined MAIL+RCPT+DATA group therefore leaves in one
 * write and a message body in large writes. Reads fill an input buffer
 * that the SMTP reply parser looks at directly (net_rbuf/net_rconsume).
 *
 * Every wait (connect, each poll for reading or writing, the TLS
 * handshake) is bounded by the connection's current timeout, which the
 * SMTP engine changes per command (net_set_timeout). The socket is
 * non-blocking with TCP_NODELAY set, so an end-of-data dot is never held
 * back by Nagle.
 *
 * Errors: functions return 0 (or a count) on success and -1 on failure
 * after filling the struct err. Classes: ERR_NOHOST (name not found),
 * ERR_TEMP + temporary (connect refused/unreachable/timed out, DNS
 * EAI_AGAIN, read/write timeout, peer closed), ERR_IO (other socket
 * errors), ERR_OSERR (socket(), bind of source_ip), ERR_SOFTWARE (out of
 * memory), ERR_PROTOCOL / ERR_NOPERM / ERR_TEMP from TLS (see tls.h).
 * Nothing here prints or exits.
 */
#ifndef POSTERN_NET_H
#define POSTERN_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"

struct tls_params;
struct tls_session;

/* Address family policy: the `ipv4` / `ipv6` account keys. */
enum net_family {
	NET_FAMILY_ANY = 0, /* getaddrinfo order (RFC 6724) */
	NET_FAMILY_PREFER4, /* IPv4 addresses first, IPv6 after */
	NET_FAMILY_PREFER6, /* IPv6 addresses first, IPv4 after */
	NET_FAMILY_ONLY4,   /* IPv4 only */
	NET_FAMILY_ONLY6,   /* IPv6 only */
};

/* Transport results besides a byte count: retry after poll(). */
#define NET_IO_WANT_READ (-2)
#define NET_IO_WANT_WRITE (-3)

/*
 * A transport: plain TCP or a TLS session. read/write return a byte
 * count, 0 at end of stream (read), NET_IO_WANT_READ/WRITE when the
 * non-blocking socket would block, or -1 after filling the err.
 * pending says how many bytes the transport holds already decrypted
 * (so poll() would not see them).
 */
struct net_transport {
	const char *name;
	ssize_t (*read)(void *ctx, void *, size_t, struct err *);
	ssize_t (*write)(void *ctx, const void *, size_t, struct err *);
	size_t (*pending)(void *ctx);
	void (*close)(void *ctx); /* say goodbye (TLS close_notify), free */
};

struct net_params {
	const char *host; /* name or address literal */
	const char *port; /* service name or number, e.g. "587" */
	enum net_family family;
	const char *source_ip; /* bind to this local address, or NULL */
	unsigned timeout;      /* seconds per connect attempt; 0 = 60 */
};

struct net_conn;

/* Input buffer cap: a full reply (100 lines of 512 octets) fits. */
#define NET_RBUF_MAX (128 * 1024)
/* Output buffer: flushed when this much is queued. */
#define NET_WBUF_SIZE (64 * 1024)

/*
 * Resolve host and connect to its addresses in policy order until one
 * answers, each attempt bounded by the timeout. *out is a new connection
 * (free with net_close). On failure the err says which host and why; the
 * text names the last address tried.
 */
int net_connect(struct net_conn **out, const struct net_params *, struct err *);

/*
 * Wrap an already connected socket (tests: a socketpair). Takes
 * ownership of fd; sets it non-blocking. NULL on ENOMEM.
 */
struct net_conn *net_conn_from_fd(int fd, unsigned timeout);

/* Seconds every later wait may take (0 = 60). */
void net_set_timeout(struct net_conn *, unsigned seconds);

/* Queue bytes for sending; flushes when the output buffer fills. */
int net_write(struct net_conn *, const void *, size_t, struct err *);

/*
 * Write in place: a pointer to *room >= min free bytes at the end of the
 * output buffer (flushed first when less is free; min <=
 * NET_WBUF_SIZE), for the caller to fill and then net_commit. The body
 * is stuffed (or read) straight into it: no second copy, no other
 * buffer. NULL on a failed flush (err filled).
 */
char *net_write_reserve(struct net_conn *, size_t min, size_t *room,
    struct err *);

/* Queue the first n (<= room) bytes written at net_write_reserve. */
void net_commit(struct net_conn *, size_t n);

/* Send everything queued. */
int net_flush(struct net_conn *, struct err *);

/* Bytes queued for sending and not yet written. */
size_t net_wpending(const struct net_conn *);

/*
 * Flush, then wait for and read at least one more byte into the input
 * buffer. End of stream is an error (ERR_TEMP, temporary: "connection
 * closed by server"); so is a full input buffer (ERR_PROTOCOL).
 */
int net_fill(struct net_conn *, struct err *);

/* The unread input: a pointer to *len bytes (NUL-terminated). */
const char *net_rbuf(const struct net_conn *, size_t *len);

/* Drop n bytes (n <= len) from the front of the input. */
void net_rconsume(struct net_conn *, size_t n);

/*
 * Bytes received and not yet consumed, including any the transport
 * holds. After the STARTTLS 220 this must be 0 (response injection).
 */
size_t net_rpending(const struct net_conn *);

/*
 * Whether the peer sent anything (bytes, EOF, an error) while the
 * connection was idle, without waiting: between an SMTP session's
 * messages, a server that spoke closed it (a 421, or EOF).
 */
bool net_peer_spoke(const struct net_conn *);

/*
 * Upgrade to TLS on the same socket: refuses (ERR_PROTOCOL) when any
 * input is pending, flushes output, runs the handshake with the
 * connection's timeout, verifies the peer (tls.h), then swaps the
 * transport so later reads and writes are encrypted.
 */
int net_starttls(struct net_conn *, const struct tls_params *, struct err *);

/* The TLS session once net_starttls succeeded, else NULL. */
struct tls_session *net_tls(const struct net_conn *);

/* "192.0.2.1 port 587" (or "[2001:db8::1] port 587") for traces. */
const char *net_peer(const struct net_conn *);

/* Close (TLS close_notify first, best effort) and free. NULL is fine. */
void net_close(struct net_conn *);

#endif
