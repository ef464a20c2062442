"""A loopback SMS gateway speaking the generic HTTP gateway format Sinergi supports
(``SMS_PROVIDER=http``): form POST ``to`` and ``message``, answers 200 with a JSON message id.

    python -m bench.loopback_sms PORT        GET /count tells how many messages it accepted.
"""
from __future__ import annotations

import itertools
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

_lock = threading.Lock()
_received = itertools.count(1)
_count = 0


class Gateway(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: with Nagle's algorithm on, the body waits for the
    # client's delayed ACK of the headers (~20-40 ms on a kept-alive loopback connection), a
    # stall no real gateway (nginx and the like set TCP_NODELAY) puts on each SMS.
    disable_nagle_algorithm = True

    def _answer(self, status: int, payload: dict[str, object]) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._answer(200, {"received": _count})

    def do_POST(self) -> None:
        global _count
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode())
        if not form.get("to") or not form.get("message"):
            self._answer(400, {"status": "error", "error": "to and message are required"})
            return
        with _lock:
            _count += 1
            number = next(_received)
        self._answer(200, {"status": "ok", "message_id": f"loop-{number}"})

    def log_message(self, *args: object) -> None:
        return None


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Gateway)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
