"""The task objects the database writes for JSON exports (`db.task_json`) are the objects
`io.ls_json.task` builds in Python: the same keys in the same order, the same values."""

from __future__ import annotations

import orjson
from fastapi.testclient import TestClient

from labelwise.db.runtime import Database
from labelwise.io.encoding import dumps
from labelwise.services import exports, projects, tasks
from tests.api.test_tasks_and_import import TEXT_CONFIG, choice, make_project


def test_database_built_objects_equal_the_python_ones(client: TestClient, database: Database) -> None:
    pid = make_project(client, TEXT_CONFIG)
    items = [
        {"text": "plain"},
        {
            "text": 'quotes " and \\ backslash, tab\t, newline\n, é, 漢字, 🙂',
            "n": 1.5,
            "nested": {"a": [1, None]},
        },
        {"data": {"text": "with meta"}, "meta": {"source": "x", "k": [1, 2]}},
        {"data": {"text": "annotated"}, "annotations": [{"result": [choice("pos")]}]},
    ]
    r = client.post(f"/api/projects/{pid}/import", json=items)
    assert r.status_code == 201, r.text
    with database.sessionmaker() as db:
        schema = projects.schema(projects.get(db, pid))
        body = b"".join(
            exports.stream(
                database.sessionmaker, pid, schema, exports.choose(schema, "JSON"), only_annotated=False
            )
        )
        exported = orjson.loads(body)
        assert len(exported) == 4
        for obj in exported:
            python = orjson.loads(dumps(tasks.one_with_related(db, obj["id"])))  # the API encoder
            expected = {k: python[k] for k in obj}  # the one-task view may add keys of its own
            assert list(obj) == [k for k in python if k in obj]  # same order
            assert obj == expected
