"""Provider builds: unpack a pushed archive safely, then install and inspect it in its own environment.

``extract_archive`` turns the upload into a project directory; ``run_build`` creates the
version's virtual environment, installs the project with the platform's SDK and discovers
its resource types; ``worker_command`` starts a worker of the built version. Nothing here
touches the database: the build service records what these return.
"""

from pragma_os.builds.archive import ArchiveLimits, ExtractedArchive, extract_archive
from pragma_os.builds.discovery import INTROSPECT_SCRIPT
from pragma_os.builds.errors import (
    BuildError,
    BuildLimitError,
    BuildTimeoutError,
    InstallError,
    InvalidProjectError,
    MissingPyprojectError,
    NoResourcesError,
    ProviderImportError,
    SchemaError,
    UnsafeArchiveError,
)
from pragma_os.builds.layout import venv_dir, venv_python, worker_command
from pragma_os.builds.processes import LineSink
from pragma_os.builds.project import ProviderProject, read_project
from pragma_os.builds.runner import BuildOutcome, run_build

__all__ = [
    "INTROSPECT_SCRIPT",
    "ArchiveLimits",
    "BuildError",
    "BuildLimitError",
    "BuildOutcome",
    "BuildTimeoutError",
    "ExtractedArchive",
    "InstallError",
    "InvalidProjectError",
    "LineSink",
    "MissingPyprojectError",
    "NoResourcesError",
    "ProviderImportError",
    "ProviderProject",
    "SchemaError",
    "UnsafeArchiveError",
    "extract_archive",
    "read_project",
    "run_build",
    "venv_dir",
    "venv_python",
    "worker_command",
]
