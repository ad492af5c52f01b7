/*
 * smtp_probe.c: a test-only driver for the SMTP engine, so the engine can
 * be proven against a real server (tests/servers/postfix-up.sh) before
 * main.c is wired to it. Submits FILE (canonical CRLF) and prints one
 * result line on stdout:
 *
 *   result=<class> exit=<sysexits code> temporary=<0|1> text=<err text>
 *   rcpt=<addr> status=<ok|temp|perm|pending> reply=<text>   (one each)
 *
 * Usage: smtp_probe [-v] -s HOST -p PORT -t none|starttls|implicit
 *        [-c CAFILE] [-P FINGERPRINT] [-o HOST_OVERRIDE] [-a off|auto|MECH]
 *        [-u USER] [-e HELO] [-T TIMEOUT] -f FROM -r RCPT [-r RCPT..] FILE
 * The password comes from $SMTP_PROBE_PASSWORD (never argv). -v prints
 * the transcript on stderr, as -v of postern will.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "smtp.h"

#define PROBE_MAX_RCPTS 16

static void
probe_trace(void *arg, enum smtp_trace_dir dir, const char *l, size_t n)
{
	(void)arg;
	fprintf(stderr, "%s %.*s\n",
	    dir == SMTP_TRACE_SEND       ? ">>>"
	        : dir == SMTP_TRACE_RECV ? "<<<"
	                                 : "---",
	    (int)n, l);
}

static int
probe_password(void *arg, const char *host, const char *user, struct buf *out,
    struct err *e)
{
	const char *pw = getenv("SMTP_PROBE_PASSWORD");

	(void)arg;
	(void)host;
	(void)user;
	if (pw == NULL)
		return err_set(e, ERR_CONFIG, "SMTP_PROBE_PASSWORD is not set");
	return buf_add_str(out, pw);
}

static int
probe_8bit(int fd, off_t size)
{
	unsigned char b[65536];
	off_t off = 0;
	ssize_t r, i;

	while (off < size && (r = pread(fd, b, sizeof(b), off)) > 0) {
		for (i = 0; i < r; i++)
			if (b[i] >= 0x80)
				return 1;
		off += r;
	}
	return 0;
}

static const char *
probe_status(enum smtp_rcpt_status s)
{
	static const char *const names[] = { "pending", "ok", "temp", "perm" };

	return names[s];
}

int
main(int argc, char **argv)
{
	static struct smtp_rcpt rcpts[PROBE_MAX_RCPTS];
	struct smtp_params p;
	struct smtp_mail m;
	struct smtp_trace t = { probe_trace, NULL };
	struct stat st;
	struct err e;
	size_t i;
	int c, r, verbose = 0;

	memset(&p, 0, sizeof(p));
	memset(&m, 0, sizeof(m));
	p.tls = SMTP_TLS_STARTTLS;
	p.password = probe_password;
	m.rcpts = rcpts;
	while ((c = getopt(argc, argv, "va:c:e:f:o:p:P:r:s:t:T:u:")) != -1) {
		switch (c) {
		case 'v':
			verbose = 1;
			break;
		case 's':
			p.host = optarg;
			break;
		case 'p':
			p.port = optarg;
			break;
		case 'c':
			p.tls_trust_file = optarg;
			break;
		case 'P':
			p.tls_fingerprint = optarg;
			break;
		case 'o':
			p.tls_host_override = optarg;
			break;
		case 'u':
			p.user = optarg;
			break;
		case 'e':
			p.helo = optarg;
			break;
		case 'f':
			m.from = optarg;
			break;
		case 'T':
			p.timeout = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 't':
			p.tls = strcmp(optarg, "none") == 0 ? SMTP_TLS_NONE
			    : strcmp(optarg, "implicit") == 0
			    ? SMTP_TLS_IMPLICIT
			    : SMTP_TLS_STARTTLS;
			break;
		case 'a':
			if (strcmp(optarg, "off") == 0)
				p.auth = SMTP_AUTH_OFF;
			else if (strcmp(optarg, "auto") == 0)
				p.auth = SMTP_AUTH_AUTO;
			else {
				p.auth = SMTP_AUTH_MECH;
				p.auth_mech = optarg;
			}
			break;
		case 'r':
			if (m.nrcpts < PROBE_MAX_RCPTS)
				rcpts[m.nrcpts++].addr = optarg;
			break;
		default:
			return 64;
		}
	}
	if (optind + 1 != argc || p.host == NULL || m.from == NULL ||
	    m.nrcpts == 0) {
		fprintf(stderr, "usage: see smtp_probe.c\n");
		return 64;
	}
	if ((m.fd = open(argv[optind], O_RDONLY)) == -1 ||
	    fstat(m.fd, &st) == -1) {
		perror(argv[optind]);
		return 66;
	}
	m.size = st.st_size;
	m.has_8bit = probe_8bit(m.fd, m.size);
	r = smtp_submit(&p, &m, verbose ? &t : NULL, &e);
	printf("result=%s exit=%d temporary=%d text=%s\n",
	    r == 0 ? "ok" : err_class_name(e.cls),
	    r == 0 ? 0 : err_exit_code(e.cls), r == 0 ? 0 : e.temporary,
	    r == 0 ? "" : e.text);
	for (i = 0; i < m.nrcpts; i++)
		printf("rcpt=%s status=%s reply=%s\n", rcpts[i].addr,
		    probe_status(rcpts[i].status), rcpts[i].text);
	close(m.fd);
	return r == 0 ? 0 : err_exit_code(e.cls);
}
