"""Why pushed code cannot run: no sandbox could be set up on this machine."""

from __future__ import annotations

from pragma_os.errors import PragmaError

INSECURE_FLAG = "--insecure-unsandboxed"


class SandboxUnavailableError(PragmaError):
    """No sandbox can run pushed code here, and the server was not told to run it without one."""

    status_code = 503

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"pushed provider code runs only inside a sandbox, and none is available: {reason}. "
            f"Install bubblewrap ('apt-get install bubblewrap') and run the server as root, "
            f"or, for development only, start it with {INSECURE_FLAG}"
        )
        self.reason = reason
