/*
 * test_sasl.c: base64, the built-in SASL builders with published vectors
 * (RFC 4616 PLAIN, Google's XOAUTH2 example, RFC 7628 OAUTHBEARER), the
 * mechanism choice (strongest first, never over plaintext unless named
 * with tls off), and the client stepper for the built-in mechanisms.
 */
#include "config.h"

#include <string.h>

#include "sasl.h"
#include "sasl_lib.h"
#include "tap.h"

static void
test_b64(void)
{
	struct buf b;

	buf_init(&b, 1000);
	OK(sasl_b64_encode("foobar", 6, &b) == 0, "encode");
	IS_STR(buf_str(&b), "Zm9vYmFy", "RFC 4648 foobar");
	buf_reset(&b);
	(void)sasl_b64_encode("fooba", 5, &b);
	IS_STR(buf_str(&b), "Zm9vYmE=", "RFC 4648 fooba");
	buf_reset(&b);
	(void)sasl_b64_encode("f", 1, &b);
	IS_STR(buf_str(&b), "Zg==", "RFC 4648 f");
	buf_reset(&b);
	OK(sasl_b64_decode("Zm9vYg==", 8, &b) == 0, "decode with padding");
	IS_STR(buf_str(&b), "foob", "decoded");
	buf_reset(&b);
	OK(sasl_b64_decode("Zm9v", 4, &b) == 0 && strcmp(b.data, "foo") == 0,
	    "decode without padding");
	OK(sasl_b64_decode("Zm9", 3, &b) == -1, "length not a multiple of 4");
	OK(sasl_b64_decode("Zm=v", 4, &b) == -1, "padding inside refused");
	OK(sasl_b64_decode("Zm9v!A==", 8, &b) == -1, "bad character refused");
	OK(sasl_b64_decode("Zg==Zg==", 8, &b) == -1, "padding mid-input");
	buf_free(&b);
}

static void
test_builders(void)
{
	struct buf b;

	buf_init(&b, 4096);
	OK(sasl_plain(NULL, "tim", "tanstaaftanstaaf", &b) == 0, "PLAIN");
	IS_STR(buf_str(&b), "AHRpbQB0YW5zdGFhZnRhbnN0YWFm", "RFC 4616 vector");
	buf_reset(&b);
	OK(sasl_xoauth2("someuser@example.com",
	       "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg", &b) == 0,
	    "XOAUTH2");
	IS_STR(buf_str(&b),
	    "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOW"
	    "RmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==",
	    "Google's XOAUTH2 example");
	buf_reset(&b);
	OK(sasl_oauthbearer("user@example.com", "server.example.com", 143,
	       "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==", &b) == 0,
	    "OAUTHBEARER");
	IS_STR(buf_str(&b),
	    "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAX"
	    "BvcnQ9MTQzAWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJo"
	    "ZG1semRHRXVZMjl0Q2c9PQEB",
	    "RFC 7628 example");
	buf_reset(&b);
	(void)sasl_oauthbearer("a=b,c", "h", 1, "t", &b);
	IS_STR(buf_str(&b),
	    "bixhPWE9M0RiPTJDYywBaG9zdD1oAXBvcnQ9MQFhdXRoPUJlYXJlciB0AQE=",
	    "OAUTHBEARER escapes , and = in the user");
	buf_reset(&b);
	OK(sasl_external(NULL, &b) == 0 && b.len == 0, "EXTERNAL empty");
	buf_free(&b);
}

static void
test_choose(void)
{
	char m[SASL_MECH_MAX];
	struct err e;
	bool scram = sasl_supported("SCRAM-SHA-256");
	const char *all = "LOGIN PLAIN SCRAM-SHA-1 SCRAM-SHA-256 "
	                  "SCRAM-SHA-256-PLUS CRAM-MD5";

	OK(sasl_choose(all, NULL, true, false, true, m, &e) == 0, "auto");
	IS_STR(m, scram ? "SCRAM-SHA-256-PLUS" : "PLAIN",
	    "strongest: SCRAM-SHA-256-PLUS with channel binding");
	(void)sasl_choose(all, NULL, true, false, false, m, &e);
	IS_STR(m, scram ? "SCRAM-SHA-256" : "PLAIN",
	    "no channel binding: SCRAM-SHA-256");
	(void)sasl_choose("LOGIN PLAIN CRAM-MD5", NULL, true, false, true, m,
	    &e);
	IS_STR(m, "PLAIN", "PLAIN before LOGIN, CRAM-MD5 never automatic");
	(void)sasl_choose("login", NULL, true, false, true, m, &e);
	IS_STR(m, "LOGIN", "lower-case offer");
	OK(sasl_choose("CRAM-MD5 XOAUTH2", NULL, true, false, true, m, &e) ==
	            -1 &&
	        e.cls == ERR_UNAVAILABLE,
	    "nothing usable: unavailable");
	OK(sasl_choose(all, NULL, false, true, true, m, &e) == -1 &&
	        e.cls == ERR_UNAVAILABLE,
	    "automatic never over plaintext");
	OK(sasl_choose(all, "plain", false, false, false, m, &e) == -1 &&
	        e.cls == ERR_NOPERM,
	    "named PLAIN over plaintext without tls off");
	OK(sasl_choose(all, "plain", false, true, false, m, &e) == 0 &&
	        strcmp(m, "PLAIN") == 0,
	    "named PLAIN with tls off: allowed");
	OK(sasl_choose("PLAIN", "LOGIN", true, false, false, m, &e) == -1 &&
	        e.cls == ERR_UNAVAILABLE,
	    "named mechanism not offered");
	OK(sasl_choose("XOAUTH2", "xoauth2", true, false, false, m, &e) == 0 &&
	        strcmp(m, "XOAUTH2") == 0,
	    "named XOAUTH2");
	OK(sasl_choose("FOO-BAR", "FOO-BAR", true, false, false, m, &e) == -1,
	    "unknown mechanism refused");
	OK(sasl_choose("", NULL, true, false, false, m, &e) == -1,
	    "empty offer refused");
}

static void
test_client(void)
{
	struct sasl_creds k = { .user = "tim", .password = "pw" };
	struct sasl_client *c = NULL;
	struct buf out;
	struct err e;

	buf_init(&out, SASL_B64_MAX);
	OK(sasl_client_new(&c, "LOGIN", &k, &e) == 0, "LOGIN client");
	OK(!sasl_client_has_ir(c), "LOGIN has no initial response");
	(void)sasl_client_step(c, "VXNlcm5hbWU6", &out, &e);
	IS_STR(buf_str(&out), "dGlt", "LOGIN user");
	OK(!sasl_client_done(c), "LOGIN not done after the user");
	(void)sasl_client_step(c, "UGFzc3dvcmQ6", &out, &e);
	IS_STR(buf_str(&out), "cHc=", "LOGIN password");
	OK(sasl_client_done(c), "LOGIN done");
	OK(sasl_client_step(c, "", &out, &e) == -1, "third LOGIN step fails");
	sasl_client_free(c);

	OK(sasl_client_new(&c, "PLAIN", &k, &e) == 0, "PLAIN client");
	OK(sasl_client_has_ir(c), "PLAIN has an initial response");
	OK(sasl_client_step(c, NULL, &out, &e) == 0 &&
	        strcmp(buf_str(&out), "AHRpbQBwdw==") == 0,
	    "PLAIN response");
	OK(sasl_client_done(c), "PLAIN done");
	sasl_client_free(c);

	k.host = "h";
	k.port = 587;
	OK(sasl_client_new(&c, "OAUTHBEARER", &k, &e) == 0, "OAUTHBEARER");
	(void)sasl_client_step(c, NULL, &out, &e);
	OK(sasl_client_step(c, "eyJzdGF0dXMiOiI0MDEifQ==", &out, &e) == 0 &&
	        strcmp(buf_str(&out), "AQ==") == 0,
	    "OAUTHBEARER answers an error challenge with ^A");
	sasl_client_free(c);
	buf_wipe(&out);
}

/* SCRAM-*-PLUS binds the channel of the type named by the enum. */
static void
test_channel_binding(void)
{
	static const unsigned char cb[32] = { 1, 2, 3 };
	struct sasl_creds k = { .user = "tim", .password = "pw" };
	struct sasl_client *c = NULL;
	struct buf out, first;
	struct err e;

	if (!sasl_supported("SCRAM-SHA-256-PLUS")) {
		printf("ok %d - # SKIP no SCRAM-SHA-256-PLUS\n", ++tap_count);
		return;
	}
	buf_init(&out, SASL_B64_MAX);
	buf_init(&first, SASL_B64_MAX);
	k.cb_type = TLS_CB_EXPORTER;
	k.cb_data = cb;
	k.cb_len = sizeof(cb);
	OK(sasl_client_new(&c, "SCRAM-SHA-256-PLUS", &k, &e) == 0 &&
	        sasl_client_step(c, NULL, &out, &e) == 0 &&
	        sasl_b64_decode(buf_str(&out), out.len, &first) == 0,
	    "SCRAM-SHA-256-PLUS client-first message");
	OK(strncmp(buf_str(&first), "p=tls-exporter,", 15) == 0,
	    "TLS_CB_EXPORTER binds tls-exporter");
	sasl_client_free(c);
	buf_reset(&out);
	buf_reset(&first);
	k.cb_type = TLS_CB_UNIQUE;
	OK(sasl_client_new(&c, "SCRAM-SHA-256-PLUS", &k, &e) == 0 &&
	        sasl_client_step(c, NULL, &out, &e) == 0 &&
	        sasl_b64_decode(buf_str(&out), out.len, &first) == 0 &&
	        strncmp(buf_str(&first), "p=tls-unique,", 13) == 0,
	    "TLS_CB_UNIQUE binds tls-unique");
	sasl_client_free(c);
	buf_wipe(&out);
	buf_wipe(&first);
}

static void
test_builtin_id(void)
{
	struct buf b;

	OK(sasl_builtin_id("PLAIN") == SASL_PLAIN, "PLAIN built in");
	OK(sasl_builtin_id("login") == SASL_LOGIN, "login built in, any case");
	OK(sasl_builtin_id("XOAUTH2") == SASL_XOAUTH2, "XOAUTH2 built in");
	OK(sasl_builtin_id("OAuthBearer") == SASL_OAUTHBEARER,
	    "OAUTHBEARER built in");
	OK(sasl_builtin_id("EXTERNAL") == SASL_EXTERNAL, "EXTERNAL built in");
	OK(sasl_builtin_id("SCRAM-SHA-256") == SASL_LIB,
	    "SCRAM goes to GNU SASL");
	OK(sasl_builtin_id("") == SASL_LIB, "empty name is not built in");
	buf_init(&b, 256);
	OK(sasl_builtin_mechanisms(&b) == 0, "list the built-in mechanisms");
	IS_STR(buf_str(&b), "PLAIN LOGIN XOAUTH2 OAUTHBEARER EXTERNAL",
	    "the built-in list, in table order");
	buf_free(&b);
}

int
main(void)
{
	test_builtin_id();
	test_channel_binding();
	test_b64();
	test_builders();
	test_choose();
	test_client();
	return tap_done();
}
