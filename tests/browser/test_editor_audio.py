"""The Audio object in real Chromium: the waveform is drawn from the decoded file, segments are made,
resized, moved, relabeled and deleted on it and stored in seconds, a per-region TextArea transcribes a
segment, playback follows the keyboard, zoom keeps the values right, a long file loads, a missing one
says so.

WAV files are generated here with the stdlib and imported as media uploads (one task per file)."""

from __future__ import annotations

import io
import json
import math
import re
import wave
from array import array
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from labelwise.labeling.templates import get_template
from tests.browser.conftest import make_project
from tests.browser.editor_support import save, stored_result

RATE = 8000
DURATION = 4.0
TONES = ((0.5, 1.5), (2.5, 3.5))


def wav_bytes(seconds: float, tones: tuple[tuple[float, float], ...] = TONES, rate: int = RATE) -> bytes:
    """16-bit mono PCM: a 440 Hz tone in each (start, end) range, silence elsewhere."""
    samples = array("h", bytes(2 * int(seconds * rate)))
    for start, end in tones:
        for i in range(int(start * rate), int(end * rate)):
            samples[i] = int(12000 * math.sin(2 * math.pi * 440 * i / rate))
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())
    return out.getvalue()


def open_audio(page: Page, api: httpx.Client, config: str, audio: bytes) -> int:
    """A project with this config and one audio file imported as a media upload; opens its task."""
    project = make_project(api, config)
    imported = api.post(f"/api/projects/{project}/import", files={"file": ("clip.wav", audio, "audio/wav")})
    assert imported.status_code == 201, imported.text
    rows = api.get("/api/tasks", params={"project": project}).json()
    tasks = rows["tasks"] if isinstance(rows, dict) else rows
    assert len(tasks) == 1 and tasks[0]["data"]["audio"].startswith("/data/upload/"), tasks
    task_id: int = tasks[0]["id"]
    page.goto(f"/projects/{project}/tasks/{task_id}/editor")
    expect(page.locator("#editor[data-ready=true]")).to_be_attached()
    expect(page.locator(".lw-audio")).to_have_attribute("data-state", "ready", timeout=30_000)
    return task_id


def wave_box(page: Page) -> dict[str, float]:
    box = page.locator(".lw-audio-overlay").bounding_box()
    assert box is not None
    return box


def x_at(page: Page, fraction: float) -> float:
    box = wave_box(page)
    return box["x"] + box["width"] * fraction


def drag(page: Page, x0: float, x1: float, lane: float = 0.5) -> None:
    box = wave_box(page)
    y = box["y"] + box["height"] * lane
    page.mouse.move(x0, y)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, y, steps=3)
    page.mouse.move(x1, y, steps=3)
    page.mouse.up()


def seconds(page: Page, x: float, view: tuple[float, float]) -> float:
    """The time under screen position x, from the waveform's on-screen box and the visible time range."""
    box = wave_box(page)
    return view[0] + (x - box["x"]) / box["width"] * (view[1] - view[0])


def ink(page: Page, fraction: float) -> int:
    """Pixels of the waveform canvas column at this fraction of its width that differ from the background."""
    count: int = page.evaluate(
        """(fraction) => {
          const c = document.querySelector(".lw-audio-wave");
          const g = c.getContext("2d");
          const bg = g.getImageData(0, 0, 1, 1).data;
          const col = g.getImageData(Math.floor(c.width * fraction), 0, 1, c.height).data;
          let n = 0;
          for (let i = 0; i < col.length; i += 4) {
            if (Math.abs(col[i] - bg[0]) + Math.abs(col[i + 1] - bg[1]) + Math.abs(col[i + 2] - bg[2]) > 30) n += 1;
          }
          return n;
        }""",
        fraction,
    )
    return count


def regions(result: list[dict[str, Any]], type_: str = "labels") -> list[dict[str, Any]]:
    return sorted((r for r in result if r["type"] == type_), key=lambda r: r["value"]["start"])


def test_waveform_segments_by_mouse_and_keyboard(page: Page, api: httpx.Client) -> None:
    task = open_audio(page, api, get_template("speaker_segmentation").config, wav_bytes(DURATION))
    # Tone at 1.0 s and 3.0 s, silence at 2.0 s: the columns of the canvas say so.
    assert ink(page, 1.0 / DURATION) > 20
    assert ink(page, 3.0 / DURATION) > 20
    assert ink(page, 2.0 / DURATION) <= 3
    tolerance = DURATION / wave_box(page)["width"]  # one pixel's worth of seconds
    full = (0.0, DURATION)

    page.keyboard.press("1")  # arm Speaker 1
    x0, x1 = x_at(page, 0.5 / DURATION), x_at(page, 1.5 / DURATION)
    drag(page, x0, x1)
    expect(page.locator(".lw-audio-region")).to_have_count(1)
    save(page)
    (first,) = regions(stored_result(api, task))
    assert first["value"]["labels"] == ["Speaker 1"] and first["value"]["channel"] == 0
    assert abs(first["value"]["start"] - seconds(page, x0, full)) <= tolerance
    assert abs(first["value"]["end"] - seconds(page, x1, full)) <= tolerance
    assert first["to_name"] == "audio" and first["origin"] == "manual"
    assert abs(first["original_length"] - DURATION) < 0.01

    # Resize by the end edge, to 2.0 s.
    region = page.locator(".lw-audio-region").first.bounding_box()
    assert region is not None
    x2 = x_at(page, 2.0 / DURATION)
    page.mouse.move(region["x"] + region["width"] - 2, region["y"] + region["height"] / 2)
    page.mouse.down()
    page.mouse.move(x2, region["y"] + region["height"] / 2, steps=4)
    page.mouse.up()
    save(page)
    (first,) = regions(stored_result(api, task))
    assert abs(first["value"]["start"] - seconds(page, x0, full)) <= tolerance
    assert abs(first["value"]["end"] - seconds(page, x2, full)) <= tolerance

    # An overlapping second segment with Speaker 2, in its own lane; relabel it by key, delete the first.
    page.keyboard.press("Escape")  # deselect (a label key would relabel the selected segment)
    page.keyboard.press("2")
    x3, x4 = x_at(page, 1.0 / DURATION), x_at(page, 3.0 / DURATION)
    drag(page, x4, x3)  # from the empty side: a press on the first segment would move it
    expect(page.locator(".lw-audio-region")).to_have_count(2)
    page.keyboard.press("3")  # the new segment is selected: relabel it Overlap
    expect(page.locator(".lw-audio-region.is-selected")).to_contain_text("Overlap")
    save(page)
    both = regions(stored_result(api, task))
    assert [r["value"]["labels"] for r in both] == [["Speaker 1"], ["Overlap"]]
    assert abs(both[1]["value"]["start"] - seconds(page, x3, full)) <= tolerance
    assert abs(both[1]["value"]["end"] - seconds(page, x4, full)) <= tolerance
    assert both[0]["id"] != both[1]["id"]

    first_box = page.locator(".lw-audio-region", has_text="Speaker 1").bounding_box()
    assert first_box is not None
    page.mouse.click(first_box["x"] + first_box["width"] * 0.3, first_box["y"] + first_box["height"] / 2)
    expect(page.locator(".lw-audio-region.is-selected")).to_contain_text("Speaker 1")
    page.keyboard.press("Backspace")
    expect(page.locator(".lw-audio-region")).to_have_count(1)
    save(page)
    (left,) = regions(stored_result(api, task))
    assert left["value"]["labels"] == ["Overlap"]


def test_a_segment_is_transcribed_with_the_per_region_textarea(page: Page, api: httpx.Client) -> None:
    task = open_audio(page, api, get_template("audio_transcription").config, wav_bytes(DURATION))
    textarea = page.locator(".lw-textarea textarea").first
    expect(textarea).to_be_hidden()  # no segment selected yet
    page.keyboard.press("1")
    drag(page, x_at(page, 2.5 / DURATION), x_at(page, 3.5 / DURATION))
    expect(textarea).to_be_visible()
    textarea.fill("hello world")
    textarea.press("Enter")
    expect(page.locator(".lw-region-list")).to_contain_text("hello world")
    save(page)
    result = stored_result(api, task)
    (segment,) = regions(result)
    (text,) = regions(result, "textarea")
    assert text["id"] == segment["id"] and text["to_name"] == "audio" and text["from_name"] == "transcription"
    assert text["value"]["text"] == ["hello world"]
    assert text["value"]["start"] == segment["value"]["start"]
    assert text["value"]["end"] == segment["value"]["end"]
    assert abs(segment["value"]["start"] - 2.5) < 0.05 and abs(segment["value"]["end"] - 3.5) < 0.05
    project = api.get(f"/api/tasks/{task}").json()["project"]
    manifest = api.get(f"/api/projects/{project}/export", params={"exportType": "ASR_MANIFEST"})
    assert manifest.status_code == 200, manifest.text
    (line,) = [json.loads(row) for row in manifest.text.splitlines()]
    assert line["offset"] == segment["value"]["start"] and line["text"] == "hello world"
    assert abs(line["duration"] - (segment["value"]["end"] - segment["value"]["start"])) < 1e-6

    # The segment's play button plays it from its start and stops at its end.
    page.locator(".lw-audio-region-play").click()
    page.wait_for_function("() => !document.querySelector('.lw-audio-player').paused")
    page.wait_for_function(
        "(end) => { const a = document.querySelector('.lw-audio-player'); return a.paused && a.currentTime >= end - 0.05; }",
        arg=segment["value"]["end"],
    )


def test_play_pause_by_key_then_zoom_keeps_values_right(page: Page, api: httpx.Client) -> None:
    task = open_audio(page, api, get_template("speaker_segmentation").config, wav_bytes(DURATION))
    audio = page.locator(".lw-audio")
    audio.focus()
    page.keyboard.press("Space")
    expect(audio).to_have_class(re.compile(r"\bis-playing\b"))
    page.wait_for_function("() => !document.querySelector('.lw-audio-player').paused")
    page.keyboard.press("Space")
    expect(audio).not_to_have_class(re.compile(r"\bis-playing\b"))
    page.wait_for_function("() => document.querySelector('.lw-audio-player').paused")
    # The play button by mouse; Space on the focused button presses it once (no second toggle).
    page.locator(".lw-audio-play").click()
    page.wait_for_function("() => !document.querySelector('.lw-audio-player').paused")
    page.keyboard.press("Space")
    page.wait_for_function("() => document.querySelector('.lw-audio-player').paused")
    assert page.evaluate("() => document.querySelector('.lw-audio-player').currentTime") < DURATION - 0.5
    audio.focus()

    # A click on empty waveform seeks there; the cursor follows.
    box = wave_box(page)
    page.mouse.click(x_at(page, 3.0 / DURATION), box["y"] + box["height"] / 2)
    at = page.evaluate("() => document.querySelector('.lw-audio-player').currentTime")
    assert abs(at - 3.0) <= DURATION / box["width"]
    cursor = page.locator(".lw-audio-cursor").bounding_box()
    assert cursor is not None and abs(cursor["x"] + cursor["width"] / 2 - x_at(page, 3.0 / DURATION)) <= 2
    expect(page.locator(".lw-audio-time")).to_contain_text("0:03.")

    # Back to the start, then zoom in twice as far: the view shows 0-2 s, anchored at the playhead.
    page.keyboard.press("Home")
    assert ink(page, 0.6) <= 3  # 2.4 s: silence before zooming
    page.keyboard.press("+")
    expect(page.locator(".lw-audio-zoom")).to_have_text("2\u00d7")
    assert ink(page, 0.6) > 20  # now 1.2 s: tone
    assert ink(page, 0.85) <= 3  # 1.7 s: silence
    view = (0.0, DURATION / 2)
    tolerance = (view[1] - view[0]) / wave_box(page)["width"]
    page.keyboard.press("1")
    x0, x1 = x_at(page, 0.3), x_at(page, 0.45)
    drag(page, x0, x1)
    save(page)
    (segment,) = regions(stored_result(api, task))
    assert abs(segment["value"]["start"] - seconds(page, x0, view)) <= tolerance
    assert abs(segment["value"]["end"] - seconds(page, x1, view)) <= tolerance
    assert abs(segment["value"]["start"] - 0.6) < 0.02 and abs(segment["value"]["end"] - 0.9) < 0.02

    # Ctrl+wheel zooms further; the scrollbar then moves the view (shift+wheel scrolls it).
    box = wave_box(page)
    page.mouse.move(box["x"] + box["width"] * 0.9, box["y"] + 10)
    page.keyboard.down("Control")
    page.mouse.wheel(0, -250)
    page.keyboard.up("Control")
    expect(page.locator(".lw-audio-zoom")).to_have_text("4\u00d7")
    scroll = page.locator(".lw-audio-scroll")
    expect(scroll).to_be_visible()
    before = scroll.evaluate("s => s.scrollLeft")
    page.keyboard.down("Shift")
    page.mouse.wheel(0, 200)
    page.keyboard.up("Shift")
    page.wait_for_function("(x) => document.querySelector('.lw-audio-scroll').scrollLeft > x", arg=before)


def test_segment_at_the_playhead_by_keyboard(page: Page, api: httpx.Client) -> None:
    task = open_audio(page, api, get_template("speaker_segmentation").config, wav_bytes(DURATION))
    page.locator(".lw-audio").focus()
    page.keyboard.press("ArrowRight")  # 1 s
    page.keyboard.press("Enter")  # start here
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")  # 3 s
    page.keyboard.press("2")  # end here, with Speaker 2
    expect(page.locator(".lw-audio-region")).to_have_count(1)
    save(page)
    (segment,) = regions(stored_result(api, task))
    assert segment["value"] == {"start": 1.0, "end": 3.0, "channel": 0, "labels": ["Speaker 2"]}

    # [ and ] move the selected segment's edges to the playhead.
    page.locator(".lw-audio").focus()  # Save took the focus
    page.keyboard.press("ArrowLeft")  # 2 s
    page.keyboard.press("]")
    page.keyboard.press("Home")
    page.keyboard.press("[")
    save(page)
    (segment,) = regions(stored_result(api, task))
    assert (segment["value"]["start"], segment["value"]["end"]) == (0.0, 2.0)


def test_an_hour_long_file_loads_and_takes_a_segment(page: Page, api: httpx.Client) -> None:
    hour = 3600.0
    task = open_audio(page, api, get_template("speaker_segmentation").config, wav_bytes(hour, ((1.0, 2.0),)))
    expect(page.locator(".lw-audio-time")).to_contain_text("1:00:00.000")
    tolerance = hour / wave_box(page)["width"]
    page.keyboard.press("1")
    x0, x1 = x_at(page, 0.1), x_at(page, 0.2)
    drag(page, x0, x1)
    save(page)
    (segment,) = regions(stored_result(api, task))
    assert abs(segment["value"]["start"] - seconds(page, x0, (0.0, hour))) <= tolerance
    assert abs(segment["value"]["end"] - seconds(page, x1, (0.0, hour))) <= tolerance


def test_missing_or_undecodable_audio_shows_a_message(page: Page, api: httpx.Client) -> None:
    config = get_template("speaker_segmentation").config
    tasks = [
        {"data": {"audio": "/data/upload/999999/missing.wav"}},
        {"data": {"audio": "/static/css/editor.css"}},
    ]
    project = make_project(api, config, tasks)
    rows = api.get("/api/tasks", params={"project": project}).json()
    ids = sorted(t["id"] for t in (rows["tasks"] if isinstance(rows, dict) else rows))
    page.add_init_script(
        "document.addEventListener('lw-media-error', (e) => { window.mediaErrors = [...(window.mediaErrors || []), e.detail]; });"
    )
    page.goto(f"/projects/{project}/tasks/{ids[0]}/editor")
    expect(page.locator(".lw-audio")).to_have_attribute("data-state", "error")
    expect(page.locator(".lw-media-error")).to_contain_text("404")
    expect(page.locator(".lw-audio-wave")).to_have_count(0)
    (event,) = page.evaluate("() => window.mediaErrors")
    assert event["object"] == "audio" and event["url"].endswith("missing.wav") and "404" in event["message"]

    page.goto(f"/projects/{project}/tasks/{ids[1]}/editor")
    expect(page.locator(".lw-audio")).to_have_attribute("data-state", "error")
    expect(page.locator(".lw-media-error")).to_contain_text("could not be decoded")


def test_audioplus_with_label_studio_attributes_speed_hotkey_hidden_controls(
    page: Page, api: httpx.Client
) -> None:
    config = """<View>
      <Labels name="kind" toName="clip"><Label value="Tone"/></Labels>
      <AudioPlus name="clip" value="$audio" defaultSpeed="1.5" hotkey="p" volume="false" height="80"/>
    </View>"""
    open_audio(page, api, config, wav_bytes(DURATION))
    player = page.locator(".lw-audio-player")
    expect(page.locator(".lw-audio-speed")).to_have_value("1.5")
    assert player.evaluate("a => a.playbackRate") == 1.5
    expect(page.locator(".lw-audio-volume")).to_be_hidden()
    assert wave_box(page)["height"] == 80
    page.locator("body").click(position={"x": 5, "y": 5})  # focus outside the audio: the hotkey is global
    page.keyboard.press("p")
    page.wait_for_function("() => !document.querySelector('.lw-audio-player').paused")
    page.keyboard.press("p")
    page.wait_for_function("() => document.querySelector('.lw-audio-player').paused")
    page.locator(".lw-audio-speed").select_option("0.5")
    assert player.evaluate("a => a.playbackRate") == 0.5


def test_hidden_and_locked_segments(page: Page, api: httpx.Client) -> None:
    task = open_audio(page, api, get_template("speaker_segmentation").config, wav_bytes(DURATION))
    page.keyboard.press("1")
    drag(page, x_at(page, 0.5 / DURATION), x_at(page, 1.5 / DURATION))
    segment = page.locator(".lw-audio-region")
    expect(segment).to_have_count(1)
    row = page.locator(".lw-editor-side .lw-region")
    row.locator("[data-action=hide]").click()
    expect(segment).to_have_count(0)
    row.locator("[data-action=hide]").click()
    expect(segment).to_have_count(1)

    def move_by(seconds_: float) -> None:
        box = segment.bounding_box()
        assert box is not None
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + wave_box(page)["width"] * seconds_ / DURATION, y, steps=4)
        page.mouse.up()

    row.locator("[data-action=lock]").click()
    move_by(1.0)
    save(page)
    (locked,) = regions(stored_result(api, task))
    assert abs(locked["value"]["start"] - 0.5) < 0.02
    row.locator("[data-action=lock]").click()
    move_by(1.0)
    save(page)
    (moved,) = regions(stored_result(api, task))
    assert abs(moved["value"]["start"] - 1.5) < 0.02 and abs(moved["value"]["end"] - 2.5) < 0.02

    # One drag is one undo step: Ctrl+Z puts the segment back where it was.
    page.keyboard.press("Control+z")
    save(page)
    (undone,) = regions(stored_result(api, task))
    assert abs(undone["value"]["start"] - 0.5) < 0.02 and abs(undone["value"]["end"] - 1.5) < 0.02
