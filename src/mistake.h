/*
 * mistake.h: configuration mistakes recognised from how a connection
 * fails (issue 17), so the user gets the fix instead of five days of
 * retries.
 *
 *  - The wrong TLS mode for the port: a STARTTLS account that gets no
 *    greeting within a few seconds, or an implicit-TLS account whose
 *    handshake fails or stalls, makes one short probe of the other mode
 *    on the same port (any port number). When that answers, the failure
 *    becomes a permanent ERR_CONFIG (exit 78; the message goes to
 *    failed/) whose text is the fix: "set tls_starttls off|on".
 *  - Port 25 refused or timing out: the text says the provider probably
 *    blocks it (Outbound Port 25 Blocking) and names the submission
 *    port; the failure stays temporary.
 *
 * Nothing here prints or exits; the probe sends EHLO and QUIT only.
 */
#ifndef POSTERN_MISTAKE_H
#define POSTERN_MISTAKE_H

#include <stdbool.h>

#include "conf.h"
#include "err.h"
#include "secrets.h"
#include "smtp.h"

/* Seconds a STARTTLS account waits for the greeting before probing. */
#define MISTAKE_GREETING_WAIT 5
/* Seconds the probe of the other TLS mode may take. */
#define MISTAKE_PROBE_TIMEOUT 5

/*
 * smtp_open, then the checks above on failure. A STARTTLS account with
 * a timeout over MISTAKE_GREETING_WAIT waits that long for the greeting
 * first (a shorter timeout leaves no room for the probe: no probe); a
 * server that greets later and does not speak implicit TLS gets a
 * second connection with the account's full timeout. p must outlive
 * the session (it keeps it); greeting_wait and greeted are set only
 * while connecting.
 */
int mistake_open(struct smtp_session **, struct smtp_params *,
    const struct smtp_trace *, struct err *);

/*
 * e is how opening a session with p failed, greeted whether a greeting
 * came. When that looks like the wrong TLS mode and the other mode
 * answers on p's port, e is rewritten as the permanent ERR_CONFIG with
 * the fix and true returned. p->tls is the account's mode; NONE is
 * never probed.
 */
bool mistake_tls_mode(const struct smtp_params *, bool greeted, struct err *);

/*
 * The warning --print-config gives for port 465 with STARTTLS or 587
 * with implicit TLS, or NULL.
 */
const char *mistake_port_mode(unsigned port, enum smtp_tls_mode);

/*
 * A password the server refused (5xx to AUTH): the text names where it
 * came from (src, as secrets_password said) and the fix: the config
 * file and line, passwordeval's line, postern --store-password ACCOUNT
 * for the keyring, ~/.netrc's machine.
 */
void mistake_password(const struct account *, enum secrets_source,
    struct err *);

/*
 * --store-password without a reachable keyring (no D-Bus session: a
 * server, cron, ssh): add the alternatives that work there.
 */
void mistake_headless(const struct account *, struct err *);

/*
 * A sender whose domain is a host name without a dot ("root@vm", as GNU
 * Mailutils' mail passes -f $USER@$(hostname), or "root@localhost"):
 * addr is cut to its local part and true returned, so it is qualified
 * like a bare name (local_domain, else the account's from). An address
 * literal or a dotted domain: false, addr unchanged.
 */
bool mistake_bare_host(char *addr);

/*
 * The account to name in messages for a: the one it only points to
 * ("account default : isp" with no key of its own is isp), else a
 * itself. -a, --store-password and the like accept either name.
 */
const struct account *mistake_real(const struct conf *, const struct account *);

/* A connect failure on port 25 gets the Outbound Port 25 Blocking hint. */
void mistake_port25(const struct smtp_params *, struct err *);

#endif
