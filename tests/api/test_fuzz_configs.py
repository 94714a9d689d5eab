"""Labeling configs from random XML-ish text and from known attacks (entity expansion, external entities,
XInclude, script, event handlers, deep nesting): a 400 naming the problem, never a 5xx; nothing that could
run script is ever accepted, and the contents of /etc/passwd never come back in a response."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from tests.api.test_fuzz_helpers import FUZZ, check_response, make_project, send_json

# U+0000 is refused for the whole body before any config check (tested in test_bad_input_examples).
NO_NUL = st.characters(codec="utf-8", exclude_characters="\x00")  # encodable: no lone surrogates


def _passwd_markers() -> list[str]:
    """Lines of the server's /etc/passwd that would only appear in a response if a config read the file."""
    try:
        lines = Path("/etc/passwd").read_text().splitlines()
    except OSError:
        lines = []
    return [line for line in lines if line.count(":") >= 5][:5] or ["root:x:0:0:"]


PASSWD = _passwd_markers()

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
    + ']><View><Header value="&lol9;"/></View>'
)
HOSTILE = {
    "billion laughs": BILLION_LAUGHS,
    "external entity": '<?xml version="1.0"?><!DOCTYPE v [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    '<View><Header value="&xxe;"/></View>',
    "external entity in text": '<!DOCTYPE v [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><View><Header>&xxe;</Header></View>',
    "parameter entity": '<!DOCTYPE v [<!ENTITY % xxe SYSTEM "file:///etc/passwd"> %xxe;]><View/>',
    "external dtd": '<!DOCTYPE View SYSTEM "file:///etc/passwd"><View/>',
    "lowercase doctype": '<!doctype View [<!entity x "y">]><View/>',
    "xinclude": '<View xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file:///etc/passwd" parse="text"/></View>',
    "undeclared entity": '<View><Header value="&xxe;"/></View>',
    "script tag": '<View><Text name="text" value="$text"/><script>alert(1)</script></View>',
    "script tag upper": "<View><SCRIPT>alert(1)</SCRIPT></View>",
    "script in cdata": "<View><Header><![CDATA[<script>alert(1)</script>]]></Header></View>",
    "onclick": '<View onclick="alert(1)"><Text name="text" value="$text"/></View>',
    "onmouseover on a tag": '<View><Text name="text" value="$text" onMouseOver="alert(1)"/></View>',
    "javascript url": '<View><Header value="x" href="javascript:alert(1)"/></View>',
    "javascript url with tab": '<View><Header value="x" href="java&#9;script:alert(1)"/></View>',
    "html handler in value": '<View><HyperText name="h" value="&lt;img src=x onerror=alert(1)&gt;"/></View>',
    "style expression": "<View><Style>.a { width: expression(alert(1)) }</Style></View>",
    "style closes": "<View><Style>.a{}</style><script>alert(1)</script></Style></View>",
    "iframe": '<View><iframe src="https://example.com"/></View>',
    "deeply nested 100": "<View>" * 100 + "</View>" * 100,
    "deeply nested 5000": "<View>" * 5000 + "</View>" * 5000,
    "unknown root": "<Html><View/></Html>",
    "not xml": "{'label_config': 1}",
    "empty": "",
    "nul": "\x00",
    "lone surrogate escape": "<View><Header value='&#xD800;'/></View>",
    "huge": "<View>" + "<Header value='x'/>" * 100_000 + "</View>",
}


def _assert_no_passwd(text: str) -> None:
    for marker in PASSWD:
        assert marker not in text, "the contents of /etc/passwd leaked into a response"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_hostile_configs_are_400(client: TestClient) -> None:
    """Config checks run before any database work, so one database is enough here."""
    pid = make_project(client)
    for name, xml in HOSTILE.items():
        for method, url, body in (
            ("POST", "/api/projects", {"title": name, "label_config": xml}),
            ("PATCH", f"/api/projects/{pid}", {"label_config": xml}),
            ("POST", "/api/projects/validate", {"label_config": xml}),
        ):
            r = send_json(client, method, url, body)
            _assert_no_passwd(r.text)
            out = check_response(r, frozenset({400}))
            # U+0000 is refused for the whole JSON body, before the config is looked at.
            prefix = "body: NUL" if name == "nul" else "label_config: "
            assert out["detail"].startswith(prefix), (name, out)
    assert client.get("/api/projects").json()["count"] == 1
    _assert_no_passwd(client.get(f"/api/projects/{pid}").text)


TAGS = ["View", "Text", "Labels", "Label", "Choices", "Choice", "Header", "Style", "HyperText", "TextArea",
        "Rating", "Relations", "Relation", "script", "iframe", "img", "a", "svg", "Unknown", "xi:include"]  # fmt: skip
ATTRIBUTES = ["name", "value", "toName", "choice", "maxRating", "onclick", "onload", "only", "href", "src",
              "style", "visibleWhen", "whenTagName", "html", "xmlns:xi", "background"]  # fmt: skip
ATTRIBUTE_VALUES = st.one_of(
    st.sampled_from(
        [
            "text",
            "$text",
            "label",
            "single",
            "5",
            "javascript:alert(1)",
            " JaVaScRiPt:alert(1)",
            "file:///etc/passwd",
            "&xxe;",
            "&#x3C;script&#x3E;",
            "&lt;img src=x onerror=alert(1)&gt;",
            "expression(alert(1))",
            "http://www.w3.org/2001/XInclude",
            "choice-selected",
            'x" onclick="alert(1)',
        ]
    ),
    st.text(NO_NUL, max_size=10),
)


@st.composite
def xmlish(draw: st.DrawFn, depth: int = 0) -> str:
    """Tags, attributes and text from the config vocabulary, sometimes unbalanced or with stray markup."""
    tag = draw(st.sampled_from(TAGS))
    attrs = "".join(
        f' {a}="{v}"'
        for a, v in draw(st.lists(st.tuples(st.sampled_from(ATTRIBUTES), ATTRIBUTE_VALUES), max_size=3))
    )
    children = "" if depth >= 3 else "".join(draw(st.lists(xmlish(depth + 1), max_size=3)))
    text = draw(
        st.one_of(
            st.just(""), st.text(NO_NUL, max_size=8), st.sampled_from(["<script>", "&xxe;", "]]>", "<!--"])
        )
    )
    close = draw(st.sampled_from([f"</{tag}>", f"</{tag}>", f"</{tag}>", "", "</View>"]))
    return f"<{tag}{attrs}>{text}{children}{close}"


configs = st.one_of(
    xmlish().map(lambda inner: f"<View>{inner}</View>"),
    xmlish(),
    st.builds(
        lambda prolog, body: prolog + body,
        st.sampled_from(
            ["", '<?xml version="1.0"?>', "<!DOCTYPE View>", '<?xml-stylesheet href="x"?>', "\ufeff"]
        ),
        xmlish().map(lambda inner: f"<View>{inner}</View>"),
    ),
    st.text(NO_NUL, max_size=60),
)


def _assert_safe(config: str) -> None:
    """An accepted config holds no script element, no event handler and no script URL."""
    root = etree.fromstring(config.removeprefix("\ufeff").encode(), etree.XMLParser(resolve_entities=False))
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        assert etree.QName(el).localname.lower() not in ("script", "iframe"), config
        for key, value in el.attrib.items():
            name = etree.QName(key).localname.lower()
            assert not (name.startswith("on") and name != "only"), config
            assert not re.search(r"(java|vb)script:", re.sub(r"[\x00-\x20]+", "", value).lower()), config


@FUZZ
@given(config=configs, how=st.sampled_from(["create", "patch", "validate"]))
def test_random_configs_never_5xx_and_never_unsafe(client: TestClient, config: str, how: str) -> None:
    if how == "create":
        r = client.post("/api/projects", json={"title": "cfg", "label_config": config})
    elif how == "patch":
        pid = make_project(client)
        r = client.patch(f"/api/projects/{pid}", json={"label_config": config})
    else:
        r = client.post("/api/projects/validate", json={"label_config": config})
    _assert_no_passwd(r.text)
    body = check_response(r, frozenset({200, 201, 400}))
    if r.status_code == 400:
        assert body["detail"].startswith("label_config: "), body
    else:
        _assert_safe(config)
