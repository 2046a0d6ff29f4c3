"""uv command lines and the one-line summary of uv's error reports."""

from __future__ import annotations

from pathlib import Path

from pragma_os.builds.uv import error_summary, install_command, sdk_override

RESOLUTION = """\
Using Python 3.11.7 environment at: venv
error: No solution found when resolving dependencies
  cause: Because pragma-os-no-such-package-xyz was not found in the package registry and demo==0.1.0 depends on pragma-os-no-such-package-xyz, we can conclude that demo==0.1.0 cannot be used.
         And because only demo==0.1.0 is available and you require demo, we can conclude that your requirements are unsatisfiable.
"""  # noqa: E501

BACKEND = """\
   Building bb2 @ file:///tmp/bb2
error: Failed to build `bb2 @ file:///tmp/bb2`
  cause: The build backend returned an error
  cause: Call to `setuptools.build_meta.get_requires_for_build_wheel` failed (exit status: 1)

         [stderr]
         Traceback (most recent call last):
           File "<string>", line 2, in <module>
         RuntimeError: boom in setup

hint: Build failures usually indicate a problem with the package or the build environment
"""


def test_a_resolution_error_keeps_its_first_cause() -> None:
    assert error_summary(RESOLUTION.splitlines()) == (
        "No solution found when resolving dependencies: Because pragma-os-no-such-package-xyz was not "
        "found in the package registry and demo==0.1.0 depends on pragma-os-no-such-package-xyz, we can "
        "conclude that demo==0.1.0 cannot be used."
    )


def test_a_build_backend_error_ends_with_the_backends_last_words() -> None:
    summary = error_summary(BACKEND.splitlines())
    assert summary == "Failed to build `bb2 @ file:///tmp/bb2`: RuntimeError: boom in setup"


def test_no_error_line() -> None:
    assert error_summary(["Resolved 3 packages", "oops"]) is None


def test_the_sdk_is_installed_and_overridden_from_its_source(tmp_path: Path) -> None:
    sdk = tmp_path / "sdk"
    assert sdk_override(sdk) == f"pragmatiks-sdk @ file://{sdk}\n"
    command = install_command(
        Path("uv"), Path("venv/bin/python"), project=tmp_path / "p", sdk_source=sdk, overrides=Path("o.txt")
    )
    assert command[-2:] == [str(sdk), str(tmp_path / "p")]
    assert "--no-sources" in command
    assert command[command.index("--overrides") + 1] == "o.txt"
    assert not {"--editable", "-e"} & set(command)
