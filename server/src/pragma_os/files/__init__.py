"""File storage: a backend interface, the local-directory backend, file names and signed URLs.

Pure filesystem and cryptography; the services decide who may touch which organization's files.
"""

from pragma_os.files.errors import (
    CorruptFileError,
    ExpiredSignatureError,
    FileNameError,
    FileTooLargeError,
    InvalidSignatureError,
)
from pragma_os.files.names import (
    FILE_NAME_MAX_BYTES,
    FILE_NAME_PATTERN,
    FILE_NAME_RULE,
    check_file_name,
    is_valid_file_name,
)
from pragma_os.files.signing import download_url, sign_download_url, url_signature, verify_download
from pragma_os.files.storage import FileStorage, LocalFileStorage, StoredFile

__all__ = [
    "FILE_NAME_MAX_BYTES",
    "FILE_NAME_PATTERN",
    "FILE_NAME_RULE",
    "CorruptFileError",
    "ExpiredSignatureError",
    "FileNameError",
    "FileStorage",
    "FileTooLargeError",
    "InvalidSignatureError",
    "LocalFileStorage",
    "StoredFile",
    "check_file_name",
    "download_url",
    "is_valid_file_name",
    "sign_download_url",
    "url_signature",
    "verify_download",
]
