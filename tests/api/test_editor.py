"""`/api/tasks/{id}/editor`: the schema and the task, with HyperText sanitized and the rest verbatim."""

from __future__ import annotations

from fastapi.testclient import TestClient

CONFIG = """<View>
  <HyperText name="page" value="$html"/>
  <Text name="note" value="$note"/>
  <Choices name="c" toName="note"><Choice value="ok"/></Choices>
</View>"""


def test_editor_payload_sanitizes_hypertext_only(client: TestClient) -> None:
    pid = client.post("/api/projects", json={"title": "e", "label_config": CONFIG}).json()["id"]
    item = {"html": '<p onclick="x()">Hi<script>alert(1)</script></p>', "note": "<b>raw</b> & kept"}
    r = client.post(f"/api/projects/{pid}/import?return_task_ids=1", json=[item])
    (tid,) = r.json()["task_ids"]
    body = client.get(f"/api/tasks/{tid}/editor").json()
    assert body["project"]["id"] == pid
    assert set(body["schema"]["objects"]) == {"page", "note"}
    assert body["task"]["id"] == tid
    assert body["task"]["data"]["html"] == "<p>Hi</p>"
    assert body["task"]["data"]["note"] == "<b>raw</b> & kept"
    # The stored task is untouched.
    assert client.get(f"/api/tasks/{tid}").json()["data"]["html"] == item["html"]


def test_editor_payload_needs_a_caller(anon: TestClient, client: TestClient) -> None:
    pid = client.post("/api/projects", json={"title": "e", "label_config": CONFIG}).json()["id"]
    r = client.post(f"/api/projects/{pid}/import?return_task_ids=1", json=[{"html": "x", "note": "y"}])
    (tid,) = r.json()["task_ids"]
    assert anon.get(f"/api/tasks/{tid}/editor").status_code == 401
    assert client.get("/api/tasks/999999/editor").status_code == 404
