"""The Swagger UI page at / loads offline in headless Chromium and executes one request."""

from __future__ import annotations

import json

import httpx
import pytest

pytestmark = pytest.mark.slow


def test_swagger_ui_executes_a_request(descriptors_server, headless_chromium):
    playwright = pytest.importorskip("playwright.sync_api")
    requests: list[str] = []
    spec = httpx.get(descriptors_server.url + "/docs.json").json()
    example = spec["paths"]["/double"]["post"]["requestBody"]["content"]["application/json"]["example"]
    assert example == [[1, 1, 1]]  # NumpyNdarray(dtype="int64", shape=[-1, 3], enforce_shape=True)
    with playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(**headless_chromium)
        try:
            page = browser.new_page()
            page.on("request", lambda r: requests.append(r.url))
            page.goto(descriptors_server.url + "/", wait_until="load")
            block = page.locator("#operations-Service_APIs-double")
            block.locator(".opblock-summary").click()
            block.locator("button.try-out__btn").click()
            textarea = block.locator("textarea.body-param__text")
            assert json.loads(textarea.input_value()) == example  # prefilled from the declared shape
            textarea.fill(json.dumps([[1, 2, 3]]))
            block.locator("button.execute").click()
            status = block.locator(".live-responses-table tbody .response-col_status").first
            status.wait_for(timeout=20_000)
            assert status.inner_text().strip().startswith("200")
            body = block.locator(".live-responses-table tbody .response-col_description pre").first.inner_text()
            assert json.loads(body) == [[2, 4, 6]]
        finally:
            browser.close()
    assert all(u.startswith(descriptors_server.url) for u in requests), requests  # nothing from the internet
    assert any(u.endswith("/docs.json") for u in requests)
