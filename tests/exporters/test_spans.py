"""CONLL 2003 and spaCy JSONL: IOB tags for known sentences, character offsets, documents."""

from __future__ import annotations

import orjson

from labelwise.io.exporters.conll import tags

from .support import NER, annotation, export, span, task

TEXT = "Ada Lovelace visited London in 1843 ."


def _conll(tasks: list[dict[str, object]], **options: object) -> list[list[tuple[str, str]]]:
    """Documents as (token, tag) pairs, checking the file's frame on the way."""
    text = export("CONLL2003", tasks, NER, **options).decode()
    assert text.startswith("-DOCSTART- -X- O\n")
    body = text.removeprefix("-DOCSTART- -X- O\n")
    assert body == "" or body.endswith("\n\n")  # a blank line closes every document
    docs = []
    for block in body.split("\n\n")[:-1]:
        docs.append([(line.split(" ")[0], line.split(" ")[3]) for line in block.splitlines()])
        assert all(line.split(" ")[1:3] == ["-X-", "_"] for line in block.splitlines())
    return docs


def test_a_known_sentence_gets_its_iob_tags() -> None:
    t = task({"text": TEXT}, annotation([span(TEXT, 21, 27, "LOC"), span(TEXT, 0, 12, "PER")]))
    assert _conll([t]) == [[
        ("Ada", "B-PER"), ("Lovelace", "I-PER"), ("visited", "O"), ("London", "B-LOC"),
        ("in", "O"), ("1843", "O"), (".", "O"),
    ]]  # fmt: skip


def test_adjacent_spans_of_one_label_each_begin() -> None:
    text = "New York Boston"
    assert list(tags(text, [(0, 8, "LOC"), (9, 15, "LOC")])) == [
        ("New", "B-LOC"), ("York", "I-LOC"), ("Boston", "B-LOC"),
    ]  # fmt: skip


def test_a_span_covering_part_of_a_token_tags_the_token() -> None:
    text = "the (IBM) deal"
    assert list(tags(text, [(5, 8, "ORG")])) == [("the", "O"), ("(IBM)", "B-ORG"), ("deal", "O")]
    # a span that starts on the space before its first token still begins there
    assert list(tags(text, [(3, 9, "ORG")])) == [("the", "O"), ("(IBM)", "B-ORG"), ("deal", "O")]


def test_whitespace_of_any_kind_separates_tokens_and_offsets_still_match() -> None:
    text = "  Ada\t\tLovelace \n\n met  Bob "
    start = text.index("Ada")
    end = text.index("Lovelace") + len("Lovelace")
    bob = text.index("Bob")
    assert list(tags(text, [(start, end, "PER"), (bob, bob + 3, "PER")])) == [
        ("Ada", "B-PER"), ("Lovelace", "I-PER"), ("met", "O"), ("Bob", "B-PER"),
    ]  # fmt: skip


def test_one_document_per_annotation_and_unlabeled_tasks_left_out() -> None:
    a = task({"text": "Ada wrote"}, annotation([span("Ada wrote", 0, 3, "PER")]), annotation([]))
    b = task({"text": "Nobody looked"})
    docs = _conll([a, b])
    assert docs == [[("Ada", "B-PER"), ("wrote", "O")], [("Ada", "O"), ("wrote", "O")]]
    # Same update time: the later annotation (higher id) is the latest, and it found nothing.
    assert _conll([a], annotations="latest") == [[("Ada", "O"), ("wrote", "O")]]


def test_spacy_lines_carry_character_offsets() -> None:
    t = task({"text": TEXT}, annotation([span(TEXT, 21, 27, "LOC"), span(TEXT, 0, 12, "PER")]))
    [doc] = [orjson.loads(line) for line in export("SPACY", [t], NER).splitlines()]
    assert doc == {"text": TEXT, "entities": [[0, 12, "PER"], [21, 27, "LOC"]]}
    assert [TEXT[s:e] for s, e, _ in doc["entities"]] == ["Ada Lovelace", "London"]


def test_utf16_offsets_from_the_editor_become_code_points() -> None:
    text = "😀😀 Ada met Bob"
    # The browser counts each emoji as two UTF-16 units: "Ada" is at 5..8 for it, 3..6 for Python.
    by_editor = {"id": "u", "from_name": "label", "to_name": "text", "type": "labels",
                 "value": {"start": 5, "end": 8, "text": "Ada", "labels": ["PER"]}}  # fmt: skip
    by_python = span(text, text.index("Bob"), text.index("Bob") + 3, "PER")
    t = task({"text": text}, annotation([by_editor, by_python]))
    [doc] = [orjson.loads(line) for line in export("SPACY", [t], NER).splitlines()]
    assert [text[s:e] for s, e, _ in doc["entities"]] == ["Ada", "Bob"]
    assert _conll([t]) == [[("😀😀", "O"), ("Ada", "B-PER"), ("met", "O"), ("Bob", "B-PER")]]


def test_spans_of_other_controls_and_broken_spans_are_ignored() -> None:
    text = "Ada met Bob"
    other = span(text, 0, 3, "PER", control="elsewhere")
    broken = {"id": "x", "from_name": "label", "to_name": "text", "type": "labels",
              "value": {"start": 8, "end": 99, "labels": ["PER"]}}  # fmt: skip
    unlabeled = {"id": "y", "from_name": "label", "to_name": "text", "type": "labels",
                 "value": {"start": 4, "end": 7, "labels": []}}  # fmt: skip
    t = task({"text": text}, annotation([other, broken, unlabeled]))
    assert _conll([t]) == [[("Ada", "O"), ("met", "O"), ("Bob", "O")]]


def test_predictions_become_documents_when_asked() -> None:
    text = "Ada wrote"
    t = task({"text": text}, predictions=[{"id": 1, "result": [span(text, 0, 3, "PER")], "score": 0.5}])
    assert _conll([t]) == []
    assert _conll([t], include_predictions=True) == [[("Ada", "B-PER"), ("wrote", "O")]]
