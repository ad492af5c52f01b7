#!/usr/bin/env bats
# bench_latproxy.bats: the latency proxy of bench/ (bench/latproxy.py)
# really delays: an echo round trip through it takes at least twice the
# one-way delay, the bytes come back whole and in order, and the first
# server bytes reach the client one round trip after connect(). Light:
# about a second. Echo server and proxy on 127.0.0.1, stopped by PID.

load lib/common

setup() {
	hermetic_env
	require_cmd python3 python3
	pids=()
}

teardown() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}

# wait_file FILE: until it exists (at most 10 s).
wait_file() {
	local i
	for i in $(seq 200); do
		[ -s "$1" ] && return 0
		sleep 0.05
	done
	echo "no $1" >&2
	return 1
}

# An echo server that greets with "hi\n" first, then echoes.
start_echo() {
	python3 - "$BATS_TEST_TMPDIR/echo.port" <<'PY' &
import os, socket, sys, threading
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
open(sys.argv[1] + ".tmp", "w").write("%d\n" % s.getsockname()[1])
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
def serve(c):
    c.sendall(b"hi\n")
    while True:
        d = c.recv(65536)
        if not d:
            break
        c.sendall(d)
    c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
	pids+=($!)
	wait_file "$BATS_TEST_TMPDIR/echo.port"
}

start_proxy() {
	python3 "$POSTERN_SRCDIR/bench/latproxy.py" --target-port \
		"$(cat "$BATS_TEST_TMPDIR/echo.port")" --delay-ms "$1" \
		--ready "$BATS_TEST_TMPDIR/proxy.port" &
	pids+=($!)
	wait_file "$BATS_TEST_TMPDIR/proxy.port"
}

# client DELAY_MS: prints "greet_ms rtt_ms ok|bad".
client() {
	python3 - "$(cat "$BATS_TEST_TMPDIR/proxy.port")" <<'PY'
import socket, sys, time
t0 = time.monotonic()
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
def readn(n):
    b = b""
    while len(b) < n:
        d = c.recv(65536)
        if not d:
            break
        b += d
    return b
g = readn(3)
t1 = time.monotonic()
c.sendall(b"ping\n")
e = readn(5)
t2 = time.monotonic()
# order: many small writes come back as one stream, in order
data = b"".join(b"%06d\n" % i for i in range(3000))
for i in range(0, len(data), 7):
    c.sendall(data[i:i + 7])
back = readn(len(data))
ok = g == b"hi\n" and e == b"ping\n" and back == data
print("%.1f %.1f %s" % ((t1 - t0) * 1000, (t2 - t1) * 1000, "ok" if ok else "bad"))
PY
}

@test "latproxy: one echo round trip takes at least 2 x the one-way delay" {
	start_echo
	start_proxy 50
	run client
	echo "$output"
	[ "$status" -eq 0 ]
	read -r greet rtt ok <<<"$output"
	[ "$ok" = ok ]
	# round trip >= 2 x 50 ms; and not absurdly more (it adds, not stalls)
	awk -v r="$rtt" 'BEGIN { exit !(r >= 100 && r < 2000) }'
	# the greeting: TCP's handshake (one round trip, seen as a later
	# first byte), then the greeting's: two round trips (4 x 50 ms)
	awk -v g="$greet" 'BEGIN { exit !(g >= 200 && g < 2000) }'
}

@test "latproxy: without delay the same round trip is fast (the proxy adds the delay)" {
	start_echo
	start_proxy 0
	run client
	echo "$output"
	[ "$status" -eq 0 ]
	read -r greet rtt ok <<<"$output"
	[ "$ok" = ok ]
	awk -v r="$rtt" 'BEGIN { exit !(r < 100) }'
}
