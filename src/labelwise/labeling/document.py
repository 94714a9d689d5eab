"""Turning untrusted config text into an lxml tree without letting it attack the server or the browser.

Configs are written by project managers but may be pasted from anywhere, and the view they describe is later
rendered to every annotator; so entity tricks (XXE, billion laughs) are refused before lxml sees them, and
anything that could run script in the editor is refused rather than sanitised.
"""

from __future__ import annotations

import re

from lxml import etree

from labelwise.labeling.errors import ConfigError

MAX_CONFIG_BYTES = 1_000_000
MAX_DEPTH = 64

_DECLARATION = re.compile(r"<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST)", re.IGNORECASE)
_CONTROL_CHARS = re.compile(r"[\x00-\x20]+")
_URL_SCHEME = re.compile(r"(?:^|[\"'(=,;])(?:javascript|vbscript|livescript):")
_HTML_HANDLER = re.compile(r"<[^>]*[\s/\"']on[a-z]+\s*=", re.IGNORECASE)
_CSS_SCRIPT = re.compile(r"expression\s*\(|-moz-binding|behavior\s*:|@import", re.IGNORECASE)

# Real LS attributes that happen to start with "on" and are not event handlers.
_ON_ATTRIBUTE_EXCEPTIONS = frozenset({"only"})


def load(xml: object) -> etree._Element:
    """Parse config text (str or UTF-8 bytes) into its root element, or raise ConfigError."""
    text = _as_text(xml)
    declaration = _DECLARATION.search(text)
    if declaration is not None:
        line = text.count("\n", 0, declaration.start()) + 1
        raise ConfigError("DOCTYPE is not allowed (nor ENTITY declarations)", line=line)
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
        encoding="utf-8",
    )
    try:
        root = etree.fromstring(text.encode("utf-8"), parser)
    except etree.XMLSyntaxError as exc:
        message = exc.msg or "malformed XML"
        raise ConfigError(f"malformed XML: {message}", line=exc.lineno or None) from None
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"malformed XML: {exc}") from None
    if root is None:
        raise ConfigError("config is empty")
    docinfo = root.getroottree().docinfo
    if getattr(docinfo, "doctype", "") or getattr(docinfo, "internalDTD", None) is not None:
        raise ConfigError("DOCTYPE is not allowed (nor ENTITY declarations)", line=1)
    return root


def line_of(element: etree._Element) -> int | None:
    """lxml's source line, typed loosely by the stubs; None when unknown."""
    line = element.sourceline
    return line if isinstance(line, int) else None


def _as_text(xml: object) -> str:
    if isinstance(xml, bytes | bytearray):
        if len(xml) > MAX_CONFIG_BYTES:
            raise ConfigError(f"config is larger than {MAX_CONFIG_BYTES} bytes")
        try:
            text = bytes(xml).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ConfigError(f"config is not valid UTF-8 (byte {exc.start})") from None
    elif isinstance(xml, str):
        text = xml
    else:
        raise ConfigError(f"config must be text, not {type(xml).__name__}")
    text = text.removeprefix("\ufeff")
    if len(text) > MAX_CONFIG_BYTES:
        raise ConfigError(f"config is larger than {MAX_CONFIG_BYTES} bytes")
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:
        raise ConfigError("config contains characters that cannot be encoded (lone surrogates)") from None
    if size > MAX_CONFIG_BYTES:
        raise ConfigError(f"config is larger than {MAX_CONFIG_BYTES} bytes")
    if not text.strip():
        raise ConfigError("config is empty")
    return text


def check_attribute(tag: str, name: str | None, attribute: str, value: str, line: int | None) -> None:
    """Refuse event handlers and script URLs, including inside HTML carried by `html=` or literal values."""
    lowered = attribute.lower()
    if lowered.startswith("on") and lowered not in _ON_ATTRIBUTE_EXCEPTIONS:
        raise ConfigError(
            "event-handler attributes are not allowed", tag=tag, attribute=attribute, line=line, name=name
        )
    compact = _CONTROL_CHARS.sub("", value).lower()
    if "<script" in compact or _URL_SCHEME.search(compact) or _HTML_HANDLER.search(value):
        raise ConfigError(
            "script content is not allowed in attribute values",
            tag=tag,
            attribute=attribute,
            line=line,
            name=name,
        )


def check_text(tag: str, text: str, line: int | None) -> None:
    """Refuse text that would escape a <style> block or run script once the view is rendered as HTML."""
    compact = _CONTROL_CHARS.sub("", text).lower()
    if "<script" in compact or "</style" in compact:
        raise ConfigError("script content is not allowed", tag=tag, line=line)
    if tag == "Style" and (
        _URL_SCHEME.search(compact) or "javascript:" in compact or _CSS_SCRIPT.search(text)
    ):
        raise ConfigError("script content is not allowed in styles", tag=tag, line=line)
