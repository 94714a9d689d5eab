"""Kind `remote`: a Label Studio ML backend, spoken to exactly as Label Studio does.

The protocol (label-studio-ml-backend's `api.py`): `GET /health` answers `{"status": "UP"}`;
`POST /setup` `{project, schema, hostname, access_token, model_version, extra_params}` answers
`{"model_version"}`; `POST /predict` `{tasks, model_version, project, label_config, params}` answers
`{"results": [...]}`, one item per task in order, each `{result, score, model_version}`; `POST /webhook`
`{"action": "START_TRAINING", "project": {...}}` starts training (the backend reads the annotations back
through the Label Studio API, which Labelwise serves). `project` is Label Studio's `"<id>.<created at>"`.

Every request goes through the SSRF-guarded client (`storage.fetch`), with the connection's timeout and
HTTP basic auth when configured. Whatever goes wrong becomes a `ModelError` whose message says what
happened (refused, timed out, status code, not JSON) without the credentials.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx
import orjson

from labelwise.ml import kinds
from labelwise.ml.contract import Example, Model, ModelError, Progress, ProjectView, Proposal
from labelwise.storage import fetch

MAX_BYTES = 64 << 20  # an answer for a batch of tasks; a larger one is refused
DEFAULT_TIMEOUT = 100.0  # Label Studio's default for a backend's answer


def _policy(settings: Mapping[str, Any]) -> fetch.Policy:
    base = settings.get("policy")
    if not isinstance(base, fetch.Policy):
        from labelwise.settings import get_settings

        base = fetch.Policy.from_settings(get_settings())
    timeout = float(settings.get("timeout") or DEFAULT_TIMEOUT)
    return fetch.Policy(allow=base.allow, timeout=timeout, max_bytes=MAX_BYTES, max_redirects=0)


def _why(exc: fetch.FetchError, timeout: float) -> str:
    text = exc.detail
    if "time limit" in text:
        return f"no answer within the timeout of {timeout:g} s"
    if "ConnectError" in text or "onnection refused" in text:
        return "connection refused (is the backend running, and is the URL right?)"
    return text


class RemoteBackend:
    """One Label Studio ML backend at `url`; cheap to build, one HTTP client per call."""

    def __init__(self, project: ProjectView, url: str, settings: Mapping[str, Any]) -> None:
        self.project = project
        self.url = url.rstrip("/")
        self.settings = settings
        self.policy = _policy(settings)
        auth = settings.get("basic_auth")
        self.auth: tuple[str, str] | None = (str(auth[0]), str(auth[1])) if auth else None
        self.model_version = str(settings.get("model_version") or "")
        self.project_uid = str(settings.get("project_uid") or project.id)

    # The wire.
    def _call(self, method: str, path: str, body: Any = None) -> Any:
        where = f"{fetch.shown(self.url)}{path}"
        try:
            with fetch.client(self.policy) as http:
                request = http.build_request(
                    method,
                    self.url + path,
                    content=orjson.dumps(body) if body is not None else None,
                    headers={"Content-Type": "application/json"} if body is not None else None,
                )
                response = fetch.send(http, request, self.policy, auth=self.auth, label=self.url + path)
                try:
                    raw = response.read()
                finally:
                    response.close()
        except fetch.FetchError as exc:
            why = _why(exc, self.policy.timeout).removeprefix(f"{where}: ")
            raise ModelError(f"ML backend {where}: {why}") from None
        except httpx.HTTPError as exc:  # the body broke off or took too long
            if isinstance(exc, httpx.TimeoutException):
                raise ModelError(
                    f"ML backend {where}: no answer within the timeout of {self.policy.timeout:g} s"
                ) from None
            raise ModelError(f"ML backend {where}: the answer broke off ({type(exc).__name__})") from None
        status = response.status_code
        if status == 401:
            raise ModelError(
                f"ML backend {where}: 401, the backend wants credentials or refused them (check basic auth)"
            )
        if not 200 <= status < 300:
            text = raw[:300].decode("utf-8", "replace").strip()
            raise ModelError(f"ML backend {where} answered {status}" + (f": {text}" if text else ""))
        if not raw.strip():
            return None
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise ModelError(f"ML backend {where}: the answer is not JSON") from None

    # The contract.
    def health(self) -> None:
        answer = self._call("GET", "/health")
        if isinstance(answer, dict) and answer.get("status") not in (None, "UP"):
            raise ModelError(
                f"ML backend {fetch.shown(self.url)}/health: status {str(answer['status'])[:60]!r}"
            )

    def setup(self) -> str:
        answer = self._call(
            "POST",
            "/setup",
            {
                "project": self.project_uid,
                "schema": self.project.label_config,
                "hostname": str(self.settings.get("hostname") or ""),
                "access_token": str(self.settings.get("access_token") or ""),
                "model_version": self.model_version or None,
                "extra_params": dict(self.project.params),
            },
        )
        version = answer.get("model_version") if isinstance(answer, dict) else None
        return "" if version is None else str(version)[:255]

    def predict(
        self,
        tasks: Sequence[Mapping[str, Any]],
        progress: Progress | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> list[Proposal]:
        if not tasks:
            return []
        params: dict[str, Any] = {"login": None, "password": None}
        if context is not None:
            params["context"] = dict(context)
        answer = self._call(
            "POST",
            "/predict",
            {
                "tasks": [dict(t) for t in tasks],
                "model_version": self.model_version or None,
                "project": self.project_uid,
                "label_config": self.project.label_config,
                "params": params,
            },
        )
        proposals = self._proposals(tasks, answer)
        if progress is not None:
            progress(len(tasks), len(tasks))
        return proposals

    def _proposals(self, tasks: Sequence[Mapping[str, Any]], answer: Any) -> list[Proposal]:
        where = f"ML backend {fetch.shown(self.url)}/predict"
        if not isinstance(answer, dict) or not isinstance(answer.get("results"), list):
            raise ModelError(f"{where}: the answer has no `results` list")
        results = answer["results"]
        if len(results) > len(tasks):
            raise ModelError(f"{where}: {len(results)} results for {len(tasks)} tasks")
        default_version = str(answer.get("model_version") or self.model_version or "")
        out: list[Proposal] = []
        for task, item in zip(tasks, results, strict=False):
            if isinstance(item, list):  # an old backend's bare result list
                item = {"result": item}
            if not isinstance(item, dict):
                raise ModelError(f"{where}: a result is not an object")
            result = item.get("result")
            if not isinstance(result, list) or not result:
                continue  # no answer for this task
            score = item.get("score")
            out.append(
                Proposal(
                    task=int(task["id"]),
                    result=[r for r in result if isinstance(r, dict)],
                    score=float(score)
                    if isinstance(score, int | float) and not isinstance(score, bool)
                    else None,
                    model_version=str(item.get("model_version") or default_version)[:255],
                )
            )
        return out

    def train(self, examples: Sequence[Example]) -> str | None:
        """Label Studio's way: a START_TRAINING event to `/webhook`; the backend trains on its own time."""
        self._call(
            "POST",
            "/webhook",
            {
                "action": "START_TRAINING",
                "project": {
                    "id": self.project.id,
                    "title": self.project.title,
                    "label_config": self.project.label_config,
                },
                "model_version": self.model_version or None,
            },
        )
        return None


def make(project: ProjectView, url: str, settings: Mapping[str, Any]) -> Model:
    return RemoteBackend(project, url, settings)


kinds.register("remote", make)
