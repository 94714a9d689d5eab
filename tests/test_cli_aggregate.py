"""`labelwise quality aggregate`: the job run inline, the consensus written as JSON lines, on both databases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import orjson
import pytest

from labelwise import quality
from tests.test_cli import run  # noqa: F401  (the fixture)

CONFIG = (
    '<View><Text name="text" value="$text"/>'
    '<Choices name="c" toName="text"><Choice value="a"/><Choice value="b"/></Choices></View>'
)
PEOPLE = ("x@example.com", "y@example.com", "z@example.com")
ANSWERS = [("a", "a", "b"), ("b", "b", "a"), ("a", "b", "b"), ("b", "b", "b")]


def _result(value: str) -> list[dict[str, object]]:
    return [{"from_name": "c", "to_name": "text", "type": "choices", "value": {"choices": [value]}}]


@pytest.fixture
def project(run, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]  # noqa: F811
    run("user", "create", "--email", "boss@example.com", "--password", "long-password", "--role", "owner")
    for email in PEOPLE:
        assert run("user", "create", "--email", email, "--password", "long-password")[0] == 0
    cfg = tmp_path / "config.xml"
    cfg.write_text(CONFIG)
    assert run("project", "create", "--title", "crowd", "--config", str(cfg))[0] == 0
    items = [
        {
            "data": {"text": f"t{i}"},
            "annotations": [
                {"completed_by": who, "result": _result(v)} for who, v in zip(PEOPLE, row, strict=True)
            ],
        }
        for i, row in enumerate(ANSWERS)
    ]
    tasks = tmp_path / "tasks.json"
    tasks.write_bytes(orjson.dumps(items))
    code, out = run("import", "1", str(tasks))
    assert code == 0, out
    return tmp_path


def _expected(
    estimator: quality.aggregation.base.Aggregator, task_ids: list[int]
) -> dict[int, tuple[str, float]]:
    tasks = [t for t, row in zip(task_ids, ANSWERS, strict=True) for _ in row]
    workers = [w for row in ANSWERS for w in range(len(row))]
    labels = np.asarray([v for row in ANSWERS for v in row], dtype=object)
    fitted = estimator.fit((np.asarray(tasks), np.asarray(workers), labels))
    best = fitted.proba_matrix_.max(axis=1)
    return {
        int(t): (str(label), float(p))
        for t, label, p in zip(fitted.tasks_, fitted.classes_[fitted.label_codes_], best, strict=True)
    }


def test_aggregate_writes_one_line_per_task_with_the_library_answer(run, project: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    out = project / "out.jsonl"
    code, text = run("quality", "aggregate", "1", "-o", str(out))
    assert code == 0, text
    assert "4 consensus labels, 4 tasks" in " ".join(text.split())
    lines = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert [set(line) for line in lines] == [{"task", "control", "result", "confidence", "method"}] * 4
    ids = [line["task"] for line in lines]
    assert ids == sorted(ids)
    want = _expected(quality.DawidSkene(), ids)
    for line in lines:
        label, p = want[line["task"]]
        assert line["control"] == "c" and line["method"] == "ds"
        assert line["result"] == _result(label)
        assert abs(line["confidence"] - p) < 1e-9

    code, text = run("quality", "aggregate", "1", "--method", "mv", "-o", str(out))
    assert code == 0, text
    lines = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    want = _expected(quality.MajorityVote(), ids)
    assert {
        line["task"]: (line["result"][0]["value"]["choices"][0], round(line["confidence"], 9))
        for line in lines
    } == {t: (label, round(p, 9)) for t, (label, p) in want.items()}
    assert {line["method"] for line in lines} == {"mv"}


def test_aggregate_refuses_an_unknown_method_or_project(run, project: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    out = project / "out.jsonl"
    code, text = run("quality", "aggregate", "1", "--method", "best", "-o", str(out))
    assert code == 1 and "--method must be one of" in text and not out.exists()
    code, text = run("quality", "aggregate", "99", "-o", str(out))
    assert code == 1 and "project 99 not found" in " ".join(text.split()) and not out.exists()
