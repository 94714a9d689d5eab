"""Projects over HTTP: create, read, list with paging, update, delete, config validation."""

from __future__ import annotations

from fastapi.testclient import TestClient

TEXT_CONFIG = (
    '<View><Text name="text" value="$text"/>'
    '<Choices name="sentiment" toName="text"><Choice value="pos"/><Choice value="neg"/></Choices></View>'
)


def test_create_get_patch_delete(client: TestClient) -> None:
    r = client.post("/api/projects/", json={"title": "First", "label_config": TEXT_CONFIG})
    assert r.status_code == 201, r.text
    p = r.json()
    assert p["title"] == "First" and p["task_number"] == 0
    assert p["parsed_label_config"]["sentiment"]["labels"] == ["pos", "neg"]
    assert p["parsed_label_config"]["sentiment"]["to_name"] == ["text"]
    got = client.get(f"/api/projects/{p['id']}").json()
    assert got["label_config"] == TEXT_CONFIG
    r = client.patch(f"/api/projects/{p['id']}", json={"title": "Renamed", "maximum_annotations": 3})
    assert r.status_code == 200 and r.json()["title"] == "Renamed" and r.json()["maximum_annotations"] == 3
    assert client.delete(f"/api/projects/{p['id']}").status_code == 204
    assert client.get(f"/api/projects/{p['id']}").status_code == 404


def test_paths_work_with_and_without_trailing_slash(client: TestClient) -> None:
    pid = client.post("/api/projects", json={"title": "x"}).json()["id"]
    assert client.get(f"/api/projects/{pid}/").status_code == 200
    assert client.get(f"/api/projects/{pid}").status_code == 200
    assert client.get("/api/projects/").status_code == 200


def test_list_pages(client: TestClient) -> None:
    for i in range(5):
        client.post("/api/projects", json={"title": f"p{i}"})
    first = client.get("/api/projects", params={"page": 1, "page_size": 2}).json()
    assert first["count"] == 5 and len(first["results"]) == 2 and first["next"] and first["previous"] is None
    last = client.get("/api/projects", params={"page": 3, "page_size": 2}).json()
    assert len(last["results"]) == 1 and last["next"] is None
    assert client.get("/api/projects", params={"page": 4, "page_size": 2}).status_code == 404


def test_invalid_config_is_400_naming_the_tag(client: TestClient) -> None:
    bad = '<View><Text name="text" value="$text"/><Choices name="c" toName="nowhere"><Choice value="a"/></Choices></View>'
    r = client.post("/api/projects", json={"title": "bad", "label_config": bad})
    assert r.status_code == 400
    assert "Choices" in r.json()["detail"] and "toName" in r.json()["detail"]
    assert client.get("/api/projects").json()["count"] == 0


def test_script_in_config_is_refused(client: TestClient) -> None:
    bad = '<View><Text name="text" value="$text"/><script>alert(1)</script></View>'
    assert client.post("/api/projects", json={"title": "x", "label_config": bad}).status_code == 400


def test_validate_endpoint(client: TestClient) -> None:
    ok = client.post("/api/projects/validate", json={"label_config": TEXT_CONFIG})
    assert ok.status_code == 200 and "sentiment" in ok.json()["parsed_label_config"]
    bad = client.post("/api/projects/validate", json={"label_config": "<View><Nope/></View>"})
    assert bad.status_code == 400 and "Nope" in bad.json()["detail"]


def test_wrong_field_types_are_400_with_the_field(client: TestClient) -> None:
    r = client.post("/api/projects", json={"title": 5})
    assert r.status_code == 400 and "title" in r.json()["validation_errors"]
    r = client.post("/api/projects", json={"title": "t", "maximum_annotations": 0})
    assert r.status_code == 400 and "maximum_annotations" in r.json()["validation_errors"]


def test_malformed_json_is_400(client: TestClient) -> None:
    r = client.post("/api/projects", content=b'{"title": ', headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "malformed JSON" in r.json()["detail"]


def test_unknown_project_is_404_json(client: TestClient) -> None:
    r = client.get("/api/projects/999999")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/json")
    assert client.post("/api/projects/999999/import", json=[{"text": "a"}]).status_code == 404
