"""SMS providers served on loopback by the tests, speaking the providers' real wire formats.

``FakeTwilio`` answers ``POST /2010-04-01/Accounts/{sid}/Messages.json`` like Twilio does
(201 with the message resource; 400 with ``code`` 21211 for an invalid number; 429 code 20429;
500), checking basic auth, and lists the messages it created on ``GET .../Messages.json``
(filters ``To``, ``From``, ``DateSent>``). ``late`` makes it create a message and answer only
after the client has given up. ``FakeGateway`` is a typical Indonesian HTTP gateway answering
JSON that honours the idempotency key contract: a repeated key gets the first answer again.
"""
from __future__ import annotations

import base64
import contextlib
import itertools
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

SID = "AC" + "1" * 32
TOKEN = "twilio-test-auth-token"
INVALID_NUMBER = "+6281100000001"
THROTTLED_NUMBER = "+6281100000002"
BROKEN_NUMBER = "+6281100000003"


class _KeptAlive(BaseHTTPRequestHandler):
    """HTTP/1.1 with kept-alive connections, as the providers speak it (werkzeug's development
    server closes every connection): each request goes to the server's WSGI-style handler."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no delayed-ACK stall
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.connections.add(self.connection)

    def _answer(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path, _, query = self.path.partition("?")
        environ = EnvironBuilder(
            method=self.command, path=path, query_string=query, data=body,
            headers=[(k, v) for k, v in self.headers.items() if k.lower() != "content-length"],
            environ_base={"REMOTE_ADDR": self.client_address[0],
                          "REMOTE_PORT": str(self.client_address[1])},
        ).get_environ()
        response = self.server.handler(Request(environ))
        payload = response.get_data()
        self.send_response(response.status_code)
        for name, value in response.headers.items():
            if name.lower() not in ("content-length", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, handler: Callable[[Request], Response]) -> None:
        super().__init__(("127.0.0.1", 0), _KeptAlive)
        self.handler = handler
        self.connections: set[socket.socket] = set()

    def handle_error(self, request: Any, client_address: Any) -> None:
        return None  # a client that gave up before a late answer: nothing to report


@contextmanager
def serve(handler: Callable[[Request], Response]) -> Iterator[str]:
    """Serve a handler on a free loopback port; yields its base URL. On exit every kept-alive
    connection is cut, so no client reuses one into a stopped fake."""
    server = _Server(handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        for connection in list(server.connections):
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        server.server_close()


def _json(status: int, payload: dict[str, Any]) -> Response:
    return Response(json.dumps(payload), status=status, mimetype="application/json")


class FakeTwilio:
    def __init__(self, late: Callable[[dict[str, Any]], float] | None = None) -> None:
        self.requests: list[dict[str, Any]] = []
        self.created: list[dict[str, Any]] = []  # the message resources, as Twilio keeps them
        self.lookups = 0
        self.late = late  # form -> seconds to hold the answer after creating the message
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def __call__(self, request: Request) -> Response:
        expected_path = f"/2010-04-01/Accounts/{SID}/Messages.json"
        if request.method == "GET" and request.path == expected_path:
            if request.headers.get("Authorization") != _basic(SID, TOKEN):
                return _json(401, {"code": 20003, "message": "Authenticate", "status": 401})
            return self._list(request.args.to_dict())
        if request.method != "POST" or request.path != expected_path:
            return _json(404, {"code": 20404, "message": "The requested resource was not found",
                               "more_info": "https://www.twilio.com/docs/errors/20404", "status": 404})
        if request.headers.get("Authorization") != _basic(SID, TOKEN):
            return _json(401, {"code": 20003, "message": "Authenticate", "status": 401})
        form = request.form.to_dict()
        self.requests.append(form)
        to = form.get("To", "")
        if to == INVALID_NUMBER:
            return _json(400, {"code": 21211, "message": f"The 'To' number {to} is not a valid phone number.",
                               "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400})
        if to == THROTTLED_NUMBER:
            return _json(429, {"code": 20429, "message": "Too Many Requests", "status": 429})
        if to == BROKEN_NUMBER:
            return Response("<html>Internal Server Error</html>", status=500)
        with self._lock:
            sid = f"SM{next(self._ids):032x}"
            resource = {
                "account_sid": SID, "api_version": "2010-04-01", "body": form.get("Body"),
                "direction": "outbound-api", "error_code": None, "error_message": None,
                "from": form.get("From"), "to": to, "num_segments": "1", "price": None,
                "sid": sid, "status": "queued", "uri": f"{expected_path[:-5]}/{sid}.json",
                "date_created": format_datetime(datetime.now(UTC), usegmt=True),
            }
            self.created.append(resource)
        delay = self.late(form) if self.late else 0
        if delay:
            time.sleep(delay)
        return _json(201, resource)

    def _list(self, args: dict[str, str]) -> Response:
        self.lookups += 1
        with self._lock:
            found = [m for m in self.created
                     if m["to"] == args.get("To", m["to"]) and m["from"] == args.get("From", m["from"])]
        # Newest first, as Twilio lists them; DateSent> is a day filter, and all are today.
        return _json(200, {"messages": list(reversed(found)), "page": 0,
                           "page_size": int(args.get("PageSize", 50)), "next_page_uri": None})


class FakeGateway:
    """``/send`` answers ``{"status": "success", "data": {"message_id": ...}}`` or errors by number.

    A request whose ``idempotency_key`` was accepted before gets the first answer and sends
    nothing (``delivered`` holds each message sent to a phone, once)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.delivered: list[dict[str, Any]] = []
        self._answers: dict[str, Response] = {}
        self._ids = itertools.count(1000)

    def __call__(self, request: Request) -> Response:
        params = request.args.to_dict() if request.method == "GET" else request.form.to_dict()
        self.requests.append({"method": request.method, **params})
        key = params.get("idempotency_key")
        if key in self._answers:
            return self._answers[key]
        number = params.get("msisdn", "")
        if number.endswith("00000001"):
            return _json(200, {"status": "error", "message": "invalid destination"})
        if number.endswith("00000003"):
            return _json(503, {"status": "error", "message": "try later"})
        self.delivered.append(params)
        answer = _json(200, {"status": "success", "data": {"message_id": f"GW{next(self._ids)}"}})
        if key:
            self._answers[key] = answer
        return answer


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
