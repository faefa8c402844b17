"""What the fake platform gateways share: an http.server on 127.0.0.1 (a free port) serving in
a daemon thread while the fake is used as a context manager, the CONNECTORS settings that
point a client at it (short timeout, no retries), and the scripted answers.

A subclass names its URL path (`path`) and the CONNECTORS key of its URL (`url_setting`) and
answers requests in `post(path, headers, raw)` (and `get(path, query)` if the platform has GET
calls). An answer is the body (HTTP 200), `(status, body)`, or None: the gateway's front
answering 503 with no body, as under load.

`answers` scripts what to play before answering normally ("throttle", "expired",
"malformed", ("slow", seconds)…; each fake says which it knows); `take(call)` logs an accepted
call in `calls` and gives the next script, having slept out a ("slow", s) one. `refused`
keeps the calls the gateway refused."""

import contextlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from django.test import override_settings

Answer = bytes | tuple[int, bytes] | None


def form(raw: bytes) -> dict:
    """A form-encoded body as a dict."""
    return dict(parse_qsl(raw.decode()))


class FakeGateway:
    path = ""  # the URL path clients call, after the host
    url_setting = ""  # the CONNECTORS key naming the gateway's URL
    content_type = "application/json;charset=UTF-8"

    def __init__(self) -> None:
        self.answers: list = []
        self.calls: list = []
        self.refused: list = []
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True

    def post(self, path: str, headers: dict, raw: bytes) -> Answer:
        raise NotImplementedError

    get = None  # (path, query) -> Answer, for a gateway that answers GET

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if fake.get is None:
                    self.send_error(501, f"Unsupported method ({self.command!r})")
                    return
                parts = urlsplit(self.path)
                self.send(fake.get(parts.path, dict(parse_qsl(parts.query))))

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                self.send(fake.post(urlsplit(self.path).path, dict(self.headers), raw))

            def send(self, body: Answer) -> None:
                if body is None:
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                status = 200
                if isinstance(body, tuple):
                    status, body = body
                self.send_response(status)
                self.send_header("Content-Type", fake.content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the client gave up (a timeout test)
                    self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        return Handler

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{self.path}"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def settings(self, **more):
        """The CONNECTORS settings that point the client here (short timeout, no retries)."""
        from django.conf import settings

        return override_settings(
            CONNECTORS={**settings.CONNECTORS, self.url_setting: self.url, "TIMEOUT": 2}
            | {"RETRIES": 0, "JITTER_S": 0}
            | more
        )

    def take(self, call):
        """Log an accepted call and give the script to play on it, if any; a ("slow", s)
        script is slept out here and the call answered normally."""
        with self._lock:
            self.calls.append(call)
            scripted = self.answers.pop(0) if self.answers else None
        if isinstance(scripted, tuple) and scripted[0] == "slow":
            time.sleep(scripted[1])
        return scripted
