"""Dashboard numbers: per project and per annotator, with the same day buckets on both databases."""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from labelwise.db.base import utcnow
from labelwise.db.models import Annotation, User
from labelwise.services import annotations, charts, projects, stats, users
from tests.api.test_tasks_and_import import choice, make_project
from tests.support.people import member
from tests.support.statements import counted


def _tasks(client: TestClient, pid: int, n: int) -> list[int]:
    r = client.post(
        f"/api/projects/{pid}/import?return_task_ids=1", json=[{"text": f"t{i}"} for i in range(n)]
    )
    return list(r.json()["task_ids"])


def _annotate(db: Session, tid: int, user: User, lead_time: float, skip: bool = False) -> int:
    body: dict[str, Any] = {"result": [] if skip else [choice("pos")], "lead_time": lead_time}
    if skip:
        body["was_cancelled"] = True
    return int(annotations.create(db, annotations.target(db, tid), user, body)["id"])


def _set(db: Session, ann_id: int, **values: Any) -> None:
    db.execute(update(Annotation).where(Annotation.id == ann_id).values(**values))
    db.commit()


def _h(user: User) -> dict[str, str]:
    return {"Authorization": f"Token {user.token}"}


@pytest.fixture
def scene(client: TestClient, db: Session) -> dict[str, Any]:
    """Two annotators: Ann labels two tasks (one 2 days ago) and skips one; Bob labels one, 40 days ago."""
    pid = make_project(client)
    t1, t2, t3, _ = _tasks(client, pid, 4)
    ann = member(db, pid, "ann@example.com")
    bob = member(db, pid, "bob@example.com")
    a1 = _annotate(db, t1, ann, 2.0)
    a2 = _annotate(db, t2, ann, 4.0)
    _annotate(db, t3, ann, 99.0, skip=True)
    b1 = _annotate(db, t3, bob, 10.0)
    now = utcnow()
    _set(db, a1, review_state="accepted", created_at=now - timedelta(days=2))
    _set(db, a2, review_state="rejected")
    _set(db, b1, review_state="fixed", created_at=now - timedelta(days=40))
    return {"pid": pid, "ann": ann, "bob": bob}


def test_project_dashboard_numbers(client: TestClient, scene: dict[str, Any]) -> None:
    r = client.get(f"/api/projects/{scene['pid']}/stats")
    assert r.status_code == 200, r.text
    s = r.json()
    t = s["totals"]
    assert (t["tasks"], t["tasks_finished"], t["annotations"], t["skipped"]) == (4, 3, 3, 1)
    assert t["skip_rate"] == 0.25 and t["median_lead_time"] == 4.0  # the skip's lead time is not counted
    assert (t["reviews_accepted"], t["reviews_rejected"], t["acceptance_rate"]) == (2, 1, 0.6667)
    days = s["days"]
    assert len(days) == 30 and days[-1] == utcnow().date().isoformat()
    per_day = {d["day"]: d["annotations"] for d in s["throughput"]}
    assert per_day[days[-1]] == 1 and per_day[days[-3]] == 1 and sum(per_day.values()) == 2  # Bob's is older
    progress = {p["day"]: p for p in s["progress"]}
    assert progress[days[0]]["cumulative"] == 1  # Bob's task finished before the window
    assert progress[days[-3]] == {"day": days[-3], "finished": 1, "cumulative": 2}
    assert progress[days[-1]]["cumulative"] == 3
    rows = {row["user"]["email"]: row for row in s["annotators"]}
    a, b = rows["ann@example.com"], rows["bob@example.com"]
    assert (a["tasks_done"], a["annotations"], a["skipped"], a["skip_rate"]) == (2, 2, 1, 0.3333)
    assert a["median_lead_time"] == 3.0 and a["acceptance_rate"] == 0.5
    assert a["throughput"][-1] == 1 and a["throughput"][-3] == 1 and sum(a["throughput"]) == 2
    assert (b["tasks_done"], b["median_lead_time"], b["acceptance_rate"], sum(b["throughput"])) == (
        1,
        10.0,
        1.0,
        0,
    )


def test_annotator_sees_only_their_own_numbers(
    client: TestClient, db: Session, scene: dict[str, Any]
) -> None:
    pid, ann, bob = scene["pid"], scene["ann"], scene["bob"]
    own = client.get(f"/api/projects/{pid}/stats/users/{ann.id}", headers=_h(ann))
    assert own.status_code == 200
    body = own.json()
    assert [row["user"]["id"] for row in body["annotators"]] == [ann.id]
    assert body["totals"]["tasks_done"] == 2 and body["totals"]["annotations"] == 2
    assert client.get(f"/api/projects/{pid}/stats/users/{bob.id}", headers=_h(ann)).status_code == 403
    assert client.get(f"/api/projects/{pid}/stats", headers=_h(ann)).status_code == 403
    assert client.get(f"/api/projects/{pid}/stats/lead_time", headers=_h(ann)).status_code == 403
    assert client.get(f"/api/projects/{pid}/stats/finished", headers=_h(ann)).status_code == 403
    mine = client.get(f"/api/projects/{pid}/stats/finished", params={"user_pk": ann.id}, headers=_h(ann))
    assert mine.status_code == 200 and mine.json() == {"id": ann.id, "finished": 2, "progress": 50}
    reviewer = member(db, pid, "rev@example.com", "reviewer")
    assert client.get(f"/api/projects/{pid}/stats", headers=_h(reviewer)).status_code == 403
    assert client.get(f"/api/projects/{pid}/stats/users/{ann.id}", headers=_h(reviewer)).status_code == 403
    assert (
        client.get(f"/api/projects/{pid}/stats/users/{reviewer.id}", headers=_h(reviewer)).status_code == 200
    )
    stranger = users.create(db, "stranger@example.com", "password-123", "annotator")
    assert client.get(f"/api/projects/{pid}/stats", headers=_h(stranger)).status_code == 404
    assert (
        client.get(f"/api/projects/{pid}/stats/users/{stranger.id}", headers=_h(stranger)).status_code == 404
    )
    manager = users.create(db, "boss@example.com", "password-123", "manager")
    assert client.get(f"/api/projects/{pid}/stats/users/{ann.id}", headers=_h(manager)).status_code == 200


def test_label_studio_stats_paths(client: TestClient, scene: dict[str, Any]) -> None:
    pid, ann, bob = scene["pid"], scene["ann"], scene["bob"]
    assert client.get(f"/api/projects/{pid}/stats/finished").json() == {
        "id": None,
        "finished": 3,
        "progress": 75,
    }
    by_user = client.get(f"/api/projects/{pid}/stats/finished", params={"user_pk": bob.id}).json()
    assert by_user == {"id": bob.id, "finished": 1, "progress": 25}
    items = client.get(f"/api/projects/{pid}/stats/lead_time").json()["lead_time_stats"]
    assert items == [
        {"user_id": ann.id, "mean_time": 3.0, "median_time": 3.0, "sum_lead_time": 6.0},
        {"user_id": bob.id, "mean_time": 10.0, "median_time": 10.0, "sum_lead_time": 10.0},
    ]


def test_unknown_user_and_bad_days_are_refused(client: TestClient, scene: dict[str, Any]) -> None:
    pid = scene["pid"]
    assert client.get(f"/api/projects/{pid}/stats/users/999999").status_code == 404
    r = client.get(f"/api/projects/{pid}/stats", params={"days": 0})
    assert r.status_code == 400 and "days" in r.json()["validation_errors"]
    assert client.get(f"/api/projects/{pid}/stats", params={"days": "x"}).status_code == 400
    assert len(client.get(f"/api/projects/{pid}/stats", params={"days": 7}).json()["throughput"]) == 7
    assert client.get("/api/projects/999999/stats").status_code == 404


def test_empty_project_has_no_rates(client: TestClient) -> None:
    pid = make_project(client)
    s = client.get(f"/api/projects/{pid}/stats").json()
    t = s["totals"]
    assert t["annotations"] == 0 and t["skip_rate"] is None and t["acceptance_rate"] is None
    assert t["median_lead_time"] is None and s["annotators"] == []
    assert s["progress"][-1]["cumulative"] == 0


def test_query_count_does_not_grow_with_annotators(client: TestClient, db: Session) -> None:
    pid = make_project(client)
    tasks = _tasks(client, pid, 6)

    def statements() -> int:
        with counted(db.get_bind().engine) as seen:
            db.rollback()
            stats.project_stats(db, projects.get(db, pid))
        return len(seen)

    people = [member(db, pid, f"p{k}@example.com") for k in range(5)]
    _annotate(db, tasks[0], people[0], 1.0)
    with_one = statements()
    for k, person in enumerate(people[1:], start=1):
        _annotate(db, tasks[k], person, float(k))
    assert statements() == with_one


PROBE = "<img src=x onerror=alert(1)></script><script>alert(2)</script>"


def _browser(client: TestClient, email: str, password: str) -> TestClient:
    browser = TestClient(client.app)
    assert browser.post("/api/auth/login", json={"email": email, "password": password}).status_code == 200
    return browser


def test_dashboard_page_shows_everyone_to_managers_and_escapes_names(
    client: TestClient, db: Session, scene: dict[str, Any]
) -> None:
    pid, ann = scene["pid"], scene["ann"]
    assert client.patch(f"/api/users/{ann.id}", json={"first_name": PROBE}).status_code == 200
    with _browser(client, "owner@example.com", "owner-password") as browser:
        page = browser.get(f"/projects/{pid}/dashboard")
        assert page.status_code == 200
        text = page.text
        assert "<img src=x" not in text and "<script>alert" not in text
        assert html.escape(PROBE, quote=False) in text
        assert text.count('class="sparkline"') == 2 and "bob@example.com" in text
        assert text.count('class="chart-bar"') == 30 and 'class="chart-line"' in text
        assert "Tasks finished" in text and "75%" in text  # 3 of 4 tasks
        assert browser.get("/projects/999999/dashboard").status_code == 404


def test_dashboard_page_shows_annotators_only_their_own_row(
    client: TestClient, db: Session, scene: dict[str, Any]
) -> None:
    pid = scene["pid"]
    with _browser(client, "ann@example.com", "password-123") as browser:
        text = browser.get(f"/projects/{pid}/dashboard").text
        assert "ann@example.com" in text and "bob@example.com" not in text
        assert text.count('class="sparkline"') == 1 and "My work" in text
    stranger = users.create(db, "stranger@example.com", "password-123", "annotator")
    with _browser(client, stranger.email, "password-123") as browser:
        assert browser.get(f"/projects/{pid}/dashboard").status_code == 404


def test_charts_escape_labels_and_scale_to_round_ticks() -> None:
    bars = charts.bar_chart([("<b>", 3.0), ("2026-12-02", 7.0)], "Per day <x>", "annotations")
    assert "<b>" not in bars and "&lt;b&gt;" in bars and "Per day &lt;x&gt;" in bars
    assert (
        bars.count('class="chart-bar"') == 2 and ">8</text>" in bars and ">6</text>" in bars
    )  # 7: ticks of 2 up to 8
    line = charts.line_chart([("a", 0.0), ("b", 2.0), ("c", 5.0)], "Done")
    assert line.count("<circle") == 3 and ">5</text>" in line
    spark = charts.sparkline([0, 1, 4], "x <y>")
    assert "x &lt;y&gt;: 5 in 3 days" in spark
    empty = charts.bar_chart([], "Nothing")
    assert empty.startswith("<svg") and "chart-bar" not in empty


def _vote(db: Session, tid: int, user: User, value: str) -> None:
    annotations.create(db, annotations.target(db, tid), user, {"result": [choice(value)]})


def test_inter_annotator_agreement_matrix(client: TestClient, db: Session) -> None:
    pid = make_project(client, maximum_annotations=3)
    t1, t2, t3 = _tasks(client, pid, 3)
    a, b, c = (member(db, pid, f"{n}@example.com") for n in "abc")
    for tid, user, value in ((t1, a, "pos"), (t1, b, "pos"), (t1, c, "neg"), (t2, a, "pos"), (t2, b, "neg"),
                             (t3, a, "neg"), (t3, c, "neg")):  # fmt: skip
        _vote(db, tid, user, value)
    _annotate(db, t2, c, 1.0, skip=True)  # a skip abstains
    r = client.get(f"/api/projects/{pid}/stats/IAA", params={"std": "true"})
    assert r.status_code == 200, r.text
    body = r.json()
    order = [u["id"] for u in body["users"]]
    assert sorted(order) == sorted([a.id, b.id, c.id])
    at = {u: k for k, u in enumerate(order)}

    def cell(key: str, x: User, y: User) -> Any:
        return body[key][at[x.id]][at[y.id]]

    assert (cell("IAA", a, b), cell("common_tasks", a, b)) == (0.5, 2)
    assert (cell("IAA", a, c), cell("common_tasks", a, c)) == (0.5, 2)
    assert (cell("IAA", b, c), cell("common_tasks", b, c)) == (0.0, 1)
    assert (cell("IAA", a, a), cell("common_tasks", a, a)) == (1.0, 3)
    assert body["std"] == 0.2357  # of the six off-diagonal cells 0.5, 0.5, 0.5, 0.5, 0, 0
    only = client.get(f"/api/projects/{pid}/stats/IAA", params={"task": str(t1)}).json()
    at = {u["id"]: k for k, u in enumerate(only["users"])}
    assert only["IAA"][at[a.id]][at[b.id]] == 1.0 and only["IAA"][at[b.id]][at[c.id]] == 0.0
    assert "std" not in only
    refused = client.get(f"/api/projects/{pid}/stats/IAA", params={"per_label": "true"})
    assert refused.status_code == 400 and "per_label" in refused.json()["validation_errors"]
    bad = client.get(f"/api/projects/{pid}/stats/IAA", params={"task": "1,x"})
    assert bad.status_code == 400 and "task" in bad.json()["validation_errors"]
    assert client.get(f"/api/projects/{pid}/stats/IAA", headers=_h(a)).status_code == 403


def test_agreement_is_null_without_a_classification_control(client: TestClient, db: Session) -> None:
    from labelwise.labeling.templates import get_template

    pid = make_project(client, get_template("named_entity_recognition").config)
    body = client.get(f"/api/projects/{pid}/stats/IAA").json()
    assert body["IAA"] is None and body["common_tasks"] is None
