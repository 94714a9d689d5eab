"""Replies read tolerantly, and mapped to results that pass labelwise's own validation, for every control."""

from __future__ import annotations

import pytest

from labelwise import labeling
from labelwise.ml.llm import parse
from labelwise.ml.llm import schema as answers

CONFIG = (
    '<View><Text name="text" value="$text"/>'
    '<Choices name="sentiment" toName="text"><Choice value="Positive"/><Choice value="Negative"/></Choices>'
    '<Choices name="topics" toName="text" choice="multiple"><Choice value="Sports"/><Choice value="Politics"/>'
    '<Choice value="Tech" alias="technology"/></Choices>'
    '<Labels name="ner" toName="text"><Label value="PER"/><Label value="ORG"/></Labels>'
    '<TextArea name="summary" toName="text"/>'
    '<Rating name="stars" toName="text" maxRating="5"/>'
    '<Number name="score" toName="text" min="0" max="10"/>'
    '<Taxonomy name="place" toName="text"><Choice value="Europe"><Choice value="France"/>'
    '<Choice value="Spain"/></Choice><Choice value="Asia"/></Taxonomy>'
    "</View>"
)
SCHEMA = labeling.parse_config(CONFIG)
TEXT = "Ann met Bob at Acme. Later ann and Bob left Acme."
DATA = {"text": TEXT}


def mapped(answer: dict[str, object]) -> tuple[list[dict[str, object]], list[str]]:
    mapper = parse.Mapper(SCHEMA, DATA)
    results = mapper.results(answer)
    labeling.validate_result(SCHEMA, DATA, results)  # every produced result is valid as a whole, too
    return results, mapper.reasons


def by_control(results: list[dict[str, object]], name: str) -> list[dict[str, object]]:
    return [r for r in results if r["from_name"] == name]


@pytest.mark.parametrize(
    "reply",
    [
        '{"sentiment": "Positive"}',
        'Sure! ```json\n{"sentiment": "Positive"}\n``` Hope that helps.',
        '{"sentiment": "Positive"} because the text is cheerful.',
        "Here you go: {'sentiment': 'Positive', 'flag': true}",
        '```\n{"sentiment": "Positive"}\n```',
    ],
)
def test_extract_reads_json_in_fences_trailing_text_and_single_quotes(reply: str) -> None:
    assert parse.extract(reply)["sentiment"] == "Positive"


@pytest.mark.parametrize("reply", ["Positive", '{"sentiment": "Positive"', "[1, 2]", "{__import__('os')}"])
def test_extract_refuses_what_holds_no_object(reply: str) -> None:
    with pytest.raises(parse.Unparsable):
        parse.extract(reply)


def test_single_choice_matched_case_insensitively_to_the_configs_spelling() -> None:
    results, reasons = mapped({"sentiment": "  negative "})
    assert by_control(results, "sentiment")[0]["value"] == {"choices": ["Negative"]}
    assert by_control(results, "sentiment")[0]["type"] == "choices"
    assert reasons == []


def test_single_choice_keeps_one_when_several_are_given() -> None:
    results, reasons = mapped({"sentiment": ["Positive", "Negative"]})
    assert by_control(results, "sentiment")[0]["value"] == {"choices": ["Positive"]}
    assert any("one choice allowed" in r for r in reasons)


def test_multiple_choices_use_aliases_and_drop_unknown_options_with_a_reason() -> None:
    results, reasons = mapped({"topics": ["sports", "Tech", "Cooking"]})
    assert by_control(results, "topics")[0]["value"] == {"choices": ["Sports", "technology"]}
    assert reasons == ["topics: 'Cooking' is not an option"]


def test_choice_not_in_the_config_gives_no_result() -> None:
    results, reasons = mapped({"sentiment": "Joyful"})
    assert by_control(results, "sentiment") == []
    assert reasons == ["sentiment: 'Joyful' is not an option"]


def test_spans_are_found_at_every_occurrence_with_verified_offsets() -> None:
    results, reasons = mapped({"ner": [{"text": "Bob", "label": "PER"}, {"text": "Acme", "label": "org"}]})
    spans = by_control(results, "ner")
    found = sorted((s["value"]["start"], s["value"]["end"], s["value"]["labels"][0]) for s in spans)  # type: ignore[index]
    assert found == [(8, 11, "PER"), (15, 19, "ORG"), (35, 38, "PER"), (44, 48, "ORG")]
    for span in spans:
        value = span["value"]
        assert TEXT[value["start"] : value["end"]] == value["text"]  # type: ignore[index]
    assert reasons == []


def test_span_matched_case_insensitively_when_no_exact_occurrence() -> None:
    results, _ = mapped({"ner": [{"text": "ANN", "label": "PER"}]})
    spans = [s["value"] for s in by_control(results, "ner")]
    assert [(v["start"], v["end"], v["text"]) for v in spans] == [(0, 3, "Ann"), (27, 30, "ann")]  # type: ignore[index]


def test_span_text_not_in_the_task_and_unknown_label_are_dropped() -> None:
    results, reasons = mapped({"ner": [{"text": "Carol", "label": "PER"}, {"text": "Bob", "label": "LOC"}]})
    assert by_control(results, "ner") == []
    assert reasons == ["ner: 'Carol' does not occur in the text", "ner: 'LOC' is not a label"]


def test_textarea_rating_and_number() -> None:
    results, reasons = mapped({"summary": "Two people met.", "stars": "4", "score": 7.5})
    assert by_control(results, "summary")[0]["value"] == {"text": ["Two people met."]}
    assert by_control(results, "stars")[0]["value"] == {"rating": 4}
    assert by_control(results, "score")[0]["value"] == {"number": 7.5}
    assert reasons == []


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ({"stars": 6}, "stars: 6 is not an integer from 1 to 5"),
        ({"stars": 2.5}, "stars: 2.5 is not an integer from 1 to 5"),
        ({"score": 11}, "score: 11 is out of range"),
        ({"score": "many"}, "score: 'many' is not a number"),
    ],
)
def test_rating_and_number_out_of_range_are_dropped(answer: dict[str, object], reason: str) -> None:
    results, reasons = mapped(answer)
    assert results == []
    assert reasons == [reason]


def test_taxonomy_paths_walk_the_tree_case_insensitively() -> None:
    results, reasons = mapped({"place": [["europe", "FRANCE"], ["Asia"], ["Europe", "Italy"]]})
    assert by_control(results, "place")[0]["value"] == {"taxonomy": [["Europe", "France"], ["Asia"]]}
    assert reasons == ["place: 'Europe / Italy' is not a path of the taxonomy"]


def test_taxonomy_single_flat_path() -> None:
    results, _ = mapped({"place": ["Europe", "Spain"]})
    assert by_control(results, "place")[0]["value"] == {"taxonomy": [["Europe", "Spain"]]}


def test_answer_schema_names_every_control_with_its_options() -> None:
    schema = answers.answer_schema(SCHEMA)
    props = schema["properties"]
    assert props["sentiment"] == {"type": "string", "enum": ["Positive", "Negative"]}
    assert props["topics"]["type"] == "array"
    assert props["topics"]["items"]["enum"] == ["Sports", "Politics", "technology"]
    assert props["ner"]["items"]["properties"]["label"]["enum"] == ["PER", "ORG"]
    assert props["stars"] == {"type": "integer", "minimum": 1, "maximum": 5}
    assert props["score"] == {"type": "number", "minimum": 0.0, "maximum": 10.0}
    assert set(props) == {"sentiment", "topics", "ner", "summary", "stars", "score", "place"}


def test_answer_of_a_result_maps_back_to_the_same_results() -> None:
    answer = {
        "sentiment": "Positive",
        "topics": ["Sports"],
        "summary": "x",
        "stars": 3,
        "score": 2,
        "place": [["Asia"]],
    }
    results, _ = mapped(answer)
    assert answers.answer_of(SCHEMA, results) == answer


def test_deeply_nested_or_huge_replies_are_refused_not_crashed() -> None:
    with pytest.raises(parse.Unparsable):
        parse.extract('{"a": ' * 100_000)
    with pytest.raises(parse.Unparsable):
        parse.extract("{" + "[" * 100_000)
