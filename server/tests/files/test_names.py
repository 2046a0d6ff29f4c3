"""The file-name rule: one plain path segment of at most 255 UTF-8 bytes."""

from __future__ import annotations

import pytest

from pragma_os.files import FileNameError, check_file_name, is_valid_file_name


@pytest.mark.parametrize(
    "name",
    ["report.pdf", "training-data", "a..b", "with space", "Ünïcödé-名前", "x" * 255, "é" * 127, "a~b(1)+c"],
)
def test_plain_names_are_accepted(name: str) -> None:
    assert check_file_name(name) == name


@pytest.mark.parametrize(
    "name",
    [
        "",
        ".",
        "..",
        ".hidden",
        ".upload-abc",
        "a/b",
        "../etc/passwd",
        "a\\b",
        "nul\x00byte",
        "line\nbreak",
        "tab\there",
        "del\x7f",
        "c1\x85",
        "x" * 256,
        "é" * 128,  # 256 bytes of UTF-8
        "\ud800",  # a lone surrogate cannot be a file name
    ],
)
def test_names_that_could_escape_or_confuse_are_refused(name: str) -> None:
    assert not is_valid_file_name(name)
    with pytest.raises(FileNameError) as refused:
        check_file_name(name)
    assert refused.value.status_code == 422
    assert refused.value.detail["field"] == "name"
