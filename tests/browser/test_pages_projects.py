"""Project pages in Chromium: the list with progress, creating a project from each listed template through the
gallery, config errors at their line, instructions rendered inert, a config change refused with its list."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from labelwise.labeling.templates import get_template
from tests.browser.conftest import make_project

PROBE = '<img src=x onerror="window.__xss=1">"><script>window.__xss=2</script>'
TEMPLATES = [
    "text_classification",
    "multi_label_classification",
    "named_entity_recognition",
    "relation_extraction",
    "sentiment_rating",
    "dialogue_intent",
    "pairwise_text",
    "llm_answer_grading",
    "taxonomy",
    "question_answering",
]
NER = get_template("named_entity_recognition").config


def _choice(value: str) -> dict[str, Any]:
    return {"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [value]}}


def test_projects_list_shows_progress_and_escapes_titles(page: Page, api: httpx.Client) -> None:
    config = get_template("text_classification").config
    items = [{"data": {"text": f"t{i}"}} for i in range(4)]
    items[0]["annotations"] = [{"result": [_choice("Positive")]}]
    items[1]["annotations"] = [{"result": [_choice("Negative")]}]
    pid = make_project(api, config, title=PROBE, description="four tasks")
    assert api.post(f"/api/projects/{pid}/import", json=items).status_code == 201
    third = api.get("/api/tasks", params={"project": pid}).json()
    tasks = sorted(t["id"] for t in (third["tasks"] if isinstance(third, dict) else third))
    r = api.post(f"/api/tasks/{tasks[2]}/annotations", json={"result": [], "was_cancelled": True})
    assert r.status_code == 201, r.text
    page.goto("/projects")
    card = page.locator(f".project-card[data-project-id='{pid}']")
    expect(card.locator(".project-card-title")).to_have_text(PROBE)
    expect(card.locator(".count-total")).to_have_text("4 tasks")
    expect(card.locator(".count-annotated")).to_have_text("2 annotated")
    expect(card.locator(".count-skipped")).to_have_text("1 skipped")
    assert card.locator(".bar-annotated").get_attribute("width") == "50.0"
    assert card.locator(".bar-skipped").get_attribute("width") == "25.0"
    assert card.locator(".project-card-title").get_attribute("href") == f"/projects/{pid}/data"
    assert page.evaluate("window.__xss") is None and page.locator("img[src=x]").count() == 0


@pytest.mark.parametrize("template_id", TEMPLATES)
def test_create_a_project_from_the_gallery(page: Page, api: httpx.Client, template_id: str) -> None:
    page.goto("/projects/new")
    page.fill("input[name=title]", f"From {template_id}")
    page.locator(f".template-card[data-template-id='{template_id}']").click()
    expect(page.locator(f".template-card[data-template-id='{template_id}']")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.locator("[data-config-status]")).to_have_text("Valid")
    expect(page.locator("[data-preview-host] .preview-target > *").first).to_be_attached()
    page.get_by_role("button", name="Create project").click()
    page.wait_for_url(re.compile(r"/projects/\d+/data\?import=1$"))
    pid = int(re.search(r"/projects/(\d+)/", page.url).group(1))  # type: ignore[union-attr]
    project = api.get(f"/api/projects/{pid}").json()
    assert project["title"] == f"From {template_id}"
    assert project["label_config"] == get_template(template_id).config


def test_config_error_is_shown_at_its_line(page: Page, api: httpx.Client) -> None:
    page.goto("/projects/new")
    expect(page.locator("[data-config-status]")).to_have_text("Valid")
    bad = '<View>\n  <Text name="text" value="$text"/>\n\n  <Choices name="c" toName="nowhere">\n    <Choice value="a"/>\n  </Choices>\n</View>'
    page.fill("[data-config-text]", bad)
    expect(page.locator("[data-config-status]")).to_have_text("Invalid config")
    marked = page.locator(".gutter-line.has-error")
    expect(marked).to_have_count(1)
    expect(marked).to_have_text("4")
    expect(page.locator("[data-config-line-error]")).to_contain_text("points at 'nowhere'")
    expect(page.locator("#config-error")).to_contain_text("Line 4:")
    # The marker sits on line 4 of the text: its top matches the 4th gutter cell.
    line_box = page.locator(".gutter-line").nth(3).bounding_box()
    error_box = page.locator("[data-config-line-error]").bounding_box()
    assert line_box and error_box and abs(line_box["y"] - error_box["y"]) < 2
    page.fill("input[name=title]", "never created")
    page.get_by_role("button", name="Create project").click()
    expect(page.locator("#create-error")).to_have_text("Fix the labeling config first.")
    # Fixing it clears the mark and brings the preview back.
    page.fill("[data-config-text]", bad.replace("nowhere", "text"))
    expect(page.locator("[data-config-status]")).to_have_text("Valid")
    expect(page.locator(".gutter-line.has-error")).to_have_count(0)
    titles = [p["title"] for p in api.get("/api/projects", params={"page_size": 100}).json()["results"]]
    assert "never created" not in titles


def test_instructions_render_inert(page: Page, api: httpx.Client) -> None:
    pid = make_project(api, NER, title=PROBE)
    page.goto(f"/projects/{pid}/settings")
    expect(page.locator(".project-nav .project-title")).to_have_text(PROBE)
    text = "## Read me\n\n" + PROBE + "\n\n[link](javascript:window.__xss=3)"
    page.fill("textarea[name=expert_instruction]", text)
    preview = page.locator("#instructions-preview")
    expect(preview.locator("h2")).to_have_text("Read me")
    expect(preview).to_contain_text("<script>window.__xss=2</script>")  # shown as text
    page.locator("#instructions-form").get_by_role("button", name="Save").click()
    expect(page.locator("#instructions-form .status")).to_have_text("Saved.")
    assert api.get(f"/api/projects/{pid}").json()["expert_instruction"] == text
    page.reload()
    expect(preview.locator("h2")).to_have_text("Read me")
    assert preview.locator("img, script, a[href^=javascript]").count() == 0
    assert page.evaluate("window.__xss") is None


def test_config_change_that_orphans_labels_is_refused(page: Page, api: httpx.Client) -> None:
    span = {"from_name": "label", "to_name": "text", "type": "labels",
            "value": {"start": 0, "end": 3, "text": "Ada", "labels": ["PER"]}}  # fmt: skip
    pid = make_project(api, NER, [{"data": {"text": "Ada Lovelace"}, "annotations": [{"result": [span]}]}])
    page.goto(f"/projects/{pid}/settings")
    form = page.locator("#config-form")
    expect(form.locator("[data-config-status]")).to_have_text("Valid")
    without_per = "\n".join(line for line in NER.split("\n") if 'value="PER"' not in line)
    form.locator("[data-config-text]").fill(without_per)
    expect(form.locator("[data-config-orphans-list] li")).to_have_text(
        ['<Labels name="label"> value "PER" is used by 1 annotation']
    )
    form.get_by_role("button", name="Save config").click()
    expect(page.locator("#config-refused-list li")).to_have_text(
        ['<Labels name="label"> value "PER" is used by 1 annotation']
    )
    assert api.get(f"/api/projects/{pid}").json()["label_config"] == NER
    # Adding a label keeps every used value: saved.
    with_misc2 = NER.replace('<Label value="MISC"', '<Label value="EVENT"/>\n    <Label value="MISC"')
    form.locator("[data-config-text]").fill(with_misc2)
    expect(form.locator("[data-config-status]")).to_have_text("Valid")
    form.get_by_role("button", name="Save config").click()
    expect(form.locator(".form-actions .status")).to_have_text("Saved.")
    assert api.get(f"/api/projects/{pid}").json()["label_config"] == with_misc2


def test_settings_fields_and_delete(page: Page, api: httpx.Client) -> None:
    pid = make_project(api, NER, title="Old title")
    page.goto(f"/projects/{pid}/settings")
    page.fill("#general-form input[name=title]", "New title")
    page.locator("#general-form").get_by_role("button", name="Save").click()
    expect(page.locator("#general-form .status")).to_have_text("Saved.")
    expect(page.locator(".project-nav .project-title")).to_have_text("New title")
    labeling = page.locator("#labeling-form")
    labeling.locator("input[name=maximum_annotations]").fill("0")
    labeling.get_by_role("button", name="Save").click()
    expect(labeling.locator("[data-error-for=maximum_annotations]")).to_have_text(
        "A whole number from 1 to 1000."
    )
    labeling.locator("input[name=maximum_annotations]").fill("3")
    labeling.locator("input[name=show_skip_button]").uncheck()
    labeling.get_by_role("button", name="Save").click()
    expect(labeling.locator(".status")).to_have_text("Saved.")
    got = api.get(f"/api/projects/{pid}").json()
    assert (got["title"], got["maximum_annotations"], got["show_skip_button"]) == ("New title", 3, False)
    page.get_by_role("button", name="Delete project…").click()
    confirm = page.get_by_role("button", name="Delete for good")
    expect(confirm).to_be_disabled()
    page.fill("#delete-dialog input[name=confirm]", "New title")
    confirm.click()
    expect(page).to_have_url(re.compile(r"/projects$"))
    assert api.get(f"/api/projects/{pid}").status_code == 404


def test_team_workflow_settings_are_saved(page: Page, api: httpx.Client) -> None:
    pid = make_project(api, NER, title="Team")
    page.goto(f"/projects/{pid}/settings")
    team = page.locator("#team-form")
    expect(team.locator("input[name=blind]")).not_to_be_checked()  # overlap 1: not blind by default
    team.locator("input[name=annotation_limit_count]").fill("0")
    team.get_by_role("button", name="Save").click()
    expect(team.locator("[data-error-for=annotation_limit_count]")).to_have_text(
        "A whole number of at least 1, or empty."
    )
    team.locator("select[name=sampling]").select_option("Uniform sampling")
    team.locator("input[name=annotation_limit_count]").fill("25")
    for name in ("assignment_only", "blind", "require_review"):
        team.locator(f"input[name={name}]").check()
    team.get_by_role("button", name="Save").click()
    expect(team.locator(".status")).to_have_text("Saved.")
    got = api.get(f"/api/projects/{pid}").json()
    assert (got["sampling"], got["annotation_limit_count"], got["blind"], got["require_review"]) == (
        "Uniform sampling", 25, True, True,
    )  # fmt: skip
    assert got["assignment_only"] is True
    page.reload()
    expect(page.locator("#team-form input[name=annotation_limit_count]")).to_have_value("25")
    expect(page.locator("#team-form input[name=require_review]")).to_be_checked()


def test_preview_keys_act_only_inside_the_preview(page: Page) -> None:
    page.goto("/projects/new")
    expect(page.locator("[data-config-status]")).to_have_text("Valid")
    positive = page.locator("[data-preview-host] input[type=radio]").first
    expect(positive).to_be_attached()
    text = page.locator("[data-config-text]")
    original = text.input_value()
    text.click()
    page.keyboard.press("Control+End")
    page.keyboard.type("<!-- x -->")
    page.keyboard.press("Control+Enter")  # the preview never submits; the form does (title missing: refused)
    expect(page.locator("[data-error-for=title]")).to_have_text("Give the project a title.")
    text.click()
    page.keyboard.press("Control+z")  # the textarea's own undo, not the preview's
    expect(text).to_have_value(original)
    page.locator("[data-preview-host] .lw-text").first.click()
    page.keyboard.press("1")
    expect(positive).to_be_checked()
