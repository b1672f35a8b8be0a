"""Chromium starts through Playwright and renders Chinese text with real CJK glyphs."""

import pytest

pytestmark = pytest.mark.browser


def test_chromium_renders_chinese_heading(page, screenshot_dir):
    page.set_content("<html><body><h1>督察整改台账</h1></body></html>")

    page.screenshot(path=screenshot_dir / "smoke-cjk.png")

    assert page.locator("h1").inner_text() == "督察整改台账"
    assert page.console_errors == []
