"""Built-in labeling configs people start projects from, each with a task that shows what data it expects.

The XML lives in `templates/*.xml` (package data) so it reads like any LS config; the metadata and sample
tasks live here so a test can check that every template parses and that its sample task has every key it uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from typing import Any

NLP = "Natural Language Processing"
CV = "Computer Vision"
AUDIO = "Audio/Speech Processing"
RANKING = "Ranking & Scoring"
GENAI = "Generative AI"
STRUCTURED = "Structured Data"
TIME_SERIES = "Time Series Analysis"


@dataclass(frozen=True)
class Template:
    id: str
    title: str
    group: str
    description: str
    sample_task: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def config(self) -> str:
        """The XML, read lazily from package data so importing the module stays cheap."""
        return (
            resources.files("labelwise.labeling").joinpath("templates", f"{self.id}.xml").read_text("utf-8")
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "group": self.group,
            "description": self.description,
            "config": self.config,
            "sample_task": self.sample_task,
        }


_REVIEW = "The battery lasts two days and the screen is gorgeous, but the speaker crackles at high volume."
_NEWS = "Ada Lovelace worked with Charles Babbage in London on the Analytical Engine."

TEMPLATES: list[Template] = [
    Template(
        "text_classification",
        "Text Classification",
        NLP,
        "Assign one sentiment class to each text.",
        {"text": _REVIEW},
    ),
    Template(
        "multi_label_classification",
        "Multi-Label Text Classification",
        NLP,
        "Tag a document with every topic that applies.",
        {"text": "The central bank raised rates as chip makers reported record quarterly profits."},
    ),
    Template(
        "named_entity_recognition",
        "Named Entity Recognition",
        NLP,
        "Highlight people, organizations, places and other entities in text.",
        {"text": _NEWS},
    ),
    Template(
        "relation_extraction",
        "Relation Extraction",
        NLP,
        "Mark entities, then draw labeled relations between them.",
        {"text": "Marie Curie worked for the University of Paris, located in France."},
    ),
    Template(
        "sentiment_rating",
        "Sentiment Analysis with Intensity",
        NLP,
        "Classify the sentiment of a review and rate how strongly it is expressed.",
        {"review": _REVIEW},
    ),
    Template(
        "dialogue_intent",
        "Dialogue Intent Classification",
        NLP,
        "Label the intent of each turn in a conversation and whether the issue was resolved.",
        {
            "dialogue": [
                {"author": "Customer", "text": "Hi, my order never arrived."},
                {"author": "Agent", "text": "Sorry to hear that! Could you share the order number?"},
                {"author": "Customer", "text": "It is 48213. Thanks, bye."},
            ]
        },
    ),
    Template(
        "pairwise_text",
        "Pairwise Comparison of Texts",
        RANKING,
        "Pick the better of two texts, for preference data or model comparison.",
        {
            "summary_a": "The council approved the new park budget after a long debate.",
            "summary_b": "A park was discussed.",
        },
    ),
    Template(
        "llm_answer_grading",
        "LLM Answer Grading",
        GENAI,
        "Judge a model's answer for correctness and helpfulness, and explain what is wrong.",
        {"prompt": "What is the boiling point of water at sea level?", "answer": "100 degrees Celsius."},
    ),
    Template(
        "taxonomy",
        "Taxonomy Classification",
        NLP,
        "Place a text in a hierarchy of categories.",
        {"text": "Noise-cancelling over-ear headphones with 30 hours of battery life."},
    ),
    Template(
        "question_answering",
        "Question Answering",
        NLP,
        "Answer a question in free text from a passage, or mark it unanswerable.",
        {
            "question": "Who did Ada Lovelace work with?",
            "context": _NEWS,
        },
    ),
    Template(
        "image_classification",
        "Image Classification",
        CV,
        "Assign one class to each image.",
        {"image": "https://example.org/images/cat.jpg"},
    ),
    Template(
        "object_detection",
        "Object Detection with Bounding Boxes",
        CV,
        "Draw labeled boxes around objects.",
        {"image": "https://example.org/images/street.jpg"},
    ),
    Template(
        "polygon_segmentation",
        "Semantic Segmentation with Polygons",
        CV,
        "Outline regions with labeled polygons.",
        {"image": "https://example.org/images/aerial.jpg"},
    ),
    Template(
        "keypoints",
        "Keypoint Labeling",
        CV,
        "Place labeled points on body landmarks.",
        {"image": "https://example.org/images/person.jpg"},
    ),
    Template(
        "ocr",
        "Optical Character Recognition",
        CV,
        "Box each text region in an image and transcribe it.",
        {"ocr": "https://example.org/images/receipt.png"},
    ),
    Template(
        "semantic_segmentation",
        "Semantic Segmentation with Masks",
        CV,
        "Paint pixel masks for each class.",
        {"image": "https://example.org/images/landscape.jpg"},
    ),
    Template(
        "audio_classification",
        "Audio Classification",
        AUDIO,
        "Classify the main content of an audio clip.",
        {"audio": "https://example.org/audio/clip.wav"},
    ),
    Template(
        "speaker_segmentation",
        "Speaker Segmentation",
        AUDIO,
        "Mark who speaks when in a recording.",
        {"audio": "https://example.org/audio/meeting.mp3"},
    ),
    Template(
        "audio_transcription",
        "Audio Transcription",
        AUDIO,
        "Mark segments of speech in a recording and type what is said in each.",
        {"audio": "https://example.org/audio/voicemail.wav"},
    ),
    Template(
        "ranking",
        "Search Results Ranking",
        RANKING,
        "Sort search results for a query into relevant and not relevant.",
        {
            "query": "python dataclass frozen",
            "items": [
                {
                    "id": "docs",
                    "title": "dataclasses - Data Classes",
                    "body": "frozen=True makes...",
                },
                {"id": "blog", "title": "10 Python tricks", "body": "Trick 7: frozen dataclasses..."},
                {"id": "ad", "title": "Buy shoes", "body": "Best prices on sneakers."},
            ],
        },
    ),
    Template(
        "html_ner",
        "HTML Entity Recognition",
        NLP,
        "Highlight entities inside an HTML document.",
        {"html": "<p><b>Grace Hopper</b> joined <i>Remington Rand</i> in 1949.</p>"},
    ),
    Template(
        "time_series_segmentation",
        "Time Series Segmentation",
        TIME_SERIES,
        "Mark activity intervals in sensor data.",
        {"csv": "https://example.org/data/accelerometer.csv"},
    ),
    Template(
        "tabular_review",
        "Invoice Record Review",
        STRUCTURED,
        "Check an extracted record and enter its amount and date.",
        {"record": {"vendor": "ACME Corp", "total": "1,204.50", "date": "2024-03-01"}},
    ),
    Template(
        "supervised_fine_tuning",
        "Supervised Fine-Tuning Responses",
        GENAI,
        "Write the ideal response to a prompt for instruction tuning.",
        {"prompt": "Explain recursion to a ten-year-old."},
    ),
]

_BY_ID = {template.id: template for template in TEMPLATES}


def get_template(template_id: str) -> Template:
    """Look a template up by id; KeyError names the unknown id."""
    try:
        return _BY_ID[template_id]
    except KeyError:
        raise KeyError(f"no template {template_id!r}") from None
