"""`labelwise quality agreement`: the report as a table and as JSON, on both databases; imported annotations
get their tasks' stored agreement too."""

from __future__ import annotations

import os
from pathlib import Path

import orjson
from sqlalchemy import create_engine, text

from tests.test_cli import run  # noqa: F401  (the fixture)
from tests.test_cli_aggregate import ANSWERS, project  # noqa: F401  (the fixture)


def _share(row: tuple[str, ...]) -> float:
    pairs = [(a, b) for k, a in enumerate(row) for b in row[k + 1 :]]
    return sum(a == b for a, b in pairs) / len(pairs)


def test_the_table_names_the_metric_and_the_lowest_tasks(run, project: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    code, out = run("quality", "agreement", "1")
    assert code == 0, out
    flat = " ".join(out.split())
    assert "krippendorff_alpha_nominal" in flat and "Lowest agreement" in flat
    mean = sum(_share(r) for r in ANSWERS) / len(ANSWERS)
    assert f"mean over {len(ANSWERS)} tasks): {mean:.4f}" in flat


def test_json_has_the_whole_report_and_the_stored_values_match(run, project: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    code, out = run("quality", "agreement", "1", "--control", "c", "--limit", "2", "--json")
    assert code == 0, out
    report = orjson.loads(out)
    assert [c["name"] for c in report["controls"]] == ["c"]
    assert report["controls"][0]["pairs"] == 3 * len(ANSWERS)
    lowest = report["lowest_tasks"]
    assert [t["agreement"] for t in lowest] == sorted(round(_share(r), 4) for r in ANSWERS)[:2]
    engine = create_engine(os.environ["LABELWISE_DATABASE_URL"])  # the `run` fixture's database
    with engine.connect() as conn:
        stored = dict(conn.execute(text("SELECT id, agreement FROM tasks")).all())
    engine.dispose()
    assert {t["id"]: t["agreement"] for t in lowest}.items() <= stored.items()
    assert sorted(stored.values()) == sorted(round(_share(r), 4) for r in ANSWERS)


def test_an_unknown_control_or_project_fails_with_a_message(run, project: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    code, out = run("quality", "agreement", "1", "--control", "nosuch")
    assert code != 0 and "nosuch" in out
    code, out = run("quality", "agreement", "99")
    assert code != 0 and "99" in out
