"""COCO, Pascal VOC and YOLO: pixel math checked by hand, categories as LS numbers them, and
archives that stay inside their folder whatever the image URLs say."""

from __future__ import annotations

import pathlib
import xml.etree.ElementTree as ET
import zipfile
from typing import Any

import orjson
import pytest

from labelwise import labeling
from labelwise.io import exporters
from labelwise.io.exporters import coco
from labelwise.io.exporters.images import Names
from labelwise.io.exporters.selection import ExportOptions
from labelwise.io.exporters.zipstream import ZipStream

from .support import BOXES, Once, annotation, box, export, polygon, task, unzip

DOG = "a <dog> & co"


def _tasks() -> list[dict[str, Any]]:
    return [
        task(
            {"image": "https://example.com/img/photo%201.jpg?sig=abc"},
            annotation(
                [
                    box(25, 50, 50, 25, "cat"),  # 400 x 200 image: x 100, y 100, w 200, h 50 pixels
                    box(0, 0, 10, 10, DOG),  # 0, 0, 40, 20
                    polygon([[10, 10], [60, 10], [60, 60]], "road"),  # (40,20) (240,20) (240,120)
                ]
            ),
        ),
        task({"image": "/data/upload/../../etc/passwd"}, annotation([box(10.3, 20.7, 30.2, 40.1, "zebra")])),
        task({"image": "/data/upload/never-labeled.jpg"}),
    ]


def test_coco_document() -> None:
    doc = orjson.loads(unzip(export("COCO", _tasks(), BOXES))["result.json"])
    assert set(doc) == {"images", "annotations", "categories", "info"}
    # LS's numbering: labels of the config in alphabetical order.
    assert doc["categories"] == [{"id": 0, "name": DOG}, {"id": 1, "name": "cat"}, {"id": 2, "name": "road"},
                                 {"id": 3, "name": "zebra"}]  # fmt: skip
    assert [(i["id"], i["file_name"], i["width"], i["height"]) for i in doc["images"]] == [
        (0, "images/photo 1.jpg", 400, 200), (1, "images/passwd", 400, 200),
    ]  # fmt: skip
    cat, dog, road, zebra = doc["annotations"]
    assert cat == {"id": 0, "image_id": 0, "category_id": 1, "segmentation": [], "bbox": [100.0, 100.0, 200.0, 50.0],
                   "area": 10000.0, "ignore": 0, "iscrowd": 0}  # fmt: skip
    assert dog["bbox"] == [0.0, 0.0, 40.0, 20.0] and dog["area"] == 800.0 and dog["category_id"] == 0
    assert road["segmentation"] == [[40.0, 20.0, 240.0, 20.0, 240.0, 120.0]]
    assert road["bbox"] == [40.0, 20.0, 200.0, 100.0] and road["area"] == 10000.0  # the triangle, not its box
    assert zebra["image_id"] == 1 and zebra["id"] == 3
    assert zebra["bbox"] == pytest.approx([41.2, 41.4, 120.8, 80.2])


def test_coco_turned_box_gets_the_upright_box_around_it() -> None:
    t = task({"image": "a.jpg"}, annotation([box(25, 25, 50, 10, "cat", rotation=90)]))
    [entry] = orjson.loads(unzip(export("COCO", [t], BOXES))["result.json"])["annotations"]
    # 200 x 20 pixels at (100, 50), turned a quarter clockwise about its top-left corner.
    assert entry["bbox"] == pytest.approx([80.0, 50.0, 20.0, 200.0])


def test_coco_label_missing_from_the_config_gets_the_next_id() -> None:
    t = task({"image": "a.jpg"}, annotation([box(0, 0, 10, 10, "unicorn")]))
    doc = orjson.loads(unzip(export("COCO", [t], BOXES))["result.json"])
    assert doc["categories"][-1] == {"id": 4, "name": "unicorn"} and doc["annotations"][0]["category_id"] == 4


def test_category_attributes_fix_ids_as_in_label_studio() -> None:
    schema = labeling.parse_config(
        '<View><Image name="img" value="$image"/><RectangleLabels name="box" toName="img">'
        '<Label value="b" category="0"/><Label value="a"/><Label value="c" category="2"/></RectangleLabels></View>'
    )
    files = unzip(export("YOLO", [task({"image": "x.png"}, annotation([box(0, 0, 10, 10, "a")]))], schema))
    assert files["classes.txt"].decode().splitlines() == ["b", "a", "c"]
    assert files["labels/x.txt"].decode().split(" ")[0] == "1"


def test_yolo_lines_are_normalized_centres_and_polygons() -> None:
    files = unzip(export("YOLO", _tasks(), BOXES))
    assert set(files) == {"labels/photo 1.txt", "labels/passwd.txt", "classes.txt", "notes.json"}
    assert files["classes.txt"].decode().splitlines() == [DOG, "cat", "road", "zebra"]
    lines = [[float(v) for v in line.split()] for line in files["labels/photo 1.txt"].decode().splitlines()]
    assert lines[0] == [1, 0.5, 0.625, 0.5, 0.25]
    assert lines[1] == [0, 0.05, 0.05, 0.1, 0.1]
    assert lines[2] == [2, 0.1, 0.1, 0.6, 0.1, 0.6, 0.6]
    [zebra] = [[float(v) for v in line.split()] for line in files["labels/passwd.txt"].decode().splitlines()]
    assert zebra == pytest.approx([3, 0.254, 0.4075, 0.302, 0.401])
    notes = orjson.loads(files["notes.json"])
    assert notes["categories"][1] == {"id": 1, "name": "cat"} and notes["info"]["version"] == "1.0"


def test_yolo_needs_no_image_size_and_writes_one_line_per_label() -> None:
    region = box(10, 10, 20, 20, "cat")
    del region["original_width"], region["original_height"]
    region["value"]["rectanglelabels"] = ["cat", "zebra"]
    files = unzip(export("YOLO", [task({"image": "a.jpg"}, annotation([region]))], BOXES))
    assert files["labels/a.txt"].decode() == "1 0.2 0.2 0.2 0.2\n3 0.2 0.2 0.2 0.2\n"


def test_an_annotation_without_regions_is_an_empty_label_file() -> None:
    files = unzip(export("YOLO", [task({"image": "empty.jpg"}, annotation([]))], BOXES))
    assert files["labels/empty.txt"] == b""


def test_voc_xml_per_image_with_truncated_pixel_corners() -> None:
    files = unzip(export("VOC", _tasks(), BOXES))
    assert set(files) == {"Annotations/photo 1.xml", "Annotations/passwd.xml"}
    root = ET.fromstring(files["Annotations/photo 1.xml"])
    assert (
        root.tag == "annotation"
        and root.findtext("filename") == "photo 1.jpg"
        and root.findtext("folder") == "images"
    )
    assert [root.findtext(f"size/{k}") for k in ("width", "height", "depth")] == ["400", "200", "3"]
    objects = root.findall("object")
    assert [o.findtext("name") for o in objects] == ["cat", DOG]  # polygons are not VOC boxes
    corners = [[o.findtext(f"bndbox/{k}") for k in ("xmin", "ymin", "xmax", "ymax")] for o in objects]
    assert corners == [["100", "100", "300", "150"], ["0", "0", "40", "20"]]
    zebra = ET.fromstring(files["Annotations/passwd.xml"]).find("object/bndbox")
    assert zebra is not None
    # 41.2, 41.4, 120.8, 80.2 pixels, truncated each as Label Studio does: 41 + 120, 41 + 80.
    assert [zebra.findtext(k) for k in ("xmin", "ymin", "xmax", "ymax")] == ["41", "41", "161", "121"]


def test_voc_escapes_markup_and_drops_what_xml_cannot_hold() -> None:
    region = box(0, 0, 10, 10, "</name></object><x>&amp;\x01")
    t = task({"image": "https://h/%3C%2Fxml%3E%00.jpg"}, annotation([region], completed_by="</xml>"))
    [(name, body)] = unzip(export("VOC", [t], BOXES)).items()
    root = ET.fromstring(body)
    assert root.findtext("object/name") == "</name></object><x>&amp;\ufffd"
    assert root.findtext("source/annotator") == "</xml>"
    assert len(root.findall("object")) == 1 and "/" not in name.removeprefix("Annotations/")


HOSTILE = [
    "../../../../tmp/evil.jpg",
    "/etc/passwd",
    "..",
    "../",
    "",
    None,
    "C:\\Windows\\..\\system32\\x.jpg",
    "http://h/..%2F..%2Fescape.jpg",
    "http://h/a%5C..%5C..%5Cb.jpg",
    "/data/local-files/?d=photos%2F..%2F..%2Fcat.jpg",
    "s3://bucket/dir/x.png",
    "data:image/png;base64,AAAA",
    "http://h/a:b*c?.jpg",
    "http://h/" + "n" * 400 + ".jpg",
    "x.jpg",
    "x.jpg",
]


@pytest.mark.parametrize("name", ["COCO", "VOC", "YOLO"])
def test_hostile_image_urls_stay_inside_the_archive(name: str, tmp_path: pathlib.Path) -> None:
    tasks = [task({"image": url}, annotation([box(0, 0, 10, 10, "cat")])) for url in HOSTILE]
    data = export(name, tasks, BOXES)
    archive = tmp_path / "export.zip"
    archive.write_bytes(data)
    out = tmp_path / "out"
    with zipfile.ZipFile(archive) as z:
        names = z.namelist()
        for entry in names:
            parts = entry.split("/")
            assert not entry.startswith("/") and "\\" not in entry and ".." not in parts and "" not in parts
            assert len(parts[-1]) <= 255
        z.extractall(out)
    written = [p for p in out.rglob("*") if p.is_file()]
    assert all(p.resolve().is_relative_to(out.resolve()) for p in written)
    assert len(written) == len(names)
    if name != "COCO":  # one label file per image: none overwritten by another
        assert len(names) == len(HOSTILE) + (2 if name == "YOLO" else 0)


def test_names_keep_the_image_name_and_make_it_unique() -> None:
    names = Names()
    assert names("https://example.com/a/photo%201.jpg?x=1", 1) == "photo 1.jpg"
    assert names("/data/local-files/?d=dir/cat.png", 2) == "cat.png"
    assert names("https://example.com/b/photo 1.jpg", 3) == "3-photo 1.jpg"
    assert names("../..", 4) == "task-4"
    assert names("http://h/a:b.jpg", 5) == "a_b.jpg"


def test_tasks_without_a_chosen_annotation_are_left_out_and_predictions_can_stand_in() -> None:
    t = task({"image": "p.jpg"}, predictions=[{"id": 1, "result": [box(0, 0, 50, 50, "cat")], "score": 0.9}])
    assert unzip(export("VOC", [t], BOXES)) == {}
    files = unzip(export("VOC", [t], BOXES, include_predictions=True))
    assert list(files) == ["Annotations/p.xml"]


@pytest.mark.parametrize("name", ["COCO", "VOC", "YOLO"])
def test_archives_stream_while_tasks_are_read(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(coco, "SPOOL_BYTES", 1024)  # COCO's annotations spill to disk after a kilobyte
    total = 300
    tasks = Once(
        task({"image": f"img-{i}.jpg"}, annotation([box(i % 90, 0, 10, 10, "cat")])) for i in range(total)
    )
    chunks, read_before = [], []
    for chunk in exporters.get(name).write(tasks, BOXES, ExportOptions()):
        chunks.append(chunk)
        read_before.append(tasks.taken if chunk else total)
    assert min(read_before) < total  # bytes left before the last task was read
    files = unzip(b"".join(chunks))
    if name == "COCO":
        doc = orjson.loads(files["result.json"])
        assert len(doc["images"]) == total and len(doc["annotations"]) == total
        assert doc["annotations"][-1]["bbox"] == [(299 % 90) * 4.0, 0.0, 40.0, 20.0]
    else:
        assert len(files) == total + (2 if name == "YOLO" else 0)


@pytest.mark.parametrize("bad", ["../x", "/abs", "a/../b", "a//b", "C:/x", "a\\b", "", "a/./b"])
def test_the_zip_writer_refuses_names_that_would_leave_the_folder(bad: str) -> None:
    with pytest.raises(ValueError, match="unsafe"):
        ZipStream().add(bad, b"")


def test_the_zip_writer_takes_ordinary_names() -> None:
    out = ZipStream()
    data = out.add("labels/photo 1.txt", b"x") + out.finish()
    assert unzip(data) == {"labels/photo 1.txt": b"x"}
