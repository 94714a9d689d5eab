"""The LLM kind of model connection: a prompt over an OpenAI-compatible chat API, answering the contract.

A run (`predict`) sends one request per task, at most `max_concurrency` at once (a thread pool the size of
the limit; the client's semaphore holds the limit too), and reports progress as tasks finish. A task whose
reply cannot be read or maps to no valid result, or whose requests failed after their retries, is left out
with its reason in `report.failures` (the tokens a reply cost are counted all the same); a connection-level failure (key refused, unknown model, refused address) stops the run
with a ModelError. `report` also holds the run's tokens and cost; cache hits cost nothing.

Settings the factory reads besides the contract's (`timeout`, `extra_params`): optional `cache` (a
`cache.Cache`, see `cache.py`), `examples` (a sequence of `contract.Example` for few-shot prompts, gold
first), `policy` (a `fetch.Policy`; default: the installation's settings) and `retry` (a `client.Retry`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from labelwise import labeling
from labelwise.ml.contract import Example, ModelError, Progress, ProjectView, Proposal
from labelwise.ml.llm import parse, prompt
from labelwise.ml.llm import schema as answers
from labelwise.ml.llm.cache import Cache, key
from labelwise.ml.llm.client import ChatClient, Fatal, Reply, Retry
from labelwise.ml.llm.params import ParamError, Params
from labelwise.settings import get_settings
from labelwise.storage import fetch


@dataclass
class Report:
    """The totals of the last `predict` run."""

    tasks: int = 0
    tokens: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    cached: int = 0
    failures: dict[int, str] = field(default_factory=dict)
    # What was dropped from answers that otherwise mapped (an option not in the config, a span not found).
    dropped: dict[int, list[str]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "tasks": self.tasks,
            "tokens": self.tokens,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cost": self.cost,
            "cached": self.cached,
            "failures": {str(k): v for k, v in self.failures.items()},
            "dropped": {str(k): v for k, v in self.dropped.items()},
        }


NOTHING = Reply("", 0, 0)


@dataclass(frozen=True)
class Asked:
    """What one task's request came to: a proposal, or the reason there is none; tokens spent either way."""

    proposal: Proposal | None
    spent: Reply
    failure: str | None
    dropped: list[str] = field(default_factory=list)
    cached: bool = False


def _policy(settings: Mapping[str, Any]) -> fetch.Policy:
    given = settings.get("policy")
    base = given if isinstance(given, fetch.Policy) else fetch.Policy.from_settings(get_settings())
    timeout = settings.get("timeout")
    if isinstance(timeout, int | float) and not isinstance(timeout, bool) and timeout > 0:
        return fetch.Policy(allow=base.allow, timeout=float(timeout), max_bytes=base.max_bytes)
    return base


class LlmModel:
    def __init__(self, project: ProjectView, url: str, settings: Mapping[str, Any]) -> None:
        try:
            self.params = Params.of(project.params or settings.get("extra_params") or {})
        except ParamError as exc:
            raise ModelError(str(exc)) from None
        try:
            self.schema = labeling.parse_config(project.label_config)
        except labeling.ConfigError as exc:
            raise ModelError(f"label_config: {exc}") from None
        if not answers.controls(self.schema):
            raise ModelError(
                "label_config: no control an LLM can answer (Choices, Labels on Text, TextArea, Rating, "
                "Number, Taxonomy)"
            )
        examples: Sequence[Example] = settings.get("examples") or ()
        self.prompt = prompt.Prompt(
            self.params.prompt, self.schema, prompt.few_shot(examples, self.params.few_shot)
        )
        self.url = url
        self.cache: Cache | None = settings.get("cache")
        retry = settings.get("retry")
        self.retry = retry if isinstance(retry, Retry) else Retry()
        self.policy = _policy(settings)
        self.answer_schema = answers.answer_schema(self.schema)
        self.report = Report()

    @property
    def version(self) -> str:
        return self.params.version

    def _client(self) -> ChatClient:
        return ChatClient(
            self.url,
            self.params.model,
            self.params.api_key,
            policy=self.policy,
            temperature=self.params.temperature,
            max_concurrency=self.params.max_concurrency,
            retry=self.retry,
        )

    def health(self) -> None:
        with self._client() as client:
            if client.models() is None:  # a server without GET /models: one tiny chat instead
                client.complete([{"role": "user", "content": "Say OK."}])

    def setup(self) -> str:
        try:
            prompt.check(self.params.prompt, self.schema)
        except prompt.PromptError as exc:
            raise ModelError(f"extra_params.prompt: {exc}") from None
        return self.version

    def train(self, examples: Sequence[Example]) -> str | None:
        return None

    def _ask(self, client: ChatClient, task: Mapping[str, Any]) -> Asked:
        """One task: its proposal or why there is none, and what it cost (nothing on a cache hit). Runs in a
        worker thread, so it only reads shared state (the report is counted by `predict`)."""
        raw = task.get("data")
        data: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        try:
            messages = self.prompt.messages(data)
        except prompt.PromptError as exc:
            return Asked(None, NOTHING, str(exc))
        cache_key = key(self.url, self.params.model, self.params.temperature, messages, self.answer_schema)
        reply = self.cache.get(cache_key) if self.cache is not None else None
        cached = reply is not None
        if reply is None:
            reply = client.complete(messages, self.answer_schema)
        spent = NOTHING if cached else reply
        try:
            results, dropped = parse.to_results(self.schema, data, reply.content)
        except parse.Unparsable as exc:
            return Asked(None, spent, str(exc))
        if not cached and self.cache is not None:
            self.cache.put(cache_key, self.params.model, reply)
        if not results:
            why = "; ".join(dropped) if dropped else "the answer named no control of the config"
            return Asked(None, spent, f"no usable answer ({why})", dropped, cached)
        proposal = Proposal(
            task=int(task["id"]),
            result=results,
            score=None,
            model_version=self.version,
            tokens=spent.tokens,
            cost=self.params.prices.cost(spent.prompt_tokens, spent.completion_tokens),
            cached=cached,
        )
        return Asked(proposal, spent, None, dropped, cached)

    def _count(self, task_id: int, asked: Asked) -> None:
        spent = asked.spent
        self.report.prompt_tokens += spent.prompt_tokens
        self.report.completion_tokens += spent.completion_tokens
        self.report.tokens += spent.tokens
        self.report.cost += self.params.prices.cost(spent.prompt_tokens, spent.completion_tokens)
        self.report.cached += asked.cached
        if asked.failure is not None:
            self.report.failures[task_id] = asked.failure
        if asked.dropped:
            self.report.dropped[task_id] = asked.dropped

    def predict(self, tasks: Sequence[Mapping[str, Any]], progress: Progress | None = None) -> list[Proposal]:
        self.report = Report(tasks=len(tasks))
        out: dict[int, Proposal] = {}
        with self._client() as client, ThreadPoolExecutor(self.params.max_concurrency) as pool:
            pending: dict[Future[Asked], int] = {
                pool.submit(self._ask, client, task): int(task["id"]) for task in tasks
            }
            done = 0
            try:
                while pending:
                    finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in finished:
                        task_id = pending.pop(future)
                        done += 1
                        try:
                            asked = future.result()
                        except Fatal:
                            raise
                        except ModelError as exc:  # the requests failed after their retries
                            self.report.failures[task_id] = str(exc)
                            continue
                        self._count(task_id, asked)
                        if asked.proposal is not None:
                            out[task_id] = asked.proposal
                    if progress is not None:
                        progress(done, len(tasks))
            except BaseException:
                for future in pending:
                    future.cancel()
                raise
        return [out[int(task["id"])] for task in tasks if int(task["id"]) in out]


def make(project: ProjectView, url: str, settings: Mapping[str, Any]) -> LlmModel:
    return LlmModel(project, url, settings)
