"""A tiny recording HTTP server on loopback, the base of the local provider fakes.

Provider fakes subclass `FakeProviderServer` and add routes that answer in the provider's
documented response shapes. Tests and the demo point a channel's `api_base_url` setting at
`server.base_url`, then read `server.requests` and script failures with `server.fail_next()`.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body or b"null")

    def multipart(self) -> tuple[dict[str, str], dict[str, Upload]]:
        """The fields and files of a multipart/form-data body ({}, {} for any other body)."""
        content_type = self.headers.get("content-type", "")
        if not content_type.startswith("multipart/form-data"):
            return {}, {}
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + self.body)
        fields: dict[str, str] = {}
        files: dict[str, Upload] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            filename = part.get_filename()
            content = part.get_payload(decode=True) or b""
            if filename is not None:
                files[name] = Upload(filename, part.get_content_type(), content)
            else:
                fields[name] = content.decode()
        return fields, files


@dataclass
class Upload:
    filename: str
    content_type: str
    content: bytes


@dataclass
class Reply:
    status: int = 200
    body: object = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Recorded, re.Match], Reply]


class FakeProviderServer:
    """Subclasses call `self.route(method, pattern, handler)` in `setup_routes()`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.requests: list[Recorded] = []
        self._routes: list[tuple[str, re.Pattern, Handler]] = []
        self._scripted: list[Reply] = []
        self._lock = threading.Lock()
        self.setup_routes()
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- configuration ---------------------------------------------------------------------
    def setup_routes(self) -> None:  # pragma: no cover - subclasses override
        pass

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self._routes.append((method.upper(), re.compile(pattern + r"$"), handler))

    def fail_next(self, status: int, body: object | None = None, headers: dict | None = None,
                  times: int = 1) -> None:
        """The next `times` requests get this answer instead of the normal one."""
        with self._lock:
            self._scripted.extend(Reply(status, body if body is not None else {}, headers or {})
                                  for _ in range(times))

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeProviderServer:
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def requests_to(self, method: str, path_regex: str) -> list[Recorded]:
        pattern = re.compile(path_regex)
        return [r for r in self.requests if r.method == method.upper() and pattern.search(r.path)]

    # -- request handling ------------------------------------------------------------------
    def _answer(self, recorded: Recorded) -> Reply:
        with self._lock:
            self.requests.append(recorded)
            if self._scripted:
                return self._scripted.pop(0)
        for method, pattern, handler in self._routes:
            match = pattern.match(recorded.path)
            if method == recorded.method and match:
                return handler(recorded, match)
        return Reply(404, {"error": "no such endpoint in the fake", "path": recorded.path})

    def _handler_class(self):
        fake = self

        class RequestHandler(BaseHTTPRequestHandler):
            def _serve(self):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                recorded = Recorded(self.command, parts.path, parse_qs(parts.query),
                                    {k.lower(): v for k, v in self.headers.items()},
                                    self.rfile.read(length) if length else b"")
                reply = fake._answer(recorded)
                body = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
                self.send_response(reply.status)
                headers = {"Content-Type": "application/json", **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

            def log_message(self, *args):  # keep test output quiet
                pass

        return RequestHandler
