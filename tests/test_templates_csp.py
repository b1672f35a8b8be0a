"""Templates and app scripts stay within the Content-Security-Policy, so a regression fails here first.

The policy (rectify/settings.py) blocks inline <script>, on*= handlers, javascript: URLs, style=
attributes, <style> elements and eval. Data in <script type="application/json"> is never executed
and stays allowed (json_script).
"""

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = sorted((REPO / "templates").rglob("*.html"))
SCRIPTS = sorted((REPO / "static" / "app").glob("*.js"))

TAG = re.compile(r"<[a-zA-Z][^>]*>", re.S)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.I)
HTMX_EVAL = re.compile(r"\s(?:data-)?hx-on[:-]|\bjs:|\bjavascript:", re.I)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)
DATA_SCRIPT = re.compile(r"""\btype\s*=\s*["']application/(?:ld\+)?json["']""", re.I)
JS_EVAL = re.compile(
    r"\beval\s*\(|\bnew\s+Function\s*\(|set(?:Timeout|Interval)\s*\(\s*[\"'`]|"
    r"setAttribute\s*\(\s*[\"'](?:style|on[a-z]+)[\"']"
)


COMMENT = re.compile(r"\{#.*?#\}|\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", re.S)


def csp_problems(html: str) -> list[str]:
    html = COMMENT.sub("", html)  # template comments may name what they avoid
    problems = []
    for tag in TAG.findall(html):
        if EVENT_HANDLER.search(tag):
            problems.append(f"inline event handler: {tag[:120]}")
        if STYLE_ATTRIBUTE.search(tag):
            problems.append(f"style attribute: {tag[:120]}")
        if HTMX_EVAL.search(tag):
            problems.append(f"evaluated attribute (hx-on / js: / javascript:): {tag[:120]}")
    for attributes in SCRIPT_TAG.findall(html):
        if "src=" not in attributes and not DATA_SCRIPT.search(attributes):
            problems.append(f"inline <script{attributes}>")
    if re.search(r"<style\b", html, re.I):
        problems.append("<style> element")
    return problems


@pytest.mark.parametrize(
    "html",
    [
        '<button onclick="window.print()">',
        "<select class=x\n  onchange='this.form.submit()'>",
        '<div style="width: 5%">',
        "<script>window.location.reload();</script>",
        '<script type="module">go()</script>',
        "<style>.a{}</style>",
        '<button hx-on:click="go()">',
        '<a href="javascript:go()">',
    ],
)
def test_the_check_catches_what_the_policy_blocks(html):
    assert csp_problems(html)


@pytest.mark.parametrize(
    "html",
    [
        '<script src="/static/app/app.js"></script>',
        '<script id="d" type="application/json">{"a": 1}</script>',
        '<select data-submit-on-change class="form-select">',
        '<div class="progress-bar bar-w-40">',
        "<p>Set style= and onclick= in text is fine</p>",
        "{# no inline <style> or <script> here #}",
        "{% comment %}\n<script>go()</script>\n{% endcomment %}",
    ],
)
def test_the_check_lets_compliant_markup_through(html):
    assert csp_problems(html) == []


def test_templates_exist():
    assert len(TEMPLATES) > 20 and len(SCRIPTS) >= 5


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(REPO / "templates")))
def test_template_has_no_inline_script_handler_or_style(path):
    assert csp_problems(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_app_script_does_not_eval_or_set_inline_code(path):
    assert JS_EVAL.findall(path.read_text(encoding="utf-8")) == []
