"""Random annotation results against a rich config (Text, Labels, single Choices, Rating, TextArea,
Relations): a 201 stores exactly what was sent; a 400 names the bad region and changes nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from tests.api.test_fuzz_helpers import (
    FUZZ,
    check_response,
    import_tasks,
    make_project,
    safe_json,
    safe_text,
    send_json,
)

# Integers past 64 bits are refused for the whole body (tested in test_bad_input_examples).
INT64 = st.integers(-(2**63), 2**63 - 1)

RICH_CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Labels name="label" toName="text"><Label value="PER"/><Label value="ORG"/><Label value="LOC"/></Labels>
  <Choices name="sentiment" toName="text" choice="single"><Choice value="pos"/><Choice value="neg"/></Choices>
  <Rating name="rating" toName="text" maxRating="5"/>
  <TextArea name="comment" toName="text"/>
  <Relations><Relation value="works_for"/><Relation value="lives_in"/></Relations>
</View>"""
TEXT = "Alice works at Acme 🚀 in Paris"
LABELS = ["PER", "ORG", "LOC"]


def _region(from_name: str, rtype: str, value: dict[str, Any], rid: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"from_name": from_name, "to_name": "text", "type": rtype, "value": value}
    if rid is not None:
        out["id"] = rid
    return out


@st.composite
def span(draw: st.DrawFn) -> dict[str, Any]:
    start = draw(st.integers(0, len(TEXT) - 1))
    end = draw(st.integers(start + 1, len(TEXT)))
    value: dict[str, Any] = {
        "start": start,
        "end": end,
        "labels": draw(st.lists(st.sampled_from(LABELS), min_size=1, max_size=2, unique=True)),
    }
    if draw(st.booleans()):
        value["text"] = TEXT[start:end]
    return value


valid_classification = st.one_of(
    st.sampled_from(["pos", "neg"]).map(lambda c: _region("sentiment", "choices", {"choices": [c]})),
    st.integers(1, 5).map(lambda n: _region("rating", "rating", {"rating": n})),
    st.one_of(st.lists(safe_text, min_size=1, max_size=2), safe_text).map(
        lambda t: _region("comment", "textarea", {"text": t})
    ),
)

# Each mutation turns a valid region into one that must be refused.
MUTATIONS: list[tuple[str, Any]] = [
    ("from_name", "ghost"),
    ("from_name", 7),
    ("to_name", "nowhere"),
    ("type", "rectanglelabels"),
    ("type", None),
    ("value", "not an object"),
    ("value", None),
]
bad_classification = st.one_of(
    st.tuples(valid_classification, st.sampled_from(MUTATIONS)).map(lambda t: {**t[0], t[1][0]: t[1][1]}),
    st.just(_region("sentiment", "choices", {"choices": ["pos", "neg"]})),  # single choice
    st.just(_region("sentiment", "choices", {"choices": ["meh"]})),
    st.just(_region("sentiment", "choices", {"choices": []})),
    st.one_of(st.integers(-3, 0), st.integers(6, 10**6)).map(
        lambda n: _region("rating", "rating", {"rating": n})
    ),
    st.one_of(st.just("5"), st.just(2.5), st.just(True), st.none()).map(
        lambda v: _region("rating", "rating", {"rating": v})
    ),
    st.one_of(INT64, st.just([1]), st.just({"a": "b"})).map(
        lambda v: _region("comment", "textarea", {"text": v})
    ),
    st.one_of(INT64, st.booleans(), st.lists(INT64, max_size=2)),  # not an object
)
bad_span_values = st.one_of(
    span().map(lambda v: {**v, "labels": ["NOPE"]}),
    span().map(lambda v: {**v, "labels": []}),
    span().map(lambda v: {**v, "start": v["end"], "end": v["start"]}),
    span().map(lambda v: {**v, "end": len(TEXT) + 5}),
    span().map(lambda v: {**v, "start": -1}),
    span().map(lambda v: {**v, "start": "0"}),
    span().map(lambda v: {**v, "text": "definitely not in the task"}),
)


@st.composite
def result_lists(draw: st.DrawFn) -> tuple[list[Any], int | None]:
    """A result list and the index of the region the server must name (None if the list is valid).

    Non-relation regions are checked in order and relations after them, so the first bad non-relation
    region is reported first, else the first bad relation."""
    n_spans = draw(st.integers(0, 3))
    spans: list[tuple[dict[str, Any], bool]] = []
    for i in range(n_spans):
        if draw(st.integers(0, 4)) == 0:
            spans.append((_region("label", "labels", draw(bad_span_values), f"r{i}"), True))
        else:
            spans.append((_region("label", "labels", draw(span()), f"r{i}"), False))
    others = draw(
        st.lists(
            st.one_of(
                valid_classification.map(lambda r: (r, False)),
                valid_classification.map(lambda r: (r, False)),
                bad_classification.map(lambda r: (r, True)),
            ),
            max_size=3,
        )
    )
    relations: list[tuple[dict[str, Any], bool]] = []
    ids = [r["id"] for r, _ in spans]
    for _ in range(draw(st.integers(0, 2))):
        rel: dict[str, Any] = {
            "type": "relation",
            "direction": draw(st.sampled_from(["right", "left", "bi"])),
        }
        bad = False
        if ids and draw(st.integers(0, 3)):
            rel["from_id"], rel["to_id"] = draw(st.sampled_from(ids)), draw(st.sampled_from(ids))
        else:
            rel["from_id"], rel["to_id"] = "missing", draw(st.sampled_from([*ids, "also-missing"]))
            bad = True
        labels = draw(st.one_of(st.none(), st.lists(st.sampled_from(["works_for", "lives_in"]), max_size=2)))
        if labels is not None:
            rel["labels"] = labels
        if draw(st.integers(0, 5)) == 0:
            rel[draw(st.sampled_from(["direction", "labels"]))] = draw(
                st.sampled_from(["sideways", 5, ["nope"]])
            )
            bad = True
        relations.append((rel, bad))
    regions = draw(st.permutations([*spans, *others]))
    # relations go anywhere in the list: they are checked after the regions whatever their position
    for rel in relations:
        regions.insert(draw(st.integers(0, len(regions))), rel)
    result = [r for r, _ in regions]
    bad_regions = [i for i, (r, bad) in enumerate(regions) if bad and not _is_relation(r)]
    bad_relations = [i for i, (r, bad) in enumerate(regions) if bad and _is_relation(r)]
    first = bad_regions[0] if bad_regions else bad_relations[0] if bad_relations else None
    return result, first


def _is_relation(region: Any) -> bool:
    return isinstance(region, dict) and region.get("type") == "relation"


@pytest.fixture
def task(client: TestClient) -> dict[str, int]:
    pid = make_project(client, RICH_CONFIG)
    (tid,) = import_tasks(client, pid, [{"text": TEXT}])
    return {"project": pid, "task": tid}


def _task_counts(client: TestClient, tid: int) -> tuple[int, int]:
    t = client.get(f"/api/tasks/{tid}").json()
    return t["total_annotations"], t["cancelled_annotations"]


def _check_refusal(body: dict[str, Any], first_bad: int | None) -> None:
    detail = body["detail"]
    assert detail.startswith(("result", "lead_time")), detail
    if first_bad is not None and detail.startswith("result"):
        m = re.search(r"result\[(\d+)\]", detail)
        assert m is not None and int(m.group(1)) == first_bad, (first_bad, detail)


@FUZZ
@given(
    generated=result_lists(),
    cancelled=st.booleans(),
    lead_time=st.one_of(st.none(), st.floats(0, 1e6), st.sampled_from(["fast", [1], {"s": 1}])),
)
def test_create_annotation_random_results(
    client: TestClient,
    task: dict[str, int],
    generated: tuple[list[Any], int | None],
    cancelled: bool,
    lead_time: Any,
) -> None:
    result, first_bad = generated
    tid = task["task"]
    before = _task_counts(client, tid)
    payload: dict[str, Any] = {"result": result, "was_cancelled": cancelled, "lead_time": lead_time}

    r = send_json(client, "POST", f"/api/tasks/{tid}/annotations", payload)
    body = check_response(r, frozenset({201, 400}))

    lead_time_bad = not (lead_time is None or isinstance(lead_time, float))
    skip_without_result = cancelled and result == []
    if r.status_code == 400:
        assert first_bad is not None or lead_time_bad, ("a valid annotation was refused", body)
        assert _task_counts(client, tid) == before, "a refused annotation changed the task's counters"
        if not skip_without_result:
            _check_refusal(body, first_bad)
        return
    assert first_bad is None or skip_without_result, ("an invalid result was stored", first_bad, result)
    assert not lead_time_bad, ("a non-numeric lead_time was stored", lead_time)
    stored = client.get(f"/api/annotations/{body['id']}").json()
    assert stored["result"] == result
    assert stored["was_cancelled"] is cancelled
    total, skipped = _task_counts(client, tid)
    assert (total, skipped) == ((before[0], before[1] + 1) if cancelled else (before[0] + 1, before[1]))


@FUZZ
@given(generated=result_lists(), extra=st.dictionaries(safe_text, safe_json, max_size=2))
def test_update_annotation_random_results(
    client: TestClient, task: dict[str, int], generated: tuple[list[Any], int | None], extra: dict[str, Any]
) -> None:
    """PATCH: a 200 stores exactly the new result; a 400 leaves the old one in place."""
    tid = task["task"]
    original = [_region("sentiment", "choices", {"choices": ["pos"]})]
    created = client.post(f"/api/tasks/{tid}/annotations", json={"result": original})
    assert created.status_code == 201, created.text
    aid = created.json()["id"]
    result, first_bad = generated

    r = send_json(client, "PATCH", f"/api/annotations/{aid}", {**extra, "result": result})
    body = check_response(r, frozenset({200, 400}))

    stored = client.get(f"/api/annotations/{aid}").json()
    if r.status_code == 400:
        assert first_bad is not None, ("a valid result was refused", body)
        assert stored["result"] == original, "a refused update changed the stored result"
        _check_refusal(body, first_bad)
    else:
        assert first_bad is None, ("an invalid result was stored", first_bad, result)
        assert stored["result"] == result
