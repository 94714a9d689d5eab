"""A config change that would orphan labels existing annotations use is refused with the list of what breaks;
changes that keep every used value pass."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from labelwise.db.models import Project
from labelwise.labeling import parse_config
from labelwise.services import config_change

NER = """<View>
  <Relations><Relation value="works_for"/><Relation value="born_in"/></Relations>
  <Labels name="label" toName="text">
    <Label value="PER"/><Label value="ORG"/><Label value="LOC"/>
  </Labels>
  <Text name="text" value="$text"/>
  <Choices name="quality" toName="text"><Choice value="good"/><Choice value="bad"/></Choices>
  <Taxonomy name="topic" toName="text"><Choice value="News"><Choice value="Sport"/></Choice><Choice value="Other"/></Taxonomy>
</View>"""
TEXT = "Ada works for IBM"


def span(rid: str, start: int, end: int, label: str) -> dict[str, Any]:
    return {
        "id": rid, "from_name": "label", "to_name": "text", "type": "labels",
        "value": {"start": start, "end": end, "text": TEXT[start:end], "labels": [label]},
    }  # fmt: skip


def choice(value: str) -> dict[str, Any]:
    return {"from_name": "quality", "to_name": "text", "type": "choices", "value": {"choices": [value]}}


def topic(*path: str) -> dict[str, Any]:
    return {"from_name": "topic", "to_name": "text", "type": "taxonomy", "value": {"taxonomy": [list(path)]}}


RELATION = {"type": "relation", "from_id": "a", "to_id": "b", "direction": "right", "labels": ["works_for"]}


@pytest.fixture
def project(client: TestClient) -> int:
    pid: int = client.post("/api/projects", json={"title": "ner", "label_config": NER}).json()["id"]
    items = [
        {"data": {"text": TEXT}, "annotations": [{"result": [span("a", 0, 3, "PER"), span("b", 13, 16, "ORG"), RELATION, choice("good"), topic("News", "Sport")]}]},
        {"data": {"text": TEXT}, "annotations": [{"result": [span("a", 0, 3, "PER"), choice("bad")]}, {"result": [span("c", 0, 3, "PER")]}]},
        {"data": {"text": TEXT}, "annotations": [{"result": [span("a", 0, 3, "LOC")]}]},
    ]  # fmt: skip
    r = client.post(f"/api/projects/{pid}/import", json=items)
    assert r.status_code == 201, r.text
    return pid


def test_dropping_used_values_is_refused_with_counts(client: TestClient, project: int) -> None:
    new = (
        NER.replace('<Label value="PER"/>', "")
        .replace('<Choice value="bad"/>', "")
        .replace('<Relation value="works_for"/>', "")
        .replace('<Choice value="Sport"/>', "")
    )
    r = client.patch(f"/api/projects/{project}", json={"label_config": new, "title": "renamed"})
    assert r.status_code == 400, r.text
    listed = r.json()["validation_errors"]["label_config"]
    assert listed == [
        '<Labels name="label"> value "PER" is used by 3 annotations',
        '<Choices name="quality"> value "bad" is used by 1 annotation',
        '<Relation> value "works_for" is used by 1 annotation',
        '<Taxonomy name="topic"> value "Sport" is used by 1 annotation',
    ]
    assert '<Labels name="label"> value "PER" is used by 3 annotations' in r.json()["detail"]
    got = client.get(f"/api/projects/{project}").json()
    assert got["label_config"] == NER and got["title"] == "ner"  # nothing written


def test_removing_a_used_control_is_refused(client: TestClient, project: int) -> None:
    new = NER.replace(
        '<Choices name="quality" toName="text"><Choice value="good"/><Choice value="bad"/></Choices>', ""
    )
    r = client.patch(f"/api/projects/{project}", json={"label_config": new})
    assert r.status_code == 400
    assert r.json()["validation_errors"]["label_config"] == [
        '<Choices name="quality"> is used by 2 annotations and the new config has no such control'
    ]
    renamed = NER.replace('name="text" value', 'name="body" value').replace('toName="text"', 'toName="body"')
    r = client.patch(f"/api/projects/{project}", json={"label_config": renamed})
    assert r.status_code == 400
    assert (
        len(r.json()["validation_errors"]["label_config"]) == 3
    )  # label, quality, topic all point elsewhere


def test_changes_that_keep_every_used_value_pass(client: TestClient, project: int) -> None:
    keeps = [
        NER.replace('<Label value="LOC"/>', '<Label value="LOC"/><Label value="MISC"/>'),  # added
        NER.replace('<Label value="PER"/><Label value="ORG"/>', '<Label value="ORG"/><Label value="PER"/>'),
        NER.replace("<View>", '<View style="padding: 4px">').replace(
            "<Relations>", '<Header value="Entities"/><Relations>'
        ),  # the View reworded
        NER.replace('<Relation value="born_in"/>', ""),  # an unused relation label
        NER.replace('<Label value="PER"/>', '<Label value="PER" background="red" hotkey="p"/>'),
    ]
    for config in keeps:
        r = client.patch(f"/api/projects/{project}", json={"label_config": config})
        assert r.status_code == 200, (config, r.text)
        assert r.json()["label_config"] == config


def test_unused_values_of_a_project_without_annotations_can_go(client: TestClient) -> None:
    pid = client.post("/api/projects", json={"title": "empty", "label_config": NER}).json()["id"]
    r = client.patch(
        f"/api/projects/{pid}", json={"label_config": '<View><Text name="t" value="$t"/></View>'}
    )
    assert r.status_code == 200


def test_the_scan_streams_in_batches(
    client: TestClient, project: int, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a batch of one annotation the counts are the same: the scan pages by key, not all at once."""
    monkeypatch.setattr(config_change, "BATCH", 1)
    row = db.get(Project, project)
    assert row is not None
    found = config_change.orphans(db, row, parse_config(NER.replace('<Label value="PER"/>', "")))
    assert [(o.control, o.value, o.count) for o in found] == [("label", "PER", 3)]


def test_preview_lists_orphans_for_a_project(client: TestClient, project: int) -> None:
    new = NER.replace('<Label value="LOC"/>', "")
    r = client.post("/api/labeling/preview", json={"label_config": new, "project": project})
    assert r.status_code == 200
    assert [o["message"] for o in r.json()["orphans"]] == [
        '<Labels name="label"> value "LOC" is used by 1 annotation'
    ]
    assert client.post("/api/labeling/preview", json={"label_config": new, "project": "x"}).status_code == 400
    assert (
        client.post("/api/labeling/preview", json={"label_config": new, "project": 999999}).status_code == 404
    )


def test_values_with_non_ascii_quotes_and_like_wildcards_are_found(client: TestClient) -> None:
    """The LIKE pre-filter must match what each database stores (escaped or UTF-8 text, `%`, `_`, quotes)."""
    values = ["Straße", '50% "off"', "a_b", "日本"]
    options = "".join(f"<Choice value='{v}'/>" for v in values)
    config = f'<View><Text name="text" value="$text"/><Choices name="c" toName="text" choice="multiple">{options}<Choice value="keep"/></Choices></View>'
    pid = client.post("/api/projects", json={"title": "odd", "label_config": config}).json()["id"]
    result = [{"from_name": "c", "to_name": "text", "type": "choices", "value": {"choices": values}}]
    assert (
        client.post(
            f"/api/projects/{pid}/import", json=[{"data": {"text": "x"}, "annotations": [{"result": result}]}]
        ).status_code
        == 201
    )
    for value in values:
        dropped = config.replace(f"<Choice value='{value}'/>", "")
        r = client.patch(f"/api/projects/{pid}", json={"label_config": dropped})
        assert r.status_code == 400, value
        assert r.json()["validation_errors"]["label_config"] == [
            f'<Choices name="c"> value "{value}" is used by 1 annotation'
        ]
    # The unused value can go.
    r = client.patch(
        f"/api/projects/{pid}", json={"label_config": config.replace('<Choice value="keep"/>', "")}
    )
    assert r.status_code == 200
