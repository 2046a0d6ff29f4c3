"""Why a pushed provider cannot be built; each message is one line the pusher can act on.

BuildError (PragmaError, 422)
├── UnsafeArchiveError     the upload is not a gzipped tarball, or breaks an extraction rule
├── MissingPyprojectError  no pyproject.toml at the top of the archive
├── InvalidProjectError    pyproject.toml unreadable, or no way to tell the import package
├── UnsupportedPythonError the project's requires-python excludes every Python the server builds with
├── InstallError           uv could not create the environment or install the project
├── ProviderImportError    importing the package raised
├── NoResourcesError       no Provider, or a Provider without resource types
├── SchemaError            a resource type's JSON schema cannot be produced or is malformed
├── BuildTimeoutError      the build ran past its time limit
└── BuildLimitError        the build went over a sandbox limit (what it may write)
"""

from __future__ import annotations

from pragma_os.errors import PragmaError


class BuildError(PragmaError):
    """The pushed code cannot be built; ``message`` says why in one line."""

    status_code = 422


class UnsafeArchiveError(BuildError):
    """The archive is not a gzipped tarball or breaks a rule of safe extraction."""


class MissingPyprojectError(BuildError):
    """The archive holds no ``pyproject.toml`` at its top (or in its single top-level directory)."""


class InvalidProjectError(BuildError):
    """``pyproject.toml`` cannot be read, or it is unclear which package to import."""


class UnsupportedPythonError(BuildError):
    """``[project] requires-python`` accepts none of the interpreters the server builds with."""


class InstallError(BuildError):
    """Creating the virtual environment or installing the project failed."""


class ProviderImportError(BuildError):
    """Importing the provider package (or one of its modules) raised."""


class NoResourcesError(BuildError):
    """The package defines no ``Provider``, or a provider registers no resource type."""


class SchemaError(BuildError):
    """A resource type's JSON schemas cannot be produced, or the build reported malformed ones."""


class BuildTimeoutError(BuildError):
    """The build ran past its time limit and was killed."""


class BuildLimitError(BuildError):
    """The build went over a limit of its sandbox (what it may write) and was killed."""
