/*
 * doctor.h: `postern --doctor`, the "am I affected by port 25 blocking?"
 * checklist an ISP's OP25B notice asks customers to walk by hand, as one
 * command (DESIGN.md section 8), and the pieces --serverinfo and
 * --configure share with it.
 *
 * doctor_run walks the checks in order: the configuration file and its
 * permissions, the account and its settings; port 25 towards the
 * account's server (or --probe-host); the submission ports (587 with
 * STARTTLS, 465 with implicit TLS): banner, extensions, certificate
 * chain, name and expiry, and a port/TLS mode mismatch in the account;
 * the AUTH mechanisms and the one postern would pick; where the
 * password comes from and whether that source answers now; a login
 * (AUTH, then QUIT: no mail is sent); the queue. Each check reaches the
 * caller as one struct doctor_check through a callback as soon as it is
 * known (a slow network shows progress). Every network step is bounded
 * by the probe timeout.
 *
 * Nothing here prints or exits: doctor.c and doctor_acct.c do the checks,
 * doctor_fmt.c (pure) turns a check into text for main.c to print.
 */
#ifndef POSTERN_DOCTOR_H
#define POSTERN_DOCTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "conf.h"
#include "err.h"
#include "smtp.h"

#define DOCTOR_TIMEOUT 10 /* seconds per network step by default */
#define DOCTOR_TEXT_MAX 1024
#define DOCTOR_FIX_MAX 512

enum doctor_verdict {
	DOCTOR_OK = 0,
	DOCTOR_INFO,    /* a fact, neither good nor bad */
	DOCTOR_WARN,    /* worth knowing, mail still goes out */
	DOCTOR_PROBLEM, /* mail does not go out until it is fixed */
};

/* The three ports tried, in this order. */
enum doctor_port {
	DOCTOR_P25 = 0, /* server to server (OP25B blocks it) */
	DOCTOR_P587,    /* submission with STARTTLS */
	DOCTOR_P465,    /* submissions: TLS from the first byte */
	DOCTOR_NPORTS
};

struct doctor_check {
	enum doctor_verdict verdict;
	char topic[64];             /* "config", "port 25", "login", ... */
	char text[DOCTOR_TEXT_MAX]; /* one line, no newline */
	char fix[DOCTOR_FIX_MAX];   /* config line(s) or a command, or "";
					several lines are '\n'-separated */
};

typedef void (*doctor_line_fn)(void *arg, const struct doctor_check *);

struct doctor_opts {
	const char *config_file;       /* -C, or NULL */
	const char *system_queue;      /* --system: the system file alone */
	const char *account;           /* -a / --doctor ACCOUNT, or NULL */
	const char *probe_host;        /* port 25 towards this host, or NULL */
	unsigned ports[DOCTOR_NPORTS]; /* 0: skip that probe */
	unsigned timeout;              /* seconds per network step */
	bool no_login;
	doctor_line_fn line;
	void *arg;
};

struct doctor_summary {
	unsigned n[DOCTOR_PROBLEM + 1]; /* checks per verdict */
};

/*
 * Run every check, reporting each through o->line. Returns 0 (the
 * verdicts are in *sum), or -1 with e filled when the checks could not
 * run at all (out of memory).
 */
int doctor_run(const struct doctor_opts *, struct doctor_summary *,
    struct err *);

/* --- shared with --serverinfo and --configure (doctor.c) --------------- */

/* One probe of a server: a session without AUTH, then QUIT. */
struct doctor_probe {
	bool ok;        /* the session opened (greeting, EHLO, TLS) */
	bool connected; /* a TCP connection was made */
	struct err e;   /* why not ok */
	struct smtp_info info;
	char ext[1024]; /* the last EHLO's extensions, '\n'-separated */
};

/*
 * Probe p's server (p->auth is ignored: no AUTH). The EHLO lines are
 * collected from the engine's trace. 0 when the session opened, else -1
 * with pr->e.
 */
int doctor_probe(const struct smtp_params *, struct doctor_probe *pr);

/* The account's settings as engine parameters (no password source). */
void doctor_params(const struct account *, char *port, size_t portlen,
    unsigned timeout, struct smtp_params *);

/* --- pure helpers (doctor_fmt.c) --------------------------------------- */

/* "OK", "INFO", "WARN", "PROBLEM". */
const char *doctor_verdict_name(enum doctor_verdict);

/*
 * The check as text: "PROBLEM  topic: text\n" then one "         fix:
 * LINE\n" per fix line. color adds ANSI colours to the verdict.
 */
int doctor_format(const struct doctor_check *, bool color, struct buf *out);

/* Colours on a terminal unless NO_COLOR is set and not empty. */
bool doctor_color_wanted(bool isatty, const char *no_color);

/* "1.5 KiB", "9.8 MiB" (one decimal from KiB up), "512 bytes". */
void doctor_human_size(uint64_t, char *out, size_t cap);

/*
 * Days from now until not_after ("2026-01-31 12:00:00 UTC", as tls.h
 * writes it), rounded down; negative when it is past. 0, or -1 when the
 * text is not a date.
 */
int doctor_days_left(const char *not_after, time_t now, long *days);

/* The CN= value of a DN ("CN=a.example,O=x" -> "a.example"), or "". */
void doctor_dn_cn(const char *dn, char *out, size_t cap);

/*
 * "25,587,465": three port numbers (0 skips one; missing trailing ones
 * keep their defaults). 0, or -1 with ERR_USAGE.
 */
int doctor_parse_ports(const char *, unsigned ports[DOCTOR_NPORTS],
    struct err *);

/* How a connect failed. */
enum doctor_conn_fail {
	DOCTOR_CONN_NONE =
	    0, /* connected (the failure came later), or unknown */
	DOCTOR_CONN_TIMEDOUT,
	DOCTOR_CONN_REFUSED,
	DOCTOR_CONN_RESET,
	DOCTOR_CONN_UNREACHABLE,
	DOCTOR_CONN_COUNT
};

/*
 * How a connect failed, from the engine's error (its reason), or
 * DOCTOR_CONN_NONE when the connection was made (the failure came
 * later) or the reason says nothing of it.
 */
enum doctor_conn_fail doctor_connect_failure(const struct err *);

/* Its words in a report: "timed out", "refused", "reset", "unreachable". */
const char *doctor_conn_fail_name(enum doctor_conn_fail);

#endif
