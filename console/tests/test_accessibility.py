"""Every page checked by axe-core (labels, contrast, landmarks, ARIA) in Chromium, and the
main pages reached with the keyboard alone."""

from __future__ import annotations

import json
import uuid

import pytest
from playwright.sync_api import Page, expect

from testing.fixtures.console import sign_in
from testing.fixtures.server import REPOSITORY, RunningServer

AXE = REPOSITORY / "console" / "node_modules" / "axe-core" / "axe.min.js"
PAGES = [
    "resources",
    "resources/{id}",
    "graph?resource={id}",
    "dead-letters",
    "providers",
    "files",
    "plan",
]


def _violations(page: Page) -> list[dict[str, object]]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})).violations
            .filter((v) => v.impact === 'serious' || v.impact === 'critical')
            .map((v) => ({id: v.id, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target)}))"""
    )
    return list(found)


def test_the_sign_in_page_has_no_serious_accessibility_violations(
    page: Page, console_server: RunningServer
) -> None:
    page.goto(console_server.url + "/")
    expect(page.get_by_label("API token")).to_be_visible()
    assert _violations(page) == []


@pytest.mark.parametrize("path", PAGES)
def test_each_page_has_no_serious_accessibility_violations(
    page: Page, console_server: RunningServer, path: str
) -> None:
    name = f"a11y-{uuid.uuid4().hex[:6]}"
    with console_server.client(timeout=30) as client:
        client.apply_resource({"provider": "testkit", "resource": "item", "name": name, "config": {}})
        client.wait_ready("testkit", "item", name, timeout=30)
    sign_in(page, console_server)
    page.goto(f"{console_server.url}/#/{path.format(id=f'resource:testkit_item_{name}')}")
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator('.loading, [aria-busy="true"]')).to_have_count(0)
    violations = _violations(page)
    assert violations == [], json.dumps(violations, indent=1)


def test_signing_in_and_opening_a_resource_by_keyboard(page: Page, console_server: RunningServer) -> None:
    name = f"keys-{uuid.uuid4().hex[:6]}"
    with console_server.client(timeout=30) as client:
        client.apply_resource({"provider": "testkit", "resource": "item", "name": name, "config": {}})
    page.goto(console_server.url + "/#/resources?q=" + name)
    # React renders after the load event: Tab only once the form is there.
    expect(page.get_by_label("API token")).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.get_by_label("API token")).to_be_focused()
    page.keyboard.type(console_server.token)
    page.keyboard.press("Enter")
    link = page.get_by_role("link", name=name)
    expect(link).to_be_visible()
    for _ in range(40):  # Tab along until the resource's link has the focus
        if page.evaluate("() => document.activeElement?.textContent") == name:
            break
        page.keyboard.press("Tab")
    expect(link).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
