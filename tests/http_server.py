"""A small HTTP server on 127.0.0.1 for download tests: Range, failures, request log."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Behaviour:
    """How the server answers one path."""

    body: bytes = b""
    status: int = 200
    drop_after: int | None = None  # first request only: close the connection after N body bytes
    ignore_range: bool = False
    served: int = field(default=0)


class LocalServer:
    """``with LocalServer() as server: server.files['/a'] = Behaviour(b'...'); server.url('/a')``."""

    def __init__(self):
        self.files: dict[str, Behaviour] = {}
        self.requests: list[tuple[str, str | None]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                outer.requests.append((self.path, self.headers.get("Range")))
                behaviour = outer.files.get(self.path)
                if behaviour is None or behaviour.status != 200:
                    self.send_error(404 if behaviour is None else behaviour.status)
                    return
                body, start = behaviour.body, 0
                range_header = self.headers.get("Range")
                if range_header and not behaviour.ignore_range:
                    start = int(range_header.split("=")[1].split("-")[0])
                    if start >= len(body):
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{len(body)}")
                        self.end_headers()
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                else:
                    self.send_response(200)
                self.send_header("Content-Length", str(len(body) - start))
                self.end_headers()
                payload = body[start:]
                behaviour.served += 1
                if behaviour.drop_after is not None and behaviour.served == 1:
                    self.wfile.write(payload[: behaviour.drop_after])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
