#!/usr/bin/python3
"""faultserver.py: a scriptable SMTP server that misbehaves on purpose.

Usage:
  faultserver.py --out DIR [--scenario FILE] [--port-file FILE] [--port N]
                 [--listen ADDR]... [--ipv6] [--cert CRT --key KEY]
                 [--tls implicit] [--well-behaved --user U --password P]
                 [--hostname NAME] [--pid-file FILE]

Listens on 127.0.0.1 (and ::1 with --ipv6, same port), port 0 unless
--port is given, and writes the port to --port-file once listening. Only
loopback addresses are accepted. SIGTERM/SIGINT stop it cleanly (exit 0).
Python standard library only; one thread per session.

The scenario is a JSON object (every key optional):

  {
    "preset": "well-behaved",        # STARTTLS, AUTH PLAIN LOGIN CRAM-MD5
    "tls": "starttls" | "implicit",  # implicit: TLS from the first byte
    "hostname": "fault.example.test",
    "ehlo": ["PIPELINING", "SIZE 1000", "STARTTLS", "AUTH PLAIN LOGIN"],
    "ehlo_tls": ["PIPELINING", "8BITMIME"],   # after TLS (default: ehlo
                                              # without STARTTLS)
    "refuse_ehlo": true,             # EHLO gets 502, the client must HELO
    "users": {"alice@example.test": "s3cret p@ss"},  # none: accept any;
                                     # the password is also the OAuth
                                     # token (XOAUTH2, OAUTHBEARER;
                                     # refused: 334 JSON error, 535)
    "auth_requires_tls": false,      # AUTH before TLS gets 538
    "require_tls": false,            # MAIL before STARTTLS gets 530
    "require_auth": false,           # MAIL before AUTH gets 530
    "line_max": 512,                 # a longer command line (CRLF
                                     # included) gets 500 5.5.2, as
                                     # Dovecot answers
    "timeout": 120,                  # idle seconds before hanging up
    "accept": false,                 # never accept: the listen queue is
                                     # filled by the server's own
                                     # connections, so a client's connect
                                     # stalls (its SYN is dropped)
    "replies": {STAGE: ACTION, ...},
    "sessions": {"2": {... keys above, for session 2 only ...}}
  }

STAGE is one of greeting, ehlo, ehlo_tls (EHLO once TLS is on), helo,
starttls, auth (reply to the AUTH command), auth_step (reply to the Nth
client line of the exchange, as auth_step#N), auth_result (whichever reply
ends the exchange), mail, rcpt, data, body (after 354, before the message
is read), data_end, bdat, bdat_last, rset, quit, noop, vrfy, expn, help,
unknown. "STAGE#N" applies to the Nth occurrence in the session only (for
rcpt: the Nth RCPT of the transaction; for data_end/bdat_last: the Nth
message); "rcpt:ADDRESS" applies to one recipient (no angle brackets,
case-insensitive). Any key for the session beats every global key; within
one table the most specific key wins.

ACTION (every key optional; what is not given keeps the default reply):
  "code": 550, "text": "5.1.1 no such user"   one line
  "lines": ["first", "second"]                 multi-line, with "code"
  "count": N                                   repeat the lines N times
  "long": N                                    pad each line's text to N
  "filler": N                                  N more lines "filler K"
                                               before the last line
  "raw": "250 ok\\r\\n"                         exact bytes (latin-1), sent
                                               instead of a built reply
  "inject": "250 fake\\r\\n"                    bytes appended to the reply
                                               in the same write
  "sleep": S                                   stall S seconds first
  "drop": true | "after" | "before"            close without replying;
                                               "before" on data_end or
                                               bdat closes before the
                                               message is read
  "reset": true                                with drop: send RST
  "split": N                                   send the reply N bytes per
                                               write (TCP_NODELAY: one
                                               small packet each), with
  "split_delay": S                             S seconds between writes
                                               (default 0.002)
  "tls": "close" | "garbage" | "stall"         starttls only: after the
                                               220, close (or send junk
                                               0.2 s later and close, or
                                               say nothing
                                               for "tls_sleep" seconds,
                                               default 10, and close)
                                               instead of TLS

Output, in --out DIR:
  session-N.log    transcript: "C: "/"S: " lines (CRLF removed; lines
                   that did not end in CRLF are marked "[no CRLF]"), and
                   "-- " event lines, e.g. "-- TLS started TLSv1.3 ..."
  msg-N-M.wire     message M of session N, the exact bytes between the 354
                   and the final ".\\r\\n" (dot-stuffed), or all BDAT chunks
  msg-N-M.eml      the same, dot-stuffing removed (DATA only)
  msg-N-M.env      key=value lines: session, message, transport, tls,
                   auth_user, helo, mail (the text after "MAIL FROM:"),
                   rcpt (one line per accepted RCPT, after "RCPT TO:"),
                   rcpt_rejected, size, bare_cr, bare_lf, nul, reply.
                   Written last (by rename): present means complete.
"""

import argparse
import base64
import hashlib
import hmac
import ipaddress
import json
import os
import re
import selectors
import signal
import socket
import ssl
import sys
import threading
import time

MAX_LINE = 1 << 20          # longest line kept as one line
POLL = 0.25                 # how often blocked reads look at the stop flag

WELL_BEHAVED = {
    "ehlo": ["PIPELINING", "SIZE 10240000", "8BITMIME",
             "ENHANCEDSTATUSCODES", "STARTTLS"],
    "ehlo_tls": ["PIPELINING", "SIZE 10240000", "8BITMIME",
                 "ENHANCEDSTATUSCODES", "AUTH PLAIN LOGIN CRAM-MD5"],
    "auth_requires_tls": True,
    "require_tls": True,
    "require_auth": True,
}

DEFAULT_EHLO = ["PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES"]
AUTH_OK = (235, "2.7.0 Authentication successful")
AUTH_FAILED = (535, "5.7.8 Error: authentication failed")


class SessionEnd(Exception):
    """The session is over (client left, server dropped, or stop)."""


# --- scenario ---------------------------------------------------------------

def load_scenario(path, args):
    scen = {}
    if path:
        with open(path, encoding="utf-8") as f:
            scen = json.load(f)
        if not isinstance(scen, dict):
            sys.exit("faultserver: scenario must be a JSON object")
    if args.well_behaved:
        scen.setdefault("preset", "well-behaved")
    if args.user is not None:
        scen.setdefault("users", {})[args.user] = args.password or ""
    if args.tls:
        scen["tls"] = args.tls
    if args.hostname:
        scen["hostname"] = args.hostname
    if scen.get("preset") == "well-behaved":
        scen = dict(WELL_BEHAVED, **scen)
    return scen


def session_scenario(scen, number):
    """The scenario for session NUMBER, and its reply tables, best first.

    Top-level keys of the session's overrides replace the global ones;
    its "replies" are consulted before the global "replies".
    """
    over = scen.get("sessions", {}).get(str(number), {})
    merged = dict(scen)
    merged.update(over)
    tables = [over.get("replies", {}), scen.get("replies", {})]
    return merged, [t for t in tables if t]


# --- replies ------------------------------------------------------------------

def build_reply(code, lines, action):
    """The reply bytes for CODE and LINES, shaped by ACTION (no inject)."""
    if "raw" in action:
        data = action["raw"].encode("latin-1")
    else:
        code = int(action.get("code", code))
        if "lines" in action:
            lines = list(action["lines"])
        elif "text" in action:
            lines = [action["text"]]
        lines = lines * int(action.get("count", 1)) or [""]
        fill = int(action.get("filler", 0))
        if fill > 0:
            lines = (lines[:-1] + ["filler %d" % k for k in range(fill)] +
                     lines[-1:])
        pad = int(action.get("long", 0))
        lines = [(t + " " + "x" * pad)[:pad] if pad > len(t) else t
                 for t in lines]
        out = []
        for i, text in enumerate(lines):
            sep = " " if i == len(lines) - 1 else "-"
            out.append("%03d%s%s\r\n" % (code, sep, text))
        data = "".join(out).encode("utf-8")
    return data


def reply_code(data):
    """The code of the last line of reply bytes DATA, 0 if none."""
    lines = [ln for ln in data.split(b"\r\n") if ln]
    for ln in reversed(lines):
        if re.match(rb"^[0-9]{3}( |$)", ln):
            return int(ln[:3])
    m = re.match(rb"^([0-9]{3})", data)
    return int(m.group(1)) if m else 0


class Plan:
    """What the server is about to do at one stage."""

    def __init__(self, stage, action, reply):
        self.stage = stage
        self.action = action
        self.data = reply + action.get("inject", "").encode("latin-1")
        self.code = 0 if action.get("drop") else reply_code(reply)

    def first_line(self):
        if self.action.get("drop"):
            return "none (dropped)"
        return self.data.split(b"\r\n", 1)[0].decode("latin-1")


# --- connection: buffered I/O plus transcript ---------------------------------

class Conn:
    def __init__(self, sock, log_path, stop, timeout):
        self.sock = sock
        self.buf = bytearray()
        self.stop = stop
        self.timeout = timeout
        self.log = open(log_path, "wb")
        sock.settimeout(POLL)

    def note(self, text):
        self.log.write(b"-- " + text.encode("utf-8", "replace") + b"\n")
        self.log.flush()

    def log_lines(self, prefix, data):
        for line in data.splitlines(keepends=True):
            if line.endswith(b"\r\n"):
                body, mark = line[:-2], b""
            else:
                body, mark = line.rstrip(b"\r\n"), b" [no CRLF]"
            self.log.write(prefix + body + mark + b"\n")
        self.log.flush()

    def _fill(self):
        idle = 0.0
        while True:
            if self.stop.is_set():
                self.note("server stopping")
                raise SessionEnd()
            try:
                chunk = self.sock.recv(65536)
            except (socket.timeout, TimeoutError):
                idle += POLL
                if idle >= self.timeout:
                    self.note("idle timeout, closing")
                    raise SessionEnd()
                continue
            except (OSError, ssl.SSLError) as e:
                self.note("read error: %s" % e)
                raise SessionEnd()
            if not chunk:
                self.note("connection closed by client")
                raise SessionEnd()
            self.buf += chunk
            return

    def readline(self, log=True):
        while True:
            i = self.buf.find(b"\n")
            if i >= 0 or len(self.buf) >= MAX_LINE:
                n = i + 1 if i >= 0 else MAX_LINE
                line = bytes(self.buf[:n])
                del self.buf[:n]
                if log:
                    self.log_lines(b"C: ", line)
                return line
            self._fill()

    def readexact(self, n):
        while len(self.buf) < n:
            self._fill()
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data

    def send(self, data, split=0, delay=0.002):
        # Logged first, so the transcript is complete once the client has
        # the reply.
        self.log_lines(b"S: ", data)
        if split > 0:
            self.note("reply split into %d writes of <= %d bytes"
                      % ((len(data) + split - 1) // split, split))
        try:
            self.sock.settimeout(self.timeout)
            if split <= 0:
                self.sock.sendall(data)
            else:
                for i in range(0, len(data), split):
                    self.sock.sendall(data[i:i + split])
                    if self.stop.wait(delay):
                        raise SessionEnd()
            self.sock.settimeout(POLL)
        except (OSError, ssl.SSLError) as e:
            self.note("write error: %s" % e)
            raise SessionEnd()

    def sleep(self, seconds):
        self.note("stalling %g s" % seconds)
        if self.stop.wait(seconds):
            raise SessionEnd()

    def drop(self, reset):
        if reset:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                 b"\x01\x00\x00\x00\x00\x00\x00\x00")
        self.note("dropped by server" + (" (RST)" if reset else ""))
        self.close()
        raise SessionEnd()

    def start_tls(self, ctx):
        if self.buf:
            self.note("discarded %d plaintext bytes sent after STARTTLS: %r"
                      % (len(self.buf), bytes(self.buf)))
            self.buf.clear()
        self.sock.settimeout(min(self.timeout, 10))
        try:
            tls = ctx.wrap_socket(self.sock, server_side=True)
        except (OSError, ssl.SSLError, ValueError) as e:
            self.note("TLS handshake failed: %s" % e)
            raise SessionEnd()
        self.sock = tls
        self.sock.settimeout(POLL)
        self.note("TLS started %s %s" % (tls.version(), tls.cipher()[0]))
        return tls.version()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def finish(self):
        self.close()
        self.log.close()


# --- SASL mechanisms: generators yielding challenges, returning results -------

def b64(s):
    return base64.b64encode(s.encode("utf-8")).decode("ascii")


def unb64(line):
    try:
        return base64.b64decode(line.strip(), validate=True)
    except (ValueError, base64.binascii.Error):
        return None


def sasl_plain(initial, check):
    resp = initial if initial is not None else (yield "")
    raw = unb64(resp)
    parts = raw.split(b"\0") if raw is not None else []
    if len(parts) != 3:
        return (501, "5.5.2 Malformed PLAIN response"), None
    user, pw = parts[1].decode("utf-8", "replace"), parts[2]
    return check(user, pw), user


def sasl_login(initial, check):
    resp = initial if initial is not None else (yield b64("Username:"))
    user = unb64(resp)
    pw = unb64((yield b64("Password:")))
    if user is None or pw is None:
        return (501, "5.5.2 Malformed LOGIN response"), None
    user = user.decode("utf-8", "replace")
    return check(user, pw), user


def sasl_oauth(initial, check, mech):
    """XOAUTH2 / OAUTHBEARER: a refused token gets the error challenge
    (base64 JSON, as Gmail and Dovecot send it), then 535 once the client
    answers it."""
    resp = initial if initial is not None else (yield "")
    raw = unb64(resp)
    if raw is None:
        return (501, "5.5.2 Invalid base64 data in initial response"), None
    fields = raw.decode("utf-8", "replace").split("\x01")
    kv = dict(f.split("=", 1) for f in fields[1 if mech == "OAUTHBEARER"
                                                else 0:] if "=" in f)
    if mech == "OAUTHBEARER":
        m = re.match(r"n,a=([^,]*),", fields[0])
        user = m.group(1) if m else ""
    else:
        user = kv.get("user", "")
    token = kv.get("auth", "")
    token = token[7:].encode("utf-8") if token.startswith("Bearer ") else b""
    result = check(user, token)
    if result == AUTH_OK:
        return result, user
    yield b64('{"status":"invalid_token","schemes":"bearer"}')
    return result, user


def sasl_cram_md5(users, hostname):
    challenge = "<%d.%d@%s>" % (os.getpid(), time.time_ns(), hostname)
    resp = unb64((yield b64(challenge)))
    if resp is None or b" " not in resp:
        return (501, "5.5.2 Malformed CRAM-MD5 response"), None
    user, digest = resp.decode("utf-8", "replace").rsplit(" ", 1)
    if users is None:
        return AUTH_OK, user
    pw = users.get(user)
    good = pw is not None and hmac.compare_digest(
        hmac.new(pw.encode("utf-8"), challenge.encode("ascii"),
                 hashlib.md5).hexdigest(), digest)
    return (AUTH_OK if good else AUTH_FAILED), user


# --- the SMTP session ---------------------------------------------------------

class Session:
    def __init__(self, server, sock, number):
        self.server = server
        self.number = number
        self.scen, self.tables = session_scenario(server.scen, number)
        self.host = self.scen.get("hostname", "fault.example.test")
        self.conn = Conn(sock, os.path.join(server.out,
                                            "session-%d.log" % number),
                         server.stop, float(self.scen.get("timeout", 120)))
        self.tls = None                 # TLS version once TLS is on
        self.helo = ""
        self.ehlo_done = False
        self.auth_user = None
        self.counts = {}                # stage -> occurrences so far
        self.messages = 0
        self.reset_transaction()

    def reset_transaction(self):
        self.mail = None
        self.rcpts = []
        self.rejected = []
        self.chunks = None              # BDAT data so far, or None

    # -- planning and executing replies

    def action(self, stage, extra=(), count=None):
        """The scenario's ACTION for this occurrence of STAGE, or {}.

        Keys in EXTRA come first, then "STAGE#N", then "STAGE"; the
        session's table before the global one. N counts the occurrences
        of STAGE in the session unless COUNT is given.
        """
        n = self.counts[stage] = self.counts.get(stage, 0) + 1
        if count is not None:
            n = count
        for table in self.tables:
            for key in list(extra) + ["%s#%d" % (stage, n), stage]:
                if key in table:
                    return table[key]
        return {}

    def plan(self, stage, code, lines, extra=(), count=None):
        action = self.action(stage, extra, count)
        return Plan(stage, action, build_reply(code, lines, action))

    def execute(self, plan):
        """Stall, drop or send as planned; returns the reply code."""
        act = plan.action
        if act.get("sleep"):
            self.conn.sleep(float(act["sleep"]))
        if act.get("drop"):
            self.conn.drop(bool(act.get("reset")))
        self.conn.send(plan.data, int(act.get("split", 0)),
                       float(act.get("split_delay", 0.002)))
        if act.get("inject"):
            self.conn.note("%d bytes injected after the %s reply"
                           % (len(act["inject"]), plan.stage))
        return plan.code

    def reply(self, stage, code, lines, extra=(), count=None):
        return self.execute(self.plan(stage, code, lines, extra, count))

    # -- capabilities

    def extensions(self):
        if self.tls and "ehlo_tls" in self.scen:
            return list(self.scen["ehlo_tls"])
        exts = list(self.scen.get("ehlo", DEFAULT_EHLO +
                                  (["STARTTLS"] if self.server.tls_ctx
                                   else [])))
        if self.tls:
            exts = [e for e in exts if e.upper() != "STARTTLS"]
        return exts

    def size_limit(self):
        for e in self.extensions():
            parts = e.split()
            if parts[0].upper() == "SIZE" and len(parts) > 1:
                return int(parts[1])
        return 0

    # -- command handlers

    def cmd_ehlo(self, arg):
        stages = ("ehlo_tls",) if self.tls else ()
        if self.scen.get("refuse_ehlo"):
            code, lines = 502, ["5.5.2 Error: command not recognized"]
        else:
            code = 250
            lines = ["%s Hello %s" % (self.host, arg)] + self.extensions()
        if self.reply("ehlo", code, lines, extra=stages) == 250:
            self.helo, self.ehlo_done = "EHLO " + arg, True
            self.reset_transaction()

    def cmd_helo(self, arg):
        if self.reply("helo", 250, [self.host]) == 250:
            self.helo = "HELO " + arg
            self.reset_transaction()

    def cmd_starttls(self, arg):
        ctx = self.server.tls_ctx
        if self.tls:
            code, text = 503, "5.5.1 Error: TLS already active"
        elif ctx is None:
            code, text = 454, "4.7.0 TLS not available"
        else:
            code, text = 220, "2.0.0 Ready to start TLS"
        plan = self.plan("starttls", code, [text])
        if self.execute(plan) != 220 or ctx is None:
            return
        how = plan.action.get("tls")
        if how == "garbage":
            # after the client's ClientHello, not with the 220: the
            # client then fails the handshake (not an injection)
            self.conn.sleep(0.2)
            self.conn.send(b"\x15\x03\x03\x00\x02\x02\x28 not TLS\r\n")
        if how == "stall":
            self.conn.sleep(float(plan.action.get("tls_sleep", 10)))
        if how in ("close", "garbage", "stall"):
            self.conn.drop(False)
        self.tls = self.conn.start_tls(ctx)
        self.ehlo_done = False
        self.auth_user = None
        self.helo = ""
        self.reset_transaction()

    def check_password(self, user, pw):
        users = self.scen.get("users")
        if not users or (user in users and
                         users[user].encode("utf-8") == pw):
            return AUTH_OK
        return AUTH_FAILED

    def sasl(self, mech, initial):
        users = self.scen.get("users") or None
        if mech == "PLAIN":
            return sasl_plain(initial, self.check_password)
        if mech == "LOGIN":
            return sasl_login(initial, self.check_password)
        if mech == "CRAM-MD5":
            return sasl_cram_md5(users, self.host)
        if mech in ("XOAUTH2", "OAUTHBEARER"):
            return sasl_oauth(initial, self.check_password, mech)
        return None

    def cmd_auth(self, arg):
        words = arg.split()
        mech = words[0].upper() if words else ""
        initial = words[1] if len(words) > 1 else None
        if initial == "=":
            initial = ""
        gen = self.sasl(mech, initial)
        if self.auth_user is not None:
            result = (503, "5.5.1 Error: already authenticated")
        elif self.scen.get("auth_requires_tls") and not self.tls:
            result = (538, "5.7.11 Encryption required for requested "
                      "authentication mechanism")
        elif gen is None:
            result = (504, "5.5.4 Unrecognized authentication type")
        else:
            self.auth_exchange(gen, mech)
            return
        self.reply("auth", result[0], [result[1]], extra=("auth_result",))

    def auth_exchange(self, gen, mech):
        step, final, user = 0, None, None
        try:
            challenge = next(gen)
        except StopIteration as stop:
            (final, user), challenge = stop.value, None
        while True:
            if final is not None:
                code, text, extra = final[0], final[1], ("auth_result",)
            else:
                code, text, extra = 334, challenge, ()
            if step == 0:
                got = self.reply("auth", code, [text], extra=extra)
            else:
                got = self.reply("auth_step", code, [text], extra=extra,
                                 count=step)
            if got != 334:
                if 200 <= got < 300:
                    self.auth_user = user if user is not None else ""
                    self.conn.note("authenticated as %r (%s)" % (user, mech))
                return
            line = self.conn.readline().rstrip(b"\r\n").decode("latin-1")
            step += 1
            if line == "*":
                final = (501, "5.0.0 Authentication cancelled")
                continue
            if final is None:
                try:
                    challenge = gen.send(line)
                except StopIteration as stop:
                    final, user = stop.value

    def mail_refusal(self, arg):
        if not self.helo:
            return 503, "5.5.1 Error: send HELO/EHLO first"
        if self.mail is not None:
            return 503, "5.5.1 Error: nested MAIL command"
        if self.scen.get("require_tls") and not self.tls:
            return 530, "5.7.0 Must issue a STARTTLS command first"
        if self.scen.get("require_auth") and self.auth_user is None:
            return 530, "5.7.0 Authentication required"
        m = re.search(r"(?i)\bSIZE=([0-9]+)", arg)
        limit = self.size_limit()
        if m and limit and int(m.group(1)) > limit:
            return 552, "5.3.4 Message size exceeds fixed limit"
        return None

    def cmd_mail(self, arg):
        if not arg.upper().startswith("FROM:"):
            self.reply("mail", 501, ["5.5.4 Syntax: MAIL FROM:<address>"])
            return
        refusal = self.mail_refusal(arg)
        code, text = refusal or (250, "2.1.0 Ok")
        if self.reply("mail", code, [text]) == 250:
            self.reset_transaction()
            self.mail = arg[5:].strip()

    def cmd_rcpt(self, arg):
        if not arg.upper().startswith("TO:"):
            self.reply("rcpt", 501, ["5.5.4 Syntax: RCPT TO:<address>"])
            return
        value = arg[3:].strip()
        addr = value.split(" ", 1)[0].strip("<>").lower()
        if self.mail is None:
            code, text = 503, "5.5.1 Error: need MAIL command"
        else:
            code, text = 250, "2.1.5 Ok"
        index = len(self.rcpts) + len(self.rejected) + 1
        got = self.reply("rcpt", code, [text], extra=("rcpt:" + addr,),
                         count=index)
        if got == 250 and self.mail is not None:
            self.rcpts.append(value)
        elif self.mail is not None:
            self.rejected.append("%s %d" % (value, got))

    def cmd_data(self, arg):
        if self.mail is None:
            code, text = 503, "5.5.1 Error: need MAIL command"
        elif not self.rcpts:
            code, text = 554, "5.5.1 Error: no valid recipients"
        elif self.chunks is not None:
            code, text = 503, "5.5.1 Error: BDAT in progress"
        else:
            code, text = 354, "End data with <CR><LF>.<CR><LF>"
        if self.reply("data", code, [text]) != 354:
            return
        self.messages += 1
        end = self.action("data_end", count=self.messages)
        body = self.action("body")
        if body.get("sleep"):
            self.conn.sleep(float(body["sleep"]))
        if body.get("drop") or end.get("drop") == "before":
            self.conn.drop(bool(body.get("reset") or end.get("reset")))
        wire = self.read_data()
        plan = Plan("data_end", end, build_reply(*self.final_reply(wire),
                                                 end))
        self.record("DATA", wire, unstuff(wire), plan)
        self.execute(plan)
        self.reset_transaction()

    def read_data(self):
        """Lines up to CRLF "." CRLF, as sent; the terminator is left out."""
        wire = bytearray()
        prev_crlf = True
        while True:
            line = self.conn.readline()
            if prev_crlf and line == b".\r\n":
                return bytes(wire)
            wire += line
            prev_crlf = line.endswith(b"\r\n")

    def final_reply(self, content):
        """The default reply once the message CONTENT is complete."""
        limit = self.size_limit()
        if limit and len(content) > limit:
            return 552, ["5.3.4 Message size exceeds fixed limit"]
        return 250, ["2.0.0 Ok: queued as S%dM%d" % (self.number,
                                                     self.messages)]

    def cmd_bdat(self, arg):
        words = arg.split()
        try:
            size = int(words[0])
            last = len(words) > 1 and words[1].upper() == "LAST"
            if len(words) > 2 or (len(words) == 2 and not last) or size < 0:
                raise ValueError
        except (ValueError, IndexError):
            self.reply("bdat", 501, ["5.5.4 Syntax: BDAT size [LAST]"])
            return
        if last:
            self.messages += 1
            stage = "bdat_last"
            act = self.action(stage, count=self.messages)
        else:
            stage = "bdat"
            act = self.action(stage)
        if act.get("drop") == "before":
            self.conn.drop(bool(act.get("reset")))
        chunk = self.conn.readexact(size)
        self.conn.log_lines(b"C: ", chunk)
        self.conn.note("end of BDAT chunk (%d octets)" % size)
        if self.mail is None or not self.rcpts:
            code, lines = ((503, ["5.5.1 Error: need MAIL command"])
                           if self.mail is None else
                           (554, ["5.5.1 Error: no valid recipients"]))
            self.execute(Plan(stage, act, build_reply(code, lines, act)))
            self.reset_transaction()
            return
        self.chunks = (self.chunks or b"") + chunk
        if not last:
            self.execute(Plan(stage, act, build_reply(
                250, ["2.0.0 Ok: %d octets" % size], act)))
            return
        plan = Plan(stage, act, build_reply(*self.final_reply(self.chunks),
                                            act))
        self.record("BDAT", self.chunks, self.chunks, plan)
        self.execute(plan)
        self.reset_transaction()

    def cmd_rset(self, arg):
        self.reply("rset", 250, ["2.0.0 Ok"])
        self.reset_transaction()

    def cmd_quit(self, arg):
        self.reply("quit", 221, ["2.0.0 Bye"])
        raise SessionEnd()

    def cmd_noop(self, arg):
        self.reply("noop", 250, ["2.0.0 Ok"])

    def cmd_other(self, verb, arg):
        known = {"VRFY": (252, "2.0.0 Cannot VRFY user"),
                 "EXPN": (502, "5.5.1 EXPN not supported"),
                 "HELP": (214, "2.0.0 See RFC 5321")}
        if verb in known:
            code, text = known[verb]
            self.reply(verb.lower(), code, [text])
        else:
            self.reply("unknown", 500, ["5.5.2 Error: command not recognized"])

    # -- recording

    def record(self, transport, wire, content, plan):
        base = os.path.join(self.server.out,
                            "msg-%d-%d" % (self.number, self.messages))
        write_file(base + ".wire", wire)
        if transport == "DATA":
            write_file(base + ".eml", content)
        env = [("session", self.number), ("message", self.messages),
               ("transport", transport), ("tls", self.tls or "no"),
               ("auth_user", "" if self.auth_user is None
                else self.auth_user), ("helo", self.helo),
               ("mail", self.mail)]
        env += [("rcpt", r) for r in self.rcpts]
        env += [("rcpt_rejected", r) for r in self.rejected]
        env += [("size", len(wire)),
                ("bare_cr", len(re.findall(rb"\r(?!\n)", wire))),
                ("bare_lf", len(re.findall(rb"(?<!\r)\n", wire))),
                ("nul", wire.count(b"\0")),
                ("reply", plan.first_line())]
        text = "".join("%s=%s\n" % kv for kv in env)
        write_file(base + ".env", text.encode("utf-8"))
        self.conn.note("message %d recorded: %s (%d octets)"
                       % (self.messages, base + ".wire", len(wire)))

    # -- the loop

    def dispatch(self, line):
        limit = self.scen.get("line_max")
        if limit and len(line) > limit:
            self.reply("unknown", 500, ["5.5.2 Line too long"])
            return
        text = line.rstrip(b"\r\n").decode("utf-8", "replace")
        verb, _, arg = text.partition(" ")
        verb = verb.upper()
        handler = {"EHLO": self.cmd_ehlo, "HELO": self.cmd_helo,
                   "STARTTLS": self.cmd_starttls, "AUTH": self.cmd_auth,
                   "MAIL": self.cmd_mail, "RCPT": self.cmd_rcpt,
                   "DATA": self.cmd_data, "BDAT": self.cmd_bdat,
                   "RSET": self.cmd_rset, "QUIT": self.cmd_quit,
                   "NOOP": self.cmd_noop}.get(verb)
        if handler:
            handler(arg.strip())
        else:
            self.cmd_other(verb, arg)

    def run(self):
        try:
            if self.scen.get("tls") == "implicit":
                self.tls = self.conn.start_tls(self.server.tls_ctx)
            self.reply("greeting", 220,
                       ["%s ESMTP postern-faultserver" % self.host])
            while True:
                self.dispatch(self.conn.readline())
        except SessionEnd:
            pass
        except Exception as e:      # keep serving other sessions
            self.conn.note("internal error: %r" % e)
            raise
        finally:
            self.conn.note("session end")
            self.conn.finish()


def unstuff(wire):
    return b"".join(line[1:] if line.startswith(b".") else line
                    for line in wire.splitlines(keepends=True))


def write_file(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


# --- the listener -------------------------------------------------------------

class Server:
    def __init__(self, args):
        self.scen = load_scenario(args.scenario, args)
        self.out = args.out
        os.makedirs(self.out, exist_ok=True)
        self.stop = threading.Event()
        self.tls_ctx = None
        if args.cert:
            self.tls_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            try:
                self.tls_ctx.load_cert_chain(args.cert, args.key or args.cert)
            except ssl.SSLError:
                # A weak certificate (RSA-1024, SHA-1) on purpose: serve
                # it anyway, so that the client is the one refusing it.
                self.tls_ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
                self.tls_ctx.load_cert_chain(args.cert, args.key or args.cert)
        elif self.scen.get("tls") == "implicit":
            sys.exit("faultserver: implicit TLS needs --cert and --key")
        self.listeners = self.bind(args)
        self.fillers = []
        if self.scen.get("accept", True) is False:
            self.fill_backlog()
        self.sessions = 0
        self.threads = []

    def bind(self, args):
        addrs = args.listen or ["127.0.0.1"] + (["::1"] if args.ipv6 else [])
        for a in addrs:
            if not ipaddress.ip_address(a).is_loopback:
                sys.exit("faultserver: refusing non-loopback address " + a)
        for _ in range(20):     # all addresses on one port; retry on clash
            socks, port = [], args.port
            try:
                for a in addrs:
                    fam = socket.AF_INET6 if ":" in a else socket.AF_INET
                    s = socket.socket(fam, socket.SOCK_STREAM)
                    socks.append(s)
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    if fam == socket.AF_INET6:
                        s.setsockopt(socket.IPPROTO_IPV6,
                                     socket.IPV6_V6ONLY, 1)
                    s.bind((a, port))
                    s.listen(64)
                    port = s.getsockname()[1]
                self.port = port
                return socks
            except OSError:
                for s in socks:
                    s.close()
                if args.port:
                    raise
        sys.exit("faultserver: could not bind one port on " + " ".join(addrs))

    def fill_backlog(self):
        """Listen queues of length 0, filled by our own connections."""
        for s in self.listeners:
            s.listen(0)
            host = s.getsockname()[0]
            for _ in range(8):
                c = socket.socket(s.family, socket.SOCK_STREAM)
                c.settimeout(0.3)
                try:
                    c.connect((host, self.port))
                except OSError:
                    c.close()
                    break
                self.fillers.append(c)

    def serve(self):
        if self.fillers:
            self.stop.wait()
            for c in self.fillers + self.listeners:
                c.close()
            return
        sel = selectors.DefaultSelector()
        for s in self.listeners:
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ)
        while not self.stop.is_set():
            for key, _ in sel.select(0.2):
                try:
                    sock, _ = key.fileobj.accept()
                except OSError:
                    continue
                sock.setblocking(True)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.sessions += 1
                t = threading.Thread(target=self.run_session,
                                     args=(sock, self.sessions), daemon=True)
                t.start()
                self.threads.append(t)
            self.threads = [t for t in self.threads if t.is_alive()]
        for s in self.listeners:
            s.close()
        for t in self.threads:
            t.join(2)

    def run_session(self, sock, number):
        print("faultserver: session %d from %s" % (number, sock.getpeername()
                                                   [0]), file=sys.stderr)
        try:
            Session(self, sock, number).run()
        except Exception as e:
            print("faultserver: session %d: %r" % (number, e),
                  file=sys.stderr)


def parse_args():
    p = argparse.ArgumentParser(description="scriptable SMTP fault server")
    p.add_argument("--scenario", help="JSON scenario file")
    p.add_argument("--out", required=True,
                   help="directory for transcripts and messages")
    p.add_argument("--port-file", help="write the port here when listening")
    p.add_argument("--pid-file")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--listen", action="append",
                   help="loopback address (repeatable; default 127.0.0.1)")
    p.add_argument("--ipv6", action="store_true", help="also listen on ::1")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--tls", choices=["starttls", "implicit"])
    p.add_argument("--hostname")
    p.add_argument("--well-behaved", action="store_true")
    p.add_argument("--user")
    p.add_argument("--password")
    return p.parse_args()


def main():
    args = parse_args()
    server = Server(args)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: server.stop.set())
    if args.pid_file:
        write_file(args.pid_file, b"%d\n" % os.getpid())
    if args.port_file:
        write_file(args.port_file, b"%d\n" % server.port)
    print("faultserver: listening on port %d" % server.port, file=sys.stderr)
    server.serve()
    print("faultserver: stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
