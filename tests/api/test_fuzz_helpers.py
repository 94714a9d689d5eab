"""Strategies and checks shared by the fuzz and bad-input tests (this module holds no tests).

The rule every test here enforces: bad input gets a 400 whose `detail` says what and where, never a
500 and never a partial write; unknown ids are 404; malformed JSON is 400.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from labelwise.db.models import Annotation, Prediction, Task
from tests.api.test_projects import TEXT_CONFIG

EXPECTED_STATUSES = frozenset({200, 201, 204, 400, 401, 403, 404, 409})

# Modest example counts: the whole fuzz set runs in well under a minute per database. `database=None`
# keeps Hypothesis from writing a `.hypothesis/` directory; a failure prints its minimal example.
# Runs are derandomized so that a failure is the same failure every time; set LABELWISE_FUZZ_RANDOM=1 to
# explore new inputs instead. Shrinking a failure costs minutes on PostgreSQL, so it is off unless
# LABELWISE_FUZZ_SHRINK=1: the minimal reproduction of every bug found so far is an example test in
# test_bad_input_examples.py.
FUZZ = settings(
    max_examples=40,
    deadline=None,
    database=None,
    derandomize=os.environ.get("LABELWISE_FUZZ_RANDOM") != "1",
    report_multiple_bugs=False,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target]
    + ([Phase.shrink] if os.environ.get("LABELWISE_FUZZ_SHRINK") == "1" else []),
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)
FUZZ_SMALL = settings(FUZZ, max_examples=25)

# Integers around the limits of 32- and 64-bit columns, and ids that exist in a fresh database.
BOUNDARY_INTS = st.sampled_from(
    [0, 1, 2, -1, 2**31 - 1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, 2**64 - 1, -(2**63) - 1]
)

# Field names the write endpoints read, so that random objects reach past the first type check.
FIELD_NAMES = (
    "title", "description", "label_config", "expert_instruction", "show_instruction", "show_skip_button",
    "enable_empty_annotation", "show_annotation_history", "maximum_annotations", "sampling", "is_published",
    "is_draft", "color", "model_version", "project", "data", "meta", "annotations", "predictions",
    "completions", "result", "score", "task", "was_cancelled", "ground_truth", "lead_time",
    "parent_prediction", "parent_annotation", "completed_by", "email", "password", "username",
    "first_name", "last_name", "role", "refresh", "from_name", "to_name", "type", "value", "choices",
    "labels", "start", "end", "text", "rating", "id", "from_id", "to_id", "direction",
)  # fmt: skip

CHOICE_POS = {"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["pos"]}}

# Realistic leaves: with these, random bodies sometimes pass validation and reach the database.
REALISTIC = st.sampled_from(
    [
        TEXT_CONFIG,
        "<View/>",
        "text",
        "$text",
        "pos",
        "sentiment",
        "choices",
        "annotator",
        "owner",
        "new-user@example.com",
        "owner@example.com",
        "long-enough-password",
        "Sequential sampling",
        "#FF0000",
        [CHOICE_POS],
        {"text": "hello"},
    ]
)

long_text = st.builds(lambda ch, n: ch * n, st.characters(codec="utf-8"), st.integers(100, 400))
texts = st.one_of(st.text(max_size=20), long_text)

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    BOUNDARY_INTS,
    st.floats(allow_nan=False, allow_infinity=False),
    texts,
    REALISTIC,
)
json_keys = st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=10))
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(json_keys, children, max_size=5)
    ),
    max_leaves=12,
)
json_objects = st.dictionaries(json_keys, json_values, max_size=6)

CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-8",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=xyz",
        "multipart/form-data",
        "",
    ]
)
raw_bodies = st.one_of(
    st.binary(max_size=300),
    st.text(st.characters(codec="utf-8"), max_size=100).map(lambda s: s.encode()),
    json_objects.map(lambda v: dump(v)[: len(dump(v)) // 2]),  # truncated JSON
    st.sampled_from([b"", b" ", b"{", b"[", b"[{", b"null", b"\xef\xbb\xbf{}", b'{"a":1}x', b"\xff\xfe"]),
)


def bodies_with(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """Objects made of an endpoint's own fields, each optional and of the right JSON type (but with
    hostile contents: NUL, very long text, integers at column limits), so that they get past type checks
    and reach the database; or such an object with one field replaced by any JSON value; or any value."""
    typed = st.fixed_dictionaries({}, optional=fields)
    one_wrong = st.builds(
        lambda body, key, value: {**body, key: value}, typed, st.sampled_from(list(fields)), json_values
    )
    extra = st.builds(
        lambda body, more: {**more, **body}, typed, st.dictionaries(json_keys, json_values, max_size=3)
    )
    return st.one_of(typed, typed, typed, one_wrong, extra, json_values)


ids = st.one_of(st.integers(1, 3), BOUNDARY_INTS)
scores = st.one_of(st.floats(0, 1), st.floats(allow_nan=False, allow_infinity=False), BOUNDARY_INTS)
results = st.one_of(
    st.just([CHOICE_POS]),
    st.just([]),
    st.builds(lambda extra: [{**CHOICE_POS, **extra}], st.dictionaries(texts, json_values, max_size=2)),
)
task_data = st.fixed_dictionaries({"text": texts}, optional={"k": json_values, "\x00": texts})
PROJECT_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "title": texts,
    "description": texts,
    "label_config": st.sampled_from([TEXT_CONFIG, "<View/>"]),
    "expert_instruction": texts,
    "show_instruction": st.booleans(),
    "show_skip_button": st.booleans(),
    "enable_empty_annotation": st.booleans(),
    "show_annotation_history": st.booleans(),
    "maximum_annotations": st.one_of(st.integers(1, 10), BOUNDARY_INTS),
    "sampling": st.sampled_from(["Sequential sampling", "Uniform sampling", "Uncertainty sampling"]),
    "is_published": st.booleans(),
    "is_draft": st.booleans(),
    "color": texts,
    "model_version": texts,
}
meta_objects = st.dictionaries(texts, json_values, max_size=3)
IMPORT_ITEM_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "data": task_data,
    "meta": meta_objects,
    "annotations": st.lists(
        st.fixed_dictionaries(
            {"result": results},
            optional={
                "lead_time": scores,
                "completed_by": ids,
                "was_cancelled": st.booleans(),
                "ground_truth": st.booleans(),
            },
        ),
        max_size=2,
    ),
    "predictions": st.lists(
        st.fixed_dictionaries({"result": results}, optional={"score": scores, "model_version": texts}),
        max_size=2,
    ),
}
ANNOTATION_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "result": results,
    "was_cancelled": st.booleans(),
    "ground_truth": st.booleans(),
    "lead_time": scores,
    "parent_prediction": ids,
    "parent_annotation": ids,
}
PREDICTION_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "task": ids,
    "result": results,
    "score": scores,
    "model_version": texts,
}
USER_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "email": st.builds(lambda s: f"u{s}@example.com", texts),
    "password": st.one_of(st.just("long-enough-password"), texts),
    "username": texts,
    "first_name": texts,
    "last_name": texts,
    "role": st.sampled_from(["annotator", "reviewer", "manager", "admin"]),
}

# Text that PostgreSQL can store: NUL is covered by dedicated tests in test_bad_input_examples.py, so the
# structural properties (all-or-nothing, round-trip) can be checked on both databases.
safe_text = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20)
safe_json = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**63), 2**63 - 1),
        st.floats(allow_nan=False, allow_infinity=False),
        safe_text,
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(safe_text, children, max_size=3)
    ),
    max_leaves=8,
)


def dump(value: Any) -> bytes:
    return json.dumps(value).encode()


def send_json(client: TestClient, method: str, url: str, value: Any, **kw: Any) -> Any:
    return client.request(
        method, url, content=dump(value), headers={"Content-Type": "application/json"}, **kw
    )


def check_response(r: Any, allowed: frozenset[int] = EXPECTED_STATUSES) -> Any:
    """No 5xx, an expected status, a JSON body; a 400 carries a non-empty `detail`. Returns the body."""
    where = f"{r.request.method} {r.request.url} -> {r.status_code}: {r.text[:500]}"
    assert r.status_code < 500, where
    assert r.status_code in allowed, where
    if r.status_code == 204:
        return None
    try:
        body = r.json()
    except ValueError as exc:
        raise AssertionError(f"response body is not JSON: {where}") from exc
    if r.status_code >= 400:
        assert isinstance(body, dict), where
        detail = body.get("detail")
        assert isinstance(detail, str) and detail.strip(), f"error without a detail: {where}"
    return body


def first_item_index(detail: str) -> int | None:
    m = re.search(r"\bitem (\d+)\b", detail)
    return int(m.group(1)) if m else None


def make_project(client: TestClient, config: str = TEXT_CONFIG) -> int:
    r = client.post("/api/projects", json={"title": "fuzz", "label_config": config})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def import_tasks(client: TestClient, pid: int, items: list[dict[str, Any]]) -> list[int]:
    r = client.post(f"/api/projects/{pid}/import?return_task_ids=1", json=items)
    assert r.status_code == 201, r.text
    return list(r.json()["task_ids"])


def project_counters(client: TestClient, pid: int) -> dict[str, int]:
    p = client.get(f"/api/projects/{pid}").json()
    keys = (
        "task_number",
        "total_annotations_number",
        "skipped_annotations_number",
        "total_predictions_number",
        "num_tasks_with_annotations",
    )
    return {k: p[k] for k in keys}


def row_counts(db: Session, pid: int) -> dict[str, int]:
    """Rows actually stored for a project (not the denormalized counters)."""
    db.rollback()  # a fresh snapshot: the request committed in another session
    out = {
        "tasks": db.scalar(select(func.count()).select_from(Task).where(Task.project_id == pid)) or 0,
        "annotations": db.scalar(
            select(func.count()).select_from(Annotation).where(Annotation.project_id == pid)
        )
        or 0,
        "predictions": db.scalar(
            select(func.count()).select_from(Prediction).where(Prediction.project_id == pid)
        )
        or 0,
    }
    db.rollback()
    return out
