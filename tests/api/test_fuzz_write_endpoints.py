"""Random JSON values and random bytes to every write endpoint: never a 5xx, always a JSON answer with an
expected status, and every 400 says what is wrong in `detail`. Malformed JSON is a 400 everywhere."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from tests.api.test_fuzz_helpers import (
    ANNOTATION_FIELDS,
    CHOICE_POS,
    CONTENT_TYPES,
    FUZZ,
    IMPORT_ITEM_FIELDS,
    PREDICTION_FIELDS,
    PROJECT_FIELDS,
    USER_FIELDS,
    bodies_with,
    check_response,
    ids,
    import_tasks,
    json_values,
    make_project,
    meta_objects,
    raw_bodies,
    send_json,
    task_data,
    texts,
)
from tests.api.test_projects import TEXT_CONFIG

structured_items = st.fixed_dictionaries(
    {"data": task_data}, optional={k: v for k, v in IMPORT_ITEM_FIELDS.items() if k != "data"}
)
import_items = st.one_of(task_data, structured_items, bodies_with(IMPORT_ITEM_FIELDS))
prediction_items = bodies_with(PREDICTION_FIELDS)
BODIES: dict[tuple[str, str], st.SearchStrategy[Any]] = {
    ("POST", "/api/projects"): bodies_with(PROJECT_FIELDS),
    ("PATCH", "/api/projects/{project}"): bodies_with(PROJECT_FIELDS),
    ("POST", "/api/projects/{project}/import"): st.one_of(st.lists(import_items, max_size=4), import_items),
    ("POST", "/api/projects/{project}/import/predictions"): st.one_of(
        st.lists(prediction_items, max_size=3), json_values
    ),
    ("POST", "/api/tasks"): bodies_with({"project": ids, "data": task_data, "meta": meta_objects}),
    ("PATCH", "/api/tasks/{task}"): bodies_with({"data": task_data, "meta": meta_objects}),
    ("POST", "/api/tasks/{task}/annotations"): bodies_with(ANNOTATION_FIELDS),
    ("PATCH", "/api/annotations/{annotation}"): bodies_with(ANNOTATION_FIELDS),
    ("POST", "/api/predictions"): prediction_items,
    ("PATCH", "/api/predictions/{prediction}"): bodies_with(
        {k: v for k, v in PREDICTION_FIELDS.items() if k != "task"}
    ),
    ("POST", "/api/users"): bodies_with(USER_FIELDS),
    ("POST", "/api/token/refresh"): bodies_with(
        {"refresh": st.one_of(texts, st.just("eyJhbGciOiJIUzI1NiJ9.e30.c2ln"))}
    ),
    ("POST", "/api/auth/login"): bodies_with(
        {"email": st.sampled_from(["owner@example.com", "nobody@example.com"]), "password": texts}
    ),
    ("POST", "/api/projects/validate"): bodies_with(PROJECT_FIELDS),
    ("POST", "/api/auth/signup"): bodies_with(
        {"email": st.one_of(texts, st.just("new@example.com")), "password": texts, "token": texts}
    ),
    ("POST", "/api/labeling/preview"): bodies_with(
        {
            "label_config": st.one_of(
                texts, st.sampled_from([TEXT_CONFIG, "<View/>", "<View><Bogus/></View>", "<View"])
            ),
            "project": ids,
        }
    ),
    ("POST", "/api/labeling/markdown"): bodies_with({"text": texts}),
    # The team workflow's writes (step 5).
    ("POST", "/api/projects/{project}/members"): bodies_with(
        {
            "user": st.one_of(ids, st.just(2)),
            "role": st.one_of(texts, st.sampled_from(["annotator", "reviewer"])),
        }
    ),
    ("POST", "/api/annotation-reviews"): bodies_with(
        {
            "annotation": st.one_of(ids, st.just(2)),
            "accepted": json_values,
            "comment": json_values,
            "result": st.one_of(json_values, st.just([CHOICE_POS])),
        }
    ),
    ("POST", "/api/projects/{project}/tasks/assignees"): bodies_with(
        {
            "type": st.one_of(texts, st.sampled_from(["AN", "RE"])),
            "users": json_values,
            "selectedItems": json_values,
            "filters": json_values,
        }
    ),
    ("POST", "/api/projects/{project}/members/{member}/pauses"): bodies_with(
        {"reason": st.one_of(texts, st.just("MANUAL")), "verbose_reason": json_values}
    ),
    ("POST", "/api/webhooks"): bodies_with(
        {
            "project": ids,
            "url": st.one_of(texts, st.just("http://10.0.0.1/x")),
            "actions": json_values,
            "headers": json_values,
            "send_payload": json_values,
            "secret": json_values,
        }
    ),
}
WRITE_ENDPOINTS = list(BODIES)
IDS = [f"{m} {p}" for m, p in WRITE_ENDPOINTS]

MALFORMED = [b"{", b"[{", b'{"a":}', b"{'a': 1}", b"[1,]", b"\xff", b'{"a":1}}', b"nul", b'{"a": NaN}']


@pytest.fixture
def targets(client: TestClient) -> dict[str, int]:
    """One of each object the endpoints write to, so that paths with ids reach their handlers."""
    pid = make_project(client)
    (tid,) = import_tasks(client, pid, [{"text": "hello"}])
    r = client.post(f"/api/tasks/{tid}/annotations", json={"result": [CHOICE_POS]})
    assert r.status_code == 201, r.text
    r2 = client.post("/api/predictions", json={"task": tid, "result": [CHOICE_POS], "score": 0.5})
    assert r2.status_code == 201, r2.text
    person = client.post("/api/users", json={"email": "fuzz-member@example.com", "password": "password-123"})
    assert person.status_code == 201, person.text
    member = person.json()["id"]
    assert client.post(f"/api/projects/{pid}/members", json={"user": member}).status_code == 201
    return {
        "project": pid,
        "task": tid,
        "annotation": r.json()["id"],
        "prediction": r2.json()["id"],
        "member": member,
    }


@pytest.mark.parametrize(("method", "path"), WRITE_ENDPOINTS, ids=IDS)
@FUZZ
@given(data=st.data())
def test_random_body_never_5xx(
    client: TestClient, targets: dict[str, int], method: str, path: str, data: st.DataObject
) -> None:
    url = path.format(**targets)
    if data.draw(st.integers(0, 3), label="bytes instead of JSON") == 0:
        raw = data.draw(raw_bodies, label="raw body")
        content_type = data.draw(CONTENT_TYPES, label="content type")
        headers = {"Content-Type": content_type} if content_type else {}
        r = client.request(method, url, content=raw, headers=headers)
    else:
        r = send_json(client, method, url, data.draw(BODIES[(method, path)], label="JSON body"))
    check_response(r)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_malformed_json_is_400_everywhere(client: TestClient, targets: dict[str, int]) -> None:
    """Parsing happens before any database work, so one database is enough here."""
    for method, path in WRITE_ENDPOINTS:
        for raw in MALFORMED:
            r = client.request(
                method, path.format(**targets), content=raw, headers={"Content-Type": "application/json"}
            )
            body = check_response(r, frozenset({400}))
            assert "JSON" in body["detail"], (method, path, raw, body)
