/*
 * msg_int.h: the state shared by msg.c (the byte stream), msg_hdr.c (the
 * header block and its fix-ups) and msg_qp.c (the quoted-printable second
 * pass). Private to those three files.
 */
#ifndef POSTERN_MSG_INT_H
#define POSTERN_MSG_INT_H

#include "buf.h"
#include "msg.h"

#define MSG_OUT_SIZE 65536

enum msg_state {
	MSG_S_HEAD, /* collecting the header block in hdr */
	MSG_S_BODY, /* streaming body lines */
	MSG_S_DONE, /* input ended (EOF or a lone ".") */
};

struct msg {
	const struct msg_opts *o;
	msg_write_fn wfn;
	void *warg;
	enum msg_state state;
	size_t max_line;
	struct buf hdr;    /* header block, CRLF lines */
	size_t line_start; /* offset in hdr of the current line */
	size_t line_len;   /* octets in the current line */
	uint64_t lineno;   /* input line number, for errors */
	bool cr;           /* a CR waits for the next byte */
	bool dot;          /* a body line so far is a held "." */
	bool failed;
	char out[MSG_OUT_SIZE];
	size_t outlen;
	uint64_t size, lines;
	bool has_8bit, long_line, ended_by_dot;
	bool mime_refuse; /* composite or encoded body: no QP rewrite */
	bool has_ctype, has_mimever;
	int u8_need; /* UTF-8 continuation bytes still expected */
	bool u8_bad; /* body is not valid UTF-8 */
	struct addr_list rcpts;
	bool needs_smtputf8;
	char *from_addr;
	/* second pass */
	bool qp_head, qp_skip, qp_wsp_held;
	char qp_wsp;
	size_t qp_col;
	struct buf qp_line;
};

/* Buffered output through the write callback. */
int msg_out(struct msg *, const void *, size_t, struct err *);
int msg_out_str(struct msg *, const char *, struct err *);
int msg_out_flush(struct msg *, struct err *);

/*
 * A display name as a phrase (msg_name.c): as it is, quoted, or RFC 2047
 * encoded words folded one per line; control characters become spaces.
 * msg_put_name_addr adds " <addr>", folded before it past column 78.
 * 0, or -1 when b is full.
 */
int msg_put_name(struct buf *, const char *name);
int msg_put_name_addr(struct buf *, const char *name, const char *addr);

/* Fix up and emit hdr (CRLF lines) and the separator line. */
int msg_hdr_emit(struct msg *, struct err *);

#endif
