"""Gold tasks, exams, training mode and dynamic overlap, through the API on both backends."""

from __future__ import annotations

import random
from typing import Any

import orjson
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwise.db.models import Activity, Pause
from tests.api.test_stats import _browser
from tests.api.test_tasks_and_import import choice, make_project
from tests.support.people import member


def _auth(user: Any) -> dict[str, str]:
    return {"Authorization": f"Token {user.token}"}


def _tasks(client: TestClient, pid: int, n: int, prefix: str = "t") -> list[int]:
    r = client.post(
        f"/api/projects/{pid}/import?return_task_ids=1", json=[{"text": f"{prefix}{i}"} for i in range(n)]
    )
    assert r.status_code == 201, r.text
    return list(r.json()["task_ids"])


def _gold(client: TestClient, pid: int, ids: list[int], answer: str = "pos") -> None:
    r = client.post(f"/api/projects/{pid}/gold", json={"tasks": ids, "result": [choice(answer)]})
    assert r.status_code == 200, r.text
    assert r.json()["processed_items"] == len(ids)


def _next(client: TestClient, pid: int, who: dict[str, str]) -> dict[str, Any]:
    r = client.get(f"/api/projects/{pid}/next", headers=who)
    assert r.status_code == 200, r.text
    return dict(r.json())


def _submit(client: TestClient, tid: int, who: dict[str, str], answer: str) -> dict[str, Any]:
    r = client.post(f"/api/tasks/{tid}/annotations", json={"result": [choice(answer)]}, headers=who)
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_gold_mixing_rate_holds_over_a_simulated_run(client: TestClient, db: Session) -> None:
    """300 `next` calls at gold_rate 0.2: the share of gold tasks is binomial(300, 0.2) (mean 60, sd 6.9);
    the band of four sd either side fails for a rate off by a third (0.13 or 0.27 fall outside)."""
    pid = make_project(client, gold_rate=0.2)
    regular = set(_tasks(client, pid, 300))
    gold = _tasks(client, pid, 120, "g")
    _gold(client, pid, gold)
    a = _auth(member(db, pid, "a@example.com"))
    random.seed(11)  # the server runs in this process: the draws are reproducible
    handed: list[int] = []
    for _ in range(300):
        task = _next(client, pid, a)
        handed.append(task["id"])
        _submit(client, task["id"], a, "pos")
    n_gold = sum(1 for t in handed if t in set(gold))
    assert 32 <= n_gold <= 88, n_gold
    assert len(set(handed)) == 300  # never a task twice
    assert set(handed) - set(gold) <= regular


def test_gold_tasks_look_like_any_task_and_never_come_from_the_normal_rules(
    client: TestClient, db: Session
) -> None:
    pid = make_project(client, blind=False)
    regular = _tasks(client, pid, 3)
    gold = _tasks(client, pid, 2, "g")
    _gold(client, pid, gold)
    a = _auth(member(db, pid, "a@example.com"))
    seen = []
    for _ in range(3):  # gold_rate 0: the normal rules only, and they skip gold tasks
        task = _next(client, pid, a)
        seen.append(task)
        _submit(client, task["id"], a, "pos")
    assert [t["id"] for t in seen] == regular
    assert client.get(f"/api/projects/{pid}/next", headers=a).status_code == 404
    assert client.patch(f"/api/projects/{pid}", json={"gold_rate": 1.0}).status_code == 200
    task = _next(client, pid, a)
    assert task["id"] == gold[0]
    assert task.keys() == seen[0].keys()  # same shape, no flag
    assert (
        task["annotations"] == [] and task["total_annotations"] == 0
    )  # the answer key is neither seen nor counted
    _submit(client, task["id"], a, "neg")
    # Not blind, yet an annotator never sees the ground truth; the manager does.
    mine = client.get(f"/api/tasks/{gold[0]}/annotations", headers=a).json()
    assert [x["ground_truth"] for x in mine] == [False]
    truth = [x for x in client.get(f"/api/tasks/{gold[0]}/annotations").json() if x["ground_truth"]]
    assert len(truth) == 1
    assert client.get(f"/api/annotations/{truth[0]['id']}", headers=a).status_code == 404
    # Nor may an annotator make an answer key.
    r = client.post(
        f"/api/tasks/{regular[0]}/annotations",
        json={"result": [choice("pos")], "ground_truth": True},
        headers=a,
    )
    assert r.status_code == 403 and "ground_truth" in r.json()["validation_errors"]


def test_an_annotator_answering_gold_wrong_is_paused(client: TestClient, db: Session) -> None:
    pid = make_project(client, gold_rate=1.0, gold_min_answers=3, gold_threshold=0.7)
    _tasks(client, pid, 5)
    gold = _tasks(client, pid, 6, "g")
    _gold(client, pid, gold)
    careless = member(db, pid, "careless@example.com")
    careful = member(db, pid, "careful@example.com")
    for who, answer in ((careless, "neg"), (careful, "pos")):
        for _ in range(2):
            _submit(client, _next(client, pid, _auth(who))["id"], _auth(who), answer)
    # Two wrong answers: fewer than k, not paused yet.
    assert _next(client, pid, _auth(careless))["id"] in gold
    _submit(client, gold[2], _auth(careless), "neg")
    r = client.get(f"/api/projects/{pid}/next", headers=_auth(careless))
    assert r.status_code == 403
    assert "gold accuracy 0%" in r.json()["detail"] and "70%" in r.json()["detail"]
    for _ in range(2):
        _submit(client, _next(client, pid, _auth(careful))["id"], _auth(careful), "pos")
    assert client.get(f"/api/projects/{pid}/next", headers=_auth(careful)).status_code == 200
    table = {row["email"]: row for row in client.get(f"/api/projects/{pid}/gold").json()["annotators"]}
    assert table["careless@example.com"]["n"] == 3 and table["careless@example.com"]["accuracy"] == 0
    assert table["careless@example.com"]["paused"] is True
    assert table["careful@example.com"]["accuracy"] == 1 and table["careful@example.com"]["paused"] is False
    db.expire_all()
    pause = db.scalar(select(Pause).where(Pause.user_id == careless.id))
    assert pause is not None and pause.reason == "ANNOTATOR_EVALUATION" and pause.paused_by_id is None
    logged = db.scalars(select(Activity.action).where(Activity.object_id == careless.id)).all()
    assert "member.pause" in logged
    with _browser(client, "owner@example.com", "owner-password") as browser:
        page = browser.get(f"/projects/{pid}/members").text
    assert "Paused: gold accuracy 0% over 3 gold tasks" in page and "Gold accuracy" in page


def test_an_exam_gate_blocks_a_failing_annotator_and_lets_a_passing_one_through(
    client: TestClient, db: Session
) -> None:
    pid = make_project(client, exam_tasks=3, exam_threshold=0.6)
    regular = _tasks(client, pid, 4)
    gold = _tasks(client, pid, 4, "g")
    _gold(client, pid, gold)
    failing = _auth(member(db, pid, "f@example.com"))
    passing = _auth(member(db, pid, "p@example.com"))
    for who, answers in ((failing, ["pos", "neg", "neg"]), (passing, ["pos", "neg", "pos"])):
        for answer in answers:
            task = _next(client, pid, who)
            assert task["id"] in gold  # only gold until the exam is decided
            _submit(client, task["id"], who, answer)
    r = client.get(f"/api/projects/{pid}/next", headers=failing)
    assert r.status_code == 403
    assert r.json()["detail"].startswith("exam not passed: 1/3 correct, 60% needed")
    assert _next(client, pid, passing)["id"] == regular[0]  # 2/3 passes: real work
    table = {
        row["email"]: row["exam"]["status"]
        for row in client.get(f"/api/projects/{pid}/gold").json()["annotators"]
    }
    assert table == {"f@example.com": "failed", "p@example.com": "passed"}
    # A manager resets the exam: a new attempt on the gold tasks the annotator has not done.
    f_id = next(
        row["user"] for row in client.get(f"/api/projects/{pid}/gold").json()["annotators"]
        if row["email"] == "f@example.com"
    )  # fmt: skip
    assert client.delete(f"/api/projects/{pid}/members/{f_id}/exam").status_code == 204
    assert _next(client, pid, failing)["id"] == gold[3]
    assert client.delete(f"/api/projects/{pid}/members/{f_id}/exam", headers=failing).status_code == 403


def test_training_feedback_only_when_training_is_on(client: TestClient, db: Session) -> None:
    pid = make_project(client, gold_rate=1.0, blind=False)
    regular = _tasks(client, pid, 2)
    gold = _tasks(client, pid, 2, "g")
    _gold(client, pid, gold)
    a = _auth(member(db, pid, "a@example.com"))
    off = _submit(client, _next(client, pid, a)["id"], a, "neg")
    assert "feedback" not in off
    assert client.patch(f"/api/projects/{pid}", json={"training": True}).json()["training"] is True
    on = _submit(client, _next(client, pid, a)["id"], a, "neg")
    assert on["feedback"]["correct"] is False and on["feedback"]["score"] == 0
    assert on["feedback"]["ground_truth"] == [choice("pos")]
    plain = _submit(client, regular[0], a, "pos")  # not a gold task: no feedback, training or not
    assert "feedback" not in plain


def test_dynamic_overlap_stops_at_the_threshold_and_goes_to_the_cap_on_disagreement(
    client: TestClient, db: Session
) -> None:
    pid = make_project(
        client, maximum_annotations=4, dynamic_overlap=True, overlap_min=2, confidence_threshold=0.9
    )
    agreed, split = _tasks(client, pid, 2)
    people = [_auth(member(db, pid, f"p{i}@example.com")) for i in range(4)]

    def labeled(tid: int) -> tuple[bool, int]:
        t = client.get(f"/api/tasks/{tid}").json()
        return t["is_labeled"], t["total_annotations"]

    _submit(client, agreed, people[0], "pos")
    assert labeled(agreed) == (False, 1)  # one vote is below overlap_min, however sure
    _submit(client, agreed, people[1], "pos")
    assert labeled(agreed) == (True, 2)  # two of two agree: 0.95 >= 0.9, done at 2 of 4
    for i, answer in enumerate(["pos", "neg", "pos"]):
        _submit(client, split, people[i], answer)
        assert labeled(split)[0] is False
    assert _next(client, pid, people[3])["id"] == split  # the settled task is not handed out again
    _submit(client, split, people[3], "pos")
    assert labeled(split) == (True, 4)  # 3-1 is still unsure (0.72): the cap ends it
    stats = client.get(f"/api/projects/{pid}/stats").json()["overlap"]
    assert stats == {
        "dynamic_overlap": True,
        "annotations_used": 6,
        "annotations_at_fixed_overlap": 8,
        "annotations_saved": 2,
    }
    with _browser(client, "owner@example.com", "owner-password") as browser:
        page = browser.get(f"/projects/{pid}/dashboard").text
    assert "Annotations used" in page and "25% saved" in page


def test_turning_dynamic_overlap_on_settles_tasks_already_agreed(client: TestClient, db: Session) -> None:
    pid = make_project(client, maximum_annotations=3)
    tid = _tasks(client, pid, 1)[0]
    for i in range(2):
        _submit(client, tid, _auth(member(db, pid, f"p{i}@example.com")), "neg")
    assert client.get(f"/api/tasks/{tid}").json()["is_labeled"] is False
    assert client.patch(f"/api/projects/{pid}", json={"dynamic_overlap": True}).status_code == 200
    assert client.get(f"/api/tasks/{tid}").json()["is_labeled"] is True


def test_promoting_an_annotation_makes_the_task_gold_and_exports_leave_gold_out(
    client: TestClient, db: Session
) -> None:
    pid = make_project(client)
    first, second = _tasks(client, pid, 2)
    a = _auth(member(db, pid, "a@example.com"))
    ann = _submit(client, first, a, "pos")
    _submit(client, second, a, "neg")
    # Label Studio's flag on a new annotation keeps the task ordinary work (imports and SDKs send it).
    flagged = client.post(
        f"/api/tasks/{second}/annotations", json={"result": [choice("neg")], "ground_truth": True}
    )
    assert flagged.status_code == 201 and flagged.json()["ground_truth"] is True
    assert client.get(f"/api/projects/{pid}/gold").json()["gold_tasks"] == 0
    r = client.patch(f"/api/annotations/{ann['id']}", json={"ground_truth": True})
    assert r.status_code == 200 and r.json()["ground_truth"] is True
    assert client.get(f"/api/projects/{pid}/gold").json()["gold_tasks"] == 1
    exported = orjson.loads(
        client.get(f"/api/projects/{pid}/export", params={"download_all_tasks": "true"}).content
    )
    assert [t["id"] for t in exported] == [second]
    asked = client.get(
        f"/api/projects/{pid}/export", params={"download_all_tasks": "true", "include_gold": "true"}
    )
    assert [t["id"] for t in orjson.loads(asked.content)] == [first, second]
    assert client.patch(f"/api/annotations/{ann['id']}", json={"ground_truth": False}).status_code == 200
    assert client.get(f"/api/projects/{pid}/gold").json()["gold_tasks"] == 0


def test_marking_through_the_data_manager_and_bad_input(client: TestClient, db: Session) -> None:
    pid = make_project(client)
    ids = _tasks(client, pid, 3)
    act = {"project": pid, "id": "mark_gold"}
    body = {"selectedItems": {"all": False, "included": ids[:2]}, "result": [choice("neg")]}
    r = client.post("/api/dm/actions", params=act, json=body)
    assert r.status_code == 200 and r.json()["processed_items"] == 2, r.text
    assert client.get(f"/api/projects/{pid}/gold").json()["gold_tasks"] == 2
    project = client.get(f"/api/projects/{pid}").json()
    assert project["total_annotations_number"] == 0  # answer keys are not counted
    bad = client.post("/api/dm/actions", params=act, json={**body, "result": [choice("maybe")]})
    assert bad.status_code == 400 and "result" in bad.json()["validation_errors"]
    assert client.post(f"/api/projects/{pid}/gold", json={"tasks": "1"}).status_code == 400
    r = client.patch(f"/api/projects/{pid}", json={"gold_rate": 1.5})
    assert r.status_code == 400 and "gold_rate" in r.json()["validation_errors"]
    r = client.patch(f"/api/projects/{pid}", json={"exam_tasks": True})
    assert r.status_code == 400 and "exam_tasks" in r.json()["validation_errors"]
    off = client.post("/api/dm/actions", params={"project": pid, "id": "unmark_gold"},
                      json={"selectedItems": {"all": True}})  # fmt: skip
    assert off.status_code == 200 and off.json()["processed_items"] == 2
    assert client.get(f"/api/projects/{pid}/gold").json()["gold_tasks"] == 0
    assert client.delete(f"/api/projects/{pid}/gold", params={"tasks": "x"}).status_code == 400


def test_deleting_and_restoring_a_gold_task_keeps_its_answer_key_uncounted(
    client: TestClient, db: Session
) -> None:
    pid = make_project(client)
    tid = _tasks(client, pid, 1)[0]
    _gold(client, pid, [tid])
    _submit(client, tid, _auth(member(db, pid, "a@example.com")), "neg")
    assert client.delete(f"/api/tasks/{tid}").status_code == 204
    deletion = client.get("/api/trash").json()["results"][0]["id"]
    assert client.post(f"/api/trash/{deletion}/restore").status_code == 200
    task = client.get(f"/api/tasks/{tid}").json()
    assert task["total_annotations"] == 1  # the annotator's answer; the key is not work
    assert client.get(f"/api/projects/{pid}").json()["total_annotations_number"] == 1
    assert client.get(f"/api/projects/{pid}/gold").json()["gold_tasks"] == 1
    # Its annotations deleted and restored: recounted from the rows, the key still not among them.
    act = {"project": pid, "id": "delete_tasks_annotations"}
    assert (
        client.post("/api/dm/actions", params=act, json={"selectedItems": {"all": True}}).status_code == 200
    )
    deletion = client.get("/api/trash").json()["results"][0]["id"]
    assert client.post(f"/api/trash/{deletion}/restore").status_code == 200
    assert client.get(f"/api/tasks/{tid}").json()["total_annotations"] == 1
    assert client.get(f"/api/projects/{pid}").json()["total_annotations_number"] == 1
