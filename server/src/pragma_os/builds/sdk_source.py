"""Which SDK a build installs: this platform's own, never a same-named package from an index."""

from __future__ import annotations

from pathlib import Path

import pragma_sdk


def local_sdk_source() -> Path | None:
    """The source directory of the ``pragma_sdk`` this server runs, when it has one.

    A server installed from a source checkout (the README's setup) has ``sdk/pyproject.toml``
    beside the package; an installation without it must set ``PRAGMA_SDK_SOURCE`` to the SDK's
    source directory or wheel.
    """
    candidate = Path(pragma_sdk.__file__).resolve().parents[2]
    return candidate if (candidate / "pyproject.toml").is_file() else None
