/*
 * smtp_tls.c: TLS in the SMTP engine (see smtp_int.h): the STARTTLS
 * state (RFC 3207: anything the server sent after its 220 aborts the
 * session, in net_starttls; everything learned before TLS is forgotten
 * and EHLO sent again), the handshake for STARTTLS and implicit TLS with
 * the account's trust, pin and client certificate, the per-account
 * session cache, and the notes -v prints about the peer.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "smtp_int.h"
#include "util.h"

int
smtp_send_starttls(struct smtp_session *s, struct err *e)
{
	return smtp_cmd(s, e, 0, "STARTTLS");
}

static void
smtp_tls_note(struct smtp_session *s)
{
	struct tls_info ti;
	struct smtp_info *i = &s->info;

	tls_session_info(net_tls(s->conn), &ti);
	i->tls = true;
	i->cert = ti;
	smtp_note(s, "TLS %s, %s, verified by %s%s", ti.version, ti.cipher,
	    tls_verify_name(ti.verify), ti.resumed ? ", session resumed" : "");
	smtp_note(s,
	    "certificate: subject %s; issuer %s; expires %s; SHA-256 %s",
	    ti.subject, ti.issuer, ti.not_after, ti.sha256);
}

/*
 * The session cache the caller named (tls_session_dir), and the
 * identity a cached session must have been verified under (every
 * setting that changes what is sent or checked). Without a directory
 * there is no cache, which only costs time.
 */
static int
smtp_tls_cache(struct smtp_session *s, struct err *e, struct tls_params *tp,
    struct buf *id)
{
	const struct smtp_params *p = s->p;

	if (p->tls_session_dir == NULL || p->account == NULL)
		return 0;
	if (buf_printf(id,
	        "account %s\nhost %s\nport %s\nmode %d\nuser %s\n"
	        "name %s\ntrust %s\npin %s\ncert %s\nkey %s\n"
	        "priorities %s\ncertcheck %d\n",
	        p->account, p->host, p->port ? p->port : "", (int)p->tls,
	        p->user ? p->user : "", tp->host,
	        tp->trust_file ? tp->trust_file : "",
	        tp->fingerprint ? tp->fingerprint : "",
	        tp->cert_file ? tp->cert_file : "",
	        tp->key_file ? tp->key_file : "",
	        tp->priorities ? tp->priorities : "", !tp->no_certcheck) == -1)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	tp->session_dir = p->tls_session_dir;
	tp->session_id = buf_str(id);
	return 0;
}

int
smtp_tls_start(struct smtp_session *s, struct err *e)
{
	struct tls_params tp;
	const struct smtp_params *p = s->p;
	struct buf id;
	int r = -1;

	memset(&tp, 0, sizeof(tp));
	buf_init(&id, 16384);
	tp.host = p->tls_host_override ? p->tls_host_override : p->host;
	tp.trust_file = p->tls_trust_file;
	tp.fingerprint = p->tls_fingerprint;
	tp.cert_file = p->tls_cert_file;
	tp.key_file = p->tls_key_file;
	tp.priorities = p->tls_priorities;
	tp.no_certcheck = p->tls_no_certcheck;
	if (smtp_tls_cache(s, e, &tp, &id) == -1)
		goto out;
	if (net_starttls(s->conn, &tp, e) == -1) {
		s->broken = true;
		goto out;
	}
	s->tls_done = true;
	if (p->tls_up != NULL)
		*p->tls_up = true;
	smtp_tls_note(s);
	r = 0;
out:
	buf_free(&id);
	return r;
}

int
smtp_reply_starttls(struct smtp_session *s, struct err *e,
    const struct smtp_reply *r)
{
	if (r->code != 220)
		return smtp_fail_reply(e, ERR_UNAVAILABLE, r,
		    "STARTTLS refused by %s", net_peer(s->conn));
	if (smtp_tls_start(s, e) == -1)
		return -1;
	/* RFC 3207 4.2: forget everything learned before TLS. */
	s->info.caps = 0;
	s->info.size_max = 0;
	s->info.auth_offered[0] = '\0';
	return smtp_enter(s, e, SMTP_ST_EHLO);
}
