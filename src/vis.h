/*
 * vis.h: text from elsewhere (a server's reply, greeting or certificate,
 * a command's output) made safe to show on a terminal.
 *
 * Printable ASCII and well-formed UTF-8 pass unchanged; every other byte
 * (C0 controls, DEL, the C1 controls U+0080..U+009F, bytes that are not
 * well-formed UTF-8) becomes the four characters \xHH, so that an escape
 * sequence from a server (ESC ] 0 ; title BEL, OSC 52 clipboard writes)
 * is shown, not obeyed. Bytes listed in keep (such as "\n") pass as they
 * are. An escape is never cut in half. Pure: no I/O.
 */
#ifndef POSTERN_VIS_H
#define POSTERN_VIS_H

#include <stddef.h>

#include "buf.h"

/*
 * s[0..len) made visible into dst (NUL-terminated, truncated to fit
 * cap); returns the length written. cap 0 writes nothing.
 */
size_t vis_str(char *dst, size_t cap, const char *s, size_t len,
    const char *keep);

/* The same, appended to out. 0, or -1 when out is full (ENOMEM, cap). */
int vis_buf(struct buf *out, const char *s, size_t len, const char *keep);

#endif
