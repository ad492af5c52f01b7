/*
 * tty.h: asking the user for a secret on the controlling terminal.
 *
 * Standard input is usually the message, so the prompt goes to /dev/tty,
 * and only when /dev/tty is not standard input itself (a user typing the
 * message on the terminal cannot also type the password there). Echo is
 * off while the secret is typed and restored on every path, also when
 * SIGINT, SIGTERM, SIGQUIT or SIGTSTP arrives (the read then fails).
 * Nothing here exits; the prompt and a newline are the only output.
 */
#ifndef POSTERN_TTY_H
#define POSTERN_TTY_H

#include <stdbool.h>

#include "buf.h"
#include "err.h"

/* True when there is a controlling terminal and stdin is not it. */
bool tty_usable(void);

/* True when there is a controlling terminal at all. */
bool tty_present(void);

/*
 * Write prompt to /dev/tty and read one line with echo off into out
 * (without the newline). 0, or -1 with ERR_USAGE (no terminal,
 * interrupted) or ERR_CONFIG (longer than the buffer's cap).
 */
int tty_read_secret(const char *prompt, struct buf *out, struct err *);

#endif
