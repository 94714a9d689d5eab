"""OpenAI-compatible chat completions (OpenAI, Azure, vLLM, Ollama, llama.cpp server) over the guarded client.

Why our own small client and not the `openai` package: every outgoing request must pass the SSRF guard
(`storage/fetch.py`), and the protocol needed is one POST. Why the fallback ladder for `response_format`:
servers differ; OpenAI and vLLM take a JSON schema, older servers only `json_object`, some reject both with a
400 that names the parameter. The client steps down once and remembers, so a run pays for it one time.

Retries: 429, 5xx, timeouts and dropped connections are retried a bounded number of times with exponential
back-off, or after the server's `Retry-After` when it sends one (capped). Other 4xx are not retried. A
semaphore bounds requests in flight, so one client shared by several threads never exceeds the limit.
"""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from labelwise.ml.contract import ModelError
from labelwise.storage import fetch

MAX_REPLY_BYTES = 8 << 20
MAX_RETRY_AFTER = 60.0
# How `response_format` is asked for, best first; `None` sends no response_format at all.
FORMATS: tuple[str | None, ...] = ("json_schema", "json_object", None)
RETRIED = frozenset({408, 409, 425, 429})


class Fatal(ModelError):
    """The connection itself fails (key refused, unknown model, address refused): stop the whole run."""


class Failed(ModelError):
    """One request failed after its retries (or was answered with nothing usable): skip that task."""


class Unreachable(Failed):
    """No connection could be made; retried like a timeout, fatal when the retries run out."""


@dataclass(frozen=True)
class Prices:
    """Prices per 1,000 tokens, in whatever currency the admin thinks in."""

    input_per_1k: float = 0.0
    output_per_1k: float = 0.0

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.input_per_1k + completion_tokens * self.output_per_1k) / 1000.0


@dataclass(frozen=True)
class Reply:
    content: str
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class Retry:
    """`attempts` requests at most; the n-th wait is `base * 2**n` seconds, at most `cap`."""

    attempts: int = 5
    base: float = 0.5
    cap: float = 30.0

    def wait(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), MAX_RETRY_AFTER)
        return float(min(self.base * (2**attempt), self.cap))


def retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


def _error_text(response: httpx.Response) -> str:
    """The server's own error message, short and without control characters (it is shown to users)."""
    try:
        body = orjson.loads(response.read())
    except (orjson.JSONDecodeError, httpx.HTTPError, fetch.FetchError):
        return ""
    error = body.get("error") if isinstance(body, dict) else None
    message = error.get("message") if isinstance(error, dict) else error
    if not isinstance(message, str):
        message = body.get("message") if isinstance(body, dict) else None
    return fetch.shown(message, 200) if isinstance(message, str) else ""


def _about_format(text: str) -> bool:
    lowered = text.lower()
    return any(
        word in lowered for word in ("response_format", "json_schema", "json_object", "response format")
    )


def _response_format(mode: str | None, schema: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if mode == "json_schema" and schema is not None:
        return {"type": "json_schema", "json_schema": {"name": "labels", "schema": schema, "strict": False}}
    if mode == "json_object":
        return {"type": "json_object"}
    return None


class ChatClient:
    """One base URL, model and key; safe to share between threads. Close it (or use `with`) when done."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str = "",
        *,
        policy: fetch.Policy,
        temperature: float = 0.0,
        max_concurrency: int = 4,
        retry: Retry | None = None,
    ) -> None:
        self.base_url = base_url
        self.model = model
        self.temperature = temperature
        self.retry = retry or Retry()
        self.policy = fetch.Policy(
            allow=policy.allow, timeout=policy.timeout, max_bytes=MAX_REPLY_BYTES, max_redirects=0
        )
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        if api_key and _host(base_url).endswith(".openai.azure.com"):
            headers["api-key"] = api_key  # Azure OpenAI reads its keys from this header
        self._http = fetch.client(self.policy, headers={**headers, "Content-Type": "application/json"})
        self._slots = threading.BoundedSemaphore(max(1, max_concurrency))
        self._format = 0  # index into FORMATS, stepped down when the server refuses one
        self._lock = threading.Lock()

    def __enter__(self) -> ChatClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _send(self, method: str, path: str, body: Any = None) -> httpx.Response:
        """One request, body read; transport failures are `Failed` (retried by the caller) or `Fatal`."""
        content = orjson.dumps(body) if body is not None else None
        try:
            url = join(self.base_url, path)
            request = self._http.build_request(method, url, content=content)
        except (httpx.HTTPError, httpx.InvalidURL, ValueError, TypeError):
            raise Fatal(f"url: {fetch.shown(self.base_url)} is not a valid URL") from None
        request.extensions = {**request.extensions, fetch.DEADLINE: time.monotonic() + self.policy.timeout}
        try:
            with self._slots:
                response = self._http.send(request)
        except fetch.FetchError as exc:  # an address the guard refuses, a reply over the size limit
            raise Fatal(f"url: {exc.detail}") from None
        except httpx.TimeoutException:
            raise Failed(f"no answer from {fetch.shown(url)} within {self.policy.timeout:g} s") from None
        except httpx.ConnectError:
            raise Unreachable(f"url: cannot connect to {fetch.shown(url)}") from None
        except httpx.HTTPError as exc:
            raise Failed(f"{fetch.shown(url)}: the request failed ({type(exc).__name__})") from None
        return response

    def _with_retries(self, method: str, path: str, body: Any) -> httpx.Response:
        for attempt in range(self.retry.attempts):
            last = attempt == self.retry.attempts - 1
            try:
                response = self._send(method, path, body)
            except Unreachable as exc:
                if last:
                    raise Fatal(str(exc)) from None
                time.sleep(self.retry.wait(attempt, None))
                continue
            except Failed:
                if last:
                    raise
                time.sleep(self.retry.wait(attempt, None))
                continue
            code = response.status_code
            if (code in RETRIED or code >= 500) and not last:
                time.sleep(self.retry.wait(attempt, retry_after(response.headers.get("retry-after"))))
                continue
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _check(self, response: httpx.Response) -> None:
        code = response.status_code
        if code < 400:
            return
        detail = _error_text(response)
        said = f": {detail}" if detail else ""
        if code in (401, 403):
            raise Fatal(f"api_key: the server refused the API key ({code}){said}")
        if code == 404:
            raise Fatal(
                f"model: {fetch.shown(self.base_url)} has no model {self.model!r} or no such API (404){said}"
            )
        if code in RETRIED or code >= 500:
            raise Failed(f"the server kept answering {code} after {self.retry.attempts} attempts{said}")
        raise Fatal(f"the server refused the request ({code}){said}")

    def complete(
        self, messages: Sequence[Mapping[str, str]], schema: Mapping[str, Any] | None = None
    ) -> Reply:
        """One chat completion; the reply's text and the tokens it cost."""
        while True:
            mode_index = self._format
            mode = FORMATS[mode_index]
            body: dict[str, Any] = {
                "model": self.model,
                "messages": list(messages),
                "temperature": self.temperature,
            }
            response_format = _response_format(mode, schema)
            if response_format is not None:
                body["response_format"] = response_format
            response = self._with_retries("POST", "/chat/completions", body)
            refused = response.status_code in (400, 422) and mode_index + 1 < len(FORMATS)
            if refused and _about_format(_error_text(response)):
                with self._lock:  # several threads may learn it at once; step down once
                    self._format = max(self._format, mode_index + 1)
                continue
            self._check(response)
            return _reply(response)

    def models(self) -> list[str] | None:
        """The server's model ids (`GET /models`), None when the server has no such endpoint; Fatal when it
        refuses the key."""
        response = self._with_retries("GET", "/models", None)
        if response.status_code in (404, 405):
            return None
        self._check(response)
        try:
            body = orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise Fatal("the server's /models answer is not JSON") from exc
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list):
            return []
        return [str(item["id"]) for item in data if isinstance(item, dict) and "id" in item]


def _host(url: str) -> str:
    try:
        return httpx.URL(url).host.lower()
    except (httpx.InvalidURL, TypeError, ValueError):
        return ""


def join(base_url: str, path: str) -> str:
    """`path` appended to the base URL's path, its query kept (Azure's `?api-version=`)."""
    url = httpx.URL(base_url)
    return str(url.copy_with(path=url.path.rstrip("/") + path))


def _reply(response: httpx.Response) -> Reply:
    try:
        body = orjson.loads(response.content)
        choice = body["choices"][0]["message"]
        content = choice.get("content")
    except (orjson.JSONDecodeError, KeyError, IndexError, TypeError, AttributeError):
        raise Failed("the server's answer is not a chat completion") from None
    if not isinstance(content, str):
        raise Failed("the server's answer has no text content")
    usage = body.get("usage") if isinstance(body.get("usage"), dict) else {}
    return Reply(content, _count(usage.get("prompt_tokens")), _count(usage.get("completion_tokens")))


def _count(raw: Any) -> int:
    return raw if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0 else 0
