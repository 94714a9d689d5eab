"""Text to TF-IDF features: word uni- and bigrams plus character 2-4-grams within words.

Why both: words carry the meaning, character n-grams survive typos, inflections and the short texts
labeling projects are full of. Why our own state and not a pickled vectorizer: a model version is stored
as plain arrays (the terms in index order and their idf), so loading one never runs code from a file
(DESIGN: no pickle), and `Features.restore` rebuilds vectorizers that transform exactly as the fitted
ones did.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from sklearn.feature_extraction.text import TfidfVectorizer

MAX_WORDS = 50_000
MAX_CHARS = 50_000
MAX_TEXT = 20_000  # characters of a task's text the features look at
_TAGS = re.compile(r"<[^>]*>")


def plain(value: Any, hypertext: bool = False) -> str:
    """The text of a task's value: HTML tags dropped and entities read for HyperText; a list (Label
    Studio's `valueList`, paragraphs) joined; anything else as its string."""
    if isinstance(value, list):
        parts = [str(v.get("text", "")) if isinstance(v, dict) else str(v) for v in value]
        value = "\n".join(parts)
    text = "" if value is None else str(value)
    if hypertext:
        text = html.unescape(_TAGS.sub(" ", text))
    return text[:MAX_TEXT]


def _word(vocabulary: Sequence[str] | None = None) -> TfidfVectorizer:
    return TfidfVectorizer(
        ngram_range=(1, 2),
        sublinear_tf=True,
        min_df=1,
        max_features=MAX_WORDS,
        lowercase=True,
        vocabulary=list(vocabulary) if vocabulary is not None else None,
        dtype=np.float64,
    )


def _char(vocabulary: Sequence[str] | None = None) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 4),
        sublinear_tf=True,
        min_df=1,
        max_features=MAX_CHARS,
        lowercase=True,
        vocabulary=list(vocabulary) if vocabulary is not None else None,
        dtype=np.float64,
    )


def _fitted(make: Any, texts: Sequence[str]) -> TfidfVectorizer:
    """A vectorizer fitted on `texts`; one with a single unused term when they hold no term at all (texts
    of only punctuation or empty), so the other vectorizer still carries the features."""
    vectorizer: TfidfVectorizer = make()
    try:
        vectorizer.fit(texts)
    except ValueError:
        vectorizer = make(["\x00"])
        vectorizer.fit(["\x00"])
    return vectorizer


def _terms(vectorizer: TfidfVectorizer) -> list[str]:
    vocabulary: dict[str, int] = vectorizer.vocabulary_
    return sorted(vocabulary, key=vocabulary.__getitem__)


@dataclass
class Features:
    """Fitted word and character vectorizers; `arrays` and `terms` are what a model version stores."""

    word: TfidfVectorizer
    char: TfidfVectorizer

    @classmethod
    def fit(cls, texts: Sequence[str]) -> Features:
        return cls(_fitted(_word, texts), _fitted(_char, texts))

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        return sp.hstack([self.word.transform(texts), self.char.transform(texts)], format="csr")

    @property
    def size(self) -> int:
        return len(self.word.vocabulary_) + len(self.char.vocabulary_)

    def terms(self) -> dict[str, list[str]]:
        return {"word": _terms(self.word), "char": _terms(self.char)}

    def arrays(self) -> dict[str, NDArray[np.float64]]:
        return {"idf_word": np.asarray(self.word.idf_), "idf_char": np.asarray(self.char.idf_)}

    @classmethod
    def restore(cls, terms: dict[str, list[str]], arrays: dict[str, NDArray[np.float64]]) -> Features:
        word, char = _word(terms["word"]), _char(terms["char"])
        word.idf_ = arrays["idf_word"]
        char.idf_ = arrays["idf_char"]
        return cls(word, char)
