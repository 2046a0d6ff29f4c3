"""``pragma providers``: a new user's path from ``init`` to a deployed provider and a ready resource,
a second version and a rollback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from testing.fixtures.server import RunningServer

from .running import SQLITE_ONLY, Pragma, logged_in

pytestmark = pytest.mark.parametrize("server", SQLITE_ONLY, indirect=True)


def test_init_push_deploy_apply_roll_back_and_delete(
    pragma: Pragma, server: RunningServer, provider_name: str, tmp_path: Path
) -> None:
    cli = logged_in(pragma, server)
    project = tmp_path / f"{provider_name}-provider"
    created = cli.ok("providers", "init", provider_name, "--output", str(project), "--defaults")
    assert "pragma providers push --deploy" in created.out
    generated_tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        env=cli.env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert generated_tests.returncode == 0, generated_tests.stdout + generated_tests.stderr
    assert "4 passed" in generated_tests.stdout
    again = cli("providers", "init", provider_name, "--output", str(project), "--defaults")
    assert again.code == 2
    assert "not empty" in again.error_line()
    assert cli("providers", "init", "Not_A_Name", "--defaults").code == 2

    pushed = cli.ok("providers", "push", "--deploy", cwd=project)
    assert f"Built {provider_name} " in pushed.out
    assert f"Deployed {provider_name} " in pushed.out
    assert "available" in pushed.out
    applied = cli.ok("resources", "apply", "examples/widget.yaml", "--wait", cwd=project)
    assert f"{provider_name}/widget/example ready" in applied.out
    widget = json.loads(cli.ok("resources", "get", f"{provider_name}/widget", "example", "-o", "json").out)
    assert widget["outputs"] == {"url": f"https://{provider_name}.example.com/widgets/example", "size": 2}
    types = json.loads(cli.ok("resources", "types", "--provider", provider_name, "-o", "json").out)
    assert [item["resource"] for item in types] == ["widget"]
    wrong_type = f"provider: {provider_name}\nresource: widget\nname: x\nconfig: {{size: ten}}\n"
    invalid = cli("resources", "apply", "-", stdin=wrong_type)
    assert invalid.code == 1
    assert "HTTP 422" in invalid.error_line()

    listed = json.loads(cli.ok("providers", "list", "-o", "json").out)
    mine = next(item for item in listed if item["provider_id"] == provider_name)
    assert mine["deployment_status"] == "available"
    assert provider_name in cli.ok("providers", "list").out
    status = json.loads(
        cli.ok("providers", "status", "-o", "json", cwd=project).out
    )  # the id from the project
    assert status["status"] == "available"
    assert status["healthy"] is True
    assert "available" in cli.ok("providers", "status", provider_name).out
    version = status["version"]
    redeployed = json.loads(cli.ok("providers", "deploy", provider_name, version, "-o", "json").out)
    assert redeployed["version"] == version
    assert redeployed["status"] == "available"

    second = json.loads(cli.ok("providers", "push", "--deploy", "-o", "json", cwd=project).out)["version"]
    assert second > version
    assert json.loads(cli.ok("providers", "status", provider_name, "-o", "json").out)["version"] == second
    rolled_back = cli.ok("providers", "rollback", provider_name, version)
    assert f"Rolled {provider_name} back to {version}: available" in rolled_back.out

    resources_py = project / "src" / f"{provider_name.replace('-', '_')}_provider" / "resources.py"
    resources_py.write_text(resources_py.read_text() + "\ndef broken(:\n")
    broken = cli("providers", "push", "--logs", "--package", str(project))
    assert broken.code == 1
    assert "SyntaxError" in broken.out  # the live build log
    assert f"the build of {provider_name}" in broken.error_line()
    builds = json.loads(cli.ok("providers", "builds", provider_name, "-o", "json").out)
    assert [build["status"] for build in builds[:2]] == ["failed", "success"]
    assert "failed" in cli.ok("providers", "builds", provider_name).out
    assert json.loads(cli.ok("providers", "status", provider_name, "-o", "json").out)["version"] == version
    for target, refusal in (
        (builds[0]["version"], "HTTP 400"),
        ("20200101.000000", "HTTP 404"),
        ("v1", "HTTP 422"),
    ):
        refused = cli("providers", "rollback", provider_name, target)
        assert refused.code == 1
        assert f"cannot roll {provider_name} back to {target}" in refused.error_line()
        assert refusal in refused.error_line()

    assert cli("providers", "delete", provider_name).code == 2  # no terminal to confirm on
    still_used = cli("providers", "delete", provider_name, "--yes")
    assert still_used.code == 1
    assert "HTTP 409" in still_used.error_line()
    deleted = cli.ok("providers", "delete", provider_name, "--cascade", "--yes")
    assert "and 1 resource(s)" in deleted.out
    gone = cli("providers", "status", provider_name)
    assert gone.code == 1
    assert "HTTP 404" in gone.error_line()
    outside = cli("providers", "deploy", cwd=tmp_path)
    assert outside.code == 2
    assert "not inside a provider project" in outside.error_line()
