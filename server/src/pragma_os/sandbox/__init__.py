"""The sandbox around pushed provider code: builds and the workers of releases.

Builds and deployers describe what a process needs as a ``SandboxPolicy``; the server's
``Sandbox`` (bubblewrap here; a container runtime or Kubernetes elsewhere) enforces it.
"""

from pragma_os.sandbox.bubblewrap import Bubblewrap
from pragma_os.sandbox.choice import RefusingSandbox, Sandbox, Unsandboxed, choose_sandbox
from pragma_os.sandbox.errors import INSECURE_FLAG, SandboxUnavailableError
from pragma_os.sandbox.identities import SandboxIdentities
from pragma_os.sandbox.ownership import hand_over, sandboxed_pid
from pragma_os.sandbox.policy import ResourceLimits, SandboxIdentity, SandboxPolicy, SandboxProfile

__all__ = [
    "INSECURE_FLAG",
    "Bubblewrap",
    "RefusingSandbox",
    "ResourceLimits",
    "Sandbox",
    "SandboxIdentities",
    "SandboxIdentity",
    "SandboxPolicy",
    "SandboxProfile",
    "SandboxUnavailableError",
    "Unsandboxed",
    "choose_sandbox",
    "hand_over",
    "sandboxed_pid",
]
