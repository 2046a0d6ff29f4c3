"""Signing in and out, a wrong token, and another organization's token."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from testing.fixtures.console import screenshot, sign_in
from testing.fixtures.server import RunningServer, new_tenant_token


def test_sign_in_shows_the_resources_and_sign_out_forgets_the_token(
    page: Page, console_server: RunningServer
) -> None:
    page.goto(console_server.url + "/")
    expect(page.get_by_role("heading", name="Sign in to Pragma")).to_be_visible()
    screenshot(page, "sign-in")
    sign_in(page, console_server)
    expect(page.get_by_text("admin@localhost")).to_be_visible()
    expect(page.get_by_role("table", name="Resources")).to_be_visible()

    page.reload()  # the session keeps the token
    expect(page.get_by_role("heading", name="Resources", exact=True)).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to Pragma")).to_be_visible()
    assert page.evaluate("() => window.sessionStorage.length") == 0
    page.reload()
    expect(page.get_by_role("heading", name="Sign in to Pragma")).to_be_visible()


def test_a_wrong_token_gets_the_sign_in_page_with_a_clear_message(
    page: Page, console_server: RunningServer
) -> None:
    page.goto(console_server.url + "/")
    page.get_by_label("API token").fill("prg_not-a-real-token")
    page.get_by_role("button", name="Sign in").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("That token was not accepted")
    expect(page.get_by_role("heading", name="Sign in to Pragma")).to_be_visible()
    screenshot(page, "sign-in-wrong-token")


def test_another_organizations_token_sees_none_of_it(page: Page, console_server: RunningServer) -> None:
    with console_server.client(timeout=30) as client:
        client.apply_resource(
            {"provider": "testkit", "resource": "item", "name": "only-default", "config": {"value": "x"}}
        )
    other = new_tenant_token(console_server, "console-other", "other@example.com")
    sign_in(page, console_server, other)
    expect(page.get_by_text("other@example.com")).to_be_visible()
    expect(page.get_by_text("No resources match.")).to_be_visible()
    assert page.get_by_role("link", name="only-default").count() == 0

    page.goto(console_server.url + "/#/resources/resource:testkit_item_only-default")
    expect(page.get_by_text("This resource does not exist")).to_be_visible()
    page.goto(console_server.url + "/#/graph?provider=testkit")
    expect(page.get_by_text("0 resources, 0 links")).to_be_visible()
    page.goto(console_server.url + "/#/dead-letters")
    expect(page.get_by_text("No dead letters.")).to_be_visible()
