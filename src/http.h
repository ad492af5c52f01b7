/*
 * http.h: the few HTTP requests OAuth2 needs (token endpoint, device
 * authorization, discovery), through libcurl loaded at run time (http.c
 * is the only file that includes curl; see there).
 *
 * Rules: https only, except http to a loopback address (127.0.0.0/8,
 * [::1], localhost: the test bed); redirects are never followed; the
 * whole request is bounded (HTTP_TIMEOUT) and so is the body read
 * (HTTP_BODY_MAX, a longer body fails). The server's certificate is
 * verified against the system store. Nothing here prints or logs: form
 * bodies carry secrets (refresh tokens, client secrets) and responses
 * carry tokens, so callers wipe both (buf_wipe).
 *
 * Errors: ERR_CONFIG (a URL that is not https nor loopback http),
 * ERR_UNAVAILABLE (libcurl cannot be loaded), a temporary ERR_TEMP
 * (connect, DNS, TLS, timeout: the endpoint may come back), ERR_PROTOCOL
 * (body over the cap).
 */
#ifndef POSTERN_HTTP_H
#define POSTERN_HTTP_H

#include "buf.h"
#include "err.h"

#define HTTP_TIMEOUT 30            /* seconds for a whole request */
#define HTTP_BODY_MAX (256 * 1024) /* response body cap */

/* Whether url may be used: https://, or http:// to a loopback host. */
int http_url_ok(const char *url, struct err *);

/*
 * POST form (application/x-www-form-urlencoded, already encoded) to url,
 * or GET when form is NULL. 0 with *status the HTTP status and the body
 * in body (reset first, capped at HTTP_BODY_MAX), or -1.
 */
int http_request(const char *url, const char *form, long *status,
    struct buf *body, struct err *);

/* Append s to out, percent-encoded for a form or query value. 0 or -1. */
int http_form_escape(struct buf *out, const char *s);

/* The libcurl version ("libcurl 7.88.1 GnuTLS/3.7.9"), or why not. */
const char *http_backend_version(void);

#endif
