/*
 * main_int.h: what main.c shares with the files that run its modes
 * (main_send.c: -bm, --dry-run and -bs; main_queue.c: mailq, -q and
 * failed/; main_probe.c: --doctor, --serverinfo, --configure). Each
 * handler returns the sysexits(3) code; only main.c exits (by returning
 * from main).
 */
#ifndef POSTERN_MAIN_INT_H
#define POSTERN_MAIN_INT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "cli.h"
#include "conf.h"
#include "err.h"
#include "smtp.h"

/* The program name for messages (argv[0]'s base), and the command line. */
extern const char *main_prog;
extern int main_argc;
extern char **main_argv;

/* One line "prog: TEXT" for e on stderr; its exit code. */
int main_fail(const struct err *e);

/* Each line of b on stderr, prefixed by what, made visible. */
void main_lines(const struct buf *b, const char *what);

/* The configuration's collected errors, or main_fail(e). */
int main_conf_fail(const struct conf *c, const struct err *e);

/* Terminal output shared by the modes: the -v transcript, notes and the
 * queue run's progress line (cleared before anything else). */
void main_progress_clear(void);
void main_trace(void *arg, enum smtp_trace_dir dir, const char *line,
    size_t len);
void main_note(void *arg, const char *line);
void main_progress(void *arg, size_t done, size_t total, uint64_t bytes,
    uint64_t total_bytes);

/* The modes (main_send.c, main_queue.c, main_probe.c). */
int main_send(struct cli_request *req);
int main_smtp(const struct cli_request *req);
int main_queue_list(struct cli_request *req);
int main_queue_run(struct cli_request *req);
int main_doctor(const struct cli_request *req);
int main_serverinfo(struct cli_request *req);
int main_configure(const struct cli_request *req);

#endif
