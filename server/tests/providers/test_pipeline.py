"""The provider pipeline end to end: push, build, logs, deploy, roll back, delete; over the SDK."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from pragma_sdk import BuildStatus, DeploymentStatus, PragmaClient
from testing.fixtures.errors import refused_fields
from testing.fixtures.pipeline import build_of, deployed, pushed
from testing.fixtures.provider_projects import MYCLOUD, tarball, widget_project
from testing.fixtures.server import RunningServer, new_tenant_token


@pytest.mark.smoke
def test_push_build_deploy_apply_roll_back_and_delete_mycloud(client: PragmaClient) -> None:
    audited_before = max((event.id for event in client.list_audit_events(limit=1)), default=0)
    first = pushed(client, "mycloud", MYCLOUD)
    assert first.status == BuildStatus.SUCCESS, first.error_message
    assert re.fullmatch(r"\d{8}\.\d{6}", first.version)

    status = deployed(client, "mycloud")
    assert (status.status, status.version, status.healthy) == (
        DeploymentStatus.AVAILABLE,
        first.version,
        True,
    )
    assert [(p.provider_id, p.current_version) for p in client.list_providers()] == [
        ("mycloud", first.version)
    ]

    types = {t["resource"]: t for t in client.list_resource_types("mycloud")}
    assert {"database", "app", "dns"} <= set(types)
    assert types["database"]["schema"]["properties"]["size_gb"]["type"] == "integer"
    assert types["database"]["description"]

    client.apply_resource(
        {"provider": "mycloud", "resource": "database", "name": "db", "config": {"name": "db"}}
    )
    ready = client.wait_ready("mycloud", "database", "db", timeout=30)
    assert isinstance(ready, dict)
    assert ready["outputs"]["connection_url"]

    with pytest.raises(httpx.HTTPStatusError) as refused:
        client.apply_resource(
            {
                "provider": "mycloud",
                "resource": "database",
                "name": "bad",
                "config": {"name": "x", "size_gb": "ten"},
            }
        )
    assert refused.value.response.status_code == 422
    assert refused.value.response.json()["detail"]["field"] == "config.size_gb"

    second = pushed(client, "mycloud", MYCLOUD)
    assert second.status == BuildStatus.SUCCESS
    assert second.version > first.version
    assert [build.version for build in client.list_builds("mycloud")] == [second.version, first.version]
    assert deployed(client, "mycloud").version == second.version

    rolled_back = deployed(client, "mycloud", first.version)
    assert (rolled_back.status, rolled_back.version, rolled_back.healthy) == (
        DeploymentStatus.AVAILABLE,
        first.version,
        True,
    )
    client.apply_resource(
        {"provider": "mycloud", "resource": "database", "name": "db2", "config": {"name": "db2"}}
    )
    client.wait_ready("mycloud", "database", "db2", timeout=30)

    with pytest.raises(httpx.HTTPStatusError) as conflict:
        client.delete_provider("mycloud")
    assert conflict.value.response.status_code == 409
    assert "2 resource(s)" in conflict.value.response.json()["detail"]["message"]

    removed = client.delete_provider("mycloud", cascade=True)
    assert (removed.provider_id, removed.deployment_deleted, removed.resources_deleted) == (
        "mycloud",
        True,
        2,
    )
    assert client.list_providers() == []
    assert client.list_resources(provider="mycloud") == []
    assert client.list_resource_types("mycloud") == []

    audited = [
        (event.action.value, event.detail)
        for event in reversed(client.list_audit_events(limit=100))
        if event.id > audited_before and event.target == "mycloud"
    ]
    assert audited == [
        ("provider.push", {"version": first.version}),
        ("provider.deploy", {"version": first.version}),
        ("provider.push", {"version": second.version}),
        ("provider.deploy", {"version": second.version}),
        ("provider.deploy", {"version": first.version}),
        ("provider.delete", {"resources_deleted": 2}),
    ]


def test_build_log_streams_while_the_build_runs(
    client: PragmaClient, tmp_path: Path, provider_name: str
) -> None:
    project = widget_project(tmp_path, provider_name)
    version = client.push_provider(provider_name, tarball(project)).version
    with client.stream_build_logs(provider_name, version) as response:
        assert response.headers["content-type"].startswith("text/plain")
        seen = []
        for line in response.iter_lines():
            seen.append(line)
            if len(seen) == 1:
                # The first line arrives while the build is still going.
                assert client.get_build_status(provider_name, version).status in (
                    BuildStatus.PENDING,
                    BuildStatus.BUILDING,
                )
    assert any(line.startswith("==> build succeeded") for line in seen), seen
    assert client.get_build_status(provider_name, version).status == BuildStatus.SUCCESS
    # After the build, the same call returns the whole log at once.
    with client.stream_build_logs(provider_name, version) as response:
        assert list(response.iter_lines()) == seen


async def test_the_async_client_streams_build_logs_too(
    server: RunningServer, tmp_path: Path, provider_name: str
) -> None:
    async with server.async_client() as client:
        result = await client.push_provider(provider_name, tarball(widget_project(tmp_path, provider_name)))
        async with client.stream_build_logs(provider_name, result.version) as response:
            lines = [line async for line in response.aiter_lines()]
        assert lines[-1].startswith("==> build succeeded")
        assert (await client.get_build_status(provider_name, result.version)).status == BuildStatus.SUCCESS


def test_pushes_in_the_same_second_get_distinct_ordered_versions(
    client: PragmaClient, tmp_path: Path, provider_name: str
) -> None:
    archive = tarball(widget_project(tmp_path, provider_name))
    versions = [client.push_provider(provider_name, archive).version for _ in range(3)]
    assert versions == sorted(set(versions))
    for version in versions:
        assert build_of(client, provider_name, version).status == BuildStatus.SUCCESS


@pytest.mark.parametrize(
    ("module", "expected"),
    [
        ("import no_such_module_anywhere\n", "ModuleNotFoundError"),
        ("def broken(:\n", "SyntaxError"),
        ("from pragma_sdk import Provider\nother = Provider(name='someone-else')\n", "someone-else"),
    ],
    ids=["import-error", "syntax-error", "wrong-provider"],
)
def test_a_failed_build_says_why_in_one_line(
    client: PragmaClient, tmp_path: Path, provider_name: str, module: str, expected: str
) -> None:
    build = pushed(client, provider_name, widget_project(tmp_path, provider_name, module=module))
    assert build.status == BuildStatus.FAILED
    assert build.error_message is not None
    assert expected in build.error_message
    assert "\n" not in build.error_message
    with client.stream_build_logs(provider_name, build.version) as response:
        assert f"==> build failed: {build.error_message}" in list(response.iter_lines())


def test_an_archive_without_pyproject_or_escaping_the_build_directory_fails(
    client: PragmaClient, tmp_path: Path, provider_name: str
) -> None:
    project = widget_project(tmp_path, provider_name)
    (project / "pyproject.toml").unlink()
    assert "pyproject.toml" in (pushed(client, provider_name, project).error_message or "")

    import io
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        member = tarfile.TarInfo("../../escaped.txt")
        member.size = 2
        archive.addfile(member, io.BytesIO(b"hi"))
    version = client.push_provider(provider_name, buffer.getvalue()).version
    build = build_of(client, provider_name, version)
    assert build.status == BuildStatus.FAILED
    assert "'..'" in (build.error_message or "") or ".." in (build.error_message or "")


def test_only_a_successful_build_can_be_deployed(
    client: PragmaClient, tmp_path: Path, provider_name: str
) -> None:
    failed = pushed(
        client, provider_name, widget_project(tmp_path, provider_name, module="import nope_nope\n")
    )
    for version, code in ((None, 422), (failed.version, 422), ("20200101.000000", 404)):
        with pytest.raises(httpx.HTTPStatusError) as refused:
            client.deploy_provider(provider_name, version)
        assert refused.value.response.status_code == code
        assert refused.value.response.json()["detail"]["field"] == "version"
    for malformed in ("latest", "\x00"):
        with pytest.raises(httpx.HTTPStatusError) as refused:
            client.deploy_provider(provider_name, malformed)
        assert refused.value.response.status_code == 422
        assert refused_fields(refused.value.response.json()) == ["version"]


def test_bad_push_input_is_a_4xx_naming_the_field(server: RunningServer, client: PragmaClient) -> None:
    headers = {"Authorization": f"Bearer {server.token}"}
    cases = [
        ("/providers/Bad_Name/push", {"code": ("x.tar.gz", b"\x1f\x8b...")}, 422, "provider_id"),
        ("/providers/plain/push", {"code": ("x.tar.gz", b"just text")}, 422, "code"),
        ("/providers/plain/push", {"other": ("x.tar.gz", b"\x1f\x8b")}, 422, "code"),
    ]
    for path, files, status, field in cases:
        response = httpx.post(f"{server.url}{path}", files=files, headers=headers)
        assert response.status_code == status, response.text
        assert field in response.text
    oversized = {"code": ("x.tar.gz", b"\x1f\x8b" + bytes(50 * 2**20))}
    too_large = httpx.post(f"{server.url}/providers/plain/push", files=oversized, headers=headers, timeout=60)
    assert too_large.status_code == 413
    assert too_large.json()["detail"]["limit_bytes"] == 50 * 2**20
    assert "plain" not in {provider.provider_id for provider in client.list_providers()}


def test_another_organization_cannot_see_or_touch_providers(
    server: RunningServer, client: PragmaClient, tmp_path: Path, provider_name: str
) -> None:
    build = pushed(client, provider_name, widget_project(tmp_path, provider_name))
    token = new_tenant_token(server, f"org-{provider_name}", "intruder@example.com")
    with PragmaClient(base_url=server.url, auth_token=token) as intruder:
        assert provider_name not in {p.provider_id for p in intruder.list_providers()}
        calls = [
            lambda: intruder.list_builds(provider_name),
            lambda: intruder.get_build_status(provider_name, build.version),
            lambda: intruder.deploy_provider(provider_name, build.version),
            lambda: intruder.get_deployment_status(provider_name),
            lambda: intruder.delete_provider(provider_name, cascade=True),
        ]
        for call in calls:
            with pytest.raises(httpx.HTTPStatusError) as hidden:
                call()
            assert hidden.value.response.status_code == 404
        with (
            pytest.raises(httpx.HTTPStatusError) as hidden,
            intruder.stream_build_logs(provider_name, build.version),
        ):
            pass
        assert hidden.value.response.status_code == 404
    assert client.get_build_status(provider_name, build.version).status == BuildStatus.SUCCESS


def test_builds_and_workers_get_none_of_the_servers_secrets(
    server: RunningServer, client: PragmaClient, tmp_path: Path, provider_name: str
) -> None:
    snoop = "import os, sys\nprint('ENV', sorted(os.environ.items()), file=sys.stderr)\n" + (
        widget_project(tmp_path / "template", provider_name) / f"{provider_name}_widgets" / "__init__.py"
    ).read_text().replace('"{provider}"', provider_name)
    build = pushed(client, provider_name, widget_project(tmp_path, provider_name, module=snoop))
    assert build.status == BuildStatus.SUCCESS, build.error_message
    with client.stream_build_logs(provider_name, build.version) as response:
        log = "\n".join(response.iter_lines())
    assert "ENV [" in log
    assert server.token not in log
    assert "PRAGMA_" not in log
    assert server.database_url not in log

    assert deployed(client, provider_name).healthy
    client.apply_resource(
        {"provider": provider_name, "resource": "widget", "name": "w", "config": {"size": 3}}
    )
    ready = client.wait_ready(provider_name, "widget", "w", timeout=30)
    assert isinstance(ready, dict)
    environment = set(ready["outputs"]["environment"])
    assert "PRAGMA_AUTH_TOKEN" in environment
    # Its own token and how to write its logs; none of the server's settings.
    assert not {key for key in environment if key.startswith("PRAGMA_")} - {
        "PRAGMA_AUTH_TOKEN",
        "PRAGMA_LOG_FORMAT",
    }
    assert not environment & {"PYTHONPATH", "VIRTUAL_ENV", "DATABASE_URL"}
    client.delete_provider(provider_name, cascade=True)
