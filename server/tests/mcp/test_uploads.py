"""``push_provider``'s archive: a base64 tarball as sent, or one packed from the given files."""

from __future__ import annotations

import base64
import io
import tarfile

import pytest

from pragma_os.errors import InvalidInputError, PayloadTooLargeError
from pragma_os.mcp.uploads import pushed_archive

LIMIT = 64 * 1024


def test_files_are_packed_into_a_gzipped_tarball_of_those_files() -> None:
    files = {"pyproject.toml": "[project]\nname = 'x'\n", "x/__init__.py": "VALUE = 'é'\n"}
    archive = pushed_archive(None, files, LIMIT)
    assert archive.startswith(b"\x1f\x8b")
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as unpacked:
        assert unpacked.getnames() == ["pyproject.toml", "x/__init__.py"]
        member = unpacked.extractfile("x/__init__.py")
        assert member is not None
        assert member.read().decode() == files["x/__init__.py"]


def test_code_is_the_base64_of_the_archive() -> None:
    assert pushed_archive(base64.b64encode(b"\x1f\x8bdata").decode(), None, LIMIT) == b"\x1f\x8bdata"


@pytest.mark.parametrize("name", ["/etc/passwd", "../outside.py", "a/../../b.py", "", "a\\b.py"])
def test_a_path_outside_the_project_is_refused_naming_it(name: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        pushed_archive(None, {name: "x"}, LIMIT)
    assert refused.value.extra["field"] == f"files[{name!r}]"
    assert "relative path inside the project" in refused.value.message


@pytest.mark.parametrize(
    ("code", "files", "rule"),
    [
        (None, None, "exactly one of code"),
        ("aGk=", {"a.py": ""}, "exactly one of code"),
        ("not base64!", None, "base64 of a gzipped tarball"),
        (None, {}, "at least pyproject.toml"),
    ],
)
def test_bad_arguments_name_the_rule(code: str | None, files: dict[str, str] | None, rule: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        pushed_archive(code, files, LIMIT)
    assert rule in refused.value.message


def test_over_the_push_limit_is_refused_before_decoding_or_packing() -> None:
    with pytest.raises(PayloadTooLargeError):
        pushed_archive("A" * (LIMIT * 2), None, LIMIT)
    with pytest.raises(PayloadTooLargeError):
        pushed_archive(None, {"big.py": "x" * (LIMIT + 1)}, LIMIT)
