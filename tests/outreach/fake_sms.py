"""A fake SMS provider: http.server on 127.0.0.1 in a thread, scripted per test."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeSmsProvider:
    def __init__(self, responses=None) -> None:
        # A list of (status, delay_seconds) or (status, delay_seconds, answer) played in
        # order; then 200s answering {"id": "sms-<n>"}.
        self.responses = list(responses or [])
        self.requests: list[dict] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                provider.requests.append({"headers": dict(self.headers), "body": body})
                status, delay, *answer = (
                    provider.responses.pop(0) if provider.responses else (200, 0)
                )
                if delay:
                    time.sleep(delay)
                answer = answer[0] if answer else {"id": f"sms-{len(provider.requests)}"}
                payload = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "FakeSmsProvider":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
