/*
 * smtp_auth.c: the AUTH states of the SMTP engine (see smtp_int.h).
 *
 * The mechanism is chosen from the capabilities of the last EHLO, which
 * after STARTTLS is the post-TLS one (smtp.c forgets the old list). The
 * password is fetched from the caller's callback only now, kept in a
 * capped buffer and wiped as soon as the exchange ends; the trace shows
 * "AUTH MECH <redacted>" and "<redacted>" for every response. A 235 that
 * arrives before the mechanism is complete (SCRAM: server signature not
 * yet verified) fails the session: the server did not prove itself.
 *
 * An initial response goes on the AUTH line only when the line fits in
 * 512 octets (RFC 4954 section 4), otherwise after the empty 334. A
 * refused OAuth token is reported temporary with err.hold set: the
 * account needs attention, the message is not at fault.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtp_int.h"
#include "util.h"

/* A hostile server could send challenges forever. */
#define SMTP_AUTH_MAX_ROUNDS 8
/* An SMTP command line, CRLF included (RFC 5321 4.5.3.1.4). */
#define SMTP_AUTH_LINE_MAX 512

/* Channel binding of the TLS session, when there is one. */
static bool
smtp_auth_cb(struct smtp_session *s)
{
	enum tls_cb_type type;
	size_t len = 0;

	if (!s->tls_done || net_tls(s->conn) == NULL ||
	    tls_session_channel_binding(net_tls(s->conn), &type, s->cb,
	        sizeof(s->cb), &len) == -1)
		return false;
	s->creds.cb_type = type;
	s->creds.cb_data = s->cb;
	s->creds.cb_len = len;
	return true;
}

static int
smtp_auth_secret(struct smtp_session *s, struct err *e, const char *mech)
{
	const struct smtp_params *p = s->p;
	smtp_password_fn fn = s->auth_retried ? p->refresh : p->password;

	if (s->auth_id == SASL_EXTERNAL)
		return 0;
	if (fn == NULL)
		return err_set(e, ERR_CONFIG,
		    "AUTH %s needs a password and none was supplied", mech);
	buf_reset(&s->secret);
	if (fn(p->password_arg, p->host, p->user ? p->user : "", &s->secret,
	        e) == -1)
		return -1;
	s->creds.password = buf_str(&s->secret);
	return 0;
}

static void
smtp_auth_creds(struct smtp_session *s)
{
	const struct smtp_params *p = s->p;
	const char *why;
	uint64_t port = 0;

	s->creds.user = p->user ? p->user : "";
	s->creds.authzid = NULL;
	s->creds.host = p->tls_host_override ? p->tls_host_override : p->host;
	if (p->port == NULL ||
	    util_parse_uint(p->port, 1, 65535, &port, &why) == -1)
		port = p->tls == SMTP_TLS_IMPLICIT ? 465 : 587;
	s->creds.port = (unsigned)port;
}

int
smtp_auth_begin(struct smtp_session *s, struct err *e)
{
	const struct smtp_params *p = s->p;
	char mech[SASL_MECH_MAX];
	bool have_cb, plaintext_ok;

	if (!(s->info.caps & SMTP_CAP_AUTH))
		return err_set(e, ERR_UNAVAILABLE,
		    "%s does not offer authentication (AUTH)",
		    net_peer(s->conn));
	have_cb = smtp_auth_cb(s);
	plaintext_ok = p->tls == SMTP_TLS_NONE && p->auth == SMTP_AUTH_MECH;
	if (sasl_choose(s->info.auth_offered,
	        p->auth == SMTP_AUTH_MECH ? p->auth_mech : NULL, s->tls_done,
	        plaintext_ok, have_cb, mech, e) == -1)
		return -1;
	smtp_auth_creds(s);
	s->auth_id = sasl_builtin_id(mech);
	if (smtp_auth_secret(s, e, mech) == -1 ||
	    sasl_client_new(&s->sasl, mech, &s->creds, e) == -1) {
		smtp_auth_cleanup(s);
		return -1;
	}
	(void)strlcpy(s->info.auth_mech, mech, sizeof(s->info.auth_mech));
	s->auth_rounds = 0;
	s->auth_cancel = false;
	s->auth_ir_later = false;
	s->auth_detail[0] = '\0';
	return smtp_enter(s, e, SMTP_ST_AUTH);
}

/*
 * RFC 4954 section 4: the initial response goes on the AUTH line only
 * when "AUTH MECH RESPONSE" CRLF fits in the 512 octets of an SMTP
 * command line (RFC 5321 4.5.3.1.4); an empty response is sent as "=".
 */
static bool
smtp_auth_ir_fits(const char *mech, size_t resp_len)
{
	return strlen("AUTH ") + strlen(mech) + 1 + (resp_len ? resp_len : 1) +
	    2 <=
	    SMTP_AUTH_LINE_MAX;
}

int
smtp_send_auth(struct smtp_session *s, struct err *e)
{
	const char *mech = s->info.auth_mech;
	int r;

	s->auth_ir_later = false;
	if (!sasl_client_has_ir(s->sasl))
		return smtp_cmd(s, e, 0, "AUTH %s", mech);
	if (sasl_client_step(s->sasl, NULL, &s->resp, e) == -1)
		return -1;
	if (!smtp_auth_ir_fits(mech, s->resp.len)) {
		/* Too long: AUTH alone, the response after the empty 334
		 * (kept in s->resp, wiped once sent). */
		s->auth_ir_later = true;
		return smtp_cmd(s, e, 0, "AUTH %s", mech);
	}
	r = smtp_cmd(s, e, strlen(mech) + 6, "AUTH %s %s", mech,
	    s->resp.len ? buf_str(&s->resp) : "=");
	buf_wipe(&s->resp);
	return r;
}

int
smtp_send_auth_cont(struct smtp_session *s, struct err *e)
{
	int r;

	if (s->auth_cancel)
		return smtp_cmd(s, e, 0, "*");
	r = smtp_cmd(s, e, SMTP_REDACT_ALL, "%s", buf_str(&s->resp));
	buf_wipe(&s->resp);
	return r;
}

/*
 * XOAUTH2 and OAUTHBEARER send their only challenge when the token was
 * refused: base64 JSON such as {"status":"401","schemes":"bearer"}. Keep
 * it, made printable, for the error message (the token is never in it).
 */
/* Whether the mechanism in use carries an OAuth token. */
static bool
smtp_auth_oauth(const struct smtp_session *s)
{
	return s->auth_id == SASL_XOAUTH2 || s->auth_id == SASL_OAUTHBEARER;
}

static void
smtp_auth_oauth_error(struct smtp_session *s, const char *ch)
{
	struct buf json;
	size_t i, n = 0;

	if (!smtp_auth_oauth(s))
		return;
	buf_init(&json, 4096);
	if (sasl_b64_decode(ch, strlen(ch), &json) == 0)
		for (i = 0; i < json.len && n + 1 < sizeof(s->auth_detail);
		     i++) {
			unsigned char c = (unsigned char)json.data[i];

			s->auth_detail[n++] =
			    c >= ' ' && c < 0x7f ? (char)c : '?';
		}
	s->auth_detail[n] = '\0';
	buf_free(&json);
}

/*
 * The empty 334 that asks for an initial response we did not send on the
 * AUTH line: send it now. Anything else there is not RFC 4954: cancel.
 */
static int
smtp_auth_ir_now(struct smtp_session *s, struct err *e, const char *ch)
{
	s->auth_ir_later = false;
	if (ch[0] != '\0' && strcmp(ch, "=") != 0) {
		buf_wipe(&s->resp);
		(void)err_set(&s->auth_err, ERR_PROTOCOL,
		    "unexpected authentication challenge from the server");
		s->auth_cancel = true;
	}
	return smtp_enter(s, e, SMTP_ST_AUTH_CONT);
}

/* A 334: answer the challenge, or cancel ("*") when it does not verify. */
static int
smtp_auth_challenge(struct smtp_session *s, struct err *e,
    const struct smtp_reply *r)
{
	const char *ch = r->nlines > 0 ? r->line[0] : "";

	if (++s->auth_rounds > SMTP_AUTH_MAX_ROUNDS) {
		smtp_auth_cleanup(s);
		s->broken = true;
		return err_set(e, ERR_PROTOCOL,
		    "too many authentication challenges");
	}
	if (s->auth_ir_later)
		return smtp_auth_ir_now(s, e, ch);
	smtp_auth_oauth_error(s, ch);
	if (sasl_client_step(s->sasl, ch, &s->resp, e) == -1) {
		/* Keep the reason, cancel, and fail on the reply to "*". */
		s->auth_err = *e;
		s->auth_cancel = true;
	}
	return smtp_enter(s, e, SMTP_ST_AUTH_CONT);
}

/*
 * A refused OAuth token (XOAUTH2, OAUTHBEARER) has expired or was revoked:
 * an account state, not a property of the message. Temporary and held,
 * so the delivery layer keeps the account's mail until it is fixed.
 */
static void
smtp_auth_classify(const struct smtp_session *s, struct err *e,
    const struct smtp_reply *r)
{
	if (!smtp_auth_oauth(s))
		return;
	/* A 4xx without the error challenge: the server's own trouble. */
	if (r->code / 100 == 4 && s->auth_detail[0] == '\0')
		return;
	e->cls = ERR_TEMP;
	e->temporary = true;
	e->hold = true;
}

/*
 * The server refused an OAuth token (err.hold): with a refresh hook, get
 * a fresh token and AUTH again on the same connection, once. -1 keeps
 * the failure (or the refresh's own, such as a grant that is gone).
 */
static int
smtp_auth_retry(struct smtp_session *s, struct err *e)
{
	if (!e->hold || s->auth_retried || s->p->refresh == NULL || s->broken)
		return -1;
	s->auth_retried = true;
	smtp_note(s, "the server refused the token; refreshing it");
	err_clear(e);
	return smtp_auth_begin(s, e);
}

int
smtp_reply_auth(struct smtp_session *s, struct err *e,
    const struct smtp_reply *r)
{
	const char *mech = s->info.auth_mech;

	if (s->auth_cancel) {
		*e = s->auth_err;
		smtp_auth_cleanup(s);
		return -1;
	}
	if (r->code == 334)
		return smtp_auth_challenge(s, e, r);
	smtp_auth_cleanup(s);
	if (r->code == 235 && !s->auth_complete)
		return err_set(e, ERR_PROTOCOL,
		    "the server accepted AUTH %s without proving its identity (no valid server signature); aborting",
		    mech);
	if (r->code == 235) {
		s->authed = true;
		smtp_note(s, "authenticated as %s with %s", s->creds.user,
		    mech);
		return smtp_enter(s, e, SMTP_ST_READY);
	}
	if (r->code == 504)
		return smtp_fail_reply(e, ERR_UNAVAILABLE, r,
		    "AUTH %s not supported", mech);
	if (r->code / 100 != 4 && r->code / 100 != 5)
		return smtp_fail_reply(e, ERR_PROTOCOL, r,
		    "unexpected reply to AUTH %s", mech);
	if (s->auth_detail[0])
		(void)smtp_fail_reply(e, ERR_NOPERM, r,
		    "authentication failed (AUTH %s; the server said %s)", mech,
		    s->auth_detail);
	else
		(void)smtp_fail_reply(e, ERR_NOPERM, r,
		    "authentication failed (AUTH %s)", mech);
	e->reason = ERR_REASON_AUTH_REFUSED;
	smtp_auth_classify(s, e, r);
	return smtp_auth_retry(s, e);
}

void
smtp_auth_cleanup(struct smtp_session *s)
{
	s->auth_complete = s->sasl != NULL && sasl_client_done(s->sasl);
	sasl_client_free(s->sasl);
	s->sasl = NULL;
	buf_wipe(&s->secret);
	buf_wipe(&s->resp);
	s->creds.password = NULL;
	explicit_bzero(s->cb, sizeof(s->cb));
	s->creds.cb_data = NULL;
	s->creds.cb_len = 0;
}
