"""A local HTTP receiver for Apprise's json:// plugin that misbehaves on a schedule, and counts copies.

Every request the receiver takes in (answered 200, at once or too late) is counted under its
Idempotency-Key header (the message key, sent by delivery) as soon as its body is read, before the
answer: a request answered too late was still received, which is exactly how a timed-out send turns
into a duplicate. Requests answered 500 are refused, not received.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

OK, ERROR, SLOW = "ok", "error", "slow"


class FlakyReceiver:
    def __init__(self, behaviour: Callable[[int], str] = lambda n: OK, slow_seconds: float = 1.0, port: int = 0):
        self.behaviour, self.slow_seconds = behaviour, slow_seconds
        self.received: Counter[str] = Counter()  # message key -> copies the receiver took in
        self.answers: Counter[str] = Counter()  # ok / error / slow
        self.requests = 0
        self.on_request: Callable[[int, str], None] | None = None  # called with (request number, key)
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                key = self.headers.get("Idempotency-Key", "")
                with receiver.lock:
                    receiver.requests += 1
                    n = receiver.requests
                    answer = receiver.behaviour(n)
                    if answer != ERROR:
                        receiver.received[key] += 1
                    receiver.answers[answer] += 1
                if receiver.on_request is not None:
                    receiver.on_request(n, key)
                if answer == SLOW:
                    time.sleep(receiver.slow_seconds)
                self.send_response(500 if answer == ERROR else 200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                try:
                    self.wfile.write(b"{}")
                except OSError:  # the client gave up waiting
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FlakyReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def duplicated(self) -> dict[str, int]:
        return {key: copies for key, copies in self.received.items() if copies > 1}
