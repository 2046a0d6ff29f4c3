"""The resources page with 100,000 resources stored: how long its first page takes to show.

The figure is printed and written to artifacts/console/first-page.txt (docs/BENCHMARKS.md
quotes it); no time is asserted, only that the first page shows the right rows.
"""

from __future__ import annotations

import time

import httpx
from playwright.sync_api import Page, expect

from testing.fixtures.console import ARTIFACTS, screenshot, sign_in
from testing.fixtures.server import RunningServer

RESOURCES = 100_000
BATCH = 1_000  # MAX_BATCH_DOCUMENTS

# Set before the page's own scripts run: the time (ms since navigation start) at which the
# first row of the resources table entered the document.
FIRST_ROW_PROBE = """
new MutationObserver((_, observer) => {
    if (document.querySelector('table[aria-label="Resources"] tbody tr')) {
        window.__firstRowAt = performance.now();
        observer.disconnect();
    }
}).observe(document, { childList: true, subtree: true });
"""


def _seed(server: RunningServer) -> float:
    """Store RESOURCES drafts (no events, so no handler runs) in batches; returns the seconds taken."""
    started = time.perf_counter()
    headers = {"Authorization": f"Bearer {server.token}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=120) as http:
        for start in range(0, RESOURCES, BATCH):
            documents = [
                {
                    "provider": "bulk",
                    "resource": "thing",
                    "name": f"r{index:06d}",
                    "config": {"index": index},
                    "tags": [f"shard:{index % 10}"],
                    "lifecycle_state": "draft",
                }
                for index in range(start, start + BATCH)
            ]
            response = http.post("/resources/apply/batch", json={"documents": documents})
            assert response.status_code == 200, response.text
    return time.perf_counter() - started


def _load(page: Page, url: str) -> float:
    page.goto(url)
    page.wait_for_function("() => window.__firstRowAt !== undefined")
    return float(page.evaluate("() => window.__firstRowAt"))


def test_the_first_page_of_100000_resources(page: Page, console_server: RunningServer) -> None:
    seeded_in = _seed(console_server)
    sign_in(page, console_server)  # the token stays in the session for the loads below
    page.add_init_script(FIRST_ROW_PROBE)

    figures = {}
    for label, path in (
        ("first page", "/#/resources"),
        ("first page, state filter", "/#/resources?state=draft"),
        ("first page, tag filter", "/#/resources?tag=shard%3A7"),
        ("first page, name search (rare match)", "/#/resources?q=r0999"),
    ):
        page.goto("about:blank")  # away, so that the next load is a fresh one
        figures[label] = _load(page, console_server.url + path)

    page.goto("about:blank")
    figures["first page, loaded again"] = _load(page, console_server.url + "/#/resources")
    rows = page.locator('table[aria-label="Resources"] tbody tr')
    expect(rows).to_have_count(50)
    expect(rows.first).to_contain_text("r000000")
    expect(rows.last).to_contain_text("r000049")
    screenshot(page, "resources-at-scale")

    report = [
        f"{RESOURCES} resources stored (seeded in {seeded_in:.1f} s through POST /resources/apply/batch)"
    ]
    report += [
        f"{label}: {milliseconds:.0f} ms from navigation to the first row"
        for label, milliseconds in figures.items()
    ]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "first-page.txt").write_text("\n".join(report) + "\n")
    print("\n".join(report))
