"""A CPython HTTP server on 127.0.0.1 for the aiohttp client part: prints
its (random, free) port, serves until its stdin closes.

  GET  /hello          "hello world"
  GET  /params?...     the query string
  POST /echo           the body back, with X-Body-Length
  GET  /big            200,000 bytes of a known pattern
  GET  /chunked        HTTP/1.1, Transfer-Encoding: chunked, CHUNKS chunks
  GET  /ws             a websocket that echoes text and binary messages
"""

import base64
import hashlib
import http.server
import struct
import sys
import threading

CHUNKS = 5
BIG = bytes(i * 7 & 0xFF for i in range(200_000))
WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _reply(self, body, ctype="text/plain", extra=()):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path, _, query = self.path.partition("?")
        if path == "/hello":
            self._reply(b"hello world")
        elif path == "/params":
            self._reply(query.encode())
        elif path == "/big":
            self._reply(BIG, "application/octet-stream")
        elif path == "/chunked":
            self.protocol_version = "HTTP/1.1"
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Connection", "close")
            self.end_headers()
            for i in range(CHUNKS):
                data = b"chunk %d;" % i * (i + 1)
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
        elif path == "/ws":
            self._websocket()
        else:
            self.send_error(404)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path == "/echo":
            self._reply(body, self.headers.get("Content-Type", "text/plain"),
                        [("X-Body-Length", str(len(body)))])
        else:
            self.send_error(404)

    # RFC 6455, as much as an echo needs: the handshake, then frames
    # (masked from the client, unmasked to it) until a close frame.
    def _websocket(self):
        key = self.headers.get("Sec-WebSocket-Key", "").encode()
        accept = base64.b64encode(hashlib.sha1(key + WS_GUID).digest()).decode()
        self.protocol_version = "HTTP/1.1"
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        self.wfile.flush()
        while True:
            b1, b2 = self.rfile.read(2)
            opcode, length = b1 & 0x0F, b2 & 0x7F
            if length == 126:
                (length,) = struct.unpack("!H", self.rfile.read(2))
            elif length == 127:
                (length,) = struct.unpack("!Q", self.rfile.read(8))
            mask = self.rfile.read(4) if b2 & 0x80 else b"\0\0\0\0"
            payload = bytes(c ^ mask[i % 4] for i, c in enumerate(self.rfile.read(length)))
            if opcode == 8:  # close: answer it and end
                self._ws_send(8, payload)
                return
            if opcode in (1, 2):
                self._ws_send(opcode, payload)

    def _ws_send(self, opcode, payload):
        n = len(payload)
        if n < 126:
            head = struct.pack("!BB", 0x80 | opcode, n)
        elif n < 65536:
            head = struct.pack("!BBH", 0x80 | opcode, 126, n)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 127, n)
        self.wfile.write(head + payload)
        self.wfile.flush()


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(server.server_address[1], flush=True)
    sys.stdin.read()  # until the test closes our stdin
    server.shutdown()


if __name__ == "__main__":
    main()
