"""Random query parameters on the list and export endpoints: never a 5xx; on the task list, filters on fields
outside the allowlist (Label Studio's password-hash leak went through such filters) are a 400 naming the field.
The project list and the export do not read `query`; sending one must not matter."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from tests.api.test_fuzz_helpers import (
    BOUNDARY_INTS,
    CHOICE_POS,
    FUZZ,
    check_response,
    import_tasks,
    json_values,
    make_project,
)

ALLOWED_FIELDS = [
    "id",
    "inner_id",
    "total_annotations",
    "cancelled_annotations",
    "total_predictions",
    "is_labeled",
    "created_at",
    "updated_at",
    "completed_at",
]
OPERATORS = ["equal", "not_equal", "greater", "greater_or_equal", "less", "less_or_equal", "in", "not_in", "empty", "contains", "regex", ""]  # fmt: skip
SECRET_FIELDS = [
    "annotations__completed_by__password",
    "annotations__completed_by__password_hash",
    "annotations__completed_by__token",
    "updated_by__token",
    "created_by__email",
    "data.text",
    "data",
    "meta",
    "project__created_by__password_hash",
    "file_upload",
    "annotators",
]

# URL parameters are UTF-8: no lone surrogates, which the client itself could not encode
utf8 = st.characters(codec="utf-8")
param_text = st.one_of(st.text(utf8, max_size=12), st.integers().map(str), BOUNDARY_INTS.map(str))
param_values = st.one_of(
    st.integers(),
    BOUNDARY_INTS,
    param_text,
    st.sampled_from(["1", "0", "-1", "", " ", "1.5", "1e3", "true", "null"]),
)
filter_values = st.one_of(
    json_values,
    st.fixed_dictionaries({"min": json_values, "max": json_values}),
    st.fixed_dictionaries({"min": st.integers(0, 5), "max": st.integers(0, 5)}),
    st.integers(0, 5),
)
filter_items = st.one_of(
    st.fixed_dictionaries(
        {
            "filter": st.sampled_from(ALLOWED_FIELDS).map(lambda f: f"filter:tasks:{f}"),
            "operator": st.sampled_from(OPERATORS),
            "value": filter_values,
            "type": st.sampled_from(["Number", "Boolean", "Datetime", "String"]),
        }
    ),
    json_values,
)
queries = st.one_of(
    st.builds(
        lambda items, conj: json.dumps({"filters": {"conjunction": conj, "items": items}}),
        st.lists(filter_items, max_size=3),
        st.one_of(st.sampled_from(["and", "or"]), json_values),
    ),
    st.builds(
        lambda sel: json.dumps({"selectedItems": sel}),
        st.one_of(
            st.fixed_dictionaries(
                {
                    "all": st.just(False),
                    "included": st.lists(
                        st.one_of(st.integers(1, 5), BOUNDARY_INTS, json_values), max_size=3
                    ),
                }
            ),
            st.fixed_dictionaries(
                {
                    "all": st.just(True),
                    "excluded": st.lists(
                        st.one_of(st.integers(1, 5), BOUNDARY_INTS, json_values), max_size=3
                    ),
                }
            ),
            json_values,
        ),
    ),
    json_values.map(json.dumps),
    st.text(utf8, max_size=30),
)


@pytest.fixture
def pid(client: TestClient) -> int:
    pid = make_project(client)
    tids = import_tasks(client, pid, [{"text": f"t{i}"} for i in range(5)])
    r = client.post(f"/api/tasks/{tids[0]}/annotations", json={"result": [CHOICE_POS]})
    assert r.status_code == 201, r.text
    return pid


def _params(draw: st.DrawFn, names: dict[str, st.SearchStrategy[Any]]) -> list[tuple[str, Any]]:
    """Each parameter absent, present once, or repeated (ids=1&ids=2)."""
    out: list[tuple[str, Any]] = []
    for name, values in names.items():
        for value in draw(st.lists(values, max_size=2)):
            out.append((name, value))
    return out


@FUZZ
@given(data=st.data())
def test_task_list_random_params_never_5xx(client: TestClient, pid: int, data: st.DataObject) -> None:
    project = data.draw(st.one_of(st.just(pid), st.just(pid), param_values), label="project")
    params = [("project", project), *_params(
        data.draw,
        {
            "page": st.one_of(st.integers(1, 3), param_values),
            "page_size": st.one_of(st.integers(1, 10), param_values),
            "ids": st.one_of(st.integers(1, 5), param_values),
            "fields": st.sampled_from(["all", "task_only", "", "x"]),
            "query": queries,
        },
    )]  # fmt: skip
    r = client.get("/api/tasks", params=params)
    body = check_response(r, frozenset({200, 400, 404}))
    if r.status_code == 200:
        assert isinstance(body["tasks"], list) and body["total"] >= len(body["tasks"])


@FUZZ
@given(data=st.data())
def test_project_list_random_params_never_5xx(client: TestClient, pid: int, data: st.DataObject) -> None:
    params = _params(
        data.draw,
        {
            "page": st.one_of(st.integers(1, 3), param_values),
            "page_size": st.one_of(st.integers(1, 10), param_values),
            "ordering": st.one_of(st.sampled_from(["id", "-id", "title", "-created_at"]), param_text),
            "query": queries,
        },
    )
    r = client.get("/api/projects", params=params)
    check_response(r, frozenset({200, 400, 404}))


@FUZZ
@given(data=st.data())
def test_export_random_params_never_5xx(client: TestClient, pid: int, data: st.DataObject) -> None:
    target = data.draw(
        st.one_of(st.just(pid), st.just(pid), st.integers(), BOUNDARY_INTS), label="project id"
    )
    params = _params(
        data.draw,
        {
            "exportType": st.one_of(st.sampled_from(["JSON", "json", "CSV", "COCO", ""]), param_text),
            "export_type": st.one_of(st.sampled_from(["JSON", "JSON_MIN"]), param_text),
            "download_all_tasks": st.one_of(st.sampled_from(["true", "false", "1", "yes"]), param_text),
            "ids": st.one_of(st.integers(1, 5), param_values),
            "query": queries,  # not read by the export; must not matter
        },
    )
    r = client.get(f"/api/projects/{target}/export", params=params)
    body = check_response(r, frozenset({200, 400, 404}))
    if r.status_code == 200:
        assert isinstance(body, list)


@FUZZ
@given(
    field=st.one_of(
        st.sampled_from(SECRET_FIELDS),
        st.from_regex(r"[a-z][a-z_]{0,20}(__[a-z_]{1,12}){0,3}", fullmatch=True).filter(
            lambda f: f not in ALLOWED_FIELDS
        ),
    ),
    operator=st.sampled_from(OPERATORS),
    value=filter_values,
    conjunction=st.sampled_from(["and", "or"]),
    position=st.integers(0, 2),
)
def test_filter_on_field_outside_allowlist_is_400_naming_it(
    client: TestClient, pid: int, field: str, operator: str, value: Any, conjunction: str, position: int
) -> None:
    ok = {"filter": "filter:tasks:id", "operator": "greater", "value": 0}
    items: list[Any] = [ok, ok]
    items.insert(position, {"filter": f"filter:tasks:{field}", "operator": operator, "value": value})
    query = json.dumps({"filters": {"conjunction": conjunction, "items": items}})
    r = client.get("/api/tasks", params={"project": pid, "query": query})
    body = check_response(r, frozenset({400}))
    assert field in body["detail"], body["detail"]
    assert f"items[{position}]" in body["detail"], body["detail"]
