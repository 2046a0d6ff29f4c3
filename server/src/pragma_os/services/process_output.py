"""Where the output of each process the server runs goes, redacted of its organization's secrets.

A build's lines go to its version's build log, a release's workers' lines to the version's
worker log (stamped with time and worker id), and ``--provider-package`` workers' lines to a
log per package under the data directory.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from pragma_os.deploy.releases import Release
from pragma_os.output import BoundedLog, CapturedOutput
from pragma_os.services.provider_files import ProviderFiles
from pragma_os.services.secret_redaction import SecretRedactors


@dataclass(frozen=True)
class ProcessOutputs:
    """Makes the ``CapturedOutput`` of a build, a release or a development package."""

    files: ProviderFiles
    packages_dir: Path
    redactors: SecretRedactors
    max_bytes: int

    def build(self, organization_id: str, provider_id: str, version: str) -> CapturedOutput:
        """The build log of a version; its lines are kept as printed, only redacted."""
        log = self.files.version(organization_id, provider_id, version).log
        return CapturedOutput(
            BoundedLog(log, self.max_bytes),
            functools.partial(self.redactors.for_organization, organization_id),
            stamped=False,
        )

    def release(self, release: Release) -> CapturedOutput:
        """The worker log of a release, shared by its replicas."""
        log = self.files.version(release.organization_id, release.provider_id, release.version).worker_log
        return CapturedOutput(
            BoundedLog(log, self.max_bytes),
            functools.partial(self.redactors.for_organization, release.organization_id),
        )

    def package(self, organization_name: str, package: str) -> CapturedOutput:
        """The log of a ``--provider-package`` worker, under the data directory."""
        self.packages_dir.mkdir(parents=True, exist_ok=True)
        return CapturedOutput(
            BoundedLog(self.packages_dir / f"{package}.log", self.max_bytes),
            functools.partial(self.redactors.for_organization_named, organization_name),
        )
