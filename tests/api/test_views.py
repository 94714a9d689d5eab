"""Label Studio's `/api/dm/views` and the data manager's task listing (views' filters and ordering,
status and annotator filters, the annotators column), on both databases."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.api.test_tasks_and_import import choice, make_project
from tests.support.people import member
from tests.support.statements import counted


def text_filter(op: str, value: Any, key: str = "text") -> dict[str, Any]:
    return {"filter": f"filter:tasks:data.{key}", "operator": op, "type": "String", "value": value}


def view_data(title: str = "Tab", items: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    return {"title": title, "filters": {"conjunction": "and", "items": items or []}, **extra}


def import_texts(client: TestClient, pid: int, texts: list[str]) -> list[int]:
    r = client.post(f"/api/projects/{pid}/import?return_task_ids=true", json=[{"text": t} for t in texts])
    assert r.status_code == 201, r.text
    return list(r.json()["task_ids"])


def listing(client: TestClient, **params: Any) -> dict[str, Any]:
    r = client.get("/api/tasks", params=params)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_views_create_list_get_patch_put_delete(client: TestClient) -> None:
    pid = make_project(client)
    data = view_data("Apples", [text_filter("contains", "apple")], ordering=["-tasks:id"],
                     hiddenColumns={"explore": ["tasks:inner_id"], "labeling": []}, columnsWidth={"a": 3})  # fmt: skip
    r = client.post("/api/dm/views/", json={"project": pid, "data": data})
    assert r.status_code == 201, r.text
    view = r.json()
    assert view["project"] == pid and view["order"] == 0 and view["ordering"] == ["-tasks:id"]
    assert view["data"] == data  # kept as given (LS's front end keeps its own keys there)
    second = client.post("/api/dm/views", json={"project": pid, "data": {"title": "Second"}}).json()
    assert second["order"] == 1
    assert [v["id"] for v in client.get(f"/api/dm/views/?project={pid}").json()] == [view["id"], second["id"]]
    assert client.get(f"/api/dm/views/{view['id']}/").json()["data"]["title"] == "Apples"

    r = client.patch(
        f"/api/dm/views/{view['id']}/", json={"project": pid, "data": {**data, "title": "Renamed"}}
    )
    assert r.status_code == 200 and r.json()["data"]["title"] == "Renamed"
    r = client.put(f"/api/dm/views/{view['id']}", json={"project": pid, "data": {"title": "Put"}})
    assert r.status_code == 200 and r.json()["data"] == {"title": "Put"}
    assert client.get(f"/api/dm/views/{view['id']}").json()["data"] == {"title": "Put"}

    assert client.delete(f"/api/dm/views/{view['id']}/").status_code == 204
    assert client.get(f"/api/dm/views/{view['id']}").status_code == 404
    assert [v["id"] for v in client.get("/api/dm/views", params={"project": pid}).json()] == [second["id"]]


def test_views_order_and_reset(client: TestClient) -> None:
    pid = make_project(client)
    other = make_project(client)
    ids = [
        client.post("/api/dm/views", json={"project": pid, "data": {"title": t}}).json()["id"] for t in "abc"
    ]
    foreign = client.post("/api/dm/views", json={"project": other, "data": {"title": "x"}}).json()["id"]
    r = client.post("/api/dm/views/order/", json={"project": pid, "ids": [ids[2], ids[0], ids[1]]})
    assert r.status_code == 200, r.text
    listed = client.get(f"/api/dm/views?project={pid}").json()
    assert [v["id"] for v in listed] == [ids[2], ids[0], ids[1]] and [v["order"] for v in listed] == [0, 1, 2]
    r = client.post("/api/dm/views/order", json={"project": pid, "ids": [foreign]})
    assert r.status_code == 400 and "ids" in r.json()["validation_errors"]
    assert client.delete(f"/api/dm/views/reset/?project={pid}").status_code == 204
    assert client.get(f"/api/dm/views?project={pid}").json() == []
    assert len(client.get(f"/api/dm/views?project={other}").json()) == 1  # another project's views stay


def test_bad_view_filters_and_ordering_are_400_naming_them(client: TestClient) -> None:
    pid = make_project(client)
    bad = [
        (
            {
                "filters": {
                    "conjunction": "and",
                    "items": [
                        {"filter": "filter:tasks:completed_by__password", "operator": "equal", "value": "x"}
                    ],
                }
            },
            "filters",
            "completed_by__password",
        ),
        ({"filters": {"conjunction": "and", "items": [text_filter("regex", "a")]}}, "filters", "regex"),
        (
            {"filters": {"conjunction": "and", "items": [text_filter("equal", "a", key="a')--")]}},
            "filters",
            "a')--",
        ),
        ({"filters": {"conjunction": "xor", "items": [text_filter("equal", "a")]}}, "filters", "xor"),
        ({"ordering": ["tasks:secret"]}, "ordering", "tasks:secret"),
        ({"hiddenColumns": ["x"]}, "hiddenColumns", "hiddenColumns"),
        ({"title": 5}, "title", "title"),
    ]
    for data, field, named in bad:
        r = client.post("/api/dm/views", json={"project": pid, "data": data})
        assert r.status_code == 400, (data, r.text)
        body = r.json()
        assert field in body["validation_errors"] and named in body["detail"], body
    assert client.get(f"/api/dm/views?project={pid}").json() == []  # nothing half-written
    assert client.post("/api/dm/views", json={"data": {}}).status_code == 400  # no project
    assert client.post("/api/dm/views", json={"project": 10**6, "data": {}}).status_code == 404


def test_tasks_of_a_view_are_filtered_and_sorted(client: TestClient) -> None:
    pid = make_project(client)
    ids = import_texts(client, pid, ["red apple", "green pear", "Apple pie", "banana", "crab apple"])
    data = view_data("Apples", [text_filter("contains", "apple")], ordering=["-tasks:id"])
    view = client.post("/api/dm/views", json={"project": pid, "data": data}).json()
    body = listing(client, project=pid, view=view["id"])
    assert [t["id"] for t in body["tasks"]] == [ids[4], ids[2], ids[0]]  # case-insensitive contains
    assert body["total"] == 3
    page2 = listing(client, view=view["id"], page=2, page_size=2)  # project follows from the view
    assert [t["id"] for t in page2["tasks"]] == [ids[0]]
    assert client.get("/api/tasks", params={"view": view["id"], "page": 3, "page_size": 2}).status_code == 404

    by_text = listing(client, project=pid, query=json.dumps({"ordering": ["tasks:data.text"]}))
    assert [t["data"]["text"] for t in by_text["tasks"]] == sorted(
        ["red apple", "green pear", "Apple pie", "banana", "crab apple"]
    )
    # A query's own filters replace the view's.
    q = {"filters": {"conjunction": "and", "items": [text_filter("equal", "banana")]}}
    replaced = listing(client, project=pid, view=view["id"], query=json.dumps(q))
    assert [t["id"] for t in replaced["tasks"]] == [ids[3]]
    other = make_project(client)
    assert client.get("/api/tasks", params={"project": other, "view": view["id"]}).status_code == 400


def test_default_order_and_id_descending_page_through_every_task(client: TestClient) -> None:
    pid = make_project(client)
    ids = import_texts(client, pid, [f"t{i}" for i in range(7)])
    for deleted in (False, True):
        if deleted:  # after a deletion the inner_id ranges have a gap: paging takes the other path
            assert client.delete(f"/api/tasks/{ids.pop(3)}").status_code == 204
        desc = {"ordering": ["-tasks:id"]}
        for q, expected in ((None, ids), (json.dumps(desc), ids[::-1])):
            pages = [
                listing(client, project=pid, page=p, page_size=3, query=q)["tasks"]
                for p in range(1, (len(ids) + 2) // 3 + 1)
            ]
            assert [t["id"] for page in pages for t in page] == expected, (deleted, q)


def test_status_and_annotator_filters_and_the_annotators_column(client: TestClient, db: Session) -> None:
    pid = make_project(client)
    ids = import_texts(client, pid, ["a", "b", "c", "d"])
    other = member(db, pid, "dm-annotator@example.com")
    as_other = {"Authorization": f"Token {other.token}"}
    me = client.get("/api/current-user/whoami").json()["id"]
    assert (
        client.post(f"/api/tasks/{ids[0]}/annotations", json={"result": [choice("pos")]}).status_code == 201
    )
    r = client.post(f"/api/tasks/{ids[0]}/annotations", json={"result": [choice("neg")]}, headers=as_other)
    assert r.status_code == 201, r.text
    r = client.post(
        f"/api/tasks/{ids[1]}/annotations", json={"result": [], "was_cancelled": True}, headers=as_other
    )
    assert r.status_code == 201, r.text

    def only(*items: dict[str, Any]) -> list[int]:
        q = json.dumps({"filters": {"conjunction": "and", "items": list(items)}})
        return [t["id"] for t in listing(client, project=pid, query=q, fields="task_only")["tasks"]]

    labeled = {"filter": "filter:tasks:is_labeled", "operator": "equal", "type": "Boolean", "value": True}
    assert only(labeled) == [ids[0]]
    assert only({**labeled, "value": False}) == ids[1:]
    skipped = {
        "filter": "filter:tasks:cancelled_annotations",
        "operator": "greater",
        "type": "Number",
        "value": 0,
    }
    assert only(skipped) == [ids[1]]
    by_other = {
        "filter": "filter:tasks:annotators",
        "operator": "contains",
        "type": "List",
        "value": other.id,
    }
    assert only(by_other) == [ids[0], ids[1]]
    assert only({**by_other, "operator": "not_contains"}) == [ids[2], ids[3]]
    assert only({**by_other, "value": me}) == [ids[0]]

    rows = {t["id"]: t for t in listing(client, project=pid, fields="task_only")["tasks"]}
    assert rows[ids[0]]["annotators"] == [me, other.id] and rows[ids[0]]["total_annotations"] == 2
    assert rows[ids[1]]["annotators"] == [other.id] and rows[ids[1]]["cancelled_annotations"] == 1
    assert rows[ids[1]]["completed_at"] is None and rows[ids[0]]["completed_at"] is not None
    assert rows[ids[2]]["annotators"] == [] and "updated_at" in rows[ids[2]] and rows[ids[2]]["inner_id"] == 3
    full = listing(client, project=pid)["tasks"][0]  # the full rows carry the column too
    assert full["annotators"] == [me, other.id] and len(full["annotations"]) == 2
    by_count = listing(client, project=pid, query=json.dumps({"ordering": ["-tasks:total_annotations"]}))
    assert by_count["tasks"][0]["id"] == ids[0]


def test_the_annotators_of_a_page_take_one_query(client: TestClient, app: Any) -> None:
    """No N+1: the statements a page runs do not grow with the number of annotated tasks."""
    pid = make_project(client)
    ids = import_texts(client, pid, [f"t{i}" for i in range(20)])

    def statements() -> int:
        with counted(app.state.engine) as seen:
            listing(client, project=pid, fields="task_only", page_size=50)
        return sum(1 for s in seen if "from annotations" in " ".join(s.lower().split()))

    before = statements()
    for tid in ids:
        client.post(f"/api/tasks/{tid}/annotations", json={"result": [choice("pos")]})
    assert statements() == before == 1


def test_bad_query_ordering_is_400(client: TestClient) -> None:
    pid = make_project(client)
    import_texts(client, pid, ["a"])
    r = client.get(
        "/api/tasks", params={"project": pid, "query": json.dumps({"ordering": ["tasks:data.a b"]})}
    )
    assert r.status_code == 400 and "a b" in r.json()["detail"]
    r = client.get("/api/tasks", params={"project": pid, "view": 10**6})
    assert r.status_code == 404


def test_counts_tasks_leaves_the_sums_of_a_filtered_selection_out(client: TestClient) -> None:
    pid = make_project(client)
    ids = import_texts(client, pid, ["a", "b", "c"])
    client.post(f"/api/tasks/{ids[0]}/annotations", json={"result": [choice("pos")]})
    labeled = {"filter": "filter:tasks:is_labeled", "operator": "equal", "type": "Boolean", "value": False}
    q = json.dumps({"filters": {"conjunction": "and", "items": [labeled]}})
    lean = listing(client, project=pid, query=q, counts="tasks")
    assert lean["total"] == 2 and lean["total_annotations"] is None and lean["total_predictions"] is None
    full = listing(client, project=pid, query=q)
    assert full["total"] == 2 and full["total_annotations"] == 0 and full["total_predictions"] == 0
    unfiltered = listing(client, project=pid, counts="tasks")  # counters: free, so always given
    assert unfiltered["total"] == 3 and unfiltered["total_annotations"] == 1
    turned = listing(client, project=pid, query=q, counts="none", page_size=1, page=2)
    assert turned["total"] is None and [t["id"] for t in turned["tasks"]] == [ids[2]]
    assert client.get("/api/tasks", params={"project": pid, "counts": "some"}).status_code == 400


def test_reviewers_read_views_but_managers_shape_them(client: TestClient, db: Session) -> None:
    pid = make_project(client)
    import_texts(client, pid, ["a"])
    view = client.post("/api/dm/views", json={"project": pid, "data": {"title": "Shared"}}).json()
    reviewer = member(db, pid, "dm-reader@example.com", "reviewer")
    as_annotator = {"Authorization": f"Token {reviewer.token}"}
    listed = client.get(f"/api/dm/views?project={pid}", headers=as_annotator)
    assert listed.status_code == 200 and [v["id"] for v in listed.json()] == [view["id"]]
    assert client.get("/api/tasks", params={"view": view["id"]}, headers=as_annotator).status_code == 200
    denied = [
        client.post("/api/dm/views", json={"project": pid, "data": {}}, headers=as_annotator),
        client.patch(f"/api/dm/views/{view['id']}", json={"data": {"title": "x"}}, headers=as_annotator),
        client.delete(f"/api/dm/views/{view['id']}", headers=as_annotator),
        client.delete(f"/api/dm/views/reset?project={pid}", headers=as_annotator),
        client.post("/api/dm/actions", params={"id": "delete_tasks", "project": pid},
                    json={"selectedItems": {"all": True}}, headers=as_annotator),
    ]  # fmt: skip
    assert [r.status_code for r in denied] == [403] * 5
    assert client.get(f"/api/dm/views/{view['id']}").json()["data"]["title"] == "Shared"
    assert client.get(f"/api/projects/{pid}").json()["task_number"] == 1


def test_annotators_do_not_browse_tasks(client: TestClient, db: Session) -> None:
    """Annotators label what the queue hands them; the data manager and its views are not theirs."""
    pid = make_project(client)
    import_texts(client, pid, ["a"])
    view = client.post("/api/dm/views", json={"project": pid, "data": {"title": "Shared"}}).json()
    annotator = member(db, pid, "dm-annotator2@example.com")
    headers = {"Authorization": f"Token {annotator.token}"}
    calls = [
        client.get(f"/api/dm/views?project={pid}", headers=headers),
        client.get(f"/api/dm/views/{view['id']}", headers=headers),
        client.get("/api/tasks", params={"project": pid}, headers=headers),
        client.get("/api/tasks", params={"view": view["id"]}, headers=headers),
    ]
    assert [r.status_code for r in calls] == [403] * 4
