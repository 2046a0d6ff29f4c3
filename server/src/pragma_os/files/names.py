"""The file-name rule: a name is one plain path segment, so it never leaves its organization's folder."""

from __future__ import annotations

import re

from pragma_os.files.errors import FileNameError

FILE_NAME_MAX_BYTES = 255
FILE_NAME_RULE = (
    f"must be 1 to {FILE_NAME_MAX_BYTES} bytes of UTF-8, must not start with '.', and must not "
    "contain '/', '\\', NUL or other control characters"
)
_FORBIDDEN = r"/\\\u0000-\u001f\u007f-\u009f"  # '/', '\', and the control characters (Unicode's Cc)
FILE_NAME_PATTERN = f"^[^.{_FORBIDDEN}][^{_FORBIDDEN}]*$"
"""The characters of the rule, as a regular expression that Python and JSON Schema read alike
(no leading dot: no '.' or '..', no hidden files, and no clash with the storage's own
'.upload-*' staging files); the length is in bytes, which a pattern does not count."""
_FILE_NAME = re.compile(FILE_NAME_PATTERN)


def is_valid_file_name(name: str) -> bool:
    """Whether ``name`` follows ``FILE_NAME_RULE``."""
    try:
        encoded = name.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates
        return False
    return 0 < len(encoded) <= FILE_NAME_MAX_BYTES and _FILE_NAME.fullmatch(name) is not None


def check_file_name(name: str) -> str:
    """``name`` when it follows the rule.

    Raises:
        FileNameError: It does not (422 naming the field ``name``).
    """
    if not is_valid_file_name(name):
        raise FileNameError(FILE_NAME_RULE)
    return name
