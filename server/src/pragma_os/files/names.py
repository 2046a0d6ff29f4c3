"""The file-name rule: a name is one plain path segment, so it never leaves its organization's folder."""

from __future__ import annotations

import unicodedata

from pragma_os.files.errors import FileNameError

FILE_NAME_MAX_BYTES = 255
FILE_NAME_RULE = (
    f"must be 1 to {FILE_NAME_MAX_BYTES} bytes of UTF-8, must not start with '.', and must not "
    "contain '/', '\\', NUL or other control characters"
)


def is_valid_file_name(name: str) -> bool:
    """Whether ``name`` follows ``FILE_NAME_RULE``."""
    try:
        encoded = name.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates
        return False
    # No leading dot: no '.' or '..', no hidden files, and no clash with the storage's
    # own '.upload-*' staging files.
    if not 0 < len(encoded) <= FILE_NAME_MAX_BYTES or name.startswith("."):
        return False
    return not any(char in "/\\" or unicodedata.category(char) == "Cc" for char in name)


def check_file_name(name: str) -> str:
    """``name`` when it follows the rule.

    Raises:
        FileNameError: It does not (422 naming the field ``name``).
    """
    if not is_valid_file_name(name):
        raise FileNameError(FILE_NAME_RULE)
    return name
