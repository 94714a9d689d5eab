"""Broken media on the labeling screen, in real Chromium: a task whose image (or audio) is a missing
upload shows the editor's message and a "Skip: media cannot be loaded" button that opens the skip
dialog with the reason filled in; the skip is stored with that reason (checked through the API)."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import make_project

IMAGE = """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="label" toName="image"><Label value="Car"/></RectangleLabels>
</View>"""
AUDIO = """<View>
  <Labels name="speaker" toName="audio"><Label value="A"/></Labels>
  <Audio name="audio" value="$audio"/>
</View>"""


@pytest.mark.parametrize(("config", "data"), [(IMAGE, "image"), (AUDIO, "audio")])
def test_a_missing_upload_offers_a_skip_with_the_reason(
    page: Page, api: httpx.Client, config: str, data: str
) -> None:
    pid = make_project(api, config)
    missing = f"/data/upload/{pid}/0000-missing.{'png' if data == 'image' else 'wav'}"
    r = api.post(f"/api/projects/{pid}/import?return_task_ids=1", json=[{data: missing}])
    (tid,) = r.json()["task_ids"]
    page.goto(f"/projects/{pid}/label")
    expect(page.locator("#lb-task-id")).to_have_text(f"#{tid}")
    bar = page.locator("#lb-media-broken")
    expect(bar).to_be_visible()
    expect(bar).to_contain_text("could not be loaded")
    page.get_by_role("button", name="Skip: media cannot be loaded").click()
    reason = page.locator("#lb-skip-reason")
    expect(reason).to_be_visible()
    expect(reason).to_have_value(f"Media cannot be loaded: {bar.inner_text().split('Skip:')[0].strip()}")
    page.locator("#lb-skip-confirm").click()
    expect(page.locator("#lb-done")).to_be_visible()
    (ann,) = api.get(f"/api/tasks/{tid}/annotations").json()
    assert ann["was_cancelled"] is True
    assert ann["skip_reason"].startswith("Media cannot be loaded: ")
    assert "could not be loaded" in ann["skip_reason"]


def test_no_skip_offer_when_the_project_hides_skipping(page: Page, api: httpx.Client) -> None:
    pid = make_project(api, IMAGE, show_skip_button=False)
    api.post(f"/api/projects/{pid}/import", json=[{"image": f"/data/upload/{pid}/0000-missing.png"}])
    page.goto(f"/projects/{pid}/label")
    expect(page.locator("#lb-media-broken")).to_be_visible()
    expect(page.get_by_role("button", name="Skip: media cannot be loaded")).to_have_count(0)
