"""Which package a provider project is imported as: the rules of ``read_project`` in order."""

from __future__ import annotations

from pathlib import Path

import pytest

from pragma_os.builds import InvalidProjectError, MissingPyprojectError, read_project


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
