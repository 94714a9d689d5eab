"""Text, Labels and Relations in real Chromium through the editor page: what is stored is what was shown."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import make_project
from tests.browser.editor_support import click_char, drag_select, open_editor, save, stored_result

# Whitespace runs, a newline, a tab, an astral emoji, a ZWJ sequence and combining accents.
TRICKY = "  Zoe\u0301  na\u0308ive\n\t\U0001f469\u200d\U0001f52c  cafe\u0301 \U0001f389 end"


def check_spans(result: list[dict], data: str) -> None:
    for region in result:
        value = region["value"]
        assert value["text"] == data[value["start"] : value["end"]], value


def test_offsets_are_code_points_of_the_original_text(page: Page, api: httpx.Client) -> None:
    config = '<View><Labels name="l" toName="t"><Label value="A"/><Label value="B"/></Labels><Text name="t" value="$text"/></View>'
    project = make_project(api, config, [{"data": {"text": TRICKY}}])
    task = api.get("/api/tasks", params={"project": project}).json()["tasks"][0]["id"]
    page.goto(f"/projects/{project}/tasks/{task}/editor")
    expect(page.locator("#editor[data-ready=true]")).to_be_attached()
    assert page.locator(".lw-text").evaluate("el => el.textContent") == TRICKY
    page.keyboard.press("1")
    zoe = TRICKY.index("Zoe")
    drag_select(page, zoe, zoe + 4)  # "Zoé" with its combining accent
    woman = TRICKY.index("\U0001f469")
    drag_select(page, woman, TRICKY.index("end") + 3)  # emoji, spaces, accents, to the end
    save(page)
    result = stored_result(api, task)
    check_spans(result, TRICKY)
    texts = sorted(r["value"]["text"] for r in result)
    assert texts == sorted(["Zoe\u0301", TRICKY[woman:]])
    assert {(r["value"]["start"], r["value"]["end"]) for r in result} == {
        (zoe, zoe + 4),
        (woman, len(TRICKY)),
    }


def test_keyboard_only_span_overlap_relabel_and_delete(page: Page, api: httpx.Client) -> None:
    text = "Ada Lovelace met Charles Babbage."
    config = """<View><Labels name="l" toName="t"><Label value="PER"/><Label value="NAME" alias="nm"/></Labels>
      <Text name="t" value="$text"/></View>"""
    project = make_project(api, config, [{"data": {"text": text}}])
    task = api.get("/api/tasks", params={"project": project}).json()["tasks"][0]["id"]
    page.goto(f"/projects/{project}/tasks/{task}/editor")
    expect(page.locator("#editor[data-ready=true]")).to_be_attached()
    page.locator(".lw-text").focus()
    page.keyboard.press("Control+Shift+ArrowRight")
    page.keyboard.press("Control+Shift+ArrowRight")  # "Ada Lovelace"
    page.keyboard.press("1")
    expect(page.locator(".lw-region")).to_have_count(1)
    page.keyboard.press("ArrowLeft")  # caret back inside "Lovelace": overlapping span from "Lovelace"
    for _ in range(7):
        page.keyboard.press("ArrowLeft")
    for _ in range(12):
        page.keyboard.press("Shift+ArrowRight")  # "Lovelace met"
    page.keyboard.press("2")
    expect(page.locator(".lw-region")).to_have_count(2)
    page.locator(".lw-text").blur()
    page.keyboard.press(
        "ArrowDown"
    )  # select the first region from the keyboard, relabel it, delete the other
    page.keyboard.press("2")
    expect(page.locator(".lw-region.is-selected .lw-region-label")).to_have_text(
        "nm"
    )  # results carry the alias
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Backspace")
    expect(page.locator(".lw-region")).to_have_count(1)
    page.keyboard.press("Control+z")
    expect(page.locator(".lw-region")).to_have_count(2)
    save(page)
    result = stored_result(api, task)
    check_spans(result, text)
    assert sorted((r["value"]["text"], r["value"]["labels"][0]) for r in result) == [
        ("Ada Lovelace", "nm"),
        ("Lovelace met", "nm"),
    ]


def test_word_granularity_snaps_and_max_usages_refuses(page: Page, api: httpx.Client) -> None:
    text = "Grace Hopper, at Remington Rand."
    (task,) = open_editor(page, api, "named_entity_recognition", [{"text": text}])
    page.keyboard.press("p")
    drag_select(page, 2, 9)  # "ace Hop" grows to "Grace Hopper", the comma left out
    page.keyboard.press("o")
    drag_select(page, 14, 20)  # " at Re" -> "at Remington"
    save(page)
    result = stored_result(api, task)
    check_spans(result, text)
    assert sorted(r["value"]["text"] for r in result) == ["Grace Hopper", "at Remington"]

    config = """<View><Labels name="l" toName="t"><Label value="ONE" maxUsages="1"/></Labels>
      <Text name="t" value="$text"/></View>"""
    project = make_project(api, config, [{"data": {"text": text}}])
    other = api.get("/api/tasks", params={"project": project}).json()["tasks"][0]["id"]
    page.goto(f"/projects/{project}/tasks/{other}/editor")
    expect(page.locator("#editor[data-ready=true]")).to_be_attached()
    page.keyboard.press("1")
    drag_select(page, 0, 5)
    drag_select(page, 17, 26)
    expect(page.locator(".lw-editor-message")).to_contain_text("at most 1")
    expect(page.locator(".lw-region")).to_have_count(1)


def test_relation_between_two_spans_is_stored(page: Page, api: httpx.Client) -> None:
    text = "Marie Curie worked for the University of Paris."
    (task,) = open_editor(page, api, "relation_extraction", [{"text": text}])
    page.keyboard.press("1")
    drag_select(page, 0, 11)
    page.keyboard.press("2")
    drag_select(page, 27, 46)
    click_char(page, 3)
    expect(page.locator(".lw-region.is-selected")).to_have_count(1)
    page.keyboard.press("Alt+r")
    click_char(page, 30)
    relation = page.locator(".lw-relation")
    expect(relation).to_have_count(1)
    expect(page.locator(".lw-arrows path:not(.lw-arrow-head)")).to_have_count(1)
    relation.locator(".lw-relation-label", has_text="works_for").click()
    relation.locator(".lw-relation-direction").click()
    expect(relation.locator(".lw-relation-direction")).to_have_attribute("data-direction", "left")
    page.keyboard.press("Escape")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # the second region, by keyboard; relate it back to the first
    expect(page.locator(".lw-region.is-selected")).to_contain_text("University")
    page.keyboard.press("Alt+r")
    page.keyboard.press("ArrowUp")
    expect(page.locator(".lw-region.is-candidate")).to_contain_text("Marie")
    page.keyboard.press("Enter")
    expect(page.locator(".lw-relation")).to_have_count(2)
    save(page)
    result = stored_result(api, task)
    spans = {r["value"]["text"]: r["id"] for r in result if r["type"] == "labels"}
    rel, back = [r for r in result if r["type"] == "relation"]
    assert (back["from_id"], back["to_id"]) == (spans["University of Paris"], spans["Marie Curie"])
    assert rel == {
        "type": "relation",
        "from_id": spans["Marie Curie"],
        "to_id": spans["University of Paris"],
        "direction": "left",
        "labels": ["works_for"],
    }


def test_hostile_text_and_label_values_render_as_text(page: Page, api: httpx.Client) -> None:
    probe = '<img src=x onerror="window.__xss=1"> <script>window.__xss=2</script>'
    config = """<View><Labels name="l" toName="t"><Label value="&lt;/script&gt;&lt;b&gt;PER&lt;/b&gt;"
      background="red;background-image:url(x)"/></Labels><Text name="t" value="$text"/></View>"""
    project = make_project(api, config, [{"data": {"text": probe}}])
    task = api.get("/api/tasks", params={"project": project}).json()["tasks"][0]["id"]
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"/projects/{project}/tasks/{task}/editor")
    expect(page.locator("#editor[data-ready=true]")).to_be_attached()
    assert page.locator(".lw-text").evaluate("el => el.textContent") == probe
    expect(page.locator(".lw-label")).to_have_text("</script><b>PER</b>1")
    page.keyboard.press("1")
    drag_select(page, 0, 10)
    expect(page.locator(".lw-region-label")).to_have_text("</script><b>PER</b>")
    assert page.locator(".lw-editor img, .lw-editor script, .lw-editor b").count() == 0
    assert page.evaluate("window.__xss") is None
    assert dialogs == []


def test_hypertext_spans_are_stored_with_xpaths_and_global_offsets(page: Page, api: httpx.Client) -> None:
    html = "<p><b>Grace Hopper</b> joined <i>Remington Rand</i> in 1949.</p><img src=x onerror=alert(1)>"
    (task,) = open_editor(page, api, "html_ner", [{"html": html}])
    assert page.locator(".lw-hypertext [onerror]").count() == 0
    page.keyboard.press("1")
    drag_select(page, 0, 12, ".lw-hypertext")  # "Grace Hopper", inside <b>
    page.keyboard.press("2")
    drag_select(page, 6, 29, ".lw-hypertext")  # "Hopper joined Remington": <b> to <i>
    page.locator(".lw-hypertext").focus()  # keyboard: the caret starts at the top
    for _ in range(3):
        page.keyboard.press("Control+Shift+ArrowRight")
    page.keyboard.press("3")
    expect(page.locator(".lw-region")).to_have_count(3)
    save(page)
    by_text = {r["value"]["text"]: r["value"] for r in stored_result(api, task)}
    assert by_text["Grace Hopper"] == {
        "start": "/p[1]/b[1]/text()[1]",
        "startOffset": 0,
        "end": "/p[1]/b[1]/text()[1]",
        "endOffset": 12,
        "globalOffsets": {"start": 0, "end": 12},
        "text": "Grace Hopper",
        "labels": ["Person"],
    }
    crossing = by_text["Hopper joined Remington"]
    assert (crossing["start"], crossing["startOffset"]) == ("/p[1]/b[1]/text()[1]", 6)
    assert (crossing["end"], crossing["endOffset"]) == ("/p[1]/i[1]/text()[1]", 9)
    assert crossing["globalOffsets"] == {"start": 6, "end": 29}
    keyboard = [v for t, v in by_text.items() if v["labels"] == ["Date"]]
    assert len(keyboard) == 1 and keyboard[0]["globalOffsets"]["start"] == 0
    assert keyboard[0]["text"].startswith("Grace Hopper")


def test_dialogue_utterances_by_mouse_and_by_keyboard(page: Page, api: httpx.Client) -> None:
    dialogue = [
        {"author": "Customer", "text": "Hi, my order \U0001f4e6 never arrived."},
        {"author": "<b>Agent</b>", "text": "Sorry to hear that!"},
        {"author": "Customer", "text": "Thanks, bye."},
    ]
    (task,) = open_editor(page, api, "dialogue_intent", [{"dialogue": dialogue}])
    expect(page.locator(".lw-paragraph-author").nth(1)).to_have_text("<b>Agent</b>")
    page.keyboard.press("3")  # Complaint
    drag_select(page, 7, 14, '.lw-paragraph[data-index="0"] .lw-paragraph-text')  # "order 📦"
    page.locator(".lw-paragraphs").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("4")  # Farewell, the whole third utterance
    expect(page.locator(".lw-region")).to_have_count(2)
    click_char(page, 8, '.lw-paragraph[data-index="0"] .lw-paragraph-text')  # a click on a span selects it
    page.keyboard.press("2")  # ... and a label key relabels it: Question
    expect(page.locator(".lw-region")).to_have_count(2)
    save(page)
    result = sorted(stored_result(api, task), key=lambda r: r["value"]["start"])
    assert [r["value"] for r in result] == [
        {
            "start": "0",
            "end": "0",
            "startOffset": 7,
            "endOffset": 14,
            "text": "order \U0001f4e6",
            "paragraphlabels": ["Question"],
        },
        {
            "start": "2",
            "end": "2",
            "startOffset": 0,
            "endOffset": 12,
            "text": "Thanks, bye.",
            "paragraphlabels": ["Farewell"],
        },
    ]
    assert dialogue[0]["text"][7:14] == "order \U0001f4e6"


def test_spans_across_the_blocks_of_a_long_text(page: Page, api: httpx.Client) -> None:
    lines = "".join(
        f"line {i} caf\u00e9 \U0001f600 words\n" for i in range(600)
    )  # ~14 KB, blocks cut after newlines
    one_line = "abc d\u0301ef " * 3000  # 27 KB without a newline: blocks cut after spaces
    config = (
        '<View><Labels name="l" toName="t"><Label value="A"/></Labels><Text name="t" value="$text"/></View>'
    )
    for text in (lines, one_line):
        project = make_project(api, config, [{"data": {"text": text}}])
        task = api.get("/api/tasks", params={"project": project}).json()["tasks"][0]["id"]
        page.goto(f"/projects/{project}/tasks/{task}/editor")
        expect(page.locator("#editor[data-ready=true]")).to_be_attached()
        assert page.locator(".lw-text-block").count() > 1
        assert page.locator(".lw-text").evaluate("el => el.textContent") == text
        boundary = page.locator(".lw-text-block").first.evaluate("el => Array.from(el.textContent).length")
        page.locator(".lw-text-block").first.evaluate(
            "el => { el.scrollIntoView({block: 'end'}); window.scrollBy({top: 200, behavior: 'instant'}); }"
        )
        page.keyboard.press("1")
        drag_select(page, boundary - 6, boundary + 4)
        expect(page.locator(".lw-region")).to_have_count(1)
        save(page)
        (region,) = stored_result(api, task)
        assert (region["value"]["start"], region["value"]["end"]) == (boundary - 6, boundary + 4)
        check_spans([region], text)
        page.evaluate("window.scrollTo({top: 0, behavior: 'instant'})")
        page.keyboard.press("Escape")
        page.keyboard.press("ArrowDown")  # selecting a region far down the text scrolls it into view
        expect(page.locator(".lw-span-badge")).to_be_in_viewport()
