/*
 * test_log.c: the per-message log line, byte for byte, including quoting
 * that keeps a hostile reply text on one line, and the file writer.
 */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "tap.h"

static void
test_format(void)
{
	struct log_rcpt rcpts[] = {
		{ "bob@example.org", "sent", NULL },
		{ "reject@example.org", "refused",
		    "550 5.1.1 <reject@example.org>: Recipient address rejected" },
	};
	struct log_record rec = {
		.id = "6F3A",
		.account = "work",
		.host = "smtp.example.net",
		.port = 587,
		.tls = "TLS1.3 AES-256-GCM",
		.auth = "PLAIN",
		.from = "alice@example.net",
		.rcpts = rcpts,
		.nrcpts = 2,
		.size = 612,
		.reply = "250 2.0.0 Ok: queued as 4F2",
		.duration_ms = 182,
		.exit_code = 0,
	};
	struct buf out;

	buf_init(&out, 65536);
	IS_INT(log_format(&rec, NULL, 0, &out), 0, "format succeeds");
	IS_STR(buf_str(&out),
	    "id=6F3A account=work host=smtp.example.net port=587 "
	    "tls=\"TLS1.3 AES-256-GCM\" auth=PLAIN from=alice@example.net "
	    "rcpt=bob@example.org status=sent rcpt=reject@example.org "
	    "status=refused rcpt_reply=\"550 5.1.1 <reject@example.org>: "
	    "Recipient address rejected\" size=612 "
	    "reply=\"250 2.0.0 Ok: queued as 4F2\" duration_ms=182 exit=0",
	    "the whole line");

	buf_reset(&out);
	rec.tls = NULL;
	rec.auth = NULL;
	rec.from = "";
	rec.nrcpts = 0;
	rec.reply = "421 bye\r\nid=FORGED exit=0";
	(void)log_format(&rec, NULL, 0, &out);
	IS_STR(buf_str(&out),
	    "id=6F3A account=work host=smtp.example.net port=587 tls=none "
	    "auth=none from=\"\" size=612 "
	    "reply=\"421 bye\\x0d\\x0aid=FORGED exit=0\" duration_ms=182 exit=0",
	    "CR/LF in a reply are escaped inside quotes, the null sender is \"\"");
	buf_free(&out);
}

static void
test_time_and_cap(void)
{
	struct log_record rec = { .account = "a", .exit_code = 75 };
	char *huge = malloc(20000);
	struct buf out;

	setenv("TZ", "UTC", 1);
	buf_init(&out, 65536);
	(void)log_format(&rec, LOG_TIME_ISO, 1795818871, &out);
	IS_STR(buf_str(&out),
	    "2026-11-27T22:34:31+0000 account=a tls=none auth=none size=0 "
	    "duration_ms=0 exit=75",
	    "a logfile line starts with year, time and zone");
	buf_reset(&out);
	(void)log_format(&rec, "%b %d %H:%M:%S", 1795818871, &out);
	OK(strncmp(buf_str(&out), "Nov 27 22:34:31 account=a", 25) == 0,
	    "logfile_time_format is honoured");
	buf_reset(&out);
	rec.possible_duplicate = true;
	(void)log_format(&rec, NULL, 0, &out);
	IS_STR(buf_str(&out),
	    "account=a tls=none auth=none size=0 duration_ms=0 "
	    "possible_duplicate=yes exit=75",
	    "a possible duplicate says so, before exit=");
	rec.possible_duplicate = false;

	memset(huge, 'x', 19999);
	huge[19999] = '\0';
	rec.reply = huge;
	buf_reset(&out);
	IS_INT(log_format(&rec, NULL, 0, &out), 0,
	    "a huge reply still formats");
	OK(out.len <= LOG_LINE_MAX, "the line is capped");
	OK(out.len > 3 && memcmp(out.data + out.len - 3, "...", 3) == 0,
	    "and visibly cut");
	buf_free(&out);
	free(huge);
}

static void
test_append(void)
{
	char path[] = "/tmp/postern-test-log-XXXXXX";
	char got[256];
	struct stat st;
	struct err e;
	ssize_t n;
	int fd = mkstemp(path);

	close(fd);
	unlink(path);
	IS_INT(log_append_file(path, "one", &e), 0, "append creates the file");
	IS_INT(log_append_file(path, "two", &e), 0, "and appends");
	OK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600,
	    "the new log file is mode 0600");
	fd = open(path, O_RDONLY);
	n = read(fd, got, sizeof(got) - 1);
	close(fd);
	got[n > 0 ? n : 0] = '\0';
	IS_STR(got, "one\ntwo\n", "one line per call");
	unlink(path);
	IS_INT(log_append_file("/nonexistent-dir/x.log", "l", &e), -1,
	    "an unwritable path fails");
	IS_INT(e.cls, ERR_CANTCREAT, "as cannot-create");
}

static void
test_held(void)
{
	struct buf b;

	buf_init(&b, LOG_LINE_MAX);
	IS_INT(log_format_held("work", "535 5.7.8 auth \"failed\"", 3, NULL, 0,
	           &b),
	    0, "held line");
	IS_STR(buf_str(&b),
	    "account=work status=held reason=\"535 5.7.8 auth \\\"failed\\\"\" "
	    "entries=3",
	    "held: account, status, quoted reason, entries");
	buf_reset(&b);
	IS_INT(log_format_held("a", "x", 1, "[%Y]", 0, &b), 0, "with a time");
	OK(strncmp(buf_str(&b), "[19", 3) == 0 &&
	        strstr(buf_str(&b),
	            "] account=a status=held reason=x "
	            "entries=1") != NULL,
	    "held line starts with the time");
	buf_free(&b);
}

int
main(void)
{
	test_format();
	test_time_and_cap();
	test_append();
	test_held();
	return tap_done();
}
