"""The explorer page of ``varsynth serve`` as a person uses it, in headless Chromium (Playwright).

Uses Debian's ``chromium`` (``/usr/bin/chromium``, or ``VARSYNTH_CHROMIUM``). Without it the tests
skip, with the reason; under ``CI=true`` they fail instead (``.ci/run`` installs it). The
screenshots in docs/serve/ are saved by ``python tools/serve_screenshots.py``, not by a test.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from conftest import in_ci

CHROMIUM = os.environ.get("VARSYNTH_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser():
    why = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        why = "playwright is not installed (pip install -e '.[test]')"
    if why is None and not Path(CHROMIUM).is_file():
        why = f"no Chromium at {CHROMIUM} (apt-get install -y chromium)"
    if why:
        if in_ci():
            pytest.fail(f"{why}; CI=true: the browser tests must run", pytrace=False)
        pytest.skip(why)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


def _open(browser, url, width=1280, height=900):
    page = browser.new_page(viewport={"width": width, "height": height}, accept_downloads=True)
    errors, hosts = [], []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: hosts.append(r.url))
    page.goto(url + "/")
    page.wait_for_function("Number(document.body.dataset.updates) >= 1", timeout=30_000)
    return page, errors, hosts


def _updates(page) -> int:
    return int(page.evaluate("document.body.dataset.updates"))


def _wait_update(page, before: int) -> float:
    start = time.perf_counter()
    page.wait_for_function(f"Number(document.body.dataset.updates) > {before}", timeout=20_000)
    return time.perf_counter() - start


def test_moving_the_period_slider_changes_plot_and_command(browser, served):
    url, _ = served
    page, errors, hosts = _open(browser, url)
    command = page.text_content("#command")
    signature = page.get_attribute("#plot-time", "data-signature")
    assert "--class RRLYR" in command and int(page.get_attribute("#plot-time", "data-points")) > 100
    before = _updates(page)
    page.focus("#period-slider")
    page.keyboard.press("End")  # the top of the training range
    seconds = _wait_update(page, before)
    new_command = page.text_content("#command")
    assert new_command != command and "--period 0.99" in new_command
    assert page.get_attribute("#plot-time", "data-signature") != signature
    assert seconds < 5, f"the plots took {seconds:.2f} s to follow the slider"
    assert "0.99" in page.text_content("#drawn")
    assert not errors
    assert all(h.startswith(url) or h.startswith(("data:", "blob:")) for h in hosts)  # offline: no CDN


def test_download_reads_back(browser, served, tmp_path):
    from varsynth.generation.writers import read_table

    url, _ = served
    page, _, _ = _open(browser, url)
    ids = [td.text_content() for td in page.query_selector_all("#drawn tbody tr td:first-child")]
    for fmt in ("csv", "parquet", "ecsv"):
        with page.expect_download() as info:
            page.click(f".downloads button[data-format={fmt}]")
        path = tmp_path / f"lc.{fmt}"
        info.value.save_as(path)
        table = read_table(path)
        assert sorted(set(table["id"])) == sorted(ids)
        assert set(table["band"]) == {"I", "V"}


def test_an_out_of_range_value_shows_a_message(browser, served):
    url, _ = served
    page, _, _ = _open(browser, url)
    page.fill("#teff-value", "20000")
    page.wait_for_selector("#message:not([hidden])", timeout=20_000)
    message = page.text_content("#message")
    assert message.startswith("teff:") and "training range" in message
    page.fill("#teff-value", "6500")
    page.wait_for_selector("#message[hidden]", state="attached", timeout=20_000)


def test_class_change_and_phone_width(browser, served):
    url, _ = served
    page, errors, _ = _open(browser, url, width=390, height=844)
    assert page.evaluate("document.documentElement.scrollWidth") <= 391  # no sideways scrolling
    before = _updates(page)
    page.select_option("#vclass", "CEP")
    _wait_update(page, before)
    assert "--class CEP" in page.text_content("#command")
    assert "training range" in page.text_content("#period-range")
    assert not errors
