"""Imports are all or nothing: a list of items (JSON body, prediction list or uploaded file) is stored whole
with a 201, or refused with a 400 that names the first bad item (or the file and line) and stores nothing."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from tests.api.test_fuzz_helpers import (
    CHOICE_POS,
    FUZZ,
    FUZZ_SMALL,
    check_response,
    first_item_index,
    import_tasks,
    json_values,
    make_project,
    project_counters,
    row_counts,
    safe_json,
    safe_text,
    send_json,
)

# Integers past 64 bits are refused for the whole body (see test_bad_input_examples), so the structural
# properties here use 64-bit integers.
INT64 = st.integers(-(2**63), 2**63 - 1)


def choice(value: str) -> dict[str, Any]:
    return {**CHOICE_POS, "value": {"choices": [value]}}


# ---- valid items -------------------------------------------------------------------------------------

valid_result = st.sampled_from([[choice("pos")], [choice("neg")], []])
valid_annotation = st.fixed_dictionaries(
    {"result": st.sampled_from([[choice("pos")], [choice("neg")]])},
    optional={
        "was_cancelled": st.booleans(),
        "ground_truth": st.booleans(),
        "lead_time": st.one_of(st.none(), st.floats(0, 1e6)),
    },
)
valid_prediction = st.fixed_dictionaries(
    {"result": valid_result},
    optional={
        "score": st.one_of(st.none(), st.floats(0, 1), st.integers(0, 100)),
        "model_version": safe_text,
    },
)
flat_item = st.builds(
    lambda text, extra: {**extra, "text": text},
    safe_text,
    st.dictionaries(safe_text.filter(lambda k: k not in ("text", "data")), safe_json, max_size=3),
)
structured_item = st.fixed_dictionaries(
    {
        "data": st.builds(
            lambda text, extra: {**extra, "text": text},
            safe_text,
            st.dictionaries(safe_text, safe_json, max_size=2),
        )
    },
    optional={
        "meta": st.dictionaries(safe_text, safe_json, max_size=2),
        "annotations": st.lists(valid_annotation, max_size=2),
        "predictions": st.lists(valid_prediction, max_size=2),
    },
)
valid_item = st.one_of(flat_item, flat_item, structured_item)

# ---- broken items: each is invalid for TEXT_CONFIG whatever else it holds ------------------------------

garbage = st.one_of(
    INT64,
    st.floats(allow_nan=False, allow_infinity=False),
    safe_text,
    st.booleans(),
    st.lists(safe_json, min_size=1, max_size=3),
)
not_an_object = st.one_of(st.none(), garbage)
missing_text = st.one_of(
    st.dictionaries(safe_text.filter(lambda k: k not in ("text", "data")), safe_json, max_size=3),
    st.just({"text": None}),
    st.builds(
        lambda d: {"data": d}, st.dictionaries(safe_text.filter(lambda k: k != "text"), safe_json, max_size=3)
    ),
)
bad_results = st.one_of(
    st.just([choice("maybe")]),
    st.just([{**CHOICE_POS, "from_name": "ghost"}]),
    st.just([{**CHOICE_POS, "to_name": "nowhere"}]),
    st.just([{**CHOICE_POS, "type": "rating"}]),
    st.just([{**CHOICE_POS, "value": "pos"}]),
    st.builds(
        lambda g: [{**CHOICE_POS, "from_name": g}],
        st.one_of(INT64, st.lists(safe_json, max_size=2), st.dictionaries(safe_text, safe_json, max_size=2)),
    ),
    st.lists(garbage, min_size=1, max_size=3),
    safe_text.map(lambda s: "r" + s),  # a string, not a list
    st.dictionaries(safe_text, safe_json, min_size=1, max_size=2),
)
bad_annotation_item = st.one_of(
    st.builds(lambda t, r: {"data": {"text": t}, "annotations": [{"result": r}]}, safe_text, bad_results),
    st.builds(
        lambda t, a: {"data": {"text": t}, "annotations": a},
        safe_text,
        st.one_of(safe_text, INT64, st.just({"result": []})),
    ),
    st.builds(lambda t, a: {"data": {"text": t}, "annotations": [a]}, safe_text, garbage),
    st.builds(lambda t, r: {"data": {"text": t}, "completions": [{"result": r}]}, safe_text, bad_results),
)
bad_prediction_item = st.one_of(
    st.builds(
        lambda t, s: {"data": {"text": t}, "predictions": [{"result": [choice("pos")], "score": s}]},
        safe_text,
        st.one_of(
            safe_text,
            st.booleans(),
            st.lists(st.floats(0, 1), max_size=2),
            st.dictionaries(safe_text, st.floats(0, 1), max_size=1),
        ),
    ),
    st.builds(lambda t, r: {"data": {"text": t}, "predictions": [{"result": r}]}, safe_text, bad_results),
    st.builds(
        lambda t, p: {"data": {"text": t}, "predictions": p},
        safe_text,
        st.one_of(safe_text, INT64, st.lists(garbage, min_size=1, max_size=2)),
    ),
)
bad_meta_item = st.builds(
    lambda t, m: {"data": {"text": t}, "meta": m},
    safe_text,
    st.one_of(
        INT64.filter(bool),
        safe_text.filter(bool),
        st.lists(safe_json, min_size=1, max_size=2),
        st.just(True),
    ),
)
broken_item = st.one_of(not_an_object, missing_text, bad_annotation_item, bad_prediction_item, bad_meta_item)

items_with_flags = st.lists(
    st.one_of(
        valid_item.map(lambda i: (i, False)),
        valid_item.map(lambda i: (i, False)),
        broken_item.map(lambda i: (i, True)),
    ),
    max_size=8,
)


def _expected_deltas(items: list[Any]) -> dict[str, int]:
    anns = [a for it in items if "data" in it for a in it.get("annotations", [])]
    preds = [p for it in items if "data" in it for p in it.get("predictions", [])]
    return {
        "task_number": len(items),
        "total_annotations_number": sum(not a.get("was_cancelled") for a in anns),
        "skipped_annotations_number": sum(bool(a.get("was_cancelled")) for a in anns),
        "total_predictions_number": len(preds),
    }


@pytest.fixture
def pid(client: TestClient) -> int:
    return make_project(client)


@FUZZ
@given(flagged=items_with_flags, return_ids=st.booleans())
def test_import_is_all_or_nothing_and_names_first_bad_item(
    client: TestClient, db: Session, pid: int, flagged: list[tuple[Any, bool]], return_ids: bool
) -> None:
    items = [item for item, _ in flagged]
    bad = [i for i, (_, is_bad) in enumerate(flagged) if is_bad]
    counters, rows = project_counters(client, pid), row_counts(db, pid)

    url = f"/api/projects/{pid}/import" + ("?return_task_ids=1" if return_ids else "")
    r = send_json(client, "POST", url, items)
    body = check_response(r, frozenset({201, 400}))

    after, rows_after = project_counters(client, pid), row_counts(db, pid)
    if not bad:
        assert r.status_code == 201, body
        assert body["task_count"] == len(items)
        if return_ids:
            assert len(body["task_ids"]) == len(set(body["task_ids"])) == len(items)
        deltas = _expected_deltas(items)
        for key, delta in deltas.items():
            assert after[key] == counters[key] + delta, (key, counters, after)
        assert rows_after["tasks"] == rows["tasks"] + len(items)
        assert (
            rows_after["annotations"]
            == rows["annotations"] + deltas["total_annotations_number"] + deltas["skipped_annotations_number"]
        )
        assert rows_after["predictions"] == rows["predictions"] + deltas["total_predictions_number"]
    else:
        assert r.status_code == 400, body
        assert after == counters, "a refused import changed the project's counters"
        assert rows_after == rows, "a refused import left rows behind"
        assert first_item_index(body["detail"]) == bad[0], (bad, body["detail"])


# ---- /import/predictions ---------------------------------------------------------------------------


@pytest.fixture
def prediction_targets(client: TestClient) -> dict[str, Any]:
    pid = make_project(client)
    tids = import_tasks(client, pid, [{"text": f"t{i}"} for i in range(3)])
    other = make_project(client)
    (foreign,) = import_tasks(client, other, [{"text": "elsewhere"}])
    return {"pid": pid, "tids": tids, "foreign": foreign}


@FUZZ
@given(data=st.data())
def test_import_predictions_is_all_or_nothing(
    client: TestClient, db: Session, prediction_targets: dict[str, Any], data: st.DataObject
) -> None:
    pid, tids, foreign = prediction_targets["pid"], prediction_targets["tids"], prediction_targets["foreign"]
    valid = st.fixed_dictionaries(
        {"task": st.sampled_from(tids)},
        optional={
            "result": valid_result,
            "score": st.one_of(st.none(), st.floats(0, 1)),
            "model_version": safe_text,
        },
    )
    broken = st.one_of(
        not_an_object,
        st.fixed_dictionaries({}, optional={"result": valid_result}),  # no task
        st.builds(
            lambda t: {"task": t, "result": []},
            st.one_of(
                safe_text,
                st.floats(allow_nan=False, allow_infinity=False),
                st.none(),
                st.lists(INT64, max_size=2),
            ),
        ),
        st.builds(lambda t: {"task": t}, st.sampled_from([foreign, 10**6, 0, -1])),
        st.builds(lambda t, r: {"task": t, "result": r}, st.sampled_from(tids), bad_results),
        st.builds(
            lambda t, s: {"task": t, "result": [choice("pos")], "score": s},
            st.sampled_from(tids),
            st.one_of(safe_text, st.booleans(), st.lists(st.floats(0, 1), min_size=1, max_size=2)),
        ),
    )
    flagged = data.draw(
        st.lists(
            st.one_of(
                valid.map(lambda i: (i, False)),
                valid.map(lambda i: (i, False)),
                broken.map(lambda i: (i, True)),
            ),
            max_size=6,
        ),
        label="items",
    )
    items = [item for item, _ in flagged]
    bad = [i for i, (_, is_bad) in enumerate(flagged) if is_bad]
    counters, rows = project_counters(client, pid), row_counts(db, pid)

    r = send_json(client, "POST", f"/api/projects/{pid}/import/predictions", items)
    body = check_response(r, frozenset({201, 400}))

    after, rows_after = project_counters(client, pid), row_counts(db, pid)
    if not bad:
        assert r.status_code == 201, body
        assert body["created"] == len(items)
        assert after["total_predictions_number"] == counters["total_predictions_number"] + len(items)
        assert rows_after["predictions"] == rows["predictions"] + len(items)
    else:
        assert r.status_code == 400, body
        assert after == counters and rows_after == rows, "a refused prediction import wrote something"
        assert first_item_index(body["detail"]) == bad[0], (bad, body["detail"])


@FUZZ_SMALL
@given(body=json_values)
def test_import_predictions_random_body(client: TestClient, db: Session, pid: int, body: Any) -> None:
    rows = row_counts(db, pid)
    r = send_json(client, "POST", f"/api/projects/{pid}/import/predictions", body)
    check_response(r, frozenset({201, 400}))
    if r.status_code == 400:
        assert row_counts(db, pid) == rows


# ---- uploaded files ----------------------------------------------------------------------------------

EXTENSIONS = ["csv", "tsv", "txt", "json", "jsonl", "CSV", "exe", ""]
HOSTILE_NAMES = [
    "../../etc/passwd.csv",
    "..\\..\\windows\\win.ini.txt",
    "/etc/passwd",
    "tasks.csv.exe",
    ".csv",
    "données été.csv",
    "名前.jsonl",
    "a" * 300 + ".csv",
    "",
]
file_names = st.one_of(
    st.sampled_from(HOSTILE_NAMES),
    st.builds(lambda stem, ext: f"{stem}.{ext}" if ext else stem, safe_text, st.sampled_from(EXTENSIONS)),
)
cells = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12)


def _csv(header: list[str], rows: list[list[str]], sep: str = ",") -> bytes:
    def cell(v: str) -> str:
        return '"' + v.replace('"', '""') + '"' if any(c in v for c in f'"\n\r{sep}') else v

    return "\n".join(sep.join(cell(v) for v in row) for row in [header, *rows]).encode() + b"\n"


one_line_cells = cells.filter(lambda c: c.strip() != "" and not re.search(r'[\n\r"]', c))
# (kind, content); the test derives what must happen from the kind and the file's extension.
uploads = st.one_of(
    st.tuples(st.just("bytes"), st.binary(max_size=400)),
    st.tuples(
        st.just("csv"),
        st.builds(
            lambda extra, rows: _csv(["text", *extra], rows),
            st.lists(cells.filter(lambda c: c not in ("", "text")), max_size=2, unique=True),
            st.lists(st.lists(cells, max_size=4), max_size=4),  # ragged rows, both shorter and longer
        ),
    ),
    # valid UTF-8 lines, then one line in latin-1: refused, naming that line
    st.tuples(
        st.just("latin1"),
        st.lists(one_line_cells, max_size=3).map(
            lambda good: _csv(["text"], [[g] for g in good]) + b"caf\xe9\n"
        ),
    ),
    st.tuples(st.just("huge"), st.integers(131_073, 140_000).map(lambda n: b"text\n" + b"x" * n + b"\n")),
    st.tuples(
        st.just("jsonl"),
        st.lists(st.one_of(flat_item, json_values), max_size=3).map(
            lambda items: "\n".join(json.dumps(i) for i in items).encode()
        ),
    ),
    st.tuples(
        st.just("json"),
        st.one_of(st.lists(flat_item, max_size=3), json_values).map(lambda v: json.dumps(v).encode()),
    ),
)


def _plain(name: str) -> bool:
    """A name the client sends and the server reads back unchanged (no quoting or escaping involved)."""
    return bool(name) and not re.search(r'["\\%\x00-\x1f\x7f]', name)


@FUZZ
@given(name=file_names, upload=uploads)
def test_upload_random_file_is_201_or_400(
    client: TestClient, db: Session, pid: int, name: str, upload: tuple[str, bytes]
) -> None:
    kind, raw = upload
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if kind == "latin1" and ext not in ("csv", "tsv", "txt", "jsonl"):
        name, ext = f"{name}.csv", "csv"
    if kind == "huge" and ext not in ("csv", "tsv"):
        name, ext = f"{name}.csv", "csv"
    # a cell beyond csv's default 128 KiB is a long document, read whole (readers allow 64 MiB lines)
    must_fail = kind == "latin1"
    counters, rows = project_counters(client, pid), row_counts(db, pid)

    r = client.post(f"/api/projects/{pid}/import", files=[("file", (name, raw, "application/octet-stream"))])
    body = check_response(r, frozenset({201, 400}))

    after, rows_after = project_counters(client, pid), row_counts(db, pid)
    if r.status_code == 201:
        assert not must_fail, body
        n = body["task_count"]
        assert after["task_number"] == counters["task_number"] + n
        assert rows_after["tasks"] == rows["tasks"] + n
        return
    assert after == counters and rows_after == rows, "a refused upload left tasks behind"
    detail = body["detail"]
    if ("file" in body.get("validation_errors", {}) or must_fail) and _plain(name):
        assert detail.startswith(f"{name}: "), (name, detail)
    if kind == "latin1":
        bad_line = raw.count(b"\n")  # the last line is the latin-1 one
        # The body is CSV: under a JSON name its first line is already not JSON, and that is reported first.
        first = "line 1: malformed JSON" if name.lower().endswith((".json", ".jsonl")) else None
        assert f"line {bad_line}" in detail or (first is not None and first in detail), detail
