"""The llm kind over real HTTP against the scripted OpenAI-compatible server: prompts, schema, auth,
retries and back-off, the response_format fallback, timeouts, the concurrency limit, tokens and cost."""

from __future__ import annotations

import json

import pytest

from labelwise.ml import kinds
from labelwise.ml.contract import ModelError, ProjectView
from labelwise.ml.llm import LlmModel
from labelwise.ml.llm.client import Retry
from labelwise.settings import get_settings
from tests.ml.llm.helpers import CHOICES, FAST, make_model, policy
from tests.support.openai_server import Answer, OpenAIServer

TASKS = [{"id": 1, "data": {"text": "I love it"}}, {"id": 2, "data": {"text": "I hate it"}}]


def by_text(body: dict[str, object]) -> Answer:
    """Answers from the task text in the last message, so the order of concurrent requests does not matter."""
    text = body["messages"][-1]["content"]  # type: ignore[index]
    return Answer(content=json.dumps({"sentiment": "Negative" if "hate" in text else "Positive"}))


def test_predicts_choices_and_sends_prompt_schema_and_key(llm_server: OpenAIServer) -> None:
    llm_server.answer = by_text
    model = make_model(llm_server, temperature=0.2)
    proposals = model.predict(TASKS)
    assert [(p.task, p.result[0]["value"]) for p in proposals] == [
        (1, {"choices": ["Positive"]}),
        (2, {"choices": ["Negative"]}),
    ]
    assert {p.model_version for p in proposals} == {model.version}
    assert model.version.startswith("test-model@") and len(model.version) == len("test-model@") + 8
    [seen] = [r for r in llm_server.chats() if "I love it" in r.body["messages"][-1]["content"]]
    assert seen.headers["Authorization"] == "Bearer sk-test-123"
    body = seen.body
    assert body["model"] == "test-model" and body["temperature"] == 0.2
    assert body["messages"][-1] == {
        "role": "user",
        "content": "Classify: I love it\nOptions: Positive, Negative, Neutral",
    }
    assert body["response_format"]["type"] == "json_schema"
    schema = body["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["sentiment"]["enum"] == ["Positive", "Negative", "Neutral"]


def test_factory_is_registered_under_llm(llm_server: OpenAIServer) -> None:
    extra = {"model": "m", "prompt": "{text}"}
    model = kinds.factory("llm")(ProjectView(1, CHOICES, "p", extra), llm_server.url, {"policy": policy()})
    assert isinstance(model, LlmModel)
    assert model.train([]) is None


def test_malformed_reply_leaves_the_task_out_with_a_reason(llm_server: OpenAIServer) -> None:
    llm_server.script(
        Answer(content="I think it is positive"), Answer(content='```json\n{"sentiment": "neutral"}```')
    )
    model = make_model(llm_server, max_concurrency=1)
    proposals = model.predict(TASKS)
    assert [(p.task, p.result[0]["value"]["choices"]) for p in proposals] == [(2, ["Neutral"])]
    assert model.report.failures == {1: "the reply is not a JSON object: 'I think it is positive'"}
    assert model.report.tokens == 30  # both replies were paid for


def test_option_outside_the_config_is_reported_as_dropped(llm_server: OpenAIServer) -> None:
    llm_server.script(Answer(content='{"sentiment": "Ecstatic"}'))
    model = make_model(llm_server)
    assert model.predict(TASKS[:1]) == []
    assert model.report.failures == {1: "no usable answer (sentiment: 'Ecstatic' is not an option)"}
    assert model.report.dropped == {1: ["sentiment: 'Ecstatic' is not an option"]}
    assert model.report.tokens == 15  # the reply was paid for all the same


def test_429_is_retried_after_retry_after(llm_server: OpenAIServer) -> None:
    llm_server.script(
        Answer(status=429, body={"error": {"message": "slow down"}}, headers={"Retry-After": "1"}),
        Answer(content='{"sentiment": "Positive"}'),
    )
    model = make_model(llm_server)
    [proposal] = model.predict(TASKS[:1])
    assert proposal.result[0]["value"] == {"choices": ["Positive"]}
    assert len(llm_server.chats()) == 2


def test_retry_after_and_back_off_waits() -> None:
    retry = Retry(attempts=5, base=0.5, cap=3.0)
    assert [retry.wait(n, None) for n in range(4)] == [0.5, 1.0, 2.0, 3.0]
    assert retry.wait(0, 7.0) == 7.0
    assert retry.wait(0, 1e9) == 60.0


def test_5xx_retried_a_bounded_number_of_times(llm_server: OpenAIServer) -> None:
    llm_server.answer = lambda body: Answer(status=503, body={"error": {"message": "overloaded"}})
    model = make_model(llm_server)
    assert model.predict(TASKS[:1]) == []
    assert len(llm_server.chats()) == 4  # FAST: four attempts
    assert model.report.failures[1] == "the server kept answering 503 after 4 attempts: overloaded"


def test_500_then_success(llm_server: OpenAIServer) -> None:
    llm_server.script(
        Answer(status=500, body={}), Answer(status=502, body={}), Answer(content='{"sentiment": "Neutral"}')
    )
    [proposal] = make_model(llm_server).predict(TASKS[:1])
    assert proposal.result[0]["value"] == {"choices": ["Neutral"]}
    assert len(llm_server.chats()) == 3


def test_a_hang_beyond_the_timeout_is_retried(llm_server: OpenAIServer) -> None:
    llm_server.script(
        Answer(content='{"sentiment": "Negative"}', delay=5), Answer(content='{"sentiment": "Positive"}')
    )
    model = make_model(llm_server, settings={"timeout": 0.5})
    [proposal] = model.predict(TASKS[:1])
    assert proposal.result[0]["value"] == {"choices": ["Positive"]}
    assert len(llm_server.chats()) == 2


def test_hangs_on_every_attempt_fail_the_task(llm_server: OpenAIServer) -> None:
    llm_server.answer = lambda body: Answer(content="{}", delay=5)
    model = make_model(llm_server, settings={"timeout": 0.3, "retry": Retry(attempts=2, base=0.01)})
    assert model.predict(TASKS[:1]) == []
    assert "within 0.3 s" in model.report.failures[1]
    assert len(llm_server.chats()) == 2


def test_response_format_falls_back_when_the_server_refuses_it(llm_server: OpenAIServer) -> None:
    refusal = {"error": {"message": "response_format json_schema is not supported"}}
    llm_server.script(
        Answer(status=400, body=refusal),
        Answer(status=400, body={"error": {"message": "unknown parameter response_format"}}),
        Answer(content='{"sentiment": "Positive"}'),
        Answer(content='{"sentiment": "Negative"}'),
    )
    model = make_model(llm_server, max_concurrency=1)
    proposals = model.predict(TASKS)
    assert len(proposals) == 2
    sent = [r.body.get("response_format", {}).get("type") for r in llm_server.chats()]
    assert sent == ["json_schema", "json_object", None, None]  # the step down is remembered


def test_other_400_is_not_retried_and_stops_the_run(llm_server: OpenAIServer) -> None:
    llm_server.answer = lambda body: Answer(status=400, body={"error": {"message": "bad temperature"}})
    with pytest.raises(ModelError, match=r"refused the request \(400\): bad temperature"):
        make_model(llm_server).predict(TASKS[:1])
    assert len(llm_server.chats()) == 1


def test_refused_key_stops_the_run(llm_server: OpenAIServer) -> None:
    llm_server.answer = lambda body: Answer(status=401, body={"error": {"message": "Incorrect API key"}})
    with pytest.raises(ModelError, match=r"api_key: the server refused the API key \(401\)"):
        make_model(llm_server).predict(TASKS)


def test_concurrency_limit_is_honoured(llm_server: OpenAIServer) -> None:
    llm_server.answer = lambda body: Answer(content='{"sentiment": "Positive"}', delay=0.2)
    tasks = [{"id": i, "data": {"text": f"t{i}"}} for i in range(1, 13)]
    calls: list[tuple[int, int]] = []
    model = make_model(llm_server, max_concurrency=3)
    proposals = model.predict(tasks, progress=lambda done, total: calls.append((done, total)))
    assert [p.task for p in proposals] == list(range(1, 13))
    assert 2 <= llm_server.max_in_flight <= 3
    assert calls[-1] == (12, 12) and [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_progress_raising_stops_the_run(llm_server: OpenAIServer) -> None:
    llm_server.answer = lambda body: Answer(content='{"sentiment": "Positive"}')
    tasks = [{"id": i, "data": {"text": f"t{i}"}} for i in range(1, 30)]

    def cancel(done: int, total: int) -> None:
        raise RuntimeError("cancelled")

    with pytest.raises(RuntimeError, match="cancelled"):
        make_model(llm_server, max_concurrency=1).predict(tasks, progress=cancel)
    assert len(llm_server.chats()) < 29


def test_tokens_and_cost_totals(llm_server: OpenAIServer) -> None:
    llm_server.answer = lambda body: Answer(content='{"sentiment": "Positive"}', usage=(100, 20))
    model = make_model(llm_server, price_per_1k_input=1.0, price_per_1k_output=2.0)
    proposals = model.predict([*TASKS, {"id": 3, "data": {"text": "meh"}}])
    assert [p.tokens for p in proposals] == [120, 120, 120]
    assert [p.cost for p in proposals] == pytest.approx([0.14, 0.14, 0.14])
    report = model.report
    assert (report.tokens, report.prompt_tokens, report.completion_tokens) == (360, 300, 60)
    assert report.cost == pytest.approx(0.42)


def test_loopback_is_refused_unless_allowed(
    llm_server: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    llm_server.answer = lambda body: Answer(content='{"sentiment": "Positive"}')
    extra = {"model": "m", "prompt": "{text}"}
    view = ProjectView(1, CHOICES, "p", extra)
    monkeypatch.setenv("LABELWISE_SSRF_ALLOW_HOSTS", "")
    get_settings.cache_clear()
    try:
        with pytest.raises(ModelError, match=r"url: .*(not allowed|loopback)"):
            LlmModel(view, llm_server.url, {}).predict(TASKS[:1])
        monkeypatch.setenv("LABELWISE_SSRF_ALLOW_HOSTS", "127.0.0.1")
        get_settings.cache_clear()
        assert len(LlmModel(view, llm_server.url, {}).predict(TASKS[:1])) == 1
    finally:
        get_settings.cache_clear()
    assert len(llm_server.chats()) == 1


def test_health_uses_models_and_falls_back_to_a_chat(llm_server: OpenAIServer) -> None:
    model = make_model(llm_server)
    model.health()
    assert [r.path for r in llm_server.requests] == ["/v1/models"]
    llm_server.models_status = 404
    llm_server.answer = lambda body: Answer(content="OK")
    model.health()
    assert [r.path for r in llm_server.requests][-1] == "/v1/chat/completions"
    llm_server.models_status = 401
    with pytest.raises(ModelError, match="api_key"):
        model.health()


def test_setup_checks_the_prompt_and_returns_the_version(llm_server: OpenAIServer) -> None:
    assert make_model(llm_server).setup() == make_model(llm_server).version
    assert make_model(llm_server, prompt="other {text}").version != make_model(llm_server).version
    with pytest.raises(ModelError, match=r"extra_params.prompt: \{body\}: unknown placeholder"):
        make_model(llm_server, prompt="Classify {body}").setup()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"model": ""}, "extra_params.model: is required"),
        ({"temperature": "hot"}, "extra_params.temperature: must be a number"),
        ({"max_concurrency": 0}, "extra_params.max_concurrency: must be between 1 and 64"),
    ],
)
def test_bad_params_are_named(llm_server: OpenAIServer, params: dict[str, object], message: str) -> None:
    with pytest.raises(ModelError, match=message):
        make_model(llm_server, **params)


def test_a_server_that_is_down_stops_the_run(llm_server: OpenAIServer) -> None:
    url = llm_server.url
    llm_server.stop()
    extra = {"model": "m", "prompt": "{text}"}
    settings = {"policy": policy(), "retry": Retry(attempts=2, base=0.01)}
    with pytest.raises(ModelError, match="url: cannot connect to"):
        LlmModel(ProjectView(1, CHOICES, "p", extra), url, settings).predict(TASKS)


def test_a_query_in_the_base_url_is_kept(llm_server: OpenAIServer) -> None:
    llm_server.answer = lambda body: Answer(content='{"sentiment": "Positive"}')
    extra = {"model": "m", "prompt": "{text}", "api_key": "k"}
    settings = {"policy": policy(), "retry": FAST}
    model = LlmModel(
        ProjectView(1, CHOICES, "p", extra), llm_server.url + "/?api-version=2024-02-01", settings
    )
    assert len(model.predict(TASKS[:1])) == 1
    assert llm_server.chats()[0].path == "/v1/chat/completions?api-version=2024-02-01"


def test_an_api_key_with_control_characters_is_refused(llm_server: OpenAIServer) -> None:
    with pytest.raises(ModelError, match=r"extra_params\.api_key: must be printable"):
        make_model(llm_server, api_key="sk-1\r\nX-Evil: 1")
