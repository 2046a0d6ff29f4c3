"""End-to-end builds with real uv subprocesses: the mycloud example from a tarball, every kind of
failure, and the scrubbed environment pushed code sees.

The mycloud build is shared by the tests that only read it; every other test builds its own
small project in its own directory. The uv cache keeps repeat builds fast (a few seconds each).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from pragma_os.builds import BuildOutcome, extract_archive, run_build, venv_python, worker_command
from pragma_os.builds.interpreters import probe

REPO = Path(__file__).resolve().parents[3]
SDK = REPO / "sdk"
MYCLOUD = REPO / "examples" / "mycloud"
_BESIDE_PYTHON = Path(sys.executable).parent / "uv"
UV = _BESIDE_PYTHON if _BESIDE_PYTHON.exists() else (Path(found) if (found := shutil.which("uv")) else None)
PYTHONS = [probe(Path(sys.executable))]

pytestmark = pytest.mark.skipif(UV is None, reason="uv is not installed")


@dataclass
class Built:
    outcome: BuildOutcome
    lines: list[str]
    work_dir: Path
    seconds: float


async def build(project_root: Path, work_dir: Path, *, timeout: float = 180.0) -> Built:
    lines: list[str] = []

    async def sink(line: str) -> None:
        lines.append(line)

    assert UV is not None
    started = time.monotonic()
    outcome = await run_build(
        project_root, work_dir, sdk_source=SDK, log=sink, timeout=timeout, uv=UV, pythons=PYTHONS
    )
    return Built(outcome, lines, work_dir, time.monotonic() - started)


def provider_project(
    root: Path,
    package: str,
    modules: dict[str, str],
    *,
    dependencies: str = '"pragmatiks-sdk"',
    requires_python: str = ">=3.11",
) -> Path:
    """Write a hatchling project whose package ``package`` holds ``modules``."""
    (root / "src" / package).mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        textwrap.dedent(
            f"""\
            [project]
            name = "{package.replace("_", "-")}"
            version = "0.1.0"
            requires-python = "{requires_python}"
            dependencies = [{dependencies}]

            [build-system]
            requires = ["hatchling"]
            build-backend = "hatchling.build"

            [tool.hatch.build.targets.wheel]
            packages = ["src/{package}"]
            """
        )
    )
    for name, source in modules.items():
        (root / "src" / package / name).write_text(textwrap.dedent(source))
    return root


PROVIDER = """\
    from pragma_sdk import Config, Outputs, Provider, Resource

    demo = Provider(name="demo")


    class ThingConfig(Config):
        size: int = 1


    class ThingOutputs(Outputs):
        url: str


    @demo.resource("thing")
    class Thing(Resource[ThingConfig, ThingOutputs]):
        \"\"\"A thing.\"\"\"

        async def on_create(self) -> ThingOutputs:
            return ThingOutputs(url="x")

        async def on_update(self, previous_config: ThingConfig) -> ThingOutputs:
            return ThingOutputs(url="x")

        async def on_delete(self) -> None:
            return None
    """


@pytest.fixture(scope="module")
async def mycloud(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The mycloud example, pushed as ``tar czf`` of its directory would, and built."""
    base = tmp_path_factory.mktemp("mycloud")
    archive = base / "mycloud.tgz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(MYCLOUD, arcname="mycloud", filter=lambda info: None if "__pycache__" in info.name else info)
    extracted = extract_archive(archive, base / "source")
    return await build(extracted.project_root, base / "version")


def test_builds_the_mycloud_example(mycloud: Built) -> None:
    outcome = mycloud.outcome
    assert outcome.error_message is None
    assert outcome.success
    assert outcome.providers == ["mycloud"]
    assert outcome.package == "mycloud_provider"
    types = {definition["resource"]: definition for definition in outcome.resource_types}
    assert sorted(types) == ["app", "database", "dns"]
    database = types["database"]
    assert database["provider"] == "mycloud"
    assert database["description"] == "A PostgreSQL database on mycloud."
    assert database["schema"]["properties"]["size_gb"] == {
        "default": 10,
        "title": "Size Gb",
        "type": "integer",
    }
    assert database["schema"]["required"] == ["name"]
    assert database["outputs_schema"]["required"] == ["connection_url"]


def test_the_sdk_in_the_build_is_the_platforms_own(mycloud: Built) -> None:
    python = venv_python(mycloud.work_dir)
    where = subprocess.run(
        [str(python), "-I", "-c", "import pragma_sdk; print(pragma_sdk.__file__)"],
        capture_output=True, text=True, check=True, env={"PATH": os.environ["PATH"]},
    ).stdout.strip()  # fmt: skip
    installed = Path(where).parent
    assert installed.is_relative_to(mycloud.work_dir / "venv")  # a copy in the venv, not an editable link
    for module in ("models/__init__.py", "provider/_registry.py", "worker/__main__.py"):
        assert (installed / module).read_bytes() == (SDK / "src" / "pragma_sdk" / module).read_bytes()
    (dist_info,) = installed.parent.glob("pragmatiks_sdk-*.dist-info")
    direct_url = json.loads((dist_info / "direct_url.json").read_text())
    assert direct_url["url"] == SDK.as_uri()
    assert direct_url.get("dir_info", {}).get("editable") is not True
    assert f"pragmatiks-sdk==0.1.0 (from {SDK.as_uri()})" in " ".join(mycloud.lines)


def test_every_step_is_in_the_log(mycloud: Built) -> None:
    lines = mycloud.lines
    steps = [line for line in lines if line.startswith("==> ")]
    assert steps == [
        f"==> creating the virtual environment on Python {PYTHONS[0].version} (the project requires >=3.11)",
        "==> installing mycloud-provider with the platform's SDK",
        "==> importing mycloud_provider and discovering its providers",
        "==> build succeeded: mycloud, 3 resource type(s)",
    ]
    assert any(line.startswith("Resolved ") for line in lines)
    assert "provider mycloud: resource types app, database, dns" in lines


def test_the_worker_command_runs_the_built_package(mycloud: Built) -> None:
    assert mycloud.outcome.package is not None
    command = worker_command(mycloud.work_dir, mycloud.outcome.package, "http://127.0.0.1:9")
    assert command[:3] == [str(venv_python(mycloud.work_dir)), "-m", "pragma_sdk.worker"]
    helped = subprocess.run(
        [*command, "--help"], capture_output=True, text=True, env={"PATH": os.environ["PATH"]}, check=False
    )
    assert helped.returncode == 0, helped.stderr
    assert "--package" in helped.stdout


async def test_a_project_without_pyproject(tmp_path: Path) -> None:
    (tmp_path / "project").mkdir()
    built = await build(tmp_path / "project", tmp_path / "version")
    assert not built.outcome.success
    assert built.outcome.error_message == "no pyproject.toml at the top of the archive"
    assert built.lines == ["==> build failed: no pyproject.toml at the top of the archive"]


async def test_a_module_that_does_not_compile(tmp_path: Path) -> None:
    modules = {"__init__.py": "from demo_broken import broken\n", "broken.py": "def oops(:\n    pass\n"}
    built = await build(provider_project(tmp_path / "p", "demo_broken", modules), tmp_path / "version")
    assert built.outcome.error_message is not None
    assert built.outcome.error_message.startswith("importing demo_broken failed: SyntaxError: ")
    assert "broken.py" in built.outcome.error_message
    assert "Traceback (most recent call last):" in built.lines


async def test_a_package_without_a_provider_even_when_it_pins_another_sdk(tmp_path: Path) -> None:
    # The pin cannot be met by any released SDK; the override installs the platform's anyway.
    project = provider_project(
        tmp_path / "p", "demo_empty", {"__init__.py": "VALUE = 1\n"}, dependencies='"pragmatiks-sdk==99.0"'
    )
    built = await build(project, tmp_path / "version")
    assert built.outcome.error_message is not None
    assert built.outcome.error_message.startswith("no Provider found at module level in demo_empty")


async def test_a_provider_without_resource_types(tmp_path: Path) -> None:
    modules = {"__init__.py": 'from pragma_sdk import Provider\n\nlonely = Provider(name="lonely")\n'}
    built = await build(provider_project(tmp_path / "p", "demo_lonely", modules), tmp_path / "version")
    assert built.outcome.error_message is not None
    assert built.outcome.error_message.startswith("provider 'lonely' registers no resource types")


async def test_a_config_without_a_json_schema(tmp_path: Path) -> None:
    source = PROVIDER.replace(
        "    class ThingConfig(Config):\n        size: int = 1\n",
        "    class Handle:\n        pass\n\n\n"
        "    class ThingConfig(Config, arbitrary_types_allowed=True):\n        handle: Handle\n",
    )
    built = await build(
        provider_project(tmp_path / "p", "demo_schema", {"__init__.py": source}), tmp_path / "v"
    )
    assert built.outcome.error_message is not None
    assert built.outcome.error_message.startswith(
        "cannot produce the JSON schemas of demo/thing: PydanticInvalidForJsonSchema: "
    )


async def test_a_dependency_that_does_not_exist(tmp_path: Path) -> None:
    project = provider_project(
        tmp_path / "p",
        "demo_missing",
        {"__init__.py": PROVIDER},
        dependencies='"pragmatiks-sdk", "pragma-os-no-such-package-xyz"',
    )
    built = await build(project, tmp_path / "version")
    message = built.outcome.error_message
    assert message is not None
    assert message.startswith(
        "installing the project failed: No solution found when resolving dependencies: "
    )
    assert "pragma-os-no-such-package-xyz" in message
    assert "\n" not in message


async def test_a_project_for_a_python_the_server_lacks(tmp_path: Path) -> None:
    project = provider_project(
        tmp_path / "p", "demo_future", {"__init__.py": PROVIDER}, requires_python=">=4"
    )
    built = await build(project, tmp_path / "version")
    version = PYTHONS[0].version
    assert built.outcome.error_message == (
        f"the project requires Python >=4 and this server builds with {version}: "
        "ask the operator to add an interpreter with 'pragma-os serve --build-python PATH'"
    )


async def test_a_build_past_its_time_limit_is_killed(tmp_path: Path) -> None:
    project = provider_project(tmp_path / "p", "demo_slow", {"__init__.py": PROVIDER})
    built = await build(project, tmp_path / "version", timeout=0.3)
    assert built.outcome.error_message == "build exceeded the 0.3 s time limit"
    assert built.seconds < 10
    assert built.lines[-1] == "==> build failed: build exceeded the 0.3 s time limit"


async def test_pushed_code_never_sees_the_servers_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "server-data"
    data_dir.mkdir()
    (data_dir / "secret.txt").write_text("data-dir-secret")
    secrets = {
        "PRAGMA_DATABASE_URL": "postgresql://pragma:db-secret@localhost/pragma",
        "PRAGMA_SECRET_KEY": "s3cr3t-key",
        "PRAGMA_DATA_DIR": str(data_dir),
        "DATABASE_URL": "postgresql://other-db-secret",
        "AWS_SECRET_ACCESS_KEY": "aws-secret-value",
        "GITHUB_TOKEN": "ghp_token_secret",
    }
    for key, value in secrets.items():
        monkeypatch.setenv(key, value)
    at_install, at_import = tmp_path / "install-env.json", tmp_path / "import-env.json"
    module = f"""\
        import json, os
        from pathlib import Path

        data_dir = os.environ.get("PRAGMA_DATA_DIR")
        stolen = Path(data_dir, "secret.txt").read_text() if data_dir else None
        Path({str(at_import)!r}).write_text(json.dumps({{"environ": dict(os.environ), "stolen": stolen}}))
        print("environment at import:", json.dumps(dict(os.environ)), "stolen:", stolen)
        """
    project = provider_project(
        tmp_path / "p", "demo_leaky", {"__init__.py": textwrap.dedent(module) + textwrap.dedent(PROVIDER)}
    )
    # A hatch build hook runs pushed code while uv installs the project.
    (project / "hatch_build.py").write_text(
        textwrap.dedent(
            f"""\
            import json, os
            from pathlib import Path
            from hatchling.builders.hooks.plugin.interface import BuildHookInterface

            class LeakHook(BuildHookInterface):
                def initialize(self, version, build_data):
                    Path({str(at_install)!r}).write_text(json.dumps(dict(os.environ)))
            """
        )
    )
    with (project / "pyproject.toml").open("a") as pyproject:
        pyproject.write("\n[tool.hatch.build.hooks.custom]\n")

    built = await build(project, tmp_path / "version")

    assert built.outcome.success, built.outcome.error_message
    install_env = json.loads(at_install.read_text())
    imported = json.loads(at_import.read_text())
    assert imported["stolen"] is None
    for environ in (install_env, imported["environ"]):
        assert environ["HOME"] == str(tmp_path / "version")
        assert not [key for key in environ if key.startswith("PRAGMA_")]
    assert "UV_CACHE_DIR" not in imported["environ"]
    seen = "\n".join([*built.lines, at_install.read_text(), at_import.read_text()])
    assert "environment at import:" in seen
    for value in [*secrets.values(), "data-dir-secret"]:
        assert value not in seen
