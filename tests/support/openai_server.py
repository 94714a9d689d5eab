"""A real HTTP server speaking OpenAI's chat-completions protocol, scripted by the test that starts it.

Each POST /v1/chat/completions takes the next scripted `Answer` (or, when the queue is empty, asks the
`answer` function, given the request body); it records every request (path, headers, JSON body) and counts
requests in flight, so tests can check prompts, schemas, auth headers and the concurrency limit.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Answer:
    """One scripted response: a chat completion whose message is `content`, or `status` with `body`."""

    content: str | None = None
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    usage: tuple[int, int] = (10, 5)


def completion(content: str, usage: tuple[int, int] = (10, 5)) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": "test-model",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)},
    }


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


class OpenAIServer:
    def __init__(self) -> None:
        self.queue: deque[Answer] = deque()
        self.answer: Callable[[Any], Answer] = lambda body: Answer(content="{}")
        self.requests: list[Seen] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.models_status = 200
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def script(self, *answers: Answer) -> None:
        self.queue.extend(answers)

    def chats(self) -> list[Seen]:
        return [r for r in self.requests if r.path.split("?")[0].endswith("/chat/completions")]

    def _next(self, body: Any) -> Answer:
        with self.lock:
            if self.queue:
                return self.queue.popleft()
        return self.answer(body)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                server.requests.append(Seen("GET", self.path, dict(self.headers), None))
                if self.path.endswith("/models") and server.models_status == 200:
                    self._send(200, {"object": "list", "data": [{"id": "test-model", "object": "model"}]})
                else:
                    self._send(server.models_status, {"error": {"message": "no"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = raw.decode(errors="replace")
                with server.lock:
                    server.requests.append(Seen("POST", self.path, dict(self.headers), body))
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    answer = server._next(body)
                    if answer.delay:
                        server.stopping.wait(answer.delay)
                    if answer.content is not None:
                        self._send(answer.status, completion(answer.content, answer.usage), answer.headers)
                    else:
                        self._send(
                            answer.status, answer.body if answer.body is not None else {}, answer.headers
                        )
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    with server.lock:
                        server.in_flight -= 1

        return Handler

    def start(self) -> OpenAIServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


@contextmanager
def running() -> Iterator[OpenAIServer]:
    server = OpenAIServer().start()
    try:
        yield server
    finally:
        server.stop()
