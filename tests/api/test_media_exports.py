"""The image and audio gallery templates end to end over the API: create the project from the template,
import a generated image or WAV, store an annotation shaped as the editor writes it (Label Studio's
result format), and export it: COCO, Pascal VOC and YOLO for boxes and polygons (pixels checked against
the stored percentages and the image's own size), the ASR manifest and JSON_MIN for transcribed
segments.
"""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
import zipfile
from typing import Any

import pytest
from fastapi.testclient import TestClient

from labelwise.labeling import get_template
from labelwise.labeling.samples import MEDIA
from tests.api.media_files import png, wav

WIDTH, HEIGHT = 640, 480


def _project(client: TestClient, template: str) -> int:
    r = client.post("/api/projects", json={"title": template, "label_config": get_template(template).config})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _import(client: TestClient, pid: int, name: str, body: bytes, kind: str) -> dict[str, Any]:
    r = client.post(f"/api/projects/{pid}/import", files=[("file", (name, body, kind))])
    assert r.status_code == 201, r.text
    (task,) = client.get("/api/tasks", params={"project": pid}).json()["tasks"]
    return dict(task)


def _annotate(client: TestClient, task_id: int, result: list[dict[str, Any]]) -> None:
    r = client.post(f"/api/tasks/{task_id}/annotations/", json={"result": result, "lead_time": 3.5})
    assert r.status_code == 201, r.text


def _zip(client: TestClient, pid: int, fmt: str) -> zipfile.ZipFile:
    r = client.get(f"/api/projects/{pid}/export", params={"exportType": fmt})
    assert r.status_code == 200, r.text
    return zipfile.ZipFile(io.BytesIO(r.content))


def _image_region(rid: str, from_name: str, rtype: str, value: dict[str, Any]) -> dict[str, Any]:
    """A region as the image editor writes it: percent geometry plus the image's natural size."""
    return {"id": rid, "from_name": from_name, "to_name": "image", "type": rtype, "origin": "manual",
            "original_width": WIDTH, "original_height": HEIGHT, "image_rotation": 0, "value": value}  # fmt: skip


BOX = {"x": 12.5, "y": 25.0, "width": 50.0, "height": 25.0, "rotation": 0}  # 80,120 320x120 px
TURNED = {"x": 50.0, "y": 50.0, "width": 25.0, "height": 12.5, "rotation": 90}  # 160x60 px at 320,240


def _stem(task: dict[str, Any], key: str) -> str:
    return str(task["data"][key]).rsplit("/", 1)[-1].rsplit(".", 1)[0]


def test_object_detection_exports_boxes_in_pixels_of_the_image(client: TestClient) -> None:
    pid = _project(client, "object_detection")
    task = _import(client, pid, "street.png", png(WIDTH, HEIGHT), "image/png")
    assert str(task["data"]["image"]).startswith("/data/upload/")
    _annotate(
        client,
        task["id"],
        [
            _image_region("b1", "label", "rectanglelabels", {**BOX, "rectanglelabels": ["Car"]}),
            _image_region("b2", "label", "rectanglelabels", {**TURNED, "rectanglelabels": ["Pedestrian"]}),
        ],
    )
    coco = json.loads(_zip(client, pid, "COCO").read("result.json"))
    (image,) = coco["images"]
    assert (image["width"], image["height"]) == (WIDTH, HEIGHT)
    names = {c["id"]: c["name"] for c in coco["categories"]}
    assert sorted(names.values()) == ["Car", "Pedestrian", "Traffic light"]
    boxes = {names[a["category_id"]]: a for a in coco["annotations"]}
    assert boxes["Car"]["bbox"] == pytest.approx([80, 120, 320, 120])
    assert boxes["Car"]["area"] == pytest.approx(320 * 120)
    # Turned a quarter about its top-left corner (320, 240): 160 wide, 60 high becomes 60 wide, 160 high
    # to the left of that corner.
    assert boxes["Pedestrian"]["bbox"] == pytest.approx([260, 240, 60, 160])

    voc = _zip(client, pid, "VOC")
    root = ET.fromstring(voc.read(f"Annotations/{_stem(task, 'image')}.xml"))
    assert (root.findtext("size/width"), root.findtext("size/height")) == (str(WIDTH), str(HEIGHT))
    car = next(o for o in root.iter("object") if o.findtext("name") == "Car")
    corners = [int(car.findtext(f"bndbox/{k}") or -1) for k in ("xmin", "ymin", "xmax", "ymax")]
    assert corners == [80, 120, 400, 240]

    yolo = _zip(client, pid, "YOLO")
    classes = yolo.read("classes.txt").decode().splitlines()
    lines = [ln.split() for ln in yolo.read(f"labels/{_stem(task, 'image')}.txt").decode().splitlines()]
    car_line = next(ln for ln in lines if classes[int(ln[0])] == "Car")
    assert [float(v) for v in car_line[1:]] == pytest.approx([0.375, 0.375, 0.5, 0.25])
    ped = next(ln for ln in lines if classes[int(ln[0])] == "Pedestrian")
    assert [float(v) for v in ped[1:]] == pytest.approx([290 / WIDTH, 320 / HEIGHT, 60 / WIDTH, 160 / HEIGHT])


def test_polygon_segmentation_exports_polygons_in_pixels(client: TestClient) -> None:
    pid = _project(client, "polygon_segmentation")
    task = _import(client, pid, "aerial.png", png(WIDTH, HEIGHT), "image/png")
    points = [[10.0, 10.0], [50.0, 10.0], [50.0, 60.0]]
    _annotate(
        client,
        task["id"],
        [
            _image_region(
                "p1", "label", "polygonlabels", {"points": points, "closed": True, "polygonlabels": ["Road"]}
            )
        ],
    )
    coco = json.loads(_zip(client, pid, "COCO").read("result.json"))
    (entry,) = coco["annotations"]
    assert entry["segmentation"] == [pytest.approx([64, 48, 320, 48, 320, 288])]
    assert entry["bbox"] == pytest.approx([64, 48, 256, 240])
    assert entry["area"] == pytest.approx(256 * 240 / 2)
    yolo = _zip(client, pid, "YOLO")
    (line,) = yolo.read(f"labels/{_stem(task, 'image')}.txt").decode().splitlines()
    classes = yolo.read("classes.txt").decode().splitlines()
    assert classes[int(line.split()[0])] == "Road"
    assert [float(v) for v in line.split()[1:]] == pytest.approx([0.1, 0.1, 0.5, 0.1, 0.5, 0.6])


def test_keypoints_export_as_json_min_with_the_image_size(client: TestClient) -> None:
    pid = _project(client, "keypoints")
    task = _import(client, pid, "person.png", png(WIDTH, HEIGHT), "image/png")
    point = {"x": 45.0, "y": 20.0, "width": 0.5, "keypointlabels": ["Nose"]}
    _annotate(client, task["id"], [_image_region("k1", "keypoint", "keypointlabels", point)])
    r = client.get(f"/api/projects/{pid}/export", params={"exportType": "JSON_MIN"})
    (row,) = r.json()
    assert row["image"] == task["data"]["image"]
    assert row["keypoint"] == [{**point, "original_width": WIDTH, "original_height": HEIGHT}]


def test_ocr_exports_boxes_and_their_transcriptions(client: TestClient) -> None:
    pid = _project(client, "ocr")
    task = _import(client, pid, "receipt.png", png(WIDTH, HEIGHT), "image/png")
    assert str(task["data"]["ocr"]).startswith("/data/upload/")
    _annotate(
        client,
        task["id"],
        [
            _image_region("w1", "bbox", "rectanglelabels", {**BOX, "rectanglelabels": ["Text"]}),
            _image_region("w1", "transcription", "textarea", {**BOX, "text": ["TOTAL 12.50"]}),
        ],
    )
    coco = json.loads(_zip(client, pid, "COCO").read("result.json"))
    (entry,) = coco["annotations"]
    assert entry["bbox"] == pytest.approx([80, 120, 320, 120])
    (row,) = client.get(f"/api/projects/{pid}/export", params={"exportType": "JSON_MIN"}).json()
    assert row["transcription"] == "TOTAL 12.50"
    assert row["bbox"] == [
        {**BOX, "rectanglelabels": ["Text"], "original_width": WIDTH, "original_height": HEIGHT}
    ]


def _segment(rid: str, control: str, start: float, end: float, **value: Any) -> dict[str, Any]:
    """A region as the audio editor writes it: start and end in seconds, the file's length."""
    return {"id": rid, "from_name": control, "to_name": "audio", "type": value.pop("type"), "origin": "manual",
            "original_length": 3.0, "value": {"start": start, "end": end, "channel": 0, **value}}  # fmt: skip


TONES = ((0.25, 1.0), (1.5, 2.75))


def test_audio_transcription_exports_segments_to_the_asr_manifest_and_json_min(client: TestClient) -> None:
    pid = _project(client, "audio_transcription")
    task = _import(client, pid, "voicemail.wav", wav(3.0, tones=TONES), "audio/wav")
    audio = task["data"]["audio"]
    assert str(audio).startswith("/data/upload/")
    _annotate(
        client,
        task["id"],
        [
            _segment("s2", "labels", 1.5, 2.75, type="labels", labels=["Speech"]),
            _segment("s2", "transcription", 1.5, 2.75, type="textarea", text=["see you"]),
            _segment("s1", "labels", 0.25, 1.0, type="labels", labels=["Speech"]),
            _segment("s1", "transcription", 0.25, 1.0, type="textarea", text=["hello there"]),
        ],
    )
    r = client.get(f"/api/projects/{pid}/export", params={"exportType": "ASR_MANIFEST"})
    assert r.status_code == 200, r.text
    lines = [json.loads(line) for line in r.text.splitlines()]
    assert [(x["audio_filepath"], x["offset"], x["duration"], x["text"]) for x in lines] == [
        (audio, 0.25, 0.75, "hello there"),
        (audio, 1.5, 1.25, "see you"),
    ]
    assert {x["label"] for x in lines} == {"Speech"}
    (row,) = client.get(f"/api/projects/{pid}/export", params={"exportType": "JSON_MIN"}).json()
    assert row["audio"] == audio
    assert row["transcription"] == ["see you", "hello there"]
    assert [(s["start"], s["end"], s["labels"]) for s in row["labels"]] == [
        (1.5, 2.75, ["Speech"]),
        (0.25, 1.0, ["Speech"]),
    ]


def test_speaker_segmentation_exports_overlapping_segments(client: TestClient) -> None:
    pid = _project(client, "speaker_segmentation")
    task = _import(client, pid, "meeting.wav", wav(3.0, tones=TONES), "audio/wav")
    _annotate(
        client,
        task["id"],
        [
            _segment("a", "speaker", 0.25, 2.0, type="labels", labels=["Speaker 1"]),
            _segment("b", "speaker", 1.5, 2.75, type="labels", labels=["Speaker 2"]),
        ],
    )
    (row,) = client.get(f"/api/projects/{pid}/export", params={"exportType": "JSON_MIN"}).json()
    assert [(s["start"], s["end"], s["labels"]) for s in row["speaker"]] == [
        (0.25, 2.0, ["Speaker 1"]),
        (1.5, 2.75, ["Speaker 2"]),
    ]
    full = client.get(f"/api/projects/{pid}/export", params={"exportType": "JSON"}).json()
    (stored,) = full[0]["annotations"]
    assert [r["original_length"] for r in stored["result"]] == [3.0, 3.0]


def test_the_preview_placeholders_for_images_and_audio_are_served(anon: TestClient) -> None:
    """The config editor previews a template on `labeling.samples.MEDIA`: those files must exist."""
    for kind, prefix in (("image", "image/"), ("audio", "audio/")):
        r = anon.get(MEDIA[kind])
        assert r.status_code == 200, (kind, r.status_code)
        assert r.headers["content-type"].startswith(prefix)
    assert anon.get(MEDIA["audio"]).content[8:12] == b"WAVE"
