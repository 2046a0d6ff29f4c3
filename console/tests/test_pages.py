"""The console's pages driven in Chromium against a server with testkit workers: resources
live, a resource with its history and links, the graph, dead letters, files and plans."""

from __future__ import annotations

import time
import uuid

from playwright.sync_api import Page, expect

from pragma_sdk import PragmaClient
from testing.fixtures.console import screenshot, sign_in
from testing.fixtures.server import RunningServer


def _item(name: str, *, depends_on: tuple[str, ...] = (), owner: str | None = None, **config: object) -> dict:
    document: dict = {
        "provider": "testkit",
        "resource": "item",
        "name": name,
        "config": {"value": name, **config},
    }
    document["dependencies"] = [
        {"provider": "testkit", "resource": "item", "name": dep} for dep in depends_on
    ]
    if owner:
        document["owner_references"] = [{"provider": "testkit", "resource": "item", "name": owner}]
    return document


def _id(name: str) -> str:
    return f"resource:testkit_item_{name}"


def test_an_applied_resource_appears_and_turns_ready_live(page: Page, console_server: RunningServer) -> None:
    name = f"live-{uuid.uuid4().hex[:8]}"
    sign_in(page, console_server)
    page.goto(console_server.url + "/#/resources?provider=testkit")
    expect(page.get_by_role("status").filter(has_text="Live")).to_be_visible()
    page.evaluate("() => { window.__sameDocument = true; }")

    with console_server.client(timeout=30) as client:
        client.apply_resource(_item(name, sleep=0.1))
    row = page.locator(f'tr[data-id="{_id(name)}"]')
    # The bar: the row appears and turns ready within 2 s of the apply, without a reload.
    expect(row).to_be_visible(timeout=2_000)
    expect(row).to_have_attribute("data-state", "ready", timeout=2_000)
    expect(row.get_by_text("ready")).to_be_visible()
    assert page.evaluate("() => window.__sameDocument") is True
    screenshot(page, "resources")

    page.get_by_label("State").select_option("failed")
    page.get_by_role("button", name="Filter").click()
    expect(row).to_have_count(0)
    page.get_by_label("State").select_option("ready")
    page.get_by_label("Name contains").fill(name.upper())
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(row).to_be_visible()


def test_a_resource_shows_its_history_dependencies_dependents_and_owned(
    page: Page, console_server: RunningServer
) -> None:
    tag = uuid.uuid4().hex[:6]
    network, database, app, backup = (f"{kind}-{tag}" for kind in ("network", "database", "app", "backup"))
    with console_server.client(timeout=30) as client:
        client.apply_resource(_item(network))
        client.apply_resource(_item(database, depends_on=(network,)))
        client.apply_resource(_item(app, depends_on=(database,)))
        client.apply_resource(_item(backup, owner=database))
        client.wait_ready("testkit", "item", app, timeout=30)
        client.wait_ready("testkit", "item", backup, timeout=30)

    sign_in(page, console_server)
    page.goto(console_server.url + f"/#/resources/{_id(database)}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(database)
    expect(page.get_by_role("list", name="Dependencies").get_by_role("link")).to_have_text(
        [f"testkit/item/{network}"]
    )
    expect(page.get_by_role("list", name="Dependents").get_by_role("link")).to_have_text(
        [f"testkit/item/{app}"]
    )
    expect(page.get_by_role("list", name="Owned").get_by_role("link")).to_have_text(
        [f"testkit/item/{backup}"]
    )
    history = page.get_by_role("list", name="History")
    expect(history.locator("li").first).to_be_visible()
    expect(history).to_contain_text("ready")
    expect(page.get_by_role("region", name="Outputs")).to_contain_text(database)
    screenshot(page, "resource")

    page.get_by_role("list", name="Dependents").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(app)

    # Delete shows the cascade first: the owned backup goes with the database.
    page.goto(console_server.url + f"/#/resources/{_id(database)}")
    page.get_by_role("button", name="Delete…").click()
    cascade = page.get_by_role("list", name="Cascade")
    expect(cascade).to_contain_text(backup)
    page.get_by_role("button", name="Cancel").click()
    expect(cascade).to_have_count(0)


def test_the_graph_draws_the_neighbourhood_and_opens_a_node(
    page: Page, console_server: RunningServer
) -> None:
    tag = uuid.uuid4().hex[:6]
    base, middle, top = (f"{kind}-{tag}" for kind in ("base", "middle", "top"))
    with console_server.client(timeout=30) as client:
        client.apply_resource(_item(base))
        client.apply_resource(_item(middle, depends_on=(base,)))
        client.apply_resource(_item(top, depends_on=(middle,)))
        client.wait_ready("testkit", "item", top, timeout=30)

    sign_in(page, console_server)
    page.goto(console_server.url + f"/#/graph?resource={_id(middle)}&depth=2")
    nodes = page.locator(".react-flow__node")
    expect(nodes).to_have_count(3)
    expect(page.locator(".react-flow__edge")).to_have_count(2)
    for name in (base, middle, top):
        expect(nodes.filter(has_text=name)).to_contain_text("ready")
    screenshot(page, "graph")

    # States change in place: an update that fails for good turns its node red without a reload.
    with console_server.client(timeout=30) as client:
        client.apply_resource(_item(top, depends_on=(middle,), permanent=True, fail_attempts=9))
    expect(nodes.filter(has_text=top)).to_contain_text("failed", timeout=10_000)
    expect(nodes.filter(has_text=middle)).to_contain_text("ready")

    nodes.filter(has_text=top).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(top)


def test_a_dead_letter_shows_its_error_and_traceback_and_is_retried(
    page: Page, console_server: RunningServer
) -> None:
    name = f"dead-{uuid.uuid4().hex[:8]}"
    fails_until = time.time() + 2
    with console_server.client(timeout=30) as client:
        client.apply_resource(_item(name, permanent=True, fail_until=fails_until))
        _wait_for_letter(client, name)

    sign_in(page, console_server)
    page.goto(console_server.url + "/#/dead-letters")
    row = page.get_by_role("row").filter(has_text=name)
    expect(row).to_contain_text("bad item on attempt 1")
    row.get_by_text("Traceback", exact=True).click()
    expect(row.locator("pre.traceback")).to_contain_text("ValueError")
    screenshot(page, "dead-letters")

    time.sleep(max(0.0, fails_until - time.time()))  # the handler succeeds from then on
    row.get_by_role("button", name=f"Retry {name}").click()
    expect(page.get_by_role("status")).to_contain_text(f"Retried {name}")
    expect(row).to_have_count(0)
    with console_server.client(timeout=30) as client:
        assert client.wait_ready("testkit", "item", name, timeout=30)["lifecycle_state"] == "ready"


def _wait_for_letter(client: PragmaClient, name: str) -> None:
    deadline = time.monotonic() + 30
    while not any(letter["resource_name"] == name for letter in client.list_dead_letter_events()):
        assert time.monotonic() < deadline, f"no dead letter for {name}"
        time.sleep(0.1)


def test_files_upload_list_and_signed_url(page: Page, console_server: RunningServer) -> None:
    name = f"notes-{uuid.uuid4().hex[:6]}"
    sign_in(page, console_server)
    page.goto(console_server.url + "/#/files")
    upload = page.get_by_role("form", name="Upload a file")
    upload.get_by_label("Name", exact=True).fill(name)
    upload.get_by_label("File", exact=True).set_input_files(
        {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hello"}
    )
    upload.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("status")).to_contain_text(f"Uploaded {name}")
    row = page.get_by_role("row").filter(has_text=name)
    row.get_by_role("button", name="Signed URL").click()
    link = page.locator(".signed a")
    expect(link).to_contain_text(f"/files/{name}/download")
    assert page.request.get(link.get_attribute("href") or "").text() == "hello"
    with page.expect_download() as download:
        row.get_by_role("button", name="Download").click()
    assert download.value.suggested_filename.startswith(name)  # Chromium may add an extension
    screenshot(page, "files")


def test_a_plan_is_shown_then_applied_with_its_token(page: Page, console_server: RunningServer) -> None:
    name = f"planned-{uuid.uuid4().hex[:6]}"
    sign_in(page, console_server)
    page.goto(console_server.url + "/#/plan")
    page.get_by_label("Resource documents (YAML)").fill(
        f"provider: testkit\nresource: item\nname: {name}\nconfig:\n  value: from-plan\n"
    )
    page.get_by_role("button", name="Plan", exact=True).click()
    changes = page.get_by_role("table", name="Planned changes")
    expect(changes).to_contain_text(f"testkit/item/{name}")
    expect(changes).to_contain_text("create")
    screenshot(page, "plan")
    page.get_by_role("button", name="Apply this plan").click()
    expect(page.get_by_role("status")).to_contain_text("Applied 1 resource(s)")
    with console_server.client(timeout=30) as client:
        assert client.wait_ready("testkit", "item", name, timeout=30)["outputs"]["value"] == "from-plan"
