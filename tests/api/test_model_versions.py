"""`GET /api/projects/{id}/model-versions` in Label Studio's shapes, the comparison at `.../compare`, who may
read them, and the Models page's "Compare model versions" table with hostile version names escaped."""

from __future__ import annotations

import html

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from labelwise.db.models import Project
from tests.api.test_tasks_and_import import choice, make_project
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.ml.test_versions import make_crowd
from tests.support.people import member
from tests.support.statements import counted

PROBE = "<img src=x onerror=alert(1)>"


def _predict(client: TestClient, pid: int, versions: list[str]) -> None:
    """One labelled task, predicted by every version in `versions`."""
    items = [
        {
            "data": {"text": "t"},
            "annotations": [{"result": [choice("pos")], "ground_truth": True}],
            "predictions": [{"model_version": v, "result": [choice("pos")], "score": 0.5} for v in versions],
        }
    ]
    r = client.post(f"/api/projects/{pid}/import", json=items)
    assert r.status_code == 201, r.text


def test_model_versions_answer_label_studios_shapes(client: TestClient, db: Session) -> None:
    pid = make_project(client)
    _predict(client, pid, ["a", "b"])
    _predict(client, pid, ["b"])
    db.get(Project, pid).model_version = "current"  # type: ignore[union-attr]
    db.commit()
    for path in (f"/api/projects/{pid}/model-versions", f"/api/projects/{pid}/model-versions/"):
        r = client.get(path)
        assert r.status_code == 200, r.text
        assert r.json() == {"a": 1, "b": 2, "current": 0}
    r = client.get(f"/api/projects/{pid}/model-versions/", params={"extended": "true"})
    body = r.json()
    assert body["live"] is None
    assert sorted((row["model_version"], row["count"]) for row in body["static"]) == [("a", 1), ("b", 2)]
    assert all(set(row) == {"model_version", "count", "latest"} and row["latest"] for row in body["static"])
    assert [row["latest"] for row in body["static"]] == sorted(
        (row["latest"] for row in body["static"]), reverse=True
    )
    one = client.get(f"/api/projects/{pid}/model-versions", params={"extended": 1, "limit": 1}).json()
    assert len(one["static"]) == 1
    client.post("/api/ml", json={"project": pid, "title": "built-in", "type": "builtin"})
    live = client.get(f"/api/projects/{pid}/model-versions",
                      params={"extended": "true", "include_live_models": "true"}).json()["live"]  # fmt: skip
    assert [m["title"] for m in live] == ["built-in"]
    bad = client.get(f"/api/projects/{pid}/model-versions", params={"extended": "maybe"})
    assert bad.status_code == 400 and "extended" in bad.json()["validation_errors"]
    bad = client.get(f"/api/projects/{pid}/model-versions/compare", params={"limit": 0})
    assert bad.status_code == 400 and "limit" in bad.json()["validation_errors"]


def test_compare_serves_the_figures(client: TestClient, db: Session) -> None:
    crowd = make_crowd(client, db)
    r = client.get(f"/api/projects/{crowd['pid']}/model-versions/compare/")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["project"] == crowd["pid"] and body["truncated"] is False and body["tasks"] == 6
    by = {v["model_version"]: v for v in body["versions"]}
    sentiment = by["v1"]["controls"]["sentiment"]
    assert sentiment["ground_truth"]["accuracy"] == 0.5
    assert sentiment["consensus"]["agreement"] == pytest.approx(4 / 6)
    assert {"label": "neu", "support": 1, "recall": 0.0, "precision": None} in sentiment["ground_truth"][
        "labels"
    ]
    assert by["v2"]["controls"]["sentiment"]["ground_truth"]["accuracy"] == 0.75
    assert by["v2"]["predictions"] == 4 and by["v2"]["mean_score"] == pytest.approx(0.8)
    truncated = client.get(f"/api/projects/{crowd['pid']}/model-versions/compare", params={"limit": 2}).json()
    assert truncated["truncated"] is True


def test_annotators_get_403_and_a_missing_project_404(client: TestClient, db: Session) -> None:
    pid = make_project(client)
    member(db, pid, "ann@example.com", token="annotator-token-0123456789")
    db.commit()
    headers = {"Authorization": "Token annotator-token-0123456789"}
    for path in ("model-versions", "model-versions/compare"):
        assert client.get(f"/api/projects/{pid}/{path}", headers=headers).status_code == 403
        assert client.get(f"/api/projects/999999/{path}").status_code == 404


def test_compare_statements_do_not_grow_with_the_number_of_versions(client: TestClient, db: Session) -> None:
    pid = make_project(client)
    _predict(client, pid, ["a", "b"])

    def statements() -> int:
        with counted(db.get_bind().engine) as seen:
            r = client.get(f"/api/projects/{pid}/model-versions/compare")
            assert r.status_code == 200, r.text
        return len(seen)

    two = statements()
    _predict(client, pid, [f"v{k}" for k in range(12)])
    _predict(client, pid, [f"w{k}" for k in range(12)])
    assert len(client.get(f"/api/projects/{pid}/model-versions/compare").json()["versions"]) == 26
    assert statements() == two


def test_the_models_page_shows_the_table_with_hostile_names_escaped(client: TestClient) -> None:
    pid = make_project(client)
    _predict(client, pid, [PROBE, "plain"])
    with TestClient(client.app) as browser:
        browser.post("/api/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
        page = browser.get(f"/projects/{pid}/models")
    assert page.status_code == 200
    text = page.text
    assert "Compare model versions" in text and 'id="mv-table"' in text
    assert "<img src=x" not in text
    assert html.escape(PROBE) in text
    rows = text.count('class="mv-row"')
    assert rows == 2  # one per version and control
    assert "100.0%" in text  # both right on the one gold task


def test_the_models_page_without_predictions_says_so(client: TestClient) -> None:
    pid = make_project(client)
    with TestClient(client.app) as browser:
        browser.post("/api/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
        text = browser.get(f"/projects/{pid}/models").text
    assert 'id="mv-empty"' in text
