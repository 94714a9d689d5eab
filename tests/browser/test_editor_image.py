"""The image editor in real Chromium: Image with its shapes (boxes, polygons, key points, ellipses),
zoom and pan, per-region controls, a valueList of images, and the core's hide/lock for every region."""

from __future__ import annotations

import io
import re
from typing import Any

import httpx
from PIL import Image
from playwright.sync_api import Page, expect

from labelwise.labeling.templates import get_template
from tests.browser.conftest import make_project
from tests.browser.editor_support import drag_select, save, stored_result

NEWS = "Ada Lovelace worked with Charles Babbage in London."


def open_task(page: Page, api: httpx.Client, config: str, data: dict[str, object]) -> int:
    project = make_project(api, config, [{"data": data}])
    task: int = api.get("/api/tasks", params={"project": project}).json()["tasks"][0]["id"]
    page.goto(f"/projects/{project}/tasks/{task}/editor")
    expect(page.locator("#editor[data-ready=true]")).to_be_attached()
    return task


BOXES = """<View>
  <Image name="img" value="$image"/>
  <RectangleLabels name="box" toName="img" canRotate="true">
    <Label value="Car" hotkey="c"/><Label value="Tree" hotkey="t"/>
  </RectangleLabels>
</View>"""


def png(width: int, height: int) -> bytes:
    """A test image: a gradient, so a broken scale would show, encoded by Pillow."""
    image = Image.new("RGB", (width, height), (40, 90, 160))
    image.paste((220, 180, 60), (width // 4, height // 4, width // 2, height // 2))
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)
    return out.getvalue()


def upload_task(
    page: Page, api: httpx.Client, config: str, width: int, height: int, key: str = "image"
) -> int:
    """A project with one task made by uploading a PNG (a media upload: one task per file)."""
    project = make_project(api, config)
    files = {"file": (f"pic-{width}x{height}.png", png(width, height), "image/png")}
    response = api.post(f"/api/projects/{project}/import", files=files)
    assert response.status_code == 201, response.text
    (task,) = api.get("/api/tasks", params={"project": project}).json()["tasks"]
    assert task["data"][key].startswith("/data/upload/")
    page.goto(f"/projects/{project}/tasks/{task['id']}/editor")
    expect(page.locator("#editor[data-ready=true]")).to_be_attached()
    expect(page.locator(".lw-image[data-loaded=true]").first).to_be_attached()
    return int(task["id"])


def box(page: Page, index: int = 0) -> dict[str, float]:
    bb = page.locator(".lw-image-overlay").nth(index).bounding_box()
    assert bb is not None
    return bb


def at(bb: dict[str, float], fx: float, fy: float) -> tuple[float, float]:
    """The screen point at fractions (fx, fy) of the image's on-screen box."""
    return bb["x"] + fx * bb["width"], bb["y"] + fy * bb["height"]


def drag(page: Page, a: tuple[float, float], b: tuple[float, float]) -> None:
    page.mouse.move(*a)
    page.mouse.down()
    page.mouse.move(*b, steps=5)
    page.mouse.up()


def percent(bb: dict[str, float], point: tuple[float, float]) -> tuple[float, float]:
    """A screen point as percent of the image, through its on-screen box."""
    return (point[0] - bb["x"]) / bb["width"] * 100, (point[1] - bb["y"]) / bb["height"] * 100


def close(actual: float, expected: float, natural: int) -> bool:
    """Within half a pixel of the natural size, in percent."""
    return abs(actual - expected) <= 50 / natural


def only(result: list[dict[str, Any]], rtype: str) -> dict[str, Any]:
    (item,) = [r for r in result if r["type"] == rtype]
    return item


def test_a_dragged_box_is_stored_in_percent_of_the_natural_size(page: Page, api: httpx.Client) -> None:
    task = upload_task(page, api, BOXES, 400, 300)
    bb = box(page)
    a, b = at(bb, 0.25, 0.2), at(bb, 0.7, 0.65)
    page.keyboard.press("c")
    drag(page, a, b)
    expect(page.locator(".lw-region")).to_have_count(1)
    save(page)
    region = only(stored_result(api, task), "rectanglelabels")
    (ax, ay), (bx, by) = percent(bb, a), percent(bb, b)
    value = region["value"]
    assert close(value["x"], ax, 400) and close(value["y"], ay, 300), value
    assert close(value["width"], bx - ax, 400) and close(value["height"], by - ay, 300), value
    assert value["rectanglelabels"] == ["Car"] and value["rotation"] == 0
    assert (region["original_width"], region["original_height"], region["image_rotation"]) == (400, 300, 0)
    assert (region["from_name"], region["to_name"]) == ("box", "img")


SHAPES = """<View>
  <Image name="img" value="$image"/>
  <RectangleLabels name="box" toName="img"><Label value="Car" hotkey="c"/></RectangleLabels>
  <PolygonLabels name="poly" toName="img"><Label value="Lake" hotkey="l"/></PolygonLabels>
  <KeyPointLabels name="kp" toName="img"><Label value="Eye" hotkey="e"/></KeyPointLabels>
  <EllipseLabels name="ell" toName="img"><Label value="Ball" hotkey="b"/></EllipseLabels>
</View>"""


def handle(page: Page, selector: str) -> tuple[float, float]:
    hb = page.locator(selector).bounding_box()
    assert hb is not None
    return hb["x"] + hb["width"] / 2, hb["y"] + hb["height"] / 2


def test_resize_move_and_rotate_a_box_each_one_undo_step(page: Page, api: httpx.Client) -> None:
    task = upload_task(page, api, BOXES, 400, 300)
    bb = box(page)
    page.keyboard.press("t")
    a, b = at(bb, 0.2, 0.2), at(bb, 0.5, 0.5)
    drag(page, a, b)
    page.locator(".lw-shape").click()
    se = handle(page, "[data-handle=se]")
    drag(page, se, (se[0] + 60, se[1] + 30))  # resize: the top-left corner stays
    inside = at(bb, 0.3, 0.3)
    drag(page, inside, (inside[0] - 20, inside[1] + 10))  # move
    save(page)
    value = only(stored_result(api, task), "rectanglelabels")["value"]
    (ax, ay), (bx, by) = percent(bb, (a[0] - 20, a[1] + 10)), percent(bb, (b[0] + 40, b[1] + 40))
    assert close(value["x"], ax, 400) and close(value["y"], ay, 300), value
    assert close(value["x"] + value["width"], bx, 400) and close(value["y"] + value["height"], by, 300), value
    page.keyboard.press("Control+z")  # the whole move is one undo step
    save(page)
    back = only(stored_result(api, task), "rectanglelabels")["value"]
    assert close(back["x"], percent(bb, a)[0], 400) and close(back["width"], value["width"], 400), back
    page.locator(".lw-shape").click()
    # Rotate by the handle: from straight above the centre to straight right of it is +90 degrees.
    centre = handle(page, ".lw-shape")
    rot = handle(page, ".lw-rotate")
    drag(page, rot, (centre[0] + 120, centre[1]))
    save(page)
    turned = only(stored_result(api, task), "rectanglelabels")["value"]
    assert abs(turned["rotation"] - 90) < 1, turned
    assert close(turned["width"], back["width"], 400) and close(turned["height"], back["height"], 300)
    # LS stores the corner the box turns around: for 90 degrees it sits right of the centre, half a
    # height across and half a width up.
    cx, cy = percent(bb, centre)
    w_px, h_px = turned["width"] * 4, turned["height"] * 3
    assert abs(turned["x"] - (cx + h_px / 2 / 4)) < 0.6 and abs(turned["y"] - (cy - w_px / 2 / 3)) < 0.6, (
        turned
    )


def test_polygon_build_close_move_add_and_delete_points(page: Page, api: httpx.Client) -> None:
    task = upload_task(page, api, SHAPES, 400, 300)
    bb = box(page)
    page.keyboard.press("l")
    corners = [at(bb, 0.2, 0.2), at(bb, 0.6, 0.2), at(bb, 0.6, 0.6), at(bb, 0.2, 0.6)]
    for point in corners:
        page.mouse.click(*point)
    page.mouse.click(*corners[0])  # clicking the first point closes it
    expect(page.locator(".lw-shape-polygon")).to_have_count(1)
    page.keyboard.press("Escape")  # disarm
    page.mouse.click(*at(bb, 0.4, 0.4))
    drag(page, handle(page, "[data-vertex='2']"), at(bb, 0.7, 0.7))  # move a point
    page.mouse.click(*at(bb, 0.4, 0.2))  # on the top edge: a new point there
    expect(page.locator("[data-vertex]")).to_have_count(5)
    page.keyboard.down("Alt")
    page.locator("[data-vertex='0']").click()  # Alt+click deletes a point
    page.keyboard.up("Alt")
    expect(page.locator("[data-vertex]")).to_have_count(4)
    save(page)
    region = only(stored_result(api, task), "polygonlabels")
    points = region["value"]["points"]
    expected = [(40, 20), (60, 20), (70, 70), (20, 60)]
    assert len(points) == 4 and region["value"]["closed"] is True, points
    for (x, y), (ex, ey) in zip(points, expected, strict=True):
        assert close(x, ex, 400) and close(y, ey, 300), points
    assert region["original_width"] == 400


def test_key_points_and_ellipses_by_mouse_relabel_and_delete_by_keyboard(
    page: Page, api: httpx.Client
) -> None:
    task = upload_task(page, api, SHAPES, 400, 300)
    bb = box(page)
    page.keyboard.press("e")
    page.mouse.click(*at(bb, 0.1, 0.9))
    page.keyboard.press("b")
    drag(page, at(bb, 0.5, 0.5), at(bb, 0.6, 0.7))
    page.keyboard.press("c")
    drag(page, at(bb, 0.7, 0.1), at(bb, 0.9, 0.3))
    expect(page.locator(".lw-region")).to_have_count(3)
    page.keyboard.press("Escape")
    page.locator(".lw-shape-rectangle").click()
    page.keyboard.press("Delete")
    expect(page.locator(".lw-region")).to_have_count(2)
    ball = page.locator(".lw-region", has_text="Ball")
    ball.locator("[data-action=hide]").click()  # hidden: not drawn
    expect(page.locator(".lw-shape-ellipse")).to_have_count(0)
    ball.locator("[data-action=hide]").click()
    ball.locator("[data-action=lock]").click()  # locked: selectable, but it does not move
    page.mouse.click(*at(bb, 0.5, 0.5))
    expect(page.locator(".lw-shape-ellipse.is-selected")).to_have_count(1)
    expect(page.locator("[data-handle]")).to_have_count(0)
    drag(page, at(bb, 0.5, 0.5), at(bb, 0.3, 0.3))
    save(page)
    result = stored_result(api, task)
    point = only(result, "keypointlabels")["value"]
    assert close(point["x"], 10, 400) and close(point["y"], 90, 300) and point["keypointlabels"] == ["Eye"]
    ellipse = only(result, "ellipselabels")["value"]
    assert close(ellipse["x"], 50, 400) and close(ellipse["y"], 50, 300), ellipse
    assert close(ellipse["radiusX"], 10, 400) and close(ellipse["radiusY"], 20, 300), ellipse
    assert ellipse["rotation"] == 0 and ellipse["ellipselabels"] == ["Ball"]


def test_relabel_by_key_and_zoomed_drawing_keeps_true_coordinates(page: Page, api: httpx.Client) -> None:
    task = upload_task(page, api, BOXES, 400, 300)
    start = box(page)
    page.mouse.move(*at(start, 0.5, 0.5))
    for _ in range(3):
        page.mouse.wheel(0, -200)
    expect(page.locator(".lw-image-zoom")).not_to_have_text("100%")
    bb = box(page)
    assert bb["width"] > start["width"] * 1.5
    view = page.locator(".lw-image-viewport").bounding_box()
    assert view is not None
    a = (view["x"] + view["width"] * 0.3, view["y"] + view["height"] * 0.3)
    b = (view["x"] + view["width"] * 0.6, view["y"] + view["height"] * 0.7)
    page.keyboard.press("c")
    drag(page, a, b)
    page.keyboard.press("Escape")
    page.locator(".lw-region").click()
    page.keyboard.press("t")  # a label key with the region selected relabels it
    expect(page.locator(".lw-region-label")).to_have_text("Tree")
    page.mouse.move(*at(start, 0.5, 0.5))  # the zoom keys act on the image under the pointer
    page.keyboard.press("0")  # fit again
    expect(page.locator(".lw-image-zoom")).to_have_text("100%")
    save(page)
    value = only(stored_result(api, task), "rectanglelabels")["value"]
    (ax, ay), (bx, by) = percent(bb, a), percent(bb, b)
    assert close(value["x"], ax, 400) and close(value["y"], ay, 300), value
    assert close(value["width"], bx - ax, 400) and close(value["height"], by - ay, 300), value
    assert value["rectanglelabels"] == ["Tree"]


def test_ocr_box_with_a_per_region_transcription(page: Page, api: httpx.Client) -> None:
    task = upload_task(page, api, get_template("ocr").config, 400, 300, key="ocr")
    bb = box(page)
    page.keyboard.press("1")
    drag(page, at(bb, 0.1, 0.1), at(bb, 0.5, 0.3))
    area = page.locator(".lw-tag-textarea textarea")
    expect(area).to_be_visible()  # the new box is selected: its transcription shows
    area.fill("TOTAL 12.50")
    area.press("Enter")
    expect(page.locator(".lw-region")).to_contain_text("TOTAL 12.50")
    drag(page, handle(page, ".lw-shape"), at(bb, 0.4, 0.5))  # moving it moves its transcription too
    save(page)
    result = stored_result(api, task)
    rect, text = only(result, "rectanglelabels"), only(result, "textarea")
    assert text["id"] == rect["id"] and text["value"]["text"] == ["TOTAL 12.50"]
    for key in ("x", "y", "width", "height", "rotation"):
        assert text["value"][key] == rect["value"][key]
    assert text["original_width"] == 400 and text["to_name"] == "image"


def test_each_image_of_a_value_list_gets_its_own_regions(page: Page, api: httpx.Client) -> None:
    config = """<View><Image name="img" valueList="$images"/>
      <RectangleLabels name="box" toName="img"><Label value="Car" hotkey="c"/></RectangleLabels></View>"""
    import base64

    urls = [
        f"data:image/png;base64,{base64.b64encode(png(w, h)).decode()}" for w, h in ((200, 100), (100, 200))
    ]
    task = open_task(page, api, config, {"images": urls})
    expect(page.locator(".lw-image[data-loaded=true]")).to_be_attached()
    expect(page.locator(".lw-image-page")).to_have_text("1 / 2")
    page.keyboard.press("c")
    drag(page, at(box(page), 0.1, 0.1), at(box(page), 0.5, 0.5))
    page.get_by_role("button", name="Next image").click()
    expect(page.locator(".lw-image-page")).to_have_text("2 / 2")
    expect(page.locator(".lw-image[data-natural-width='100']")).to_be_attached()
    expect(page.locator(".lw-shape")).to_have_count(0)
    drag(page, at(box(page), 0.5, 0.5), at(box(page), 0.9, 0.6))
    expect(page.locator(".lw-shape")).to_have_count(1)
    page.locator(".lw-region").first.click()  # a region of the first image brings its page back
    expect(page.locator(".lw-image-page")).to_have_text("1 / 2")
    save(page)
    first, second = sorted(stored_result(api, task), key=lambda r: r["item_index"])
    assert (first["item_index"], first["original_width"], first["original_height"]) == (0, 200, 100)
    assert (second["item_index"], second["original_width"], second["original_height"]) == (1, 100, 200)
    assert first["to_name"] == second["to_name"] == "img"
    assert close(second["value"]["x"], 50, 100) and close(second["value"]["width"], 40, 100)


def test_a_large_image_loads_and_a_drag_is_exact(page: Page, api: httpx.Client) -> None:
    task = upload_task(page, api, BOXES, 4000, 3000)
    bb = box(page)
    a, b = at(bb, 0.33, 0.41), at(bb, 0.52, 0.77)
    page.keyboard.press("c")
    drag(page, a, b)
    save(page)
    region = only(stored_result(api, task), "rectanglelabels")
    (ax, ay), (bx, by) = percent(bb, a), percent(bb, b)
    assert (region["original_width"], region["original_height"]) == (4000, 3000)
    # Half a screen pixel: at this size one screen pixel is several image pixels.
    assert (
        abs(region["value"]["x"] - ax) < 50 / bb["width"]
        and abs(region["value"]["width"] - (bx - ax)) < 100 / bb["width"]
    )
    assert (
        abs(region["value"]["y"] - ay) < 50 / bb["height"]
        and abs(region["value"]["height"] - (by - ay)) < 100 / bb["height"]
    )


def test_hostile_labels_and_image_urls_stay_inert_and_a_broken_image_says_so(
    page: Page, api: httpx.Client
) -> None:
    evil = "<b>Car</b><img src=x>"
    config = f"""<View><Image name="img" value="$image"/>
      <RectangleLabels name="box" toName="img"><Label value="{evil.replace('"', "&quot;").replace("<", "&lt;")}"/></RectangleLabels></View>"""
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.add_init_script("document.addEventListener('lw-media-error', e => { window.__broken = e.detail; })")
    url = '/nope.png" onerror="window.__pwned=1'
    open_task(page, api, config, {"image": url})
    error = page.locator(".lw-image-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text(url)
    expect(page.locator(".lw-label")).to_have_text(re.compile(re.escape(evil)))
    detail = page.evaluate("() => window.__broken")
    assert detail["object"] == "img" and detail["url"] == url and "could not be loaded" in detail["message"]
    assert page.evaluate("() => document.querySelector('[data-name=img]') && window.__pwned === undefined")
    assert (
        page.evaluate("() => document.querySelectorAll('.lw-editor img[onerror], .lw-label b').length") == 0
    )
    assert not dialogs


def test_relations_between_boxes_follow_zoom_and_pan_and_filters(page: Page, api: httpx.Client) -> None:
    task = upload_task(page, api, BOXES, 400, 300)
    bb = box(page)
    page.keyboard.press("c")
    drag(page, at(bb, 0.1, 0.1), at(bb, 0.3, 0.3))
    drag(page, at(bb, 0.6, 0.6), at(bb, 0.8, 0.8))
    page.keyboard.press("Escape")
    page.mouse.click(*at(bb, 0.2, 0.2))
    page.keyboard.press("Alt+r")
    page.mouse.click(*at(bb, 0.7, 0.7))
    arrow = page.locator(".lw-arrows g path")
    expect(arrow).to_have_count(1)
    before = arrow.get_attribute("d")
    page.mouse.move(*at(bb, 0.5, 0.5))
    page.mouse.wheel(0, -300)
    expect(arrow).not_to_have_attribute("d", before or "")
    # Pan: Space + drag moves the image on screen, and so does an arrow key with the image focused.
    zoomed = box(page)
    page.keyboard.down(" ")
    drag(page, at(zoomed, 0.5, 0.5), (at(zoomed, 0.5, 0.5)[0] + 40, at(zoomed, 0.5, 0.5)[1]))
    page.keyboard.up(" ")
    assert abs(box(page)["x"] - zoomed["x"] - 40) < 1
    page.keyboard.press("Escape")
    page.locator(".lw-image").focus()
    panned = box(page)
    page.keyboard.press("ArrowRight")
    assert box(page)["x"] < panned["x"]
    # Brightness and contrast are filters on the picture only.
    page.locator(".lw-image-slider input").first.fill("150")
    assert "brightness(150%)" in page.locator(".lw-image-img").evaluate("el => el.style.filter")
    page.keyboard.press("?")
    expect(page.get_by_text("Fit the image to the screen")).to_be_visible()
    page.keyboard.press("?")
    save(page)
    (relation,) = [r for r in stored_result(api, task) if r["type"] == "relation"]
    boxes = [r for r in stored_result(api, task) if r["type"] == "rectanglelabels"]
    assert {relation["from_id"], relation["to_id"]} == {b["id"] for b in boxes}


def test_hide_and_lock_work_for_text_regions_too(page: Page, api: httpx.Client) -> None:
    config = """<View><Labels name="l" toName="t"><Label value="PER" hotkey="p"/><Label value="LOC"
      hotkey="l"/></Labels><Text name="t" value="$text"/></View>"""
    task = open_task(page, api, config, {"text": NEWS})
    page.keyboard.press("p")
    drag_select(page, 0, 12)
    row = page.locator(".lw-region")
    expect(row).to_have_count(1)
    painted = "() => CSS.highlights ? [...CSS.highlights.values()].reduce((n, h) => n + h.size, 0) : -1"
    assert page.evaluate(painted) > 0
    row.locator("[data-action=hide]").click()
    expect(row).to_have_class(re.compile(r"\bis-hidden\b"))
    page.wait_for_function(f"({painted})() === 0")
    row.locator("[data-action=hide]").click()
    page.wait_for_function(f"({painted})() > 0")
    row.locator("[data-action=lock]").click()
    expect(row.locator("[data-action=delete]")).to_have_count(0)
    row.locator(".lw-region-text").click()
    expect(row).to_have_class(re.compile(r"\bis-locked\b.*\bis-selected\b|\bis-selected\b.*\bis-locked\b"))
    page.keyboard.press("l")  # relabel refused while locked
    page.keyboard.press("Backspace")  # delete refused while locked
    expect(row).to_have_count(1)
    expect(row.locator(".lw-region-label")).to_have_text("PER")
    row.locator("[data-action=lock]").click()
    page.keyboard.press("Backspace")
    expect(row).to_have_count(0)
    page.keyboard.press("Control+z")
    save(page)
    (region,) = stored_result(api, task)
    assert region["value"]["labels"] == ["PER"] and "hidden" not in region
