# SPDX-License-Identifier: LGPL-2.1-or-later
"""A minimal WebSocket client (RFC 6455, text frames) and HTTP helper on the
standard library, for sscardd's protocol tests: unlike a browser it can
send any Host and Origin, so the refusals can be tested."""
import base64
import http.client
import json
import os
import socket
import struct


class HandshakeRefused(Exception):
    def __init__(self, status):
        super().__init__("upgrade refused: %s" % status)
        self.status = status


class WS:
    def __init__(self, port, origin=None, host=None, path="/v1/ws",
                 protocol="sscard.v1", timeout=20.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = ["GET %s HTTP/1.1" % path,
                 "Host: %s" % (host or "127.0.0.1:%d" % port),
                 "Upgrade: websocket", "Connection: Upgrade",
                 "Sec-WebSocket-Key: " + key, "Sec-WebSocket-Version: 13"]
        if origin is not None:
            lines.append("Origin: " + origin)
        if protocol is not None:
            lines.append("Sec-WebSocket-Protocol: " + protocol)
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                break
            head += chunk
        status = head.split(b"\r\n", 1)[0].decode(errors="replace")
        self.buf = head.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in head else b""
        if " 101 " not in status + " ":
            self.sock.close()
            raise HandshakeRefused(status)
        self.next_id = 1

    def send_raw(self, payload, opcode=1, fin=True):
        if isinstance(payload, str):
            payload = payload.encode()
        mask = os.urandom(4)
        n = len(payload)
        head = bytes([(0x80 if fin else 0) | opcode])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + body)

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed by the service")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv(self):
        """The next text message as parsed JSON."""
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            data = self._read(n)
            if b0 & 0x0F == 1:
                return json.loads(data.decode())
            if b0 & 0x0F == 8:
                raise ConnectionError("closed by the service")

    def call(self, method, params=None, skip_events=True):
        rid = self.next_id
        self.next_id += 1
        msg = {"id": rid, "method": method}
        if params is not None:
            msg["params"] = params
        self.send_raw(json.dumps(msg))
        return self.answer(rid, skip_events)

    def answer(self, rid, skip_events=True):
        while True:
            m = self.recv()
            if "event" in m and skip_events:
                continue
            if rid is None or m.get("id") == rid or "event" in m:
                return m

    def wait_event(self, name):
        while True:
            m = self.recv()
            if m.get("event") == name:
                return m

    def close(self):
        try:
            self.send_raw(b"\x03\xe8", opcode=8)
        except OSError:
            pass
        self.sock.close()


def http_get(port, path, headers=None, method="GET"):
    """(status, headers dict lower-cased, body text)"""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    h = {"Host": "127.0.0.1:%d" % port}
    h.update(headers or {})
    conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    for k, v in h.items():
        conn.putheader(k, v)
    conn.endheaders()
    r = conn.getresponse()
    body = r.read().decode(errors="replace")
    hdrs = {k.lower(): v for k, v in r.getheaders()}
    conn.close()
    return r.status, hdrs, body
