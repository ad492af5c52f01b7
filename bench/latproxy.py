#!/usr/bin/env python3
"""bench/latproxy.py: a TCP proxy on loopback that adds a fixed one-way
delay to each direction and keeps the order of the bytes (no kernel netem
needed). Used by bench/run for the "real network" workloads W7a-W9.

    latproxy.py --listen-port P --target-port T --delay-ms D [--ready FILE]

Listens on 127.0.0.1:P (0: any free port), forwards every connection to
127.0.0.1:T. Model of the network (bench/README, "Latency model"):
  - TCP's handshake costs one round trip, as on a real network: the
    connection to the target is opened 3 D after the client's is accepted
    (SYN, SYN-ACK, ACK), and nothing the client sends reaches the target
    before then. On loopback the client's connect() returns at once, so
    the round trip shows up as a later first byte instead: a server
    greeting reaches the client 4 D (two round trips) after connect(), a
    TLS ClientHello's answer likewise, as on a real network;
  - every chunk read from one side is written to the other side D ms after
    it was read, in order (a FIFO per direction: a later chunk never
    overtakes an earlier one);
  - a close (EOF) travels the same way, D ms behind the last chunk.
Bandwidth is not limited. --ready FILE: write the listening port to FILE
once listening (the caller waits for the file, not a fixed sleep).
Stop it with SIGTERM (by PID).
"""
import argparse
import asyncio
import os
import signal
import socket
import sys


async def pump(reader, writer_fut, delay):
    """Copy reader to the writer writer_fut gives, each chunk `delay`
    seconds after it arrived (and not before the writer exists)."""
    loop = asyncio.get_running_loop()
    q = asyncio.Queue()

    async def rd():
        try:
            while True:
                data = await reader.read(65536)
                q.put_nowait((loop.time() + delay, data))
                if not data:
                    return
        except (ConnectionError, OSError):
            q.put_nowait((loop.time() + delay, b""))

    async def wr():
        writer = await writer_fut
        if writer is None:
            return
        try:
            while True:
                due, data = await q.get()
                wait = due - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                if not data:
                    if writer.can_write_eof():
                        writer.write_eof()
                    await writer.drain()
                    return
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            return

    await asyncio.gather(rd(), wr())


def nodelay(w):
    sock = w.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


async def handle(creader, cwriter, args):
    loop = asyncio.get_running_loop()
    delay = args.delay_ms / 1000.0
    nodelay(cwriter)
    upstream = loop.create_future()  # (reader, writer) or None
    swriter = loop.create_future()
    cw = loop.create_future()
    cw.set_result(cwriter)

    async def connect():
        await asyncio.sleep(3 * delay)  # SYN, SYN-ACK, ACK
        try:
            r, w = await asyncio.open_connection(
                "127.0.0.1", args.target_port)
        except OSError:
            upstream.set_result(None)
            swriter.set_result(None)
            cwriter.close()
            return
        nodelay(w)
        upstream.set_result((r, w))
        swriter.set_result(w)

    async def down():
        up = await upstream
        if up is not None:
            await pump(up[0], cw, delay)

    try:
        await asyncio.gather(connect(), pump(creader, swriter, delay),
                             down())
    finally:
        cwriter.close()
        if swriter.done() and swriter.result() is not None:
            swriter.result().close()


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen-port", type=int, default=0)
    ap.add_argument("--target-port", type=int, required=True)
    ap.add_argument("--delay-ms", type=float, required=True)
    ap.add_argument("--ready")
    args = ap.parse_args()
    server = await asyncio.start_server(
        lambda r, w: handle(r, w, args), "127.0.0.1", args.listen_port)
    port = server.sockets[0].getsockname()[1]
    if args.ready:
        tmp = args.ready + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, args.ready)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(130)
