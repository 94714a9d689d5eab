"""Import, paging through tasks, editing and deleting tasks, counters, export."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.testclient import TestClient

from tests.api.test_projects import TEXT_CONFIG


def make_project(client: TestClient, config: str = TEXT_CONFIG, **extra: Any) -> int:
    r = client.post("/api/projects", json={"title": "t", "label_config": config, **extra})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def choice(value: str) -> dict[str, Any]:
    return {"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [value]}}


def test_import_flat_and_structured_items(client: TestClient) -> None:
    pid = make_project(client)
    items = [
        {"text": "flat one"},
        {"data": {"text": "with ann"}, "annotations": [{"result": [choice("pos")]}], "meta": {"src": "a"}},
        {
            "data": {"text": "with pred"},
            "predictions": [{"result": [choice("neg")], "score": 0.4, "model_version": "m1"}],
        },
    ]
    r = client.post(f"/api/projects/{pid}/import?return_task_ids=true", json=items)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["task_count"] == 3 and body["annotation_count"] == 1
    assert body["prediction_count"] == 1 and body["predictions_count"] == 1
    assert len(body["task_ids"]) == 3
    assert "import" not in body  # the legacy SDK would poll it as an asynchronous import
    imp = client.get(r.headers["location"]).json()

    assert imp["status"] == "completed" and imp["task_count"] == 3
    p = client.get(f"/api/projects/{pid}").json()
    assert p["task_number"] == 3 and p["total_annotations_number"] == 1
    assert p["num_tasks_with_annotations"] == 1 and p["total_predictions_number"] == 1
    t = client.get(f"/api/tasks/{body['task_ids'][1]}").json()
    assert t["data"] == {"text": "with ann"} and t["meta"] == {"src": "a"}
    assert t["annotations"][0]["result"] == [choice("pos")] and t["total_annotations"] == 1


def test_import_missing_key_is_400_and_stores_nothing(client: TestClient) -> None:
    pid = make_project(client)
    items = [{"text": "ok"}, {"other": "x"}, {"text": "ok"}, {"nope": 1}]
    r = client.post(f"/api/projects/{pid}/import", json=items)
    assert r.status_code == 400
    errors = r.json()["validation_errors"]["tasks"]
    assert errors[0].startswith("item 1") and "$text" in errors[0] and errors[1].startswith("item 3")
    assert client.get(f"/api/projects/{pid}").json()["task_number"] == 0


def test_import_bad_annotation_result_names_item_and_region(client: TestClient) -> None:
    pid = make_project(client)
    items = [{"data": {"text": "a"}, "annotations": [{"result": [choice("nope")]}]}]
    r = client.post(f"/api/projects/{pid}/import", json=items)
    assert r.status_code == 400
    assert "item 0, annotation 0" in r.json()["detail"] and "nope" in r.json()["detail"]
    assert client.get(f"/api/projects/{pid}").json()["task_number"] == 0


def test_import_non_objects_is_400(client: TestClient) -> None:
    pid = make_project(client)
    r = client.post(f"/api/projects/{pid}/import", json=[1, "x"])
    assert r.status_code == 400 and "item 0" in r.json()["detail"]
    r = client.post(
        f"/api/projects/{pid}/import", content=b"[{", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400


def test_paging_covers_every_task_once_and_ends_with_404(client: TestClient) -> None:
    pid = make_project(client)
    client.post(f"/api/projects/{pid}/import", json=[{"text": f"t{i}"} for i in range(250)])
    seen: list[int] = []
    page = 1
    while True:
        r = client.get("/api/tasks", params={"project": pid, "page": page, "page_size": 100})
        if r.status_code == 404:
            break
        body = r.json()
        assert body["total"] == 250
        seen += [t["id"] for t in body["tasks"]]
        page += 1
    assert page == 4 and len(seen) == 250 == len(set(seen))


def test_paging_after_deletes_uses_offsets_correctly(client: TestClient) -> None:
    pid = make_project(client)
    ids = client.post(
        f"/api/projects/{pid}/import?return_task_ids=1", json=[{"text": str(i)} for i in range(30)]
    ).json()["task_ids"]
    for tid in ids[:5]:
        assert client.delete(f"/api/tasks/{tid}").status_code == 204
    got = client.get("/api/tasks", params={"project": pid, "page": 1, "page_size": 10}).json()
    assert [t["id"] for t in got["tasks"]] == ids[5:15] and got["total"] == 25
    last = client.get("/api/tasks", params={"project": pid, "page": 3, "page_size": 10}).json()
    assert [t["id"] for t in last["tasks"]] == ids[25:]
    assert client.get("/api/tasks", params={"project": pid, "page": 4, "page_size": 10}).status_code == 404


def test_patch_task_checks_data_keys(client: TestClient) -> None:
    pid = make_project(client)
    tid = client.post(f"/api/projects/{pid}/import?return_task_ids=1", json=[{"text": "a"}]).json()[
        "task_ids"
    ][0]
    assert client.patch(f"/api/tasks/{tid}", json={"data": {"text": "b"}}).json()["data"] == {"text": "b"}
    r = client.patch(f"/api/tasks/{tid}", json={"data": {"other": "b"}})
    assert r.status_code == 400 and "$text" in r.json()["detail"]


def test_export_json_round_trip(client: TestClient) -> None:
    pid = make_project(client)
    ids = client.post(
        f"/api/projects/{pid}/import?return_task_ids=1", json=[{"text": f"t{i}"} for i in range(5)]
    ).json()["task_ids"]
    client.post(f"/api/tasks/{ids[0]}/annotations/", json={"result": [choice("pos")]})
    client.post("/api/predictions/", json={"task": ids[1], "result": [choice("neg")], "score": 0.9})
    annotated = orjson.loads(client.get(f"/api/projects/{pid}/export", params={"exportType": "JSON"}).content)
    assert [t["id"] for t in annotated] == [ids[0]]
    assert annotated[0]["annotations"][0]["result"] == [choice("pos")]
    full = orjson.loads(
        client.get(
            f"/api/projects/{pid}/export", params={"export_type": "JSON", "download_all_tasks": "true"}
        ).content
    )
    assert [t["id"] for t in full] == ids and full[1]["predictions"][0]["score"] == 0.9
    assert client.get(f"/api/projects/{pid}/export", params={"exportType": "XML"}).status_code == 400


def test_upload_csv_jsonl_txt_files(client: TestClient) -> None:
    pid = make_project(client)
    files = [
        ("file", ("a.csv", b'text,extra\nhello,1\n"quoted, comma",2\n', "text/csv")),
        ("file", ("b.jsonl", b'{"text": "j1"}\n{"text": "j2"}\n', "application/jsonl")),
        ("file", ("c.txt", b"line one\nline two\n", "text/plain")),
    ]
    r = client.post(f"/api/projects/{pid}/import", files=files)
    assert r.status_code == 201, r.text
    assert r.json()["task_count"] == 6 and r.json()["found_formats"] == {"csv": 1, "jsonl": 1, "txt": 1}
    r = client.post(
        f"/api/projects/{pid}/import", files=[("file", ("x.jsonl", b'{"text": "a"}\n{bad\n', "x"))]
    )
    assert r.status_code == 400 and "line 2" in r.json()["detail"]
    assert client.get(f"/api/projects/{pid}").json()["task_number"] == 6


def test_timestamps_are_iso_utc_everywhere(client: TestClient) -> None:
    import re

    stamp = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$")
    pid = make_project(client)
    tid = client.post(f"/api/projects/{pid}/import?return_task_ids=1", json=[{"text": "a"}]).json()[
        "task_ids"
    ][0]
    ann = client.post(f"/api/tasks/{tid}/annotations/", json={"result": [choice("pos")]}).json()
    listed = client.get("/api/tasks", params={"project": pid}).json()["tasks"][0]
    single = client.get(f"/api/tasks/{tid}").json()
    project = client.get(f"/api/projects/{pid}").json()
    for value in (ann["created_at"], listed["created_at"], listed["annotations"][0]["updated_at"],
                  single["updated_at"], single["annotations"][0]["created_at"], project["created_at"]):  # fmt: skip
        assert stamp.match(value), value
