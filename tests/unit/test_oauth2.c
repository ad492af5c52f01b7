/*
 * test_oauth2.c: OAuth2's pure parts: the JSON documents (a token
 * response, an error, duplicate keys refused, a non-Bearer token, a
 * token over the cap, expires_in quoted, the device answer, metadata,
 * the token file round trip), the provider presets (Microsoft's tenant,
 * the default mechanism, a missing client ID or scope named), and which
 * URLs HTTP accepts (https, or http to loopback only).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "http.h"
#include "oauth2.h"
#include "tap.h"

static struct oauth2_tokens t;

static int
tokens(const char *s)
{
	struct err e;

	return oauth2_json_tokens(s, strlen(s), &t, &e);
}

static void
test_tokens(void)
{
	char *big;
	size_t n = OAUTH2_TOKEN_MAX + 100;

	IS_INT(
	    tokens(
	        "{\"access_token\":\"at\",\"token_type\":\"Bearer\","
	        "\"expires_in\":3599,\"refresh_token\":\"rt\",\"id_token\":\"x\"}"),
	    0, "token response");
	IS_STR(t.access_token, "at", "access token");
	IS_STR(t.refresh_token, "rt", "refresh token");
	IS_INT(t.expires_in, 3599, "expires_in");
	IS_INT(
	    tokens(
	        "{\"error\":\"invalid_grant\",\"error_description\":\"gone\"}"),
	    0, "error response parses");
	IS_STR(t.error, "invalid_grant", "error code");
	IS_INT(
	    tokens(
	        "{\"access_token\":\"a\",\"access_token\":\"b\",\"token_type\":\"bearer\"}"),
	    -1, "duplicate keys refused");
	IS_INT(tokens("{\"access_token\":\"a\",\"token_type\":\"mac\"}"), -1,
	    "a token that is not Bearer refused");
	IS_INT(
	    tokens(
	        "{\"access_token\":\"a\",\"token_type\":\"bearer\",\"expires_in\":\"60\"}"),
	    0, "quoted expires_in");
	IS_INT(t.expires_in, 60, "quoted expires_in read");
	IS_INT(tokens("[1]"), -1, "not an object");
	IS_INT(tokens("{\"token_type\":\"bearer\"}"), -1, "no access token");
	big = malloc(n + 64);
	memcpy(big, "{\"token_type\":\"bearer\",\"access_token\":\"", 39);
	memset(big + 39, 'x', n);
	memcpy(big + 39 + n, "\"}", 3);
	IS_INT(tokens(big), -1, "a token over the cap is refused, not cut");
	free(big);
}

static void
test_docs(void)
{
	static const char dev[] =
	    "{\"device_code\":\"dc\",\"user_code\":\"AB-CD\",\"verification_uri\":"
	    "\"https://x/device\",\"expires_in\":600}";
	static const char meta[] =
	    "{\"issuer\":\"https://id.example\",\"token_endpoint\":"
	    "\"https://id.example/token\",\"device_authorization_endpoint\":"
	    "\"https://id.example/device\"}";
	struct oauth2_device d;
	struct oauth2_meta m;
	struct oauth2_tokens a, b;
	struct err e;
	char *s;

	IS_INT(oauth2_json_device(dev, strlen(dev), &d, &e), 0, "device");
	IS_STR(d.user_code, "AB-CD", "user code");
	IS_INT(d.interval, -1, "no interval: -1 (poll every 5 s)");
	IS_INT(oauth2_json_meta(meta, strlen(meta), &m, &e), 0, "metadata");
	IS_STR(m.device_authorization_endpoint, "https://id.example/device",
	    "device endpoint");
	memset(&a, 0, sizeof(a));
	(void)snprintf(a.access_token, sizeof(a.access_token), "at\"1");
	(void)snprintf(a.refresh_token, sizeof(a.refresh_token), "rt");
	a.expires_at = 1796683858;
	s = oauth2_json_store_dump(&a);
	OK(s != NULL && oauth2_json_store_parse(s, strlen(s), &b, &e) == 0 &&
	        strcmp(b.access_token, "at\"1") == 0 &&
	        b.expires_at == 1796683858,
	    "token file round trip");
	free(s);
}

static void
test_presets(void)
{
	struct account a;
	struct oauth2_endpoints ep;
	struct err e;

	memset(&a, 0, sizeof(a));
	a.name = (char *)"work";
	a.where.file = "c";
	a.where.line = 3;
	a.oauth2_provider = CONF_OAUTH2_MICROSOFT;
	a.oauth2_tenant = (char *)"contoso.example";
	IS_INT(oauth2_conf_resolve(&a, &ep, &e), -1, "no client ID: error");
	OK(strstr(e.text,
	       "c:3: account work uses OAuth2 but has no oauth2_client_id") &&
	        strstr(e.text, "doc/oauth2.md"),
	    "names the key and the registration steps");
	a.oauth2_client_id = (char *)"cid";
	IS_INT(oauth2_conf_resolve(&a, &ep, &e), 0, "microsoft resolves");
	IS_STR(ep.token,
	    "https://login.microsoftonline.com/contoso.example/oauth2/v2.0/token",
	    "tenant in the token endpoint");
	IS_STR(conf_auth_mechanism(oauth2_conf_auth(CONF_OAUTH2_MICROSOFT)),
	    "XOAUTH2", "microsoft: XOAUTH2");
	a.oauth2_provider = CONF_OAUTH2_GOOGLE;
	OK(oauth2_conf_resolve(&a, &ep, &e) == 0 && !ep.device_ok,
	    "google: no device flow");
	a.oauth2_provider = CONF_OAUTH2_CUSTOM;
	OK(oauth2_conf_resolve(&a, &ep, &e) == -1 &&
	        strstr(e.text, "oauth2_scope"),
	    "custom: the scope is required");
	a.oauth2_scope = (char *)"smtp";
	OK(oauth2_conf_resolve(&a, &ep, &e) == -1 &&
	        strstr(e.text, "oauth2_issuer or oauth2_token_endpoint"),
	    "custom: an issuer or a token endpoint is required");
	a.oauth2_issuer = (char *)"http://127.0.0.1:3000";
	IS_INT(oauth2_conf_resolve(&a, &ep, &e), 0, "custom with an issuer");
}

static void
test_redirect(void)
{
	struct oauth2_redirect r;
	struct err e;

	IS_INT(
	    oauth2_redirect_parse(
	        "http://127.0.0.1:5/?code=a%2Fb+c&state=s1&iss=http%3A%2F%2Fop",
	        &r, &e),
	    0, "pasted URL");
	IS_STR(r.code, "a/b c", "code percent-decoded");
	IS_STR(r.state, "s1", "state");
	IS_STR(r.iss, "http://op", "iss");
	IS_INT(oauth2_redirect_parse("/?state=s&code=c HTTP/1.1", &r, &e), 0,
	    "request target");
	IS_STR(r.code, "c", "code before the space");
	IS_INT(oauth2_redirect_parse("/?code=a&code=b", &r, &e), -1,
	    "a repeated parameter is refused");
	IS_INT(oauth2_redirect_parse("/?code=%zz", &r, &e), -1, "bad escape");
	IS_INT(oauth2_redirect_parse("/?code=a%00b", &r, &e), -1,
	    "NUL refused");
	IS_INT(oauth2_redirect_parse("/?code=a%2", &r, &e), -1,
	    "truncated escape");
	IS_INT(oauth2_redirect_parse("http://127.0.0.1/", &r, &e), -1,
	    "no query");
	IS_INT(oauth2_redirect_parse("/?error=access_denied&state=s", &r, &e),
	    0, "an error answer parses");
	IS_STR(r.error, "access_denied", "error");
}

static void
test_urls(void)
{
	struct err e;

	IS_INT(http_url_ok("https://login.example/token", &e), 0, "https");
	IS_INT(http_url_ok("http://127.0.0.1:3000/token", &e), 0,
	    "http to 127.0.0.1");
	IS_INT(http_url_ok("http://localhost/token", &e), 0, "http localhost");
	IS_INT(http_url_ok("http://[::1]:80/x", &e), 0, "http [::1]");
	IS_INT(http_url_ok("http://login.example/token", &e), -1,
	    "http elsewhere refused");
	IS_INT(http_url_ok("http://localhost.evil.example/", &e), -1,
	    "localhost.evil.example is not loopback");
	IS_INT(http_url_ok("http://127.evil.example/", &e), -1,
	    "127.evil.example is not loopback");
	IS_INT(http_url_ok("http://127.0.0.1.evil.example/", &e), -1,
	    "127.0.0.1.evil.example is not loopback");
	IS_INT(http_url_ok("ftp://x/", &e), -1, "ftp refused");
}

int
main(void)
{
	test_tokens();
	test_docs();
	test_presets();
	test_redirect();
	test_urls();
	return tap_done();
}
