#!/usr/bin/env python3
"""Record the ClientHello that a local TLS client sends, as one line of hex.

Listens once on 127.0.0.1:PORT, optionally plays the SMTP server up to
STARTTLS (--smtp), reads one TLS record (the ClientHello), prints
"NAME<TAB>HEX" to stdout and closes the connection (the client then fails,
which is expected). Only loopback is used.

    python3 capture_clienthello.py --name openssl-s_client --port 44400 &
    openssl s_client -connect 127.0.0.1:44400 -servername mx.example.net </dev/null

    python3 capture_clienthello.py --name posttls-finger --port 44401 --smtp &
    posttls-finger -c -l may "[127.0.0.1]:44401"

The lines this printed on the project's machine are kept in
sources/captured-clienthellos.txt and read by make_from_testssl.py.
"""
import argparse
import socket
import sys


def read_exact(conn, n):
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            raise EOFError("peer closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def smtp_until_starttls(conn):
    f = conn.makefile("rb")
    conn.sendall(b"220 capture.invalid ESMTP\r\n")
    while True:
        line = f.readline()
        if not line:
            raise EOFError("client left before STARTTLS")
        cmd = line.strip().upper()
        if cmd.startswith(b"EHLO"):
            conn.sendall(b"250-capture.invalid\r\n250-PIPELINING\r\n250 STARTTLS\r\n")
        elif cmd.startswith(b"HELO"):
            conn.sendall(b"250 capture.invalid\r\n")
        elif cmd == b"STARTTLS":
            conn.sendall(b"220 2.0.0 go ahead\r\n")
            return
        elif cmd == b"QUIT":
            conn.sendall(b"221 bye\r\n")
            raise EOFError("client quit")
        else:
            conn.sendall(b"250 ok\r\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--smtp", action="store_true", help="speak SMTP up to STARTTLS first")
    ap.add_argument("--timeout", type=float, default=30.0)
    a = ap.parse_args()
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", a.port))
    srv.listen(1)
    srv.settimeout(a.timeout)
    conn, _ = srv.accept()
    conn.settimeout(a.timeout)
    try:
        if a.smtp:
            smtp_until_starttls(conn)
        head = read_exact(conn, 5)
        if head[0] != 0x16:
            raise ValueError("not a TLS handshake record: %s" % head.hex())
        body = read_exact(conn, int.from_bytes(head[3:5], "big"))
        print("%s\t%s" % (a.name, (head + body).hex()))
        sys.stdout.flush()
    finally:
        conn.close()
        srv.close()


if __name__ == "__main__":
    main()
