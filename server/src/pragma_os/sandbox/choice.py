"""Which sandbox pushed code runs in: bubblewrap, none (development only), or a refusal.

The server chooses once at start. A machine where bubblewrap cannot run gets a sandbox that
refuses every command with the reason, so builds and deployments fail with it instead of
running pushed code in the open; ``--insecure-unsandboxed`` chooses to run it in the open.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from pragma_os.sandbox.bubblewrap import Bubblewrap
from pragma_os.sandbox.errors import INSECURE_FLAG, SandboxUnavailableError
from pragma_os.sandbox.policy import SandboxIdentity, SandboxPolicy

logger = logging.getLogger("pragma_os.sandbox")


class Sandbox(Protocol):
    """Turns a command line into one that runs under a policy."""

    @property
    def name(self) -> str:
        """What the sandbox is, for logs and status (``bubblewrap``, ``none``)."""

    @property
    def isolates(self) -> bool:
        """Whether commands run isolated (their processes sit one level down in a PID namespace)."""

    def require(self) -> None:
        """Return when pushed code may run.

        Raises:
            SandboxUnavailableError: No sandbox, and the operator did not allow running without.
        """

    def command(self, argv: Sequence[str], policy: SandboxPolicy) -> list[str]:
        """``argv`` wrapped to run under ``policy``."""


class Unsandboxed:
    """Runs commands as they are, as the server's user: for development on a trusted machine."""

    name = "none"
    isolates = False

    def require(self) -> None:
        """The operator allowed pushed code to run unsandboxed."""

    def command(self, argv: Sequence[str], policy: SandboxPolicy) -> list[str]:
        """``argv`` unchanged; the policy's limits and identity are not applied."""
        return list(argv)


class RefusingSandbox:
    """Stands in where no sandbox could be set up: every command is refused with the reason."""

    name = "unavailable"
    isolates = False

    def __init__(self, error: SandboxUnavailableError) -> None:
        self.error = error

    def require(self) -> None:
        """Never returns.

        Raises:
            SandboxUnavailableError: Always.
        """
        raise self.error

    def command(self, argv: Sequence[str], policy: SandboxPolicy) -> list[str]:
        """Never returns.

        Raises:
            SandboxUnavailableError: Always.
        """
        raise self.error


async def choose_sandbox(*, insecure_unsandboxed: bool, probe_identity: SandboxIdentity) -> Sandbox:
    """The sandbox of this server: bubblewrap when it works here, else what the operator chose.

    Args:
        insecure_unsandboxed: The operator started the server with ``--insecure-unsandboxed``.
        probe_identity: The uid to try bubblewrap with (one no organization has).
    """
    if insecure_unsandboxed:
        for _ in range(3):
            logger.warning(
                "INSECURE: %s is set: pushed provider code (builds and workers) runs unsandboxed, "
                "as the server's own user, and can read its keys and database. Development only.",
                INSECURE_FLAG,
            )
        return Unsandboxed()
    try:
        sandbox = Bubblewrap.locate()
        await sandbox.probe(probe_identity)
    except SandboxUnavailableError as error:
        logger.error(
            "No sandbox for pushed provider code; builds and deployments are refused: %s", error.reason
        )
        return RefusingSandbox(error)
    logger.info("Pushed provider code runs in the bubblewrap sandbox")
    return sandbox
