/*
 * http.c: HTTP for OAuth2 through libcurl (see http.h); the only file
 * that includes curl.
 *
 * libcurl is loaded at run time (dl.c: dlopen of the GnuTLS build, so
 * it shares postern's TLS library) the first time OAuth2 needs the
 * network: a password account never loads it, so it starts no slower.
 * Every call goes through the table hc, resolved once. Each request runs
 * on its own easy handle with: protocols limited to https (http only for
 * a loopback URL), no redirects, certificate and host checks on, a total
 * timeout, no signals, and a write callback that stops at HTTP_BODY_MAX.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* curl_easy_setopt is a type-checking macro otherwise: hc.f() needs the
 * plain prototypes. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

#include "dl.h"
#include "http.h"
#include "util.h"

/* The GnuTLS flavour of libcurl (Debian: libcurl3-gnutls), else the
 * distribution's only one (Fedora's is built with OpenSSL). */
static const char *const http_sonames[] = { "libcurl-gnutls.so.4",
	"libcurl.so.4", NULL };

#define HTTP_FUNCS(X)                                                          \
	X(curl_easy_init)                                                      \
	X(curl_easy_setopt)                                                    \
	X(curl_easy_perform)                                                   \
	X(curl_easy_getinfo)                                                   \
	X(curl_easy_cleanup)                                                   \
	X(curl_easy_strerror)                                                  \
	X(curl_slist_append)                                                   \
	X(curl_slist_free_all)                                                 \
	X(curl_version)

#define HTTP_PTR(f) __typeof__(&f) f;
static struct {
	HTTP_FUNCS(HTTP_PTR)
} hc;

#define HTTP_SYM(f) { #f, (void **)&hc.f },
static const struct dl_sym http_syms[] = { HTTP_FUNCS(HTTP_SYM) };

/* libcurl, loaded and hc resolved the first time (dl.h). */
static struct dl_lib http_lib = { http_sonames, http_syms,
	ARRAY_SIZE(http_syms), 0, "" };

const char *
http_backend_version(void)
{
	static char v[128];

	if (dl_load(&http_lib) == -1)
		return "not loadable";
	(void)snprintf(v, sizeof(v), "%s", hc.curl_version());
	return v;
}

/* The host part of an http:// URL is a loopback name or address. */
static bool
http_loopback(const char *hostport)
{
	static const char *const lo[] = { "127.", "[::1]", "localhost" };
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(lo); i++) {
		n = strlen(lo[i]);
		if (strncasecmp(hostport, lo[i], n) != 0)
			continue;
		if (lo[i][n - 1] == '.')
			n += strspn(hostport + n, "0123456789.");
		return hostport[n] == '\0' || hostport[n] == ':' ||
		    hostport[n] == '/';
	}
	return false;
}

int
http_url_ok(const char *url, struct err *e)
{
	if (strncasecmp(url, "https://", 8) == 0 && url[8] != '\0')
		return 0;
	if (strncasecmp(url, "http://", 7) == 0 && http_loopback(url + 7))
		return 0;
	return err_set(e, ERR_CONFIG,
	    "OAuth2 endpoint %s is not an https:// URL (plain http is only allowed to a loopback address)",
	    url);
}

int
http_form_escape(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c) != NULL) {
			if (buf_add_char(out, (char)c) == -1)
				return -1;
		} else if (buf_add_char(out, '%') == -1 ||
		    buf_add_char(out, hex[c >> 4]) == -1 ||
		    buf_add_char(out, hex[c & 15]) == -1)
			return -1;
	}
	return 0;
}

struct http_sink {
	struct buf *body;
	bool over;
};

static size_t
http_write(char *p, size_t size, size_t n, void *arg)
{
	struct http_sink *k = arg;
	size_t len = size * n;

	if (k->body->len + len > HTTP_BODY_MAX ||
	    buf_add(k->body, p, len) == -1) {
		k->over = true;
		return 0; /* stops the transfer */
	}
	return len;
}

/* The options every request gets. */
static void
http_setopts(CURL *c, const char *url, const char *form, struct http_sink *sink,
    struct curl_slist *hdr)
{
	bool plain = strncasecmp(url, "http://", 7) == 0;

	(void)hc.curl_easy_setopt(c, CURLOPT_URL, url);
	(void)hc.curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR,
	    plain ? "http" : "https");
	(void)hc.curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	(void)hc.curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	(void)hc.curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)HTTP_TIMEOUT);
	(void)hc.curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 15L);
	(void)hc.curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	(void)hc.curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	(void)hc.curl_easy_setopt(c, CURLOPT_USERAGENT,
	    PACKAGE_NAME "/" PACKAGE_VERSION);
	(void)hc.curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	(void)hc.curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http_write);
	(void)hc.curl_easy_setopt(c, CURLOPT_WRITEDATA, sink);
	if (form != NULL)
		(void)hc.curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
}

/* A failed transfer: over the cap, or temporary (the endpoint may come
 * back: connect, DNS, TLS, timeout). */
static int
http_failed(const char *url, CURLcode rc, const struct http_sink *sink,
    struct err *e)
{
	if (sink->over)
		return err_set(e, ERR_PROTOCOL,
		    "the answer of %s is larger than %d bytes", url,
		    HTTP_BODY_MAX);
	return err_set_temp(e, ERR_TEMP, "cannot reach %s: %s", url,
	    hc.curl_easy_strerror(rc));
}

int
http_request(const char *url, const char *form, long *status, struct buf *body,
    struct err *e)
{
	struct http_sink sink = { body, false };
	struct curl_slist *hdr = NULL;
	CURL *c = NULL;
	CURLcode rc;
	int r = -1;

	buf_reset(body);
	*status = 0;
	if (http_url_ok(url, e) == -1)
		return -1;
	if (dl_load(&http_lib) == -1)
		return err_set(e, ERR_UNAVAILABLE,
		    "OAuth2 needs libcurl, which cannot be loaded (install libcurl3-gnutls): %s",
		    http_lib.why);
	if ((c = hc.curl_easy_init()) == NULL ||
	    (hdr = hc.curl_slist_append(NULL, "Accept: application/json")) ==
	        NULL) {
		(void)err_set(e, ERR_SOFTWARE, "out of memory");
		goto out;
	}
	http_setopts(c, url, form, &sink, hdr);
	if ((rc = hc.curl_easy_perform(c)) != CURLE_OK) {
		(void)http_failed(url, rc, &sink, e);
		goto out;
	}
	(void)hc.curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	r = 0;
out:
	if (c != NULL)
		hc.curl_easy_cleanup(c);
	hc.curl_slist_free_all(hdr);
	return r;
}
