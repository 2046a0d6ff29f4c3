"""Which package a provider project is imported as: the rules of ``read_project`` in order."""

from __future__ import annotations

from pathlib import Path

import pytest

from pragma_os.builds import InvalidProjectError, MissingPyprojectError, read_project
from pragma_os.builds.errors import UnsupportedPythonError
from pragma_os.builds.interpreters import Interpreter, choose


def project(root: Path, pyproject: str, packages: list[str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(pyproject)
    for package in packages:
        (root / package).mkdir(parents=True)
        (root / package / "__init__.py").write_text("")
    return root


NAMED = '[project]\nname = "Acme.Cloud-Provider"\nversion = "1"\n'


def test_tool_pragma_package_wins(tmp_path: Path) -> None:
    root = project(
        tmp_path, NAMED + '[tool.pragma]\npackage = "acme.providers"\n', ["src/acme_cloud_provider"]
    )
    assert read_project(root).package == "acme.providers"


def test_the_normalized_project_name_under_src(tmp_path: Path) -> None:
    root = project(tmp_path, NAMED, ["src/acme_cloud_provider", "src/helpers"])
    found = read_project(root)
    assert (found.name, found.package) == ("Acme.Cloud-Provider", "acme_cloud_provider")


def test_the_normalized_project_name_as_a_module_at_the_root(tmp_path: Path) -> None:
    root = project(tmp_path, NAMED, [])
    (root / "acme_cloud_provider.py").write_text("")
    assert read_project(root).package == "acme_cloud_provider"


def test_the_only_package_under_src(tmp_path: Path) -> None:
    root = project(tmp_path, NAMED, ["src/mycloud"])
    assert read_project(root).package == "mycloud"


def test_the_only_package_at_the_root_ignoring_tests(tmp_path: Path) -> None:
    root = project(tmp_path, NAMED, ["mycloud", "tests"])
    assert read_project(root).package == "mycloud"


def test_several_candidates_ask_for_tool_pragma(tmp_path: Path) -> None:
    root = project(tmp_path, NAMED, ["src/one", "src/two"])
    with pytest.raises(InvalidProjectError, match=r"set \[tool.pragma\] package"):
        read_project(root)


def test_an_invalid_tool_pragma_package(tmp_path: Path) -> None:
    root = project(tmp_path, NAMED + '[tool.pragma]\npackage = "not a name"\n', [])
    with pytest.raises(InvalidProjectError, match="is not an importable name"):
        read_project(root)


def test_invalid_toml(tmp_path: Path) -> None:
    root = project(tmp_path, "[project\nname=", [])
    with pytest.raises(InvalidProjectError, match=r"pyproject\.toml is not valid TOML"):
        read_project(root)


def test_no_pyproject(tmp_path: Path) -> None:
    with pytest.raises(MissingPyprojectError, match=r"no pyproject\.toml"):
        read_project(tmp_path)


def test_requires_python_is_read_and_must_be_a_specifier(tmp_path: Path) -> None:
    root = project(tmp_path / "ok", NAMED + 'requires-python = ">=3.13"\n', ["src/acme_cloud_provider"])
    assert read_project(root).requires_python == ">=3.13"
    root = project(tmp_path / "bad", NAMED + 'requires-python = "three"\n', ["src/acme_cloud_provider"])
    with pytest.raises(InvalidProjectError, match=r"requires-python must be a version specifier"):
        read_project(root)


def test_choosing_the_interpreter_by_requires_python() -> None:
    server = Interpreter(Path("/py311"), "3.11.7", Path("/p311"))
    others = [
        Interpreter(Path("/py312"), "3.12.1", Path("/p312")),
        Interpreter(Path("/py313"), "3.13.0", Path("/p313")),
    ]
    pythons = [server, *others]
    assert choose(pythons, None) is server
    assert choose(pythons, ">=3.11") is server  # the server's own whenever the project takes it
    assert choose(pythons, ">=3.12") is others[1]  # else the newest the project takes
    assert choose(pythons, "~=3.12.0") is others[0]
    with pytest.raises(
        UnsupportedPythonError, match=r"requires Python >=3.14 and this server builds with 3.11.7, 3.12.1"
    ):
        choose(pythons, ">=3.14")
