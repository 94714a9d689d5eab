"""HyperText and instructions lose everything executable and keep their text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labelwise.services import sanitizer

PROBES = [
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    "<script>alert(1)</script>",
    "<svg><script>alert(1)</script></svg>",
    '<iframe src="https://evil.example"></iframe>',
    '<p style="background:url(https://evil.example/x)">x</p>',
    '<form action="https://evil.example"><input name=a></form>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<div onmouseover="alert(1)">x</div>',
    "</p><script>alert(1)</script>",
]


@pytest.mark.parametrize("probe", PROBES)
def test_hypertext_drops_what_could_run(probe: str) -> None:
    clean = sanitizer.hypertext(probe).lower()
    for bad in ("<script", "onerror", "onmouseover", "javascript:", "<iframe", "style=", "<form", "<input"):
        assert bad not in clean


def test_hypertext_keeps_structure_text_and_safe_links() -> None:
    clean = sanitizer.hypertext(
        '<p class="q">Hello <b>world</b> <a href="https://example.com/a">link</a></p>'
    )
    assert clean == (
        '<p class="q">Hello <b>world</b> <a href="https://example.com/a" rel="noopener noreferrer">link</a></p>'
    )


def test_markdown_renders_and_keeps_raw_html_as_text() -> None:
    html = sanitizer.markdown("# Rules\n\n**Bold** <img src=x onerror=alert(1)> [x](javascript:alert(1))")
    assert "<h1>Rules</h1>" in html
    assert "<strong>Bold</strong>" in html
    assert "<img" not in html
    assert 'href="javascript' not in html


@given(st.text(max_size=200))
def test_markdown_never_emits_script_or_handlers(text: str) -> None:
    html = sanitizer.markdown(text).lower()
    assert "<script" not in html
    assert " onerror=" not in html
