"""Why a file operation was refused; each type maps to one HTTP status at the API edge.

FileNameError          (InvalidInputError, 422)     the name breaks the file-name rule
FileTooLargeError      (PayloadTooLargeError, 413)  the upload passed the size limit
InvalidSignatureError  (ForbiddenError, 403)        a signed URL was altered or made with another key
└── ExpiredSignatureError                           a signed URL whose time is up
CorruptFileError       (PragmaError, 500)           a stored file whose header cannot be read
"""

from __future__ import annotations

from pragma_os.errors import ForbiddenError, InvalidInputError, PayloadTooLargeError, PragmaError


class FileNameError(InvalidInputError):
    """The file name breaks the rule; the field is ``name``."""

    def __init__(self, rule: str) -> None:
        super().__init__("name", rule)


class FileTooLargeError(PayloadTooLargeError):
    """The uploaded content is larger than the limit; the field is ``file``."""

    def __init__(self, limit_bytes: int) -> None:
        super().__init__(
            f"The file is larger than the limit of {limit_bytes} bytes.",
            field="file",
            limit_bytes=limit_bytes,
        )


class InvalidSignatureError(ForbiddenError):
    """A signed download URL whose signature does not match its organization, name and expiry."""


class ExpiredSignatureError(InvalidSignatureError):
    """A signed download URL past its expiry."""


class CorruptFileError(PragmaError):
    """A stored file whose header is missing or does not match its content."""
