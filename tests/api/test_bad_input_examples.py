"""Minimal reproductions of bad input the fuzz tests found mishandled (a 5xx, a silent coercion, an error
that does not say where), plus the examples that pin the rule down: unknown ids are 404, malformed JSON is
400, a refused import names its first bad item and stores nothing.

Each test runs a group of related requests and reports every one that broke the rule, with the server's
exception when there was one, so that one failure lists the whole bug class.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.api.test_fuzz_helpers import (
    CHOICE_POS,
    import_tasks,
    make_project,
    project_counters,
    row_counts,
)

I32 = 2**31  # one past PostgreSQL's `integer`
I64 = 2**63  # one past `bigint` and SQLite's INTEGER
U64_PLUS = 2**64 + 1  # beyond what orjson reads as an integer

Case = tuple[str, str, dict[str, Any]]  # method, url, request keyword arguments


def _try(client: TestClient, method: str, url: str, kw: dict[str, Any]) -> tuple[int | None, Any, str]:
    """(status, parsed body, short text); status None when the server raised (a 500)."""
    try:
        r = client.request(method, url, **kw)
    except Exception as exc:  # the TestClient re-raises the server's exception
        last = (str(exc).strip().splitlines() or [""])[0][:160]
        return None, None, f"500 {type(exc).__name__}: {last}"
    try:
        body = r.json()
    except ValueError:
        body = None
    return r.status_code, body, f"{r.status_code} {r.text[:160]}"


def _expect(client: TestClient, cases: Iterable[Case], allowed: set[int]) -> None:
    failures = []
    for method, url, kw in cases:
        status, body, text = _try(client, method, url, kw)
        if status not in allowed:
            failures.append(f"{method} {url} {_short(kw)} -> {text}")
        elif status == 400 and not (isinstance(body, dict) and str(body.get("detail") or "").strip()):
            failures.append(f"{method} {url} {_short(kw)} -> 400 without a detail: {text}")
    assert not failures, f"{len(failures)} request(s) broke the rule:\n" + "\n".join(failures)


def _short(kw: dict[str, Any]) -> str:
    return repr(kw)[:140]


@pytest.fixture
def ids(client: TestClient) -> dict[str, int]:
    pid = make_project(client)
    (tid,) = import_tasks(client, pid, [{"text": "hello"}])
    ann = client.post(f"/api/tasks/{tid}/annotations", json={"result": [CHOICE_POS]}).json()["id"]
    pred = client.post("/api/predictions", json={"task": tid, "result": [CHOICE_POS]}).json()["id"]
    return {"project": pid, "task": tid, "annotation": ann, "prediction": pred}


def _by_id_cases(n: int, ids: dict[str, int]) -> list[Case]:
    p = ids["project"]
    return [
        ("GET", f"/api/projects/{n}", {}),
        ("PATCH", f"/api/projects/{n}", {"json": {"title": "x"}}),
        ("POST", f"/api/projects/{n}/import", {"json": [{"text": "a"}]}),
        ("POST", f"/api/projects/{n}/import/predictions", {"json": []}),
        ("GET", f"/api/projects/{n}/export", {}),
        ("GET", f"/api/tasks/{n}", {}),
        ("PATCH", f"/api/tasks/{n}", {"json": {"meta": {}}}),
        ("POST", f"/api/tasks/{n}/annotations", {"json": {"result": []}}),
        ("GET", f"/api/annotations/{n}", {}),
        ("PATCH", f"/api/annotations/{n}", {"json": {}}),
        ("GET", f"/api/predictions/{n}", {}),
        ("PATCH", f"/api/predictions/{n}", {"json": {}}),
        ("GET", f"/api/users/{n}", {}),
        ("GET", "/api/tasks", {"params": {"project": n}}),
        ("POST", "/api/tasks", {"json": {"project": n, "data": {"text": "a"}}}),
        ("POST", "/api/predictions", {"json": {"task": n, "result": []}}),
        ("POST", f"/api/projects/{p}/import/predictions", {"json": [{"task": n, "result": []}]}),
    ]


def test_unknown_ids_are_404(client: TestClient, ids: dict[str, int]) -> None:
    cases = [c for n in (999_999, 0, -1) for c in _by_id_cases(n, ids)]
    # import/predictions answers 400 "item 0: task ... is not in project ...": the id is in the body
    _expect(client, [c for c in cases if "import/predictions" not in c[1]], {404})
    _expect(client, [c for c in cases if "import/predictions" in c[1]], {400, 404})


def test_out_of_range_ids_are_404_not_500(client: TestClient, ids: dict[str, int]) -> None:
    """BUG: ids past 2**31 (PostgreSQL `integer`) or 2**63 (SQLite) reach the database and raise
    OverflowError / NumericValueOutOfRange: a 500 where an unknown id is a 404."""
    cases = [c for n in (I32, I64, 2**64 - 1) for c in _by_id_cases(n, ids)]
    _expect(client, cases, {400, 404})


def test_out_of_range_numbers_in_bodies_are_not_500(client: TestClient, ids: dict[str, int]) -> None:
    """BUG: integers past the column's range in optional fields reach the database unchecked."""
    p, t = ids["project"], ids["task"]
    ann = {"data": {"text": "a"}, "annotations": [{"result": [CHOICE_POS]}]}
    pred = {"data": {"text": "a"}, "predictions": [{"result": [CHOICE_POS]}]}
    cases: list[Case] = []
    for n in (I32, I64, 2**64 - 1):
        cases += [
            ("POST", f"/api/tasks/{t}/annotations", {"json": {"result": [CHOICE_POS], "parent_prediction": n}}),
            ("POST", f"/api/tasks/{t}/annotations", {"json": {"result": [CHOICE_POS], "parent_annotation": n}}),
            ("POST", f"/api/projects/{p}/import", {"json": [{**ann, "annotations": [{"result": [CHOICE_POS], "completed_by": n}]}]}),
            ("POST", f"/api/projects/{p}/import", {"json": [{**ann, "annotations": [{"result": [CHOICE_POS], "lead_time": n}]}]}),
            ("POST", f"/api/projects/{p}/import", {"json": [{**pred, "predictions": [{"result": [CHOICE_POS], "score": n}]}]}),
            ("POST", "/api/predictions", {"json": {"task": t, "result": [CHOICE_POS], "score": n}}),
        ]  # fmt: skip
    _expect(client, cases, {200, 201, 400})


def test_out_of_range_query_parameters_are_not_500(client: TestClient, ids: dict[str, int]) -> None:
    """BUG: page, page_size, ids and filter values are passed to LIMIT/OFFSET and comparisons unchecked."""
    p = ids["project"]
    cases: list[Case] = []
    for n in (I32, I64, 2**64 - 1):
        flt = {
            "filters": {
                "conjunction": "and",
                "items": [{"filter": "filter:tasks:id", "operator": "equal", "value": n}],
            }
        }
        cases += [
            ("GET", "/api/tasks", {"params": {"project": p, "page": n}}),
            ("GET", "/api/tasks", {"params": {"project": p, "ids": n}}),
            ("GET", "/api/tasks", {"params": {"project": p, "query": json.dumps(flt)}}),
            ("GET", "/api/tasks", {"params": {"project": p, "query": json.dumps({"selectedItems": {"all": False, "included": [n]}})}}),
            ("GET", "/api/tasks", {"params": {"project": p, "query": json.dumps({"selectedItems": {"all": True, "excluded": [n]}})}}),
            ("GET", "/api/projects", {"params": {"page": n}}),
            ("GET", "/api/projects", {"params": {"page_size": n}}),
            ("GET", f"/api/projects/{p}/export", {"params": {"ids": n}}),
        ]  # fmt: skip
    _expect(client, cases, {200, 400, 404})


def test_filter_values_of_the_wrong_type_are_400_not_500(client: TestClient, ids: dict[str, int]) -> None:
    """BUG (PostgreSQL): a filter value that is not of the column's type is bound as-is, and the database
    refuses the comparison ("invalid input syntax for type integer", "operator does not exist")."""
    p = ids["project"]
    items = [
        ("id", "equal", "abc"),
        ("id", "equal", "1"),
        ("id", "greater", 1.5),
        ("inner_id", "in", {"min": "a", "max": "b"}),
        ("is_labeled", "equal", 1),
        ("is_labeled", "equal", "true"),
        ("created_at", "greater", 5),
        ("updated_at", "less", "yesterday"),
    ]
    cases: list[Case] = [
        (
            "GET",
            "/api/tasks",
            {"params": {"project": p, "query": json.dumps({"filters": {"conjunction": "and", "items": [
                {"filter": f"filter:tasks:{field}", "operator": op, "value": value}]}})}},
        )
        for field, op, value in items
    ]  # fmt: skip
    _expect(client, cases, {200, 400})


def test_nul_characters_are_refused_or_stored_not_500(
    client: TestClient, db: Session, ids: dict[str, int]
) -> None:
    """BUG (PostgreSQL): text and JSONB cannot hold U+0000; strings carrying it reach the database and
    fail there ("PostgreSQL text fields cannot contain NUL", "unsupported Unicode escape sequence")."""
    p, t = ids["project"], ids["task"]
    textarea = '<View><Text name="text" value="$text"/><TextArea name="c" toName="text"/></View>'
    ta = make_project(client, textarea)
    (ta_task,) = import_tasks(client, ta, [{"text": "x"}])
    nul = "a\x00b"
    cases: list[Case] = [
        ("POST", "/api/projects", {"json": {"title": nul}}),
        ("POST", "/api/projects", {"json": {"title": "t", "description": nul}}),
        ("PATCH", f"/api/projects/{p}", {"json": {"expert_instruction": nul}}),
        ("POST", f"/api/projects/{p}/import", {"json": [{"text": nul}]}),
        ("POST", f"/api/projects/{p}/import", {"json": [{"text": "a", nul: 1}]}),
        ("POST", f"/api/projects/{p}/import", {"json": [{"data": {"text": nul}, "meta": {"m": 1}}]}),
        ("POST", "/api/tasks", {"json": {"project": p, "data": {"text": nul}}}),
        ("PATCH", f"/api/tasks/{t}", {"json": {"data": {"text": nul}}}),
        ("PATCH", f"/api/tasks/{t}", {"json": {"meta": {"note": nul}}}),
        ("POST", f"/api/tasks/{ta_task}/annotations", {"json": {"result": [
            {"from_name": "c", "to_name": "text", "type": "textarea", "value": {"text": [nul]}}]}}),
        ("POST", "/api/predictions", {"json": {"task": t, "result": [CHOICE_POS], "model_version": nul}}),
        ("POST", "/api/users", {"json": {"email": "a\x00@example.com"}}),
        ("POST", "/api/users", {"json": {"email": "nul@example.com", "first_name": nul}}),
        ("POST", "/api/auth/login", {"json": {"email": "a\x00@example.com", "password": "x"}}),
        ("POST", f"/api/projects/{p}/import", {"files": [("file", ("nul.csv", b"text\na\x00b\n", "text/csv"))]}),
        ("POST", f"/api/projects/{p}/import", {"files": [("file", ("nul.json", b'[{"text": "a\\u0000b"}]', "application/json"))]}),
    ]  # fmt: skip
    before, rows = project_counters(client, p), row_counts(db, p)
    try:
        _expect(client, cases, {200, 201, 400, 401})
    finally:
        # whatever the status, a failed write must not leave half of itself behind
        after, rows_after = project_counters(client, p), row_counts(db, p)
        assert after["task_number"] - before["task_number"] == rows_after["tasks"] - rows["tasks"]


def test_over_long_strings_are_400_not_500(client: TestClient, ids: dict[str, int]) -> None:
    """BUG (PostgreSQL): fields stored in VARCHAR(n) columns are not length-checked (only `title` is), so
    PostgreSQL raises StringDataRightTruncation: color (16), model_version (255), user names (150)."""
    p, t, pr = ids["project"], ids["task"], ids["prediction"]
    cases: list[Case] = [
        ("POST", "/api/projects", {"json": {"title": "t", "color": "#" + "f" * 16}}),
        ("POST", "/api/projects", {"json": {"title": "t", "model_version": "v" * 256}}),
        ("PATCH", f"/api/projects/{p}", {"json": {"color": "c" * 40}}),
        ("POST", "/api/predictions", {"json": {"task": t, "result": [CHOICE_POS], "model_version": "v" * 256}}),
        ("PATCH", f"/api/predictions/{pr}", {"json": {"model_version": "v" * 256}}),
        ("POST", f"/api/projects/{p}/import/predictions", {"json": [{"task": t, "model_version": "v" * 256}]}),
        ("POST", f"/api/projects/{p}/import", {"json": [{"data": {"text": "a"}, "predictions": [{"result": [], "model_version": "v" * 256}]}]}),
        ("POST", "/api/users", {"json": {"email": "long1@example.com", "first_name": "f" * 151}}),
        ("POST", "/api/users", {"json": {"email": "long2@example.com", "last_name": "l" * 151}}),
        ("POST", "/api/users", {"json": {"email": "long3@example.com", "username": "u" * 151}}),
    ]  # fmt: skip
    _expect(client, cases, {200, 201, 400})


def test_booleans_are_not_ids(client: TestClient, ids: dict[str, int]) -> None:
    """BUG: `true` passes `isinstance(x, int)`, so it is taken for id 1 (POST /api/predictions checks it)."""
    p = ids["project"]
    cases: list[Case] = [
        ("POST", "/api/tasks", {"json": {"project": True, "data": {"text": "a"}}}),
        ("POST", f"/api/projects/{p}/import/predictions", {"json": [{"task": True, "result": []}]}),
        ("POST", "/api/predictions", {"json": {"task": True, "result": []}}),
    ]
    _expect(client, cases, {400})


def test_string_flags_are_refused_not_truthy(client: TestClient, ids: dict[str, int]) -> None:
    """BUG: `bool(value)` makes "false" and "no" true: the annotation is stored as skipped / ground truth."""
    t = ids["task"]
    failures = []
    for field in ("was_cancelled", "ground_truth"):
        for value in ("false", "no", "0"):
            r = client.post(f"/api/tasks/{t}/annotations", json={"result": [CHOICE_POS], field: value})
            if r.status_code == 201 and r.json()[field] is not False:
                failures.append(f"{field}={value!r} stored as {r.json()[field]!r}")
            elif r.status_code not in (201, 400):
                failures.append(f"{field}={value!r} -> {r.status_code}")
    assert not failures, failures


def test_user_names_must_be_strings(client: TestClient) -> None:
    """BUG: POST /api/users stores str() of any value (PATCH /api/users/{id} checks the same fields)."""
    failures = []
    cases = (("username", {"a": 1}), ("first_name", [1, 2]), ("last_name", 5), ("first_name", True))
    for i, (field, value) in enumerate(cases):
        r = client.post("/api/users", json={"email": f"user{i}@example.com", field: value})
        if r.status_code != 400:
            failures.append(f"{field}={value!r} -> {r.status_code}, stored {r.json().get(field)!r}")
        elif field not in r.json()["detail"]:
            failures.append(f"{field}={value!r}: detail does not name the field: {r.json()['detail']}")
    assert not failures, failures


def test_integers_beyond_64_bits_round_trip_or_are_refused(client: TestClient, ids: dict[str, int]) -> None:
    """BUG: orjson reads integers beyond 64 bits as floats, so they are stored rounded without a word."""
    p, t = ids["project"], ids["task"]
    region = {**CHOICE_POS, "meta": {"n": U64_PLUS}}
    raw = json.dumps({"result": [region]})
    r = client.post(f"/api/tasks/{t}/annotations", content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code in (201, 400), r.text
    if r.status_code == 201:
        stored = client.get(f"/api/annotations/{r.json()['id']}").json()["result"]
        assert stored == [region], f"sent {U64_PLUS}, stored {stored[0]['meta']['n']!r}"
    raw = json.dumps([{"text": "a", "n": U64_PLUS}])
    r = client.post(f"/api/projects/{p}/import?return_task_ids=1", content=raw, headers={"Content-Type": "application/json"})  # fmt: skip
    assert r.status_code in (201, 400), r.text
    if r.status_code == 201:
        data = client.get(f"/api/tasks/{r.json()['task_ids'][0]}").json()["data"]
        assert data["n"] == U64_PLUS, f"sent {U64_PLUS}, stored {data['n']!r}"


@pytest.mark.parametrize("name", ["filter:users:token", "filter:users:password", "filter:annotations:result"])
def test_filter_outside_the_task_namespace_is_400_naming_it(
    client: TestClient, ids: dict[str, int], name: str
) -> None:
    """BUG (message): the 400 says "filter must look like 'filter:tasks:<field>'" without naming the filter."""
    query = {
        "filters": {"conjunction": "and", "items": [{"filter": name, "operator": "equal", "value": "x"}]}
    }
    r = client.get("/api/tasks", params={"project": ids["project"], "query": json.dumps(query)})
    assert r.status_code == 400, r.text
    assert name in r.json()["detail"], r.json()["detail"]


def test_filter_on_secret_field_is_400_naming_it(client: TestClient, ids: dict[str, int]) -> None:
    # (`data.<key>` is a data-manager filter since step 3: tests/api/test_views.py; a key that is not
    # identifier-shaped is still a 400 there.)
    for field in ("annotations__completed_by__password", "annotations__completed_by__token", "data.te'xt"):
        query = {"filters": {"conjunction": "or", "items": [{"filter": f"filter:tasks:{field}", "operator": "equal", "value": "x"}]}}  # fmt: skip
        r = client.get("/api/tasks", params={"project": ids["project"], "query": json.dumps(query)})
        assert r.status_code == 400 and field in r.json()["detail"], r.text


def test_upload_item_error_names_file_and_line(client: TestClient, ids: dict[str, int]) -> None:
    """BUG (message): a row of an uploaded file that fails validation is reported as "item N" of all files
    concatenated, without the file or the line."""
    p = ids["project"]
    files = [
        ("file", ("good.csv", b"text\none\ntwo\n", "text/csv")),
        ("file", ("bad.jsonl", b'{"text": "a"}\n{"other": 1}\n', "application/jsonl")),  # line 2 lacks text
    ]
    before = project_counters(client, p)
    r = client.post(f"/api/projects/{p}/import", files=files)
    assert r.status_code == 400, r.text
    assert project_counters(client, p) == before
    detail = r.json()["detail"]
    assert "bad.jsonl" in detail and "line 2" in detail, detail


def test_upload_errors_name_file_and_line(client: TestClient, ids: dict[str, int]) -> None:
    p = ids["project"]
    before = project_counters(client, p)
    for name, content, line in (
        ("latin.csv", "text\nok\ncafé\n".encode("latin-1"), 3),
        ("ragged.csv", b"text\nok\na,b\n", 3),
        ("ragged.tsv", b"text\nok\na\tb\n", 3),
        ("broken.jsonl", b'{"text": "a"}\n\n{bad\n', 3),
    ):
        r = client.post(f"/api/projects/{p}/import", files=[("file", (name, content, "text/plain"))])
        assert r.status_code == 400, r.text
        detail = r.json()["detail"]
        assert detail.startswith(f"{name}: line {line}:"), detail
    for name in ("../../etc/passwd", "noext", "tasks.csv.exe"):
        r = client.post(f"/api/projects/{p}/import", files=[("file", (name, b"text\nx\n", "text/plain"))])
        assert r.status_code == 400 and r.json()["detail"].startswith(f"{name}: unsupported file type"), (
            r.text
        )
    assert project_counters(client, p) == before


def test_csv_long_field_is_read_whole(client: TestClient, ids: dict[str, int]) -> None:
    """A cell beyond the csv module's default 128 KiB limit is a long document, not an error; the
    readers allow lines up to 64 MiB."""
    p = ids["project"]
    content = b"text\nok\n" + b"x" * 200_000 + b"\n"
    r = client.post(f"/api/projects/{p}/import", files=[("file", ("big.csv", content, "text/csv"))])
    assert r.status_code == 201, r.text
    assert r.json()["task_count"] == 2


def test_refused_import_names_first_bad_item_and_stores_nothing(client: TestClient, db: Session) -> None:
    p = make_project(client)
    items: list[Any] = [
        {"text": "ok"},
        {"data": {"text": "ok"}, "annotations": [{"result": [CHOICE_POS]}]},
        {"data": {"text": "ok"}, "predictions": [{"result": [CHOICE_POS], "score": "high"}]},
        7,
        {"other": "no text"},
    ]
    r = client.post(f"/api/projects/{p}/import", json=items)
    assert r.status_code == 400
    body = r.json()
    assert body["detail"].startswith("3 invalid item(s): item 2, prediction 0: score"), body["detail"]
    assert [e.split(":")[0] for e in body["validation_errors"]["tasks"]] == [
        "item 2, prediction 0",
        "item 3",
        "item 4",
    ]
    assert row_counts(db, p) == {"tasks": 0, "annotations": 0, "predictions": 0}
    assert project_counters(client, p)["task_number"] == 0


def test_literal_backslash_u0000_text_is_not_a_nul(client: TestClient, ids: dict[str, int]) -> None:
    """BUG (false refusal): the NUL check looks for the bytes `\\u0000` anywhere in the raw body, so text that
    merely contains a backslash followed by "u0000" (JSON `"\\\\u0000"`, e.g. a C or JSON snippet) is refused
    as a NUL character. Only a real U+0000 (JSON `"\\u0000"`) should be."""
    p, t = ids["project"], ids["task"]
    text = 'printf("\\u0000")'  # a backslash, then u0000: no NUL anywhere
    failures = []
    for method, url, body in (
        ("POST", f"/api/projects/{p}/import", [{"text": text}]),
        ("POST", "/api/tasks", {"project": p, "data": {"text": text}}),
        ("PATCH", f"/api/tasks/{t}", {"data": {"text": text}}),
        ("POST", "/api/projects", {"title": text}),
    ):
        r = client.request(
            method, url, content=json.dumps(body), headers={"Content-Type": "application/json"}
        )
        if r.status_code not in (200, 201):
            failures.append(f"{method} {url} -> {r.status_code} {r.text[:120]}")
    assert not failures, failures
    stored = client.get(f"/api/tasks/{t}").json()["data"]["text"]
    assert stored == text


def test_integer_beyond_64_bits_names_the_item(client: TestClient, db: Session, ids: dict[str, int]) -> None:
    """Message: an import refused for a >64-bit integer says "body: integer ... is beyond 64 bits", not
    which item holds it; every other refused import names its first bad item."""
    p = ids["project"]
    before = row_counts(db, p)
    raw = json.dumps([{"text": "a"}, {"text": "b", "n": U64_PLUS}])
    r = client.post(f"/api/projects/{p}/import", content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    assert row_counts(db, p) == before
    assert "item 1" in r.json()["detail"], r.json()["detail"]
