"""The providers pages: a pushed provider's build log followed live, then deployed from the page."""

from __future__ import annotations

import uuid
from pathlib import Path

from playwright.sync_api import Page, expect

from pragma_sdk import BuildStatus
from testing.fixtures.console import screenshot, sign_in
from testing.fixtures.pipeline import settled
from testing.fixtures.provider_projects import slow_build_project, tarball
from testing.fixtures.server import RunningServer


def test_a_build_log_is_followed_live_and_the_build_deployed(
    page: Page, console_server: RunningServer, tmp_path: Path
) -> None:
    provider = f"w{uuid.uuid4().hex[:8]}"
    sign_in(page, console_server)
    with console_server.client(timeout=60) as client:
        # The build waits 5 s in a build hook: the page opens on it while it runs.
        project = slow_build_project(tmp_path, provider, seconds=5)
        pushed = client.push_provider(provider, tarball(project))
        assert pushed.status == BuildStatus.PENDING
        page.goto(console_server.url + f"/#/providers/{provider}/builds/{pushed.version}")

        log = page.get_by_role("region", name=f"Build log {pushed.version}")
        state = log.locator(".log-state")
        # Lines arrive while the response is still open: the build is still running.
        page.wait_for_function(
            """() => {
                const state = document.querySelector('.log-state');
                const log = document.querySelector('pre[aria-label="Build log"]');
                return state?.dataset.state === 'following' && log && log.textContent.trim().length > 0;
            }""",
            timeout=60_000,
        )
        expect(state).to_have_text("End of log.", timeout=120_000)
        builds = page.get_by_role("table", name="Builds")
        expect(builds.get_by_role("row").filter(has_text=pushed.version)).to_contain_text(
            "success", timeout=10_000
        )

        builds.get_by_role("row").filter(has_text=pushed.version).get_by_role("button", name="Deploy").click()
        expect(page.get_by_role("status").filter(has_text="Deploying")).to_be_visible()
        assert settled(client, provider).version == pushed.version
        expect(page.get_by_test_id("deployment-status")).to_have_text("available", timeout=15_000)
        # The new workers' log, followed without a reload.
        runtime = page.get_by_role("region", name="Runtime logs")
        expect(runtime.locator(".log-state")).to_have_text("Following…")
        expect(runtime.get_by_label("Runtime logs")).not_to_be_empty(timeout=15_000)
        screenshot(page, "provider")

    page.goto(console_server.url + "/#/providers")
    expect(page.get_by_role("row").filter(has_text=provider)).to_contain_text(pushed.version)
    screenshot(page, "providers")
