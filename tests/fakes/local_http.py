"""The HTTP plumbing the local fake providers share (WeChat API, Tencent SMS, webhook sink).

Each fake is a dataclass that mixes in ``LocalHttpFake`` and names its
``handler_class``; the handler reads the body, hands it to the fake and
writes the answer. Everything protocol-specific stays in the fake's module.
"""

from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Self

__all__ = ["LocalHttpServer", "KeepAliveHandler", "LocalHttpFake"]


class LocalHttpServer(ThreadingHTTPServer):
    """A threaded server that knows its fake and stays quiet about clients hanging up."""

    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        handler_class: type[BaseHTTPRequestHandler],
        fake: Any,
        *,
        listen_backlog: int,
    ):
        # ``request_queue_size`` is read by ``server_activate`` inside ``__init__``, so set it first.
        self.request_queue_size = listen_backlog
        self.fake = fake
        super().__init__(address, handler_class)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients closing keep-alive connections (resets, broken pipes) are normal, not errors.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class KeepAliveHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive handler base: body in, JSON out, no access log."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # small replies must not wait for the client's delayed ACK
    server: LocalHttpServer

    def read_body(self) -> bytes:
        """The request body; a client that hangs up mid-body has sent no request (as with a real server)."""
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            raise ConnectionResetError("the client closed the connection before sending the whole body")
        return body

    def write_json(self, status: int, document: Any, content_type: str = "application/json") -> None:
        payload = json.dumps(document, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        return


class LocalHttpFake:
    """start()/stop() (or ``with``) for a fake served on ``host``:``port`` from a daemon thread.

    Port 0 picks a free port; ``port`` holds the real one once started.
    """

    handler_class: ClassVar[type[KeepAliveHandler]]
    listen_backlog: ClassVar[int] = 256
    host: str
    port: int
    _server: LocalHttpServer | None = None

    def start(self) -> Self:
        server = LocalHttpServer((self.host, self.port), self.handler_class, self, listen_backlog=self.listen_backlog)
        self._server = server
        self.port = server.server_address[1]
        threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, name=type(self).__name__, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"
