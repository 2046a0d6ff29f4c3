"""``import pragma_sdk`` is cheap, and every name it exports resolves on first use."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import pragma_sdk

PROBE = """
import json, sys
import pragma_sdk
cheap = [name for name in ("httpx", "pydantic") if name not in sys.modules]
resolved = sorted(name for name in pragma_sdk.__all__ if getattr(pragma_sdk, name) is not None)
unlisted = sorted(set(pragma_sdk.__all__) - set(dir(pragma_sdk)))
print(json.dumps({"cheap": cheap, "resolved": resolved, "unlisted": unlisted}))
"""


def test_importing_the_package_defers_its_exports_and_each_resolves() -> None:
    probe = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True
    )
    report = json.loads(probe.stdout)
    assert report["cheap"] == ["httpx", "pydantic"]
    assert report["resolved"] == sorted(pragma_sdk.__all__)
    assert report["unlisted"] == []


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchThing"):
        pragma_sdk.NoSuchThing  # type: ignore[attr-defined]  # noqa: B018
