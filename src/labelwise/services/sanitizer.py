"""HTML that reaches a page from task data or from project instructions, made inert on the server.

Both go through nh3 (the Rust `ammonia` sanitizer): scripts, event handlers, `style`, forms and frames are
dropped, and links keep only http(s) and mailto URLs, opening with `rel="noopener noreferrer"`. HyperText is
sanitized when a task is handed to the editor, so the stored data stays exactly what was imported (span
offsets of HyperText labels refer to the sanitized document the annotator saw, as in Label Studio, where the
browser's parser normalizes it too). Instructions are Markdown rendered with raw HTML disabled, then
sanitized anyway.
"""

from __future__ import annotations

from functools import cache

import nh3
from markdown_it import MarkdownIt

URL_SCHEMES = {"http", "https", "mailto"}
# Images in task HTML may point anywhere the CSP's img-src allows (the page's own origin and data: URLs);
# the browser refuses the rest, so a hostile <img src> can neither run code nor leak a request off-site.
IMAGE_SCHEMES = URL_SCHEMES | {"data"}


def hypertext(html: str) -> str:
    """Task HTML for a `<HyperText>` tag: structure and text kept, everything executable dropped."""
    return nh3.clean(
        html,
        url_schemes=IMAGE_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
        attributes=_attributes(),
    )


def markdown(text: str) -> str:
    """Project instructions: Markdown to HTML (raw HTML in the source stays text), then sanitized."""
    rendered = _markdown().render(text)
    return nh3.clean(rendered, url_schemes=URL_SCHEMES, link_rel="noopener noreferrer")


@cache
def _attributes() -> dict[str, set[str]]:
    allowed = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()}
    for tag in nh3.ALLOWED_TAGS:
        allowed.setdefault(tag, set()).update({"class", "title", "lang", "dir"})
    return allowed


@cache
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
