"""The editor's control tags in real Chromium, through the task editor page: each family labelled by mouse
and by keyboard, saved, and checked in what the API stored (so the server's result validation agreed)."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import Page, expect

from labelwise.labeling.templates import get_template
from tests.browser.conftest import make_project
from tests.browser.editor_support import drag_select, save, stored_result

REVIEW = "The battery lasts two days and the screen is gorgeous."


def open_config(page: Page, api: httpx.Client, config: str, data: dict[str, Any]) -> int:
    """A project with this config (or built-in template id) and one task, opened in the editor page."""
    xml = config if config.lstrip().startswith("<") else get_template(config).config
    project = make_project(api, xml, [{"data": data}])
    (task,) = api.get("/api/tasks", params={"project": project}).json()["tasks"]
    page.goto(f"/projects/{project}/tasks/{task['id']}/editor")
    expect(page.locator("#editor[data-ready=true]")).to_be_attached()
    return int(task["id"])


def result_of(api: httpx.Client, task: int, control: str) -> dict[str, Any]:
    (item,) = [r for r in stored_result(api, task) if r["from_name"] == control]
    return item


def choice(page: Page, control: str, text: str) -> Any:
    return page.locator(f".lw-choices[data-control={control}] .lw-choice").filter(
        has=page.get_by_text(text, exact=True)
    )


def test_single_choice_required_then_mouse_then_number_keys(page: Page, api: httpx.Client) -> None:
    task = open_config(page, api, "text_classification", {"text": REVIEW})
    page.locator("#editor-save").click()
    expect(page.locator("#editor-error")).to_contain_text("Choose an option")
    expect(page.locator(".lw-choices .lw-control-error")).to_be_visible()
    assert api.get(f"/api/tasks/{task}/annotations").json() == []

    choice(page, "sentiment", "Negative").click()
    expect(page.locator(".lw-choices .lw-control-error")).to_be_hidden()
    choice(page, "sentiment", "Positive").click()
    expect(page.locator(".lw-choice input:checked")).to_have_count(1)
    save(page)
    item = result_of(api, task, "sentiment")
    assert (item["type"], item["to_name"], item["value"]) == ("choices", "text", {"choices": ["Positive"]})

    page.locator("body").click()
    page.keyboard.press("2")
    expect(choice(page, "sentiment", "Negative").locator("input")).to_be_checked()
    page.keyboard.press("2")  # the same key again clears a single choice
    expect(page.locator(".lw-choice input:checked")).to_have_count(0)
    page.keyboard.press("3")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#editor-state")).to_have_text("Saved")
    assert result_of(api, task, "sentiment")["value"] == {"choices": ["Neutral"]}


def test_multiple_choices_by_mouse_and_default_number_keys(page: Page, api: httpx.Client) -> None:
    task = open_config(page, api, "multi_label_classification", {"text": REVIEW})
    expect(choice(page, "topics", "Technology").locator("kbd")).to_have_text("3")
    choice(page, "topics", "Science").click()
    choice(page, "topics", "Politics").click()
    page.keyboard.press("3")
    page.keyboard.press("6")
    page.keyboard.press("6")
    expect(page.locator(".lw-choice input[type=checkbox]:checked")).to_have_count(3)
    save(page)
    assert result_of(api, task, "topics")["value"] == {"choices": ["Politics", "Technology", "Science"]}


def test_choices_as_a_select(page: Page, api: httpx.Client) -> None:
    config = """<View><Text name="t" value="$t"/>
      <Choices name="one" toName="t" layout="select"><Choice value="A"/><Choice value="B" alias="b"/></Choices>
      <Choices name="many" toName="t" layout="select" choice="multiple"><Choice value="X"/><Choice value="Y"/></Choices>
      <Choices name="r1" toName="t"><Choice value="C"/><Choice value="D"/></Choices>
      <Choices name="r2" toName="t"><Choice value="C"/><Choice value="D"/></Choices>
    </View>"""
    task = open_config(page, api, config, {"t": REVIEW})
    page.locator(".lw-choices[data-control=one] select").select_option("b")
    page.locator(".lw-choices[data-control=many] select").select_option(["X", "Y"])
    page.locator("body").press("1")  # the number key of A
    expect(page.locator(".lw-choices[data-control=one] select")).to_have_value("A")
    choice(page, "r1", "C").click()
    choice(page, "r2", "D").click()  # radios of two controls are separate groups
    expect(page.locator(".lw-choice input:checked")).to_have_count(2)
    save(page)
    assert result_of(api, task, "one")["value"] == {"choices": ["A"]}
    assert result_of(api, task, "many")["value"] == {"choices": ["X", "Y"]}


def test_visible_when_textarea_with_max_submissions_and_a_ten_star_rating(
    page: Page, api: httpx.Client
) -> None:
    task = open_config(page, api, "llm_answer_grading", {"prompt": "Boiling point?", "answer": "90 C"})
    critique = page.locator(".lw-textarea[data-control=critique]")
    expect(critique).to_be_hidden()
    choice(page, "correctness", "Incorrect").click()
    expect(critique).to_be_visible()
    field = critique.locator("textarea.lw-textarea-input")
    field.fill("Wrong number")
    field.press("Shift+Enter")
    field.press_sequentially("at sea level it is 100")
    field.press("Enter")
    expect(critique.locator(".lw-textarea-text")).to_have_text("Wrong number\nat sea level it is 100")
    expect(critique.locator(".lw-textarea-form")).to_be_hidden()  # maxSubmissions="1"
    choice(page, "correctness", "Correct").click()
    expect(critique).to_be_hidden()
    choice(page, "correctness", "Partially correct").click()
    expect(critique).to_be_visible()

    stars = page.locator(".lw-rating[data-control=helpfulness] .lw-star")
    expect(stars).to_have_count(10)
    stars.nth(6).click()
    expect(page.locator(".lw-rating-value")).to_have_text("7 / 10")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    expect(page.locator(".lw-rating-value")).to_have_text("8 / 10")
    save(page)
    assert result_of(api, task, "critique")["value"] == {"text": ["Wrong number\nat sea level it is 100"]}
    assert result_of(api, task, "helpfulness")["value"] == {"rating": 8}
    assert result_of(api, task, "correctness")["value"] == {"choices": ["Partially correct"]}


def test_a_control_hidden_by_a_choice_is_not_submitted(page: Page, api: httpx.Client) -> None:
    """Label Studio keeps a hidden control's answer while hidden but does not submit it."""
    task = open_config(page, api, "llm_answer_grading", {"prompt": "Boiling point?", "answer": "100 C"})
    critique = page.locator(".lw-textarea[data-control=critique]")
    choice(page, "correctness", "Incorrect").click()
    field = critique.locator("textarea.lw-textarea-input")
    field.fill("Off by one")
    field.press("Enter")
    choice(page, "correctness", "Correct").click()
    expect(critique).to_be_hidden()
    page.locator(".lw-rating[data-control=helpfulness] .lw-star").nth(4).click()
    save(page)
    stored = api.get(f"/api/tasks/{task}/annotations").json()[0]["result"]
    assert {r["from_name"] for r in stored} == {"correctness", "helpfulness"}
    choice(page, "correctness", "Incorrect").click()  # shown again: the text is still there
    expect(critique.locator(".lw-textarea-text")).to_have_text("Off by one")


def test_textarea_lines_add_edit_delete_and_pending_text_is_kept(page: Page, api: httpx.Client) -> None:
    task = open_config(page, api, "question_answering", {"question": "Who?", "context": REVIEW})
    answer = page.locator(".lw-textarea[data-control=answer]")
    field = answer.locator("textarea.lw-textarea-input")
    expect(field).to_have_attribute("placeholder", "Answer using only the passage")
    expect(field).to_have_attribute("rows", "2")
    page.locator("#editor-save").click()
    expect(page.locator("#editor-error")).to_contain_text("Enter text")
    for line in ("first", "second", "third"):
        field.fill(line)
        field.press("Enter")
    expect(answer.locator(".lw-textarea-text")).to_have_text(["first", "second", "third"])
    answer.get_by_role("button", name="Delete line 2").click()
    answer.get_by_role("button", name="Edit line 1").click()
    editor = answer.get_by_label("Edit line 1")
    expect(editor).to_be_focused()
    editor.fill("first, edited")
    editor.press("Enter")
    expect(answer.locator(".lw-textarea-text")).to_have_text(["first, edited", "third"])
    field.fill("typed but not added")  # saved too: Ctrl+Enter adds what is in the box
    page.keyboard.press("Control+Enter")
    expect(page.locator("#editor-state")).to_have_text("Saved")
    assert result_of(api, task, "answer")["value"] == {
        "text": ["first, edited", "third", "typed but not added"]
    }


def test_textarea_shortcuts_insert_at_the_caret_by_click_and_hotkey(page: Page, api: httpx.Client) -> None:
    config = """<View><Text name="t" value="$t"/>
      <TextArea name="a" toName="t"><Shortcut alias="Noise" value="[noise]" hotkey="ctrl+alt+n"/></TextArea>
    </View>"""
    task = open_config(page, api, config, {"t": REVIEW})
    field = page.locator(".lw-textarea-input")
    field.fill("before  after")
    field.evaluate("el => el.setSelectionRange(7, 7)")
    page.get_by_role("button", name="Noise").click()
    expect(field).to_have_value("before [noise] after")
    page.keyboard.press("Control+Alt+n")
    expect(field).to_have_value("before [noise][noise] after")
    field.press("Enter")
    save(page)
    assert result_of(api, task, "a")["value"] == {"text": ["before [noise][noise] after"]}


def test_rating_by_mouse_and_by_keyboard(page: Page, api: httpx.Client) -> None:
    task = open_config(page, api, "sentiment_rating", {"review": REVIEW})
    stars = page.locator(".lw-star")
    expect(stars).to_have_count(5)
    stars.nth(3).click()
    expect(stars.nth(3)).to_have_attribute("aria-checked", "true")
    save(page)
    assert result_of(api, task, "intensity")["value"] == {"rating": 4}
    stars.nth(3).focus()
    page.keyboard.press("End")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    expect(stars.nth(2)).to_be_focused()
    page.keyboard.press("Control+Enter")
    expect(page.locator("#editor-state")).to_have_text("Saved")
    assert result_of(api, task, "intensity")["value"] == {"rating": 3}


NUMBER_DATE = """<View>
  <Text name="text" value="$text"/>
  <Number name="amount" toName="text" min="0" max="10" step="0.5" required="true"/>
  <DateTime name="day" toName="text" only="date"/>
  <DateTime name="at" toName="text"/>
  <DateTime name="clock" toName="text" only="time"/>
</View>"""


def test_number_range_errors_and_datetime_fields(page: Page, api: httpx.Client) -> None:
    task = open_config(page, api, NUMBER_DATE, {"text": REVIEW})
    number = page.locator(".lw-number input")
    number.fill("12")
    expect(page.locator(".lw-number .lw-control-error")).to_have_text("Must be at most 10")
    expect(number).to_have_attribute("aria-invalid", "true")
    page.locator("#editor-save").click()
    expect(page.locator("#editor-error")).to_contain_text("must be at most 10")
    number.fill("-1")
    expect(page.locator(".lw-number .lw-control-error")).to_have_text("Must be at least 0")
    number.fill("2.5")
    expect(page.locator(".lw-number .lw-control-error")).to_be_hidden()
    assert page.locator(".lw-datetime[data-control=day] input").get_attribute("type") == "date"
    assert page.locator(".lw-datetime[data-control=at] input").get_attribute("type") == "datetime-local"
    page.locator(".lw-datetime[data-control=day] input").fill("2026-12-01")
    page.locator(".lw-datetime[data-control=at] input").fill("2026-12-01T10:30")
    page.locator(".lw-datetime[data-control=clock] input").fill("09:15")
    save(page)
    assert result_of(api, task, "amount")["value"] == {"number": 2.5}
    assert result_of(api, task, "day")["value"] == {"datetime": "2026-12-01"}
    assert result_of(api, task, "at")["value"] == {"datetime": "2026-12-01T10:30"}
    assert result_of(api, task, "clock")["value"] == {"datetime": "09:15"}
    number.fill("")
    page.locator("#editor-save").click()
    expect(page.locator("#editor-error")).to_contain_text("Enter a number")


def test_taxonomy_paths_by_mouse_search_and_arrow_keys(page: Page, api: httpx.Client) -> None:
    task = open_config(page, api, "taxonomy", {"text": "Headphones with 30 hours of battery."})
    tax = page.locator(".lw-taxonomy")
    toggle = tax.get_by_role("button", name="Pick a product category")
    toggle.click()
    tree = tax.get_by_role("tree")
    tree.get_by_role("treeitem", name="Electronics").locator(".lw-tree-row").first.click()  # leafsOnly: opens
    expect(tree.get_by_role("treeitem", name="Phones")).to_be_visible()
    tree.get_by_role("treeitem", name="Audio").locator(".lw-tree-row").first.click()
    tree.get_by_role("treeitem", name="Headphones").click()
    tax.get_by_role("searchbox").fill("kitch")
    expect(tree.get_by_role("treeitem", name="Phones")).to_be_hidden()
    tree.get_by_role("treeitem", name="Kitchen").click()
    expect(tax.locator(".lw-chip > span")).to_have_text(
        ["Electronics / Audio / Headphones", "Home / Kitchen"]
    )
    save(page)
    assert result_of(api, task, "category")["value"] == {
        "taxonomy": [["Electronics", "Audio", "Headphones"], ["Home", "Kitchen"]]
    }

    tax.get_by_role("button", name="Remove Home / Kitchen").click()
    tax.get_by_role("searchbox").fill("")
    tax.get_by_role("searchbox").focus()
    for key in ("ArrowDown", "ArrowDown", "ArrowDown"):  # Electronics (open), Phones, Laptops
        page.keyboard.press(key)
    expect(tree.get_by_role("treeitem", name="Laptops")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowLeft")  # to the parent
    expect(tree.get_by_role("treeitem", name="Electronics")).to_be_focused()
    page.keyboard.press("ArrowLeft")  # closes it
    expect(tree.get_by_role("treeitem", name="Phones")).to_be_hidden()
    page.keyboard.press("End")
    expect(tree.get_by_role("treeitem", name="Other")).to_be_focused()
    page.keyboard.press("Space")
    page.keyboard.press("Escape")
    expect(toggle).to_be_focused()
    page.keyboard.press("Control+Enter")
    expect(page.locator("#editor-state")).to_have_text("Saved")
    assert result_of(api, task, "category")["value"] == {
        "taxonomy": [["Electronics", "Audio", "Headphones"], ["Electronics", "Laptops"], ["Other"]]
    }
    toggle.press("Enter")  # opens with the search focused
    page.keyboard.press("ArrowDown")
    page.keyboard.press("f")  # a letter typed in the tree searches
    expect(tax.get_by_role("searchbox")).to_be_focused()
    expect(tax.get_by_role("searchbox")).to_have_value("f")
    expect(tree.get_by_role("treeitem", name="Furniture")).to_be_visible()
    expect(tree.get_by_role("treeitem", name="Kitchen")).to_be_hidden()


def test_pairwise_by_click_and_by_arrow_keys(page: Page, api: httpx.Client) -> None:
    task = open_config(page, api, "pairwise_text", {"summary_a": "A long summary.", "summary_b": "Short."})
    page.locator(".lw-pairwise-pick.is-right").click()
    expect(page.locator(".lw-pairwise-pick.is-right")).to_have_attribute("aria-checked", "true")
    save(page)
    item = result_of(api, task, "comparison")
    assert (item["type"], item["to_name"], item["value"]) == ("pairwise", "summary_a", {"selected": "right"})
    page.keyboard.press("ArrowLeft")
    expect(page.locator(".lw-pairwise-pick.is-left")).to_have_attribute("aria-checked", "true")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#editor-state")).to_have_text("Saved")
    assert result_of(api, task, "comparison")["value"] == {"selected": "left"}
    page.locator(".lw-tag[data-name=summary_b]").click()  # the object itself picks too
    expect(page.locator(".lw-pairwise-pick.is-right")).to_have_attribute("aria-checked", "true")


RANKING_ITEMS = [
    {"id": "docs", "title": "dataclasses - Data Classes", "body": "frozen=True makes..."},
    {"id": "blog", "title": "10 Python tricks", "body": "Trick 7"},
    {"id": "ad", "title": "Buy shoes", "body": "Best prices."},
]


def test_ranker_buckets_by_drag_and_drop_and_by_keyboard(page: Page, api: httpx.Client) -> None:
    task = open_config(page, api, "ranking", {"query": "python dataclass", "items": RANKING_ITEMS})
    column = {
        key: page.locator(f".lw-ranker-list[data-column='{key}']") for key in ("_", "relevant", "irrelevant")
    }
    expect(column["_"].locator(".lw-ranker-item")).to_have_count(3)
    expect(page.locator(".lw-ranker-column h4").first).to_contain_text("Search results")
    column["_"].locator(".lw-ranker-item", has_text="Buy shoes").drag_to(column["irrelevant"])
    expect(column["irrelevant"].locator(".lw-ranker-item")).to_have_text(["1Buy shoesBest prices."])
    column["_"].locator(".lw-ranker-item", has_text="10 Python tricks").drag_to(column["relevant"])
    save(page)
    assert result_of(api, task, "rank")["value"] == {
        "ranker": {"_": ["docs"], "relevant": ["blog"], "irrelevant": ["ad"]}
    }
    docs = column["_"].locator(".lw-ranker-item", has_text="Data Classes")
    docs.focus()
    page.keyboard.press("Shift+ArrowRight")  # into Relevant, at the same height: above blog
    expect(page.locator(".lw-ranker .lw-sr-only, .lw-list .lw-sr-only")).to_have_text(
        "dataclasses - Data Classes: 1 of 2 in Relevant"
    )
    expect(column["relevant"].locator(".lw-ranker-item").first).to_be_focused()
    page.keyboard.press("Shift+ArrowDown")  # below blog
    page.keyboard.press("ArrowUp")
    expect(column["relevant"].locator(".lw-ranker-item", has_text="10 Python tricks")).to_be_focused()
    page.keyboard.press("Control+Enter")
    expect(page.locator("#editor-state")).to_have_text("Saved")
    assert result_of(api, task, "rank")["value"] == {
        "ranker": {"_": [], "relevant": ["blog", "docs"], "irrelevant": ["ad"]}
    }


def test_ranker_without_buckets_orders_the_list(page: Page, api: httpx.Client) -> None:
    config = """<View><List name="results" value="$items" title="Results"/>
      <Ranker name="rank" toName="results"/></View>"""
    task = open_config(page, api, config, {"items": RANKING_ITEMS})
    page.locator(".lw-ranker-item", has_text="Buy shoes").focus()
    page.keyboard.press("Shift+ArrowUp")
    page.keyboard.press("Shift+ArrowUp")
    save(page)
    assert result_of(api, task, "rank")["value"] == {"ranker": {"rank": ["ad", "docs", "blog"]}}


def test_choices_from_task_data_and_a_default_bucket(page: Page, api: httpx.Client) -> None:
    config = """<View><Text name="t" value="$t"/>
      <Choices name="pick" toName="t" value="$options" choice="multiple"/>
      <List name="l" value="$items"/>
      <Ranker name="r" toName="l"><Bucket name="keep" title="Keep" default="true"/><Bucket name="drop"/></Ranker>
    </View>"""
    options = ["from data", {"value": "<b>object</b>", "hint": "an object option"}]
    task = open_config(page, api, config, {"t": "x", "options": options, "items": RANKING_ITEMS})
    expect(page.locator(".lw-choice")).to_have_text(["from data", "<b>object</b>"])
    expect(page.locator(".lw-ranker-list[data-column='_']")).to_have_count(0)
    expect(page.locator(".lw-ranker-list[data-column=keep] .lw-ranker-item")).to_have_count(3)
    page.locator(".lw-choice").nth(1).click()
    page.locator(".lw-ranker-item", has_text="Buy shoes").focus()
    page.keyboard.press("Shift+ArrowRight")
    save(page)
    assert result_of(api, task, "pick")["value"] == {"choices": ["<b>object</b>"]}
    assert result_of(api, task, "r")["value"] == {"ranker": {"keep": ["docs", "blog"], "drop": ["ad"]}}


PER_REGION = """<View>
  <Labels name="label" toName="text"><Label value="PER" hotkey="p"/><Label value="LOC" hotkey="l"/></Labels>
  <Text name="text" value="$text"/>
  <Choices name="gender" toName="text" perRegion="true" required="true">
    <Choice value="Female" hotkey="f"/><Choice value="Male" hotkey="m"/>
  </Choices>
  <TextArea name="note" toName="text" perRegion="true"/>
</View>"""


def test_per_region_choices_and_textarea_share_the_region_id(page: Page, api: httpx.Client) -> None:
    text = "Ada Lovelace met Charles Babbage."
    task = open_config(page, api, PER_REGION, {"text": text})
    gender = page.locator(".lw-choices[data-control=gender]")
    expect(gender).to_be_hidden()
    page.keyboard.press("p")
    drag_select(page, 0, 12)
    expect(page.locator(".lw-region")).to_have_count(1)
    page.locator(".lw-region").first.click()
    expect(gender).to_be_visible()
    gender.locator(".lw-choice", has_text="Female").click()
    note = page.locator(".lw-textarea[data-control=note] textarea")
    note.fill("mathematician")
    note.press("Enter")
    page.keyboard.press("Escape")  # leaves the field
    page.keyboard.press("Escape")  # deselects the region
    expect(gender).to_be_hidden()
    drag_select(page, 17, 32)
    expect(page.locator(".lw-region")).to_have_count(2)
    page.locator("#editor-save").click()
    expect(page.locator("#editor-error")).to_contain_text("for every region (1 left)")
    page.locator(".lw-region").nth(1).click()
    expect(gender.locator("input:checked")).to_have_count(0)
    page.keyboard.press("m")
    note.fill("engineer")  # not added with Enter: selecting another region keeps it for this one
    page.locator(".lw-region").first.click()
    expect(page.locator(".lw-textarea[data-control=note] .lw-textarea-text")).to_have_text(["mathematician"])
    expect(note).to_have_value("")
    save(page)
    result = stored_result(api, task)
    spans = {r["value"]["text"]: r["id"] for r in result if r["type"] == "labels"}
    by = {(r["from_name"], r["id"]): r for r in result}
    ada, charles = spans["Ada Lovelace"], spans["Charles Babbage"]
    assert by[("gender", ada)]["value"] == {
        "start": 0,
        "end": 12,
        "text": "Ada Lovelace",
        "choices": ["Female"],
    }
    assert by[("gender", charles)]["value"]["choices"] == ["Male"]
    assert by[("note", ada)]["value"] == {"start": 0, "end": 12, "text": ["mathematician"]}
    assert by[("note", charles)]["value"] == {"start": 17, "end": 32, "text": ["engineer"]}


# The config parser refuses event handlers in attributes, so the config carries plain markup (an <img> that
# would show up if parsed); the task data, which nothing filters, carries a handler.
def test_per_region_textarea_on_an_image_box_repeats_its_geometry(page: Page, api: httpx.Client) -> None:
    project = make_project(api, get_template("ocr").config, [{"data": {"ocr": "/static/missing.png"}}])
    (task,) = api.get("/api/tasks", params={"project": project}).json()["tasks"]
    box = {"x": 10, "y": 20, "width": 30, "height": 5, "rotation": 0}
    region = {"id": "box1", "from_name": "bbox", "to_name": "image", "type": "rectanglelabels"}
    stored = api.post(
        f"/api/tasks/{task['id']}/annotations",
        json={"result": [{**region, "value": {**box, "rectanglelabels": ["Text"]}}]},
    )
    assert stored.status_code == 201, stored.text
    page.goto(f"/projects/{project}/tasks/{task['id']}/editor")
    expect(page.locator("#editor[data-ready=true]")).to_be_attached()
    page.locator("#editor-save").click()
    expect(page.locator("#editor-error")).to_contain_text("for every region (1 left)")
    page.locator(".lw-region").first.click()
    field = page.locator(".lw-textarea[data-control=transcription] textarea")
    field.fill("TOTAL 12.50")
    field.press("Enter")
    save(page)
    (note,) = [r for r in stored_result(api, task["id"]) if r["from_name"] == "transcription"]
    assert (note["id"], note["to_name"], note["type"]) == ("box1", "image", "textarea")
    assert note["value"] == {**box, "text": ["TOTAL 12.50"]}


XSS = "&lt;img src=x&gt;&lt;b&gt;b&lt;/b&gt;"
MARKUP = "<img src=x><b>b</b>"


def test_option_values_aliases_hints_and_items_render_as_text(page: Page, api: httpx.Client) -> None:
    config = f"""<View>
      <Text name="text" value="$text"/>
      <Choices name="c" toName="text" choice="multiple">
        <Choice value="{XSS}" alias="{XSS}a" hint="{XSS}h"/>
        <Choice value="plain"/>
      </Choices>
      <Taxonomy name="t" toName="text"><Choice value="{XSS}t"><Choice value="{XSS}leaf"/></Choice></Taxonomy>
      <List name="items" value="$items" title="{XSS}list"/>
      <Ranker name="r" toName="items"><Bucket name="b" title="{XSS}bucket"/></Ranker>
    </View>"""
    hostile = '<img src=x onerror="window.__pwned=1">'
    items = [{"id": "x", "title": hostile, "body": hostile}]
    task = open_config(page, api, config, {"text": "t", "items": items})
    expect(page.locator(".lw-choice").first).to_contain_text(MARKUP)
    assert page.locator(".lw-choice").first.get_attribute("title") == MARKUP + "h"
    page.locator(".lw-taxonomy-toggle").click()
    expect(page.locator(".lw-tree-item").first).to_contain_text(MARKUP + "t")
    expect(page.locator(".lw-ranker-column").first).to_contain_text(MARKUP + "list")
    expect(page.locator(".lw-ranker-column").last).to_contain_text(MARKUP + "bucket")
    expect(page.locator(".lw-ranker-item")).to_contain_text(hostile)
    assert page.locator("#editor img, #editor b").count() == 0
    page.locator(".lw-choice").first.click()
    save(page)
    assert result_of(api, task, "c")["value"] == {"choices": [MARKUP + "a"]}
    assert page.evaluate("window.__pwned") is None


ALL = """<View>
  <Text name="a" value="$a"/>
  <Text name="b" value="$b"/>
  <Choices name="c" toName="a" showInline="true"><Choice value="X" alias="x1"/><Choice value="Y" selected="true"/></Choices>
  <Rating name="r" toName="a"/>
  <TextArea name="t" toName="a" editable="true"/>
  <Number name="n" toName="a"/>
  <DateTime name="d" toName="a" only="date"/>
  <Taxonomy name="x" toName="a"><Choice value="P" alias="p-alias"><Choice value="Q"/></Choice></Taxonomy>
  <Pairwise name="p" toName="a,b"/>
  <List name="l" value="$items"/>
  <Ranker name="k" toName="l"/>
</View>"""

STORED = [
    {"from_name": "c", "to_name": "a", "type": "choices", "value": {"choices": ["X"]}},
    {"from_name": "r", "to_name": "a", "type": "rating", "value": {"rating": 2}},
    {"from_name": "t", "to_name": "a", "type": "textarea", "value": {"text": ["kept"]}},
    {"from_name": "n", "to_name": "a", "type": "number", "value": {"number": 7}},
    {"from_name": "d", "to_name": "a", "type": "datetime", "value": {"datetime": "2026-01-02"}},
    {
        "from_name": "x",
        "to_name": "a",
        "type": "taxonomy",
        "value": {"taxonomy": [["P", "Q"], ["p-alias", "Q"]]},
    },
    {"from_name": "p", "to_name": "a", "type": "pairwise", "value": {"selected": "right"}},
    {"from_name": "k", "to_name": "l", "type": "ranker", "value": {"ranker": {"k": ["blog", "docs", "ad"]}}},
]


def test_read_only_shows_stored_values_and_destroy_leaves_nothing(page: Page, api: httpx.Client) -> None:
    task = open_config(page, api, ALL, {"a": "left text", "b": "right text", "items": RANKING_ITEMS})
    # A new annotation starts from the selected="true" choice.
    expect(choice(page, "c", "Y").locator("input")).to_be_checked()
    expect(page.locator(".lw-choices-list.is-inline")).to_have_count(1)
    assert "null" not in page.locator("#editor").inner_text()  # no missing optional part printed
    shown = page.evaluate(
        """async (results) => {
          const { mountEditor } = await import("/static/editor/editor.js");
          const data = JSON.parse(document.getElementById("editor-data").textContent);
          const host = document.createElement("div");
          document.body.appendChild(host);
          const args = { schema: data.schema, task: data.task, results };
          const ro = await mountEditor(host, { ...args, readOnly: true });
          const q = (s) => host.querySelector(s);
          const out = {
            enabled: [...host.querySelectorAll("input, textarea, .lw-editor-main button")].filter((el) => !el.disabled).length,
            choice: q(".lw-choice input:checked").value,
            stars: host.querySelectorAll(".lw-star.is-on").length,
            line: q(".lw-textarea-text").textContent,
            number: q(".lw-number input").value,
            date: q(".lw-datetime input").value,
            chips: [...host.querySelectorAll(".lw-chip")].map((el) => el.textContent),
            picked: q(".lw-pairwise-pick.is-picked").dataset.side,
            order: [...host.querySelectorAll(".lw-ranker-item")].map((el) => el.dataset.id),
            same: JSON.stringify(ro.getResults().map((r) => r.value)) === JSON.stringify(results.map((r) => r.value)),
          };
          ro.destroy();
          for (let i = 0; i < 10; i++) (await mountEditor(host, args)).destroy();
          out.nodes = host.childNodes.length;
          host.remove();
          return out;
        }""",
        STORED,
    )
    assert shown == {
        "enabled": 0,
        "choice": "x1",  # the stored "X" (the value) is the option whose alias is x1
        "stars": 2,
        "line": "kept",
        "number": "7",
        "date": "2026-01-02",
        "chips": ["P / Q"],  # the same path by value and by alias
        "picked": "right",
        "order": ["blog", "docs", "ad"],
        "same": True,
        "nodes": 0,
    }
    # The page's own editor still answers keys once: the destroyed editors left no handler behind.
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("1")
    expect(choice(page, "c", "X").locator("input")).to_be_checked()
    page.keyboard.press("ArrowRight")
    save(page)
    values = {r["from_name"]: r["value"] for r in stored_result(api, task)}
    assert values == {"c": {"choices": ["x1"]}, "p": {"selected": "right"}}
