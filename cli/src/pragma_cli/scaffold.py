"""The project ``pragma providers init`` writes: a provider package with one resource type, its
tests (on ``ProviderHarness``, passing as generated) and an example manifest."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from string import Template

from pragma_cli.errors import UsageError
from pragma_cli.project import PROVIDER_ID

RESOURCE_TYPE = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class ProjectSpec:
    """What to generate."""

    provider: str
    resource: str
    description: str

    @property
    def package(self) -> str:
        """The import name: ``my-cloud`` gives ``my_cloud_provider``."""
        return self.provider.replace("-", "_") + "_provider"

    @property
    def class_name(self) -> str:
        """The resource class: ``load_balancer`` gives ``LoadBalancer``."""
        return "".join(part.capitalize() for part in self.resource.split("_"))

    def check(self) -> None:
        """Refuse names the platform would refuse.

        Raises:
            UsageError: The provider name or resource type breaks the platform's rules.
        """
        if not PROVIDER_ID.fullmatch(self.provider):
            raise UsageError(
                f"{self.provider!r} is not a provider name: use a-z, 0-9 and '-', starting with a letter"
            )
        if not RESOURCE_TYPE.fullmatch(self.resource):
            raise UsageError(
                f"{self.resource!r} is not a resource type for a new project: use a-z, 0-9 and '_', "
                "starting with a letter"
            )


PYPROJECT = Template("""[project]
name = "$provider-provider"
version = "0.1.0"
description = "$description"
requires-python = ">=3.11"
dependencies = ["pragmatiks-sdk"]

[dependency-groups]
dev = ["pytest>=8", "ruff>=0.6"]

[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[tool.hatch.build.targets.wheel]
packages = ["src/$package"]

# Read by 'pragma providers push': the provider id and the package defining it.
[tool.pragma]
provider = "$provider"
package = "$package"

[tool.pytest.ini_options]
pythonpath = ["src"]
testpaths = ["tests"]

# The project's own lint settings, so that 'ruff check' reads these wherever the folder lives
# (also inside another project's tree, whose settings would otherwise apply).
[tool.ruff]
line-length = 110
target-version = "py311"
src = ["src", "tests"]

[tool.ruff.lint]
select = ["E", "F", "W", "I", "N", "UP", "B", "A", "SIM", "RUF", "ASYNC", "PT"]
""")

PACKAGE_INIT = Template('''"""$description"""

from $package.provider import provider
from $package.resources import $cls, ${cls}Config, ${cls}Outputs

__all__ = ["$cls", "${cls}Config", "${cls}Outputs", "provider"]
''')

PROVIDER_MODULE = Template('''"""The provider; the platform runs the handlers registered on it."""

from pragma_sdk import Provider

provider = Provider(name="$provider")
''')

RESOURCES_MODULE = Template('''"""The resource types of the $provider provider."""

from pragma_sdk import Config, Outputs, Resource

from .provider import provider


class ${cls}Config(Config):
    """What users write in a $resource's manifest under ``config``."""

    size: int = 1
    label: str = "$resource"


class ${cls}Outputs(Outputs):
    """What the provider reports once the $resource exists; other resources can refer to it."""

    url: str
    size: int


@provider.resource("$resource")
class $cls(Resource[${cls}Config, ${cls}Outputs]):
    """A $resource. Replace the bodies of the handlers with calls to the real system."""

    async def on_create(self) -> ${cls}Outputs:
        # A ValueError fails the resource for good; any other exception is retried.
        if self.config.size < 1:
            raise ValueError(f"size must be at least 1, not {self.config.size}")
        url = f"https://$provider.example.com/${resource}s/{self.name}"
        return ${cls}Outputs(url=url, size=self.config.size)

    async def on_update(self, previous_config: ${cls}Config) -> ${cls}Outputs:
        # Handlers must be idempotent: the platform may deliver an event again.
        return await self.on_create()

    async def on_delete(self) -> None:
        return None
''')

TESTS = Template('''"""Run the handlers locally with ProviderHarness: no server needed."""

import asyncio

from pragma_sdk.provider import ProviderHarness

from $package import $cls, ${cls}Config, provider


def test_create_reports_outputs() -> None:
    harness = ProviderHarness(provider)
    result = asyncio.run(harness.invoke_create($cls, "demo", ${cls}Config(size=3)))
    assert result.success, result.error
    assert result.outputs == {"url": "https://$provider.example.com/${resource}s/demo", "size": 3}


def test_update_reports_new_outputs() -> None:
    harness = ProviderHarness(provider)
    result = asyncio.run(
        harness.invoke_update($cls, "demo", ${cls}Config(size=5), previous_config=${cls}Config(size=3))
    )
    assert result.success, result.error
    assert result.outputs is not None
    assert result.outputs["size"] == 5


def test_delete_succeeds() -> None:
    harness = ProviderHarness(provider)
    result = asyncio.run(harness.invoke_delete($cls, "demo", ${cls}Config()))
    assert result.success, result.error


def test_bad_size_fails_for_good() -> None:
    harness = ProviderHarness(provider)
    result = asyncio.run(harness.invoke_create($cls, "demo", {"size": 0}))
    assert not result.success
    assert result.permanent
''')

EXAMPLE_MANIFEST = Template("""# Apply with: pragma resources apply examples/$resource.yaml --wait
provider: $provider
resource: $resource
name: example
config:
  size: 2
tags:
  - env:dev
""")

README = Template("""# $provider-provider

$description

A provider for the Pragmatiks platform, made with `pragma providers init`.

```sh
python -m pytest                                   # run the tests (needs pytest and pragmatiks-sdk)
pragma providers push --deploy                     # build it on the server and run it
pragma resources apply examples/$resource.yaml --wait   # create a $resource
pragma resources describe $provider/$resource example
```

The handlers are in `src/$package/resources.py`; add resource types with
`@provider.resource("name")`.
""")

GITIGNORE = """__pycache__/
*.py[cod]
.venv/
*.egg-info/
dist/
build/
.pytest_cache/
"""


def project_files(spec: ProjectSpec) -> dict[str, str]:
    """Every file of the project, by path relative to its folder."""
    values = {
        "provider": spec.provider,
        "package": spec.package,
        "resource": spec.resource,
        "cls": spec.class_name,
        "description": spec.description.replace('"', "'"),
    }
    return {
        "pyproject.toml": PYPROJECT.substitute(values),
        "README.md": README.substitute(values),
        ".gitignore": GITIGNORE,
        f"src/{spec.package}/__init__.py": PACKAGE_INIT.substitute(values),
        f"src/{spec.package}/provider.py": PROVIDER_MODULE.substitute(values),
        f"src/{spec.package}/resources.py": RESOURCES_MODULE.substitute(values),
        f"tests/test_{spec.resource}.py": TESTS.substitute(values),
        f"examples/{spec.resource}.yaml": EXAMPLE_MANIFEST.substitute(values),
    }


def write_project(directory: Path, spec: ProjectSpec) -> list[Path]:
    """Write the project into ``directory`` (new or empty); returns the files written.

    Raises:
        UsageError: ``directory`` exists and is not empty.
    """
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise UsageError(
            f"{directory} already exists and is not empty", "Choose another folder with --output DIR"
        )
    written = []
    for relative, content in project_files(spec).items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
        written.append(path)
    return written
