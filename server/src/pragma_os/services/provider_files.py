"""Where a provider's pushed versions keep their files on the server's disk."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pragma_os.builds.layout import venv_python


@dataclass(frozen=True)
class VersionFiles:
    """The files of one pushed version, all under its own directory."""

    directory: Path

    @property
    def archive(self) -> Path:
        """The pushed tarball."""
        return self.directory / "source.tar.gz"

    @property
    def log(self) -> Path:
        """The build log: every line the build printed."""
        return self.directory / "build.log"

    @property
    def worker_log(self) -> Path:
        """The workers' log: every line the version's workers printed while they ran here."""
        return self.directory / "worker.log"

    @property
    def outcome(self) -> Path:
        """The build's outcome, as the build process wrote it."""
        return self.directory / "outcome.json"

    @property
    def work(self) -> Path:
        """The build's working directory: unpacked source and virtual environment."""
        return self.directory / "build"

    @property
    def python(self) -> Path:
        """The interpreter of the version's environment, which its workers run on."""
        return venv_python(self.work)

    @property
    def home(self) -> Path:
        """``HOME`` of the version's workers."""
        return self.directory / "home"


@dataclass(frozen=True)
class ProviderFiles:
    """The root of every organization's provider files (``<data dir>/providers``)."""

    root: Path

    def provider(self, organization_id: str, provider_id: str) -> Path:
        """A provider's directory; ids are validated names, so it stays under ``root``."""
        return self.root / organization_id / provider_id

    def uv_cache(self, organization_id: str) -> Path:
        """The uv cache the sandboxed builds of one organization share (no provider is named so)."""
        return self.root / organization_id / ".uv-cache"

    def version(self, organization_id: str, provider_id: str, version: str) -> VersionFiles:
        """The files of one version."""
        return VersionFiles(self.provider(organization_id, provider_id) / version)
