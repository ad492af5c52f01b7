/*
 * oauth2_loopback.c: postern --authorize through the browser (RFC 8252):
 * a listener on 127.0.0.1 on a free port is the redirect URI; the
 * authorization request carries PKCE S256 (RFC 7636) and a random state.
 * The URL is always printed (and handed to xdg-open when there is a
 * display); the answer comes either as the browser's one request to the
 * listener (answered, then the listener is closed) or as the redirect
 * URL pasted on standard input, for a user on SSH whose browser cannot
 * reach this machine's loopback. The state is compared in constant time,
 * iss (RFC 9207) must name the issuer when the provider sends it, and
 * the code is exchanged with the verifier. The wait is bounded.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "oauth2.h"
#include "tls_rand.h"
#include "util.h"

#define OAUTH2_WAIT 300         /* seconds for the user to approve */
#define OAUTH2_REQUEST_MAX 8192 /* the browser's request, the pasted URL */

struct oauth2_pkce {
	char verifier[64];
	char challenge[64];
	char state[64];
};

/* base64url without padding of n bytes into out[cap]. */
static void
oauth2_b64url(const unsigned char *in, size_t n, char *out, size_t cap)
{
	static const char a[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t i, o = 0;
	unsigned v;

	for (i = 0; i < n && o + 4 < cap; i += 3) {
		v = (unsigned)in[i] << 16 | (i + 1 < n ? in[i + 1] << 8 : 0) |
		    (i + 2 < n ? in[i + 2] : 0);
		out[o++] = a[v >> 18 & 63];
		out[o++] = a[v >> 12 & 63];
		if (i + 1 < n)
			out[o++] = a[v >> 6 & 63];
		if (i + 2 < n)
			out[o++] = a[v & 63];
	}
	out[o] = '\0';
}

static int
oauth2_pkce_new(struct oauth2_pkce *k, struct err *e)
{
	unsigned char r[32], h[32];

	if (tls_random(r, sizeof(r)) == -1)
		return err_set(e, ERR_SOFTWARE, "no random bytes");
	oauth2_b64url(r, sizeof(r), k->verifier, sizeof(k->verifier));
	if (tls_sha256(k->verifier, strlen(k->verifier), h) == -1 ||
	    tls_random(r, sizeof(r)) == -1)
		return err_set(e, ERR_SOFTWARE, "no SHA-256");
	oauth2_b64url(h, sizeof(h), k->challenge, sizeof(k->challenge));
	oauth2_b64url(r, sizeof(r), k->state, sizeof(k->state));
	explicit_bzero(r, sizeof(r));
	return 0;
}

static int
oauth2_auth_url(const struct oauth2_endpoints *ep, const char *redirect,
    const struct oauth2_pkce *k, struct buf *u)
{
	if (buf_printf(u, "%s%sresponse_type=code&client_id=", ep->authorize,
	        strchr(ep->authorize, '?') ? "&" : "?") == -1 ||
	    http_form_escape(u, ep->client_id) == -1 ||
	    buf_add_str(u, "&redirect_uri=") == -1 ||
	    http_form_escape(u, redirect) == -1 ||
	    buf_add_str(u, "&scope=") == -1 ||
	    http_form_escape(u, ep->scope) == -1 ||
	    buf_printf(u,
	        "&state=%s&code_challenge=%s&code_challenge_method=S256",
	        k->state, k->challenge) == -1)
		return -1;
	/* Google issues a refresh token only when asked like this. */
	if (ep->ask_offline &&
	    buf_add_str(u, "&access_type=offline&prompt=consent") == -1)
		return -1;
	return 0;
}

/* A loopback listener on a free port; its port in *port. */
static int
oauth2_listen(unsigned *port, struct err *e)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(fd, 4) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) == -1) {
		(void)err_set(e, ERR_OSERR, "cannot listen on 127.0.0.1: %s",
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

/* xdg-open URL, detached, when there is a display; failures are quiet. */
static void
oauth2_open_browser(const char *url)
{
	pid_t pid;

	if (getenv("DISPLAY") == NULL && getenv("WAYLAND_DISPLAY") == NULL)
		return;
	if ((pid = fork()) == 0) {
		if (fork() == 0) {
			(void)setsid();
			(void)freopen("/dev/null", "r", stdin);
			(void)freopen("/dev/null", "w", stdout);
			(void)freopen("/dev/null", "w", stderr);
			execlp("xdg-open", "xdg-open", url, (char *)NULL);
		}
		_exit(0);
	}
	if (pid > 0)
		(void)waitpid(pid, NULL, 0);
}

/* Read a line (or a request head) from fd into b, bounded. */
static void
oauth2_read_some(int fd, struct buf *b)
{
	char chunk[1024];
	ssize_t n;
	struct pollfd p = { fd, POLLIN, 0 };

	while (b->len < OAUTH2_REQUEST_MAX && poll(&p, 1, 10000) == 1 &&
	    (n = read(fd, chunk, sizeof(chunk))) > 0) {
		(void)buf_add(b, chunk, (size_t)n);
		if (memchr(chunk, '\n', (size_t)n) != NULL)
			break;
	}
}

/* One browser request: its target into b; a short page back. */
static void
oauth2_serve(int lfd, struct buf *b)
{
	static const char page[] =
	    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\npostern: you may close this window.\r\n";
	int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	char *sp;

	if (c == -1)
		return;
	oauth2_read_some(c, b);
	(void)util_write_all(c, page, sizeof(page) - 1);
	close(c);
	/* "GET /?code=... HTTP/1.1": keep the target. */
	if (b->len > 4 && strncmp(buf_str(b), "GET ", 4) == 0 &&
	    (sp = strchr(buf_str(b) + 4, ' ')) != NULL) {
		*sp = '\0';
		memmove(b->data, b->data + 4, strlen(b->data + 4) + 1);
		b->len = strlen(b->data);
	} else
		buf_reset(b);
}

/*
 * Wait for the redirect: a request on lfd or a line on stdin. 0 with
 * the URL or target in b, or -1 (timed out).
 */
static int
oauth2_wait_redirect(int lfd, struct buf *b, struct err *e)
{
	time_t end = time(NULL) + OAUTH2_WAIT;
	struct pollfd p[2] = { { lfd, POLLIN, 0 }, { 0, POLLIN, 0 } };

	while (time(NULL) < end) {
		if (poll(p, 2, 1000) <= 0)
			continue;
		buf_reset(b);
		if (p[0].revents & POLLIN)
			oauth2_serve(lfd, b);
		else if (p[1].revents & (POLLIN | POLLHUP)) {
			oauth2_read_some(0, b);
			if (b->len == 0)
				p[1].fd = -1; /* end of input: stop reading */
		}
		if (strstr(buf_str(b), "code=") != NULL ||
		    strstr(buf_str(b), "error=") != NULL)
			return 0;
	}
	return err_set(e, ERR_TEMP,
	    "no answer from the browser within %d s; run --authorize again",
	    OAUTH2_WAIT);
}

/* Constant-time equality of two NUL-terminated strings. */
static bool
oauth2_same(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b), i;
	unsigned char d = n != m;

	for (i = 0; i < n && i < m; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

/* The answer is ours (state), from our issuer (iss), and has a code. */
static int
oauth2_check(const struct oauth2_endpoints *ep, const struct oauth2_pkce *k,
    const struct oauth2_redirect *r, struct err *e)
{
	if (r->error[0] != '\0')
		return err_set(e, ERR_NOPERM, "the provider refused: %s%s%s",
		    r->error, r->error_description[0] ? ": " : "",
		    r->error_description);
	if (!oauth2_same(r->state, k->state))
		return err_set(e, ERR_NOPERM,
		    "the answer's state does not match this request (a stale or forged redirect); run --authorize again");
	if (r->iss[0] != '\0' && ep->issuer[0] != '\0' &&
	    strcmp(r->iss, ep->issuer) != 0)
		return err_set(e, ERR_NOPERM,
		    "the answer comes from issuer %s, not %s (RFC 9207)",
		    r->iss, ep->issuer);
	return 0;
}

static int
oauth2_code_form(const struct oauth2_endpoints *ep, const char *redirect,
    const struct oauth2_pkce *k, const char *code, struct buf *f)
{
	if (buf_add_str(f, "grant_type=authorization_code&code=") == -1 ||
	    http_form_escape(f, code) == -1 ||
	    buf_add_str(f, "&redirect_uri=") == -1 ||
	    http_form_escape(f, redirect) == -1 ||
	    buf_printf(f, "&code_verifier=%s", k->verifier) == -1)
		return -1;
	return oauth2_form_client(ep, f);
}

/* Exchange the code for tokens and store them. */
static int
oauth2_exchange(const struct account *a, const struct oauth2_endpoints *ep,
    const char *redirect, const struct oauth2_pkce *k, const char *code,
    struct err *e)
{
	struct oauth2_tokens *t = calloc(1, sizeof(*t));
	struct buf f;
	int r = -1;

	buf_init(&f, 4 * OAUTH2_TOKEN_MAX);
	if (t == NULL || oauth2_code_form(ep, redirect, k, code, &f) == -1) {
		(void)err_set(e, ERR_SOFTWARE, "out of memory");
		goto out;
	}
	if (oauth2_token_request(ep->token, buf_str(&f), t, e) == -1)
		goto out;
	if (t->error[0] != '\0')
		(void)err_set(e, ERR_NOPERM,
		    "the token endpoint refused: %s%s%s", t->error,
		    t->error_description[0] ? ": " : "", t->error_description);
	else
		r = oauth2_store_save_locked(a, ep, t, e);
out:
	if (t != NULL)
		oauth2_json_wipe(t);
	free(t);
	buf_wipe(&f);
	return r;
}

/* Show the URL, open the browser, wait for the redirect, check it. */
static int
oauth2_ask(const struct oauth2_endpoints *ep, int lfd, const char *url,
    const struct oauth2_pkce *k, struct oauth2_redirect *rd, oauth2_say_fn say,
    void *arg, struct err *e)
{
	struct buf b;
	int r = -1;

	say(arg, "to authorize, open this URL in a browser:");
	say(arg, url);
	say(arg,
	    "or, when the browser runs on another machine, paste the address it was sent to (http://127.0.0.1:...) here");
	oauth2_open_browser(url);
	buf_init(&b, OAUTH2_REQUEST_MAX + 1024);
	if (oauth2_wait_redirect(lfd, &b, e) == 0 &&
	    oauth2_redirect_parse(buf_str(&b), rd, e) == 0 &&
	    oauth2_check(ep, k, rd, e) == 0)
		r = 0;
	buf_wipe(&b);
	return r;
}

int
oauth2_loopback(const struct account *a, struct oauth2_endpoints *ep,
    oauth2_say_fn say, void *arg, struct err *e)
{
	struct oauth2_redirect *rd = calloc(1, sizeof(*rd));
	struct oauth2_pkce k;
	char redirect[64];
	struct buf url;
	unsigned port = 0;
	int lfd = -1, r = -1;

	buf_init(&url, 16 * 1024);
	if (rd == NULL || ep->authorize[0] == '\0') {
		(void)err_set(e, rd ? ERR_CONFIG : ERR_SOFTWARE,
		    "account %s has no oauth2_authorize_endpoint", a->name);
		goto out;
	}
	if (oauth2_pkce_new(&k, e) == -1 ||
	    (lfd = oauth2_listen(&port, e)) == -1)
		goto out;
	(void)snprintf(redirect, sizeof(redirect), "http://127.0.0.1:%u/",
	    port);
	if (oauth2_auth_url(ep, redirect, &k, &url) == -1) {
		(void)err_set(e, ERR_CONFIG,
		    "the authorization URL is too long");
		goto out;
	}
	if (oauth2_ask(ep, lfd, buf_str(&url), &k, rd, say, arg, e) == 0)
		r = oauth2_exchange(a, ep, redirect, &k, rd->code, e);
out:
	if (lfd != -1)
		close(lfd);
	if (rd != NULL)
		explicit_bzero(rd, sizeof(*rd));
	free(rd);
	explicit_bzero(&k, sizeof(k));
	buf_free(&url);
	return r;
}
