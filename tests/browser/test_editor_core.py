"""The editor core through its own page: layout, keys, help overlay, undo/redo, saving, destroy."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import Server, make_project
from tests.browser.editor_support import drag_select, open_editor, save, stored_result

NEWS = "Ada Lovelace worked with Charles Babbage in London."


def test_the_page_shows_the_text_exactly_and_saves_a_span_by_mouse(page: Page, api: httpx.Client) -> None:
    (task,) = open_editor(page, api, "named_entity_recognition", [{"text": NEWS}])
    assert page.locator(".lw-text").evaluate("el => el.textContent") == NEWS
    page.locator(".lw-label", has_text="PER").click()
    drag_select(page, 0, 12)
    expect(page.locator(".lw-region")).to_have_count(1)
    save(page)
    (region,) = stored_result(api, task)
    assert region["value"] == {"start": 0, "end": 12, "text": "Ada Lovelace", "labels": ["PER"]}
    assert (region["from_name"], region["to_name"], region["type"]) == ("label", "text", "labels")


def test_undo_redo_and_the_help_overlay_by_keyboard(page: Page, api: httpx.Client) -> None:
    (task,) = open_editor(page, api, "named_entity_recognition", [{"text": NEWS}])
    page.keyboard.press("p")
    drag_select(page, 25, 40)
    page.keyboard.press("l")
    expect(page.locator(".lw-label[data-value=LOC]")).to_have_attribute("aria-pressed", "true")
    drag_select(page, 44, 50)
    expect(page.locator(".lw-region")).to_have_count(2)
    page.keyboard.press("Control+z")
    expect(page.locator(".lw-region")).to_have_count(1)
    page.keyboard.press("Control+Shift+z")
    expect(page.locator(".lw-region")).to_have_count(2)
    page.keyboard.press("Control+z")
    page.keyboard.press("Control+y")
    expect(page.locator(".lw-region")).to_have_count(2)
    page.keyboard.press("?")
    help_dialog = page.locator("dialog.lw-help")
    expect(help_dialog).to_be_visible()
    expect(help_dialog).to_contain_text("Undo")
    expect(help_dialog).to_contain_text("Label PER")
    expect(help_dialog).to_contain_text("Extend the selection by a word")
    page.keyboard.press("Escape")
    expect(help_dialog).to_have_count(0)
    page.keyboard.press("Control+Enter")
    expect(page.locator("#editor-state")).to_have_text("Saved")
    spans = sorted((r["value"]["text"], r["value"]["labels"]) for r in stored_result(api, task))
    assert spans == [("Charles Babbage", ["PER"]), ("London", ["LOC"])]


def test_a_second_save_updates_the_same_annotation_and_reload_shows_it(page: Page, api: httpx.Client) -> None:
    (task,) = open_editor(page, api, "named_entity_recognition", [{"text": NEWS}])
    page.keyboard.press("o")
    drag_select(page, 44, 50)
    save(page)
    page.locator(".lw-region").click()
    page.keyboard.press("l")
    expect(page.locator(".lw-region-label")).to_have_text("LOC")
    expect(page.locator(".lw-span-badge")).to_have_text("LOC")  # the selected span's labels, beside it
    save(page)
    (region,) = stored_result(api, task)
    assert region["value"]["labels"] == ["LOC"]
    page.reload()
    expect(page.locator(".lw-region-label")).to_have_text("LOC")


def test_unknown_tags_show_a_notice_and_style_is_scoped(page: Page, api: httpx.Client) -> None:
    config = """<View>
      <Style>.lw-text { border-top: 7px solid rgb(1, 2, 3); } } #editor-save { border-top: 7px solid red; }</Style>
      <Header value="$title"/>
      <Text name="t" value="$text"/>
      <Video name="vid" value="$video"/>
      <Choices name="c" toName="t"><Choice value="A"/></Choices>
    </View>"""
    project = make_project(api, config, [{"data": {"text": "plain", "title": "<b>T</b>", "video": "/x.mp4"}}])
    task = api.get("/api/tasks", params={"project": project}).json()["tasks"][0]["id"]
    page.goto(f"/projects/{project}/tasks/{task}/editor")
    expect(page.locator("#editor[data-ready=true]")).to_be_attached()
    expect(page.locator(".lw-header")).to_have_text("<b>T</b>")
    expect(page.locator(".lw-tag-video .lw-notice")).to_contain_text("Video")
    assert page.locator(".lw-text").evaluate("el => getComputedStyle(el).borderTopWidth") == "7px"
    assert page.locator("#editor-save").evaluate("el => getComputedStyle(el).borderTopWidth") != "7px"
    assert page.locator("style").count() == 0


def test_destroy_removes_its_nodes_listeners_and_highlights(page: Page, api: httpx.Client) -> None:
    open_editor(page, api, "named_entity_recognition", [{"text": NEWS}])
    left = page.evaluate(
        """async () => {
          const { mountEditor } = await import("/static/editor/editor.js");
          const data = JSON.parse(document.getElementById("editor-data").textContent);
          const host = document.createElement("div");
          document.body.appendChild(host);
          const sheets = document.adoptedStyleSheets.length;
          const highlights = CSS.highlights.size;
          for (let i = 0; i < 20; i++) {
            const ed = await mountEditor(host, { schema: data.schema, task: data.task,
              results: [{id: "r1", from_name: "label", to_name: "text", type: "labels",
                         value: {start: 0, end: 3, text: "Ada", labels: ["PER"]}}] });
            ed.destroy();
          }
          return { nodes: host.childNodes.length, sheets: document.adoptedStyleSheets.length - sheets,
                   highlights: CSS.highlights.size - highlights };
        }"""
    )
    assert left == {"nodes": 0, "sheets": 0, "highlights": 0}
    # The page's own editor still answers keys: the destroyed ones left no key handler behind.
    page.keyboard.press("p")
    expect(page.locator(".lw-label[data-value=PER]")).to_have_attribute("aria-pressed", "true")


def test_visible_when_and_predictions_until_edited(page: Page, api: httpx.Client) -> None:
    config = """<View>
      <Labels name="l" toName="t"><Label value="PER"/><Label value="ORG"/></Labels>
      <Text name="t" value="$text"/>
      <View visibleWhen="region-selected" whenLabelValue="PER"><Header value="Person details"/></View>
    </View>"""
    project = make_project(api, config, [{"data": {"text": NEWS}}])
    task = api.get("/api/tasks", params={"project": project}).json()["tasks"][0]["id"]
    page.goto(f"/projects/{project}/tasks/{task}/editor")
    expect(page.locator("#editor[data-ready=true]")).to_be_attached()
    details = page.locator(".lw-header", has_text="Person details")
    expect(details).to_be_hidden()
    origins = page.evaluate(
        """async () => {
          const { mountEditor } = await import("/static/editor/editor.js");
          const data = JSON.parse(document.getElementById("editor-data").textContent);
          const host = document.createElement("div");
          document.querySelector("main").appendChild(host);
          window.__predicted = await mountEditor(host, { schema: data.schema, task: data.task,
            results: [{id: "p1", from_name: "l", to_name: "t", type: "labels", origin: "prediction",
                       value: {start: 0, end: 3, text: "Ada", labels: ["ORG"]}}] });
          return window.__predicted.getResults().map((r) => r.origin);
        }"""
    )
    assert origins == ["prediction"]
    predicted = page.locator(".lw-editor").nth(1)
    expect(predicted.locator(".lw-region.is-prediction")).to_have_count(1)
    predicted.locator(".lw-region").click()
    page.keyboard.press("1")  # both editors listen; only the second has a selected region
    expect(predicted.locator(".lw-region.is-prediction")).to_have_count(0)
    result = page.evaluate("() => window.__predicted.getResults()")
    assert [(r["origin"], r["value"]["labels"]) for r in result] == [("prediction-changed", ["PER"])]
    expect(predicted.locator(".lw-header", has_text="Person details")).to_be_visible()
    page.keyboard.press("Escape")
    expect(predicted.locator(".lw-header", has_text="Person details")).to_be_hidden()


def test_the_page_needs_a_session_and_the_task_of_that_project(server: Server, api: httpx.Client) -> None:
    project = make_project(api, "<View><Text name='t' value='$text'/></View>", [{"data": {"text": "x"}}])
    other = make_project(api, "<View><Text name='t' value='$text'/></View>")
    task = api.get("/api/tasks", params={"project": project}).json()["tasks"][0]["id"]
    anon = httpx.get(f"{server.url}/projects/{project}/tasks/{task}/editor", follow_redirects=False)
    assert anon.status_code == 303
    assert anon.headers["location"] == f"/user/login?next=/projects/{project}/tasks/{task}/editor"
    with httpx.Client(base_url=server.url) as browserless:
        login = browserless.post("/api/auth/login", json={"email": server.email, "password": server.password})
        assert login.status_code == 200, login.text
        assert browserless.get(f"/projects/{project}/tasks/{task}/editor").status_code == 200
        assert browserless.get(f"/projects/{other}/tasks/{task}/editor").status_code == 404


def test_per_region_controls_show_for_the_selected_region_and_share_its_id(
    page: Page, api: httpx.Client
) -> None:
    config = """<View>
      <Labels name="l" toName="t"><Label value="PER" hotkey="p"/><Label value="LOC" hotkey="l"/></Labels>
      <Text name="t" value="$text"/>
      <Choices name="kind" toName="t" perRegion="true" visibleWhen="region-selected" whenLabelValue="PER">
        <Choice value="Real" hotkey="r"/><Choice value="Fictional" hotkey="f"/>
      </Choices>
    </View>"""
    project = make_project(api, config, [{"data": {"text": NEWS}}])
    task = api.get("/api/tasks", params={"project": project}).json()["tasks"][0]["id"]
    page.goto(f"/projects/{project}/tasks/{task}/editor")
    expect(page.locator("#editor[data-ready=true]")).to_be_attached()
    kind = page.locator(".lw-tag-choices")
    expect(kind).to_be_hidden()
    page.keyboard.press("p")
    drag_select(page, 0, 12)
    page.keyboard.press("l")
    drag_select(page, 44, 50)
    page.locator(".lw-region", has_text="London").click()
    expect(kind).to_be_hidden()  # a LOC region: the rule asks for PER
    page.locator(".lw-region", has_text="Ada Lovelace").click()
    expect(kind).to_be_visible()
    kind.get_by_text("Fictional").click()
    expect(page.locator(".lw-region", has_text="Ada Lovelace")).to_contain_text("Fictional")
    page.keyboard.press("Escape")
    expect(kind).to_be_hidden()
    save(page)
    result = stored_result(api, task)
    (span,) = [r for r in result if r["type"] == "labels" and r["value"]["labels"] == ["PER"]]
    (choice,) = [r for r in result if r["type"] == "choices"]
    assert choice["id"] == span["id"] and choice["to_name"] == "t"
    assert choice["value"] == {"start": 0, "end": 12, "text": "Ada Lovelace", "choices": ["Fictional"]}


def test_the_servers_400_detail_shows_in_the_page(page: Page, api: httpx.Client) -> None:
    (task,) = open_editor(page, api, "named_entity_recognition", [{"text": NEWS}])
    page.keyboard.press("p")
    drag_select(page, 0, 12)
    # Someone edits the task text meanwhile: the span no longer quotes it, and the server says where.
    changed = api.patch(f"/api/tasks/{task}", json={"data": {"text": "Someone else entirely, now."}})
    assert changed.status_code == 200, changed.text
    page.locator("#editor-save").click()
    error = page.locator("#editor-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("value.text")
    expect(page.locator("#editor-state")).to_have_text("Unsaved changes")
    assert api.get(f"/api/tasks/{task}/annotations").json() == []


def test_views_follow_choice_selected_and_unselected(page: Page, api: httpx.Client) -> None:
    config = """<View>
      <Text name="t" value="$text"/>
      <Choices name="sent" toName="t"><Choice value="Pos"/><Choice value="Neg"/><Choice value="Mixed"/></Choices>
      <View visibleWhen="choice-selected" whenTagName="sent" whenChoiceValue="Neg,Mixed"><Header value="Why?"/></View>
      <View visibleWhen="choice-unselected" whenTagName="sent"><Header value="Pick one"/></View>
    </View>"""
    project = make_project(api, config, [{"data": {"text": NEWS}}])
    task = api.get("/api/tasks", params={"project": project}).json()["tasks"][0]["id"]
    page.goto(f"/projects/{project}/tasks/{task}/editor")
    expect(page.locator("#editor[data-ready=true]")).to_be_attached()
    why, pick = page.get_by_text("Why?"), page.get_by_text("Pick one")
    expect(why).to_be_hidden()
    expect(pick).to_be_visible()
    page.keyboard.press("2")  # Neg, by its default number key
    expect(why).to_be_visible()
    expect(pick).to_be_hidden()
    page.keyboard.press("1")  # Pos replaces it (single choice)
    expect(why).to_be_hidden()
    page.keyboard.press("Control+z")
    expect(why).to_be_visible()


def test_offsets_and_store_modules_agree_with_python(page: Page, api: httpx.Client) -> None:
    open_editor(page, api, "named_entity_recognition", [{"text": NEWS}])
    samples = ["", "abc", "e\u0301\U0001f600x", "\U0001f469\u200d\U0001f52c\n\t  z", "\U00010348\U00010348"]
    got = page.evaluate(
        """async (samples) => {
          const o = await import("/static/editor/offsets.js");
          const { createStore } = await import("/static/editor/store.js");
          const out = samples.map((s) => ({ len: o.cpLength(s), slice: o.cpSlice(s, 1, 3),
            u16: [...Array(o.cpLength(s) + 1).keys()].map((cp) => o.toCodePoints(s, o.toUtf16(s, cp))) }));
          const store = createStore([]);
          let changes = 0;
          store.subscribe(() => (changes += 1));
          store.transaction(() => {
            store.add({ id: "a", type: "labels", from_name: "l", to_name: "t", value: { start: 0, end: 1 } });
            store.transaction(() => store.add({ id: "b", type: "labels", from_name: "l", to_name: "t", value: {} }));
          });
          store.add({ type: "relation", from_id: "a", to_id: "b", direction: "right" });
          const afterAdds = store.items().length;
          store.remove("b");  // takes the relation that points at it along
          const afterRemove = store.items().map((i) => i.id);
          store.undo(); store.undo();
          const afterUndo = store.items().length;
          store.redo();
          const frozen = Object.isFrozen(store.items()[0].value);
          try { store.items()[0].value.start = 5; } catch { /* strict code throws; either way nothing changes */ }
          return { out, afterAdds, afterRemove, afterUndo, redone: store.items().length, changes, frozen,
                   unchanged: store.items()[0].value.start };
        }""",
        samples,
    )
    for sample, row in zip(samples, got["out"], strict=True):
        assert row["len"] == len(sample)
        assert row["slice"] == sample[1:3]
        assert row["u16"] == list(range(len(sample) + 1))
    assert got["afterAdds"] == 3
    assert got["afterRemove"] == ["a"]
    assert got["afterUndo"] == 2  # two undo steps: the removal, then the relation; the transaction stays
    assert got["redone"] == 3
    assert got["changes"] == 6  # transaction, relation, remove, undo, undo, redo
    assert got["frozen"] and got["unchanged"] == 0
