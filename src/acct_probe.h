/*
 * acct_probe.h: `postern --configure ADDRESS`: find the submission
 * server of an address and write a ready account block.
 *
 * The domain (IDNA2008 A-labels, idn.h) is looked up as
 * _submissions._tcp then _submission._tcp SRV records (RFC 6186, RFC
 * 8314; dns.h); without an answering SRV target, smtp.DOMAIN and
 * mail.DOMAIN are tried on 465 (implicit TLS) then 587 (STARTTLS). Each
 * candidate is probed (doctor.h: greeting, EHLO, TLS; no AUTH) within
 * the timeout. An SRV target is untrusted input (DNS answers are not
 * authenticated): it is used only when it is a plain host name, and the
 * block and the notes say where it came from and that it must be
 * checked. Nothing here prints: the block and the notes go into buffers.
 */
#ifndef POSTERN_ACCT_PROBE_H
#define POSTERN_ACCT_PROBE_H

#include "buf.h"
#include "doctor.h"
#include "err.h"

struct acct_probe_opts {
	const char *address;
	unsigned ports[DOCTOR_NPORTS]; /* 587 and 465 replacements used */
	unsigned timeout;              /* seconds per step */
};

/*
 * The account block (with '#' comments) into out, and one line per step
 * into notes ("SRV _submissions._tcp.example.org: none", ...). 0, or -1
 * with e: ERR_USAGE for a bad address, ERR_DATA for a domain libidn2
 * refuses, ERR_UNAVAILABLE when no server was found.
 */
int acct_probe_run(const struct acct_probe_opts *, struct buf *out,
    struct buf *notes, struct err *);

#endif
