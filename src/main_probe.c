/*
 * main_probe.c: the modes of main.c (main_int.h) that probe servers:
 * --doctor (doctor.h), --serverinfo (serverinfo.h) and --configure
 * (acct_probe.h, configure_write.h).
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>
#include <unistd.h>

#include "acct_probe.h"
#include "buf.h"
#include "cli.h"
#include "configure_write.h"
#include "doctor.h"
#include "err.h"
#include "job.h"
#include "main_int.h"
#include "serverinfo.h"
#include "sysq.h"
#include "util.h"

/* One --doctor verdict line as soon as it is known. */
static void
main_doctor_line(void *arg, const struct doctor_check *c)
{
	struct buf b;

	buf_init(&b, 8192);
	if (doctor_format(c, *(bool *)arg, &b) == 0)
		fputs(buf_str(&b), stdout);
	buf_free(&b);
	(void)fflush(stdout);
}

/* The probe options shared by --doctor, --serverinfo, --configure. */
static int
main_probe_opts(const struct cli_request *req, unsigned ports[DOCTOR_NPORTS],
    unsigned *timeout)
{
	struct err e;

	ports[DOCTOR_P25] = 25;
	ports[DOCTOR_P587] = 587;
	ports[DOCTOR_P465] = 465;
	*timeout = req->probe_timeout ? req->probe_timeout : DOCTOR_TIMEOUT;
	if (req->probe_ports != NULL &&
	    doctor_parse_ports(req->probe_ports, ports, &e) == -1)
		return main_fail(&e);
	return EX_OK;
}

/*
 * --doctor [ACCOUNT] [--system]: exit 0 when nothing is a PROBLEM, 1
 * otherwise. --system checks the system queue's account as its user.
 */
int
main_doctor(const struct cli_request *req)
{
	struct doctor_opts o = { 0 };
	struct doctor_summary sum;
	bool color =
	    doctor_color_wanted(isatty(STDOUT_FILENO) == 1, getenv("NO_COLOR"));
	struct err e;
	int rc;

	if ((rc = main_probe_opts(req, o.ports, &o.timeout)) != EX_OK)
		return rc;
	err_clear(&e);
	if (req->system && sysq_become_service(&e) == -1)
		return main_fail(&e);
	o.system_queue = req->system ? SYSQ_QUEUE : NULL;
	o.config_file = req->config_file;
	o.account = req->diag_account ? req->diag_account : req->account;
	o.probe_host = req->probe_host;
	o.no_login = req->no_login;
	o.line = main_doctor_line;
	o.arg = &color;
	if (doctor_run(&o, &sum, &e) == -1)
		return main_fail(&e);
	printf("%u ok, %u info, %u warning%s, %u problem%s\n", sum.n[DOCTOR_OK],
	    sum.n[DOCTOR_INFO], sum.n[DOCTOR_WARN],
	    sum.n[DOCTOR_WARN] == 1 ? "" : "s", sum.n[DOCTOR_PROBLEM],
	    sum.n[DOCTOR_PROBLEM] == 1 ? "" : "s");
	if (fflush(stdout) != 0)
		return EX_IOERR;
	return sum.n[DOCTOR_PROBLEM] > 0 ? 1 : EX_OK;
}

/* --serverinfo [ACCOUNT] */
int
main_serverinfo(struct cli_request *req)
{
	unsigned ports[DOCTOR_NPORTS], timeout;
	struct job j;
	struct buf out;
	struct err e;
	int rc, r;

	if ((rc = main_probe_opts(req, ports, &timeout)) != EX_OK)
		return rc;
	job_init(&j, req);
	err_clear(&e);
	buf_init(&out, 64 * 1024);
	if (job_load(&j, req->diag_account ? req->diag_account : req->account,
	        &e) == -1)
		rc = main_conf_fail(&j.conf, &e);
	else {
		r = serverinfo_run(j.acct, timeout, &out, &e);
		fputs(buf_str(&out), stdout);
		if (fflush(stdout) != 0)
			rc = EX_IOERR;
		if (r == -1) /* e holds a reason only then */
			rc = main_fail(&e);
	}
	buf_free(&out);
	job_free(&j);
	return rc;
}

/* --configure ADDRESS --write: the block into -C FILE or the default. */
static int
main_configure_write(const struct cli_request *req, const struct buf *block)
{
	char *def = req->config_file ? NULL : util_default_config_path();
	const char *path = req->config_file ? req->config_file : def;
	struct err e;
	int rc = EX_OK;

	err_clear(&e);
	if (path == NULL)
		err_set(&e, ERR_CONFIG,
		    "no home directory to write the configuration into");
	else if (configure_write(path, buf_str(block), block->len, &e) == 0)
		fprintf(stderr,
		    "%s: wrote the account to %s (mode 600); next: postern --store-password, then postern --doctor\n",
		    main_prog, path);
	if (e.cls != ERR_NONE)
		rc = main_fail(&e);
	free(def);
	return rc;
}

/* --configure ADDRESS: the block on stdout, the steps on stderr. */
int
main_configure(const struct cli_request *req)
{
	struct acct_probe_opts o = { 0 };
	struct buf out, notes;
	struct err e;
	int rc;

	if ((rc = main_probe_opts(req, o.ports, &o.timeout)) != EX_OK)
		return rc;
	o.address = req->configure_addr;
	buf_init(&out, 64 * 1024);
	buf_init(&notes, 64 * 1024);
	err_clear(&e);
	if (acct_probe_run(&o, &out, &notes, &e) == -1)
		rc = err_exit_code(e.cls);
	main_lines(&notes, "");
	if (rc != EX_OK)
		(void)main_fail(&e);
	fputs(buf_str(&out), stdout);
	if (fflush(stdout) != 0)
		rc = EX_IOERR;
	if (rc == EX_OK && req->configure_write)
		rc = main_configure_write(req, &out);
	buf_free(&out);
	buf_free(&notes);
	return rc;
}
