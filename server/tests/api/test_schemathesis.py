"""Schemathesis against a live server: the server does what its OpenAPI document says.

``st run`` generates requests from ``/openapi.json`` (valid ones and ones breaking the
document, every status each operation declares, undeclared methods, sequences of calls) and
runs all its checks on the answers: no server error, every status, content type, header and
body as documented, schema-valid requests taken and schema-breaking ones refused, 405 with the
right ``Allow`` for undeclared methods, 401 without a token. Any failure fails the test with
schemathesis' report. Once with an admin token over every operation, then once with a worker
token over the worker routes, the way workers call them; on SQLite and on PostgreSQL.

Where a check and the server disagree on purpose, ``ALLOWANCES`` names the operation, the check
and the statuses it accepts besides its defaults, and says why (``EXCLUDED_CHECKS``: a check that
does not apply to this API, and why); ``schemathesis_hooks`` keeps
generated requests to what JSON Schema can state, each hook saying which rule it cannot.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from testing.fixtures.db import DATABASES
from testing.fixtures.server import RunningServer, serving, worker_token

HOOKS = Path(__file__).with_name("schemathesis_hooks.py")
SEED = 20261130
"""Fixed, so that a run generates the same requests each time (``st run --seed``)."""
MAX_EXAMPLES = 20
RUN_SECONDS = 600
"""A run takes about two minutes on two cores; past this something hangs."""
QUERY_ANSWER_SECONDS = 0.5
"""No provider worker runs here, so a resource's health and logs answer 503 after this long."""
WATCH_SECONDS = 1.0
"""The watch stream never ends: it is read this long, then its status, type and events are checked."""
WORKER_PROVIDERS = ["a", "b"]
"""What the worker token of the second run serves (generated providers mostly are not)."""

# Schemathesis' expected statuses, which an allowance extends.
POSITIVE_DATA_ACCEPTANCE = ("2xx", "3xx", "401", "403", "404", "409", "429", "5xx")
NOT_A_SERVER_ERROR = ("2xx", "3xx", "4xx")


@dataclass(frozen=True)
class Allowance:
    """A status ``check`` accepts on one operation besides its defaults, and why."""

    method: str
    path: str
    check: str
    statuses: tuple[str, ...]
    reason: str


ALLOWANCES = [
    Allowance(
        "DELETE",
        "/ops/dead-letter",
        "positive_data_acceptance",
        ("400",),
        "Without provider= or all=true, a bulk delete is refused with 400 instead of deleting every "
        "dead letter. Each parameter is optional on its own; OpenAPI cannot say that one of the two "
        "is needed.",
    ),
    Allowance(
        "POST",
        "/providers/{provider_id}/push",
        "positive_data_acceptance",
        ("422",),
        "The archive must be a gzipped tarball of a provider project (422 naming `code` otherwise); "
        "the schema can only say it is a file.",
    ),
    Allowance(
        "POST",
        "/resources/apply",
        "positive_data_acceptance",
        ("422",),
        "A config is checked against the JSON schema its resource type registered, and owners and "
        "dependencies against stored resources (a cycle is refused); the document knows neither.",
    ),
    Allowance(
        "POST",
        "/resources/apply/batch",
        "positive_data_acceptance",
        ("422",),
        "As /resources/apply, for each document; and one resource applied twice in a batch is refused.",
    ),
    Allowance(
        "POST",
        "/workers/events/{event_id}/apply",
        "positive_data_acceptance",
        ("422",),
        "As /resources/apply: the resource type's config schema and cycles are not in the document.",
    ),
    Allowance(
        "GET",
        "/resources/{resource_id}/health",
        "not_a_server_error",
        ("503",),
        "No worker of the resource's provider runs in this test: the documented answer is 503 "
        "(the provider is unavailable), not a fault of the server.",
    ),
    Allowance(
        "GET",
        "/resources/{resource_id}/logs",
        "not_a_server_error",
        ("503",),
        "As the health of a resource: without a worker of its provider, 503 as documented.",
    ),
]


EXCLUDED_CHECKS = {
    "use_after_free": (
        "Deleting a resource is asynchronous: `DELETE /resources/{resource_id}` answers 200 with the "
        "resource on its way out (`deleting: true`), and it stays readable until its provider's "
        "DELETE handler succeeds (204 when it was already gone). Here the worker-token run leases "
        "events and never reports, so a resource it holds is rightly still there after its DELETE. "
        "The synchronous deletes (files, dead letters, providers) answer 404 afterwards in their own tests."
    ),
}
"""Checks that do not apply to this API, and why (``st run --exclude-checks``)."""

DEFAULTS = {
    "positive_data_acceptance": POSITIVE_DATA_ACCEPTANCE,
    "not_a_server_error": NOT_A_SERVER_ERROR,
}


def _toml_list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(f'"{value}"' for value in values) + "]"


def schemathesis_config() -> str:
    """The ``st`` configuration: generation settings, the watch's read time and ``ALLOWANCES``."""
    lines = [
        "[generation]",
        # NUL is refused in every string of every request (PostgreSQL cannot store it; see
        # docs/resources.md, limits), which JSON Schema cannot say of a free-form config.
        "allow-x00 = false",
        'database = "none"',
        "",
        "[auth.openapi.HTTPBearer]",
        'bearer = "${PRAGMA_TEST_TOKEN}"',
        "",
        "[[operations]]",
        'include-path = "/resources/watch"',
        f"request-timeout = {WATCH_SECONDS}",
    ]
    operations: dict[tuple[str, str], list[Allowance]] = {}
    for allowance in ALLOWANCES:
        operations.setdefault((allowance.method, allowance.path), []).append(allowance)
    for (method, path), allowances in operations.items():
        lines += ["", "[[operations]]", f'include-method = "{method}"', f'include-path = "{path}"']
        for allowance in allowances:
            statuses = DEFAULTS[allowance.check] + allowance.statuses
            lines.append(f"checks.{allowance.check}.expected-statuses = {_toml_list(statuses)}")
    return "\n".join(lines) + "\n"


@dataclass
class Outcome:
    """What one ``st run`` printed, its exit code and how long it took."""

    returncode: int
    output: str
    seconds: float

    def report(self) -> str:
        return f"st run exited {self.returncode} after {self.seconds:.0f} s:\n{self.output}"

    def summary(self) -> str:
        """The figures of the run (operations, phases, cases, failures): its closing section."""
        start = self.output.rfind(" SUMMARY ")
        if start == -1:
            return self.report()
        line = self.output.rfind("\n", 0, start) + 1
        return f"st run: {self.seconds:.0f} s\n" + self.output[line:]


def run_schemathesis(server: RunningServer, directory: Path, token: str, *options: str) -> Outcome:
    """``st run`` against the server's document with every check, as configured here."""
    config = directory / "schemathesis.toml"
    config.write_text(schemathesis_config())
    env = {**os.environ, "PRAGMA_TEST_TOKEN": token, "SCHEMATHESIS_HOOKS": str(HOOKS)}
    command = [
        sys.executable, "-m", "schemathesis.cli",
        "--config-file", str(config),
        "run", f"{server.url}/openapi.json",
        "--checks", "all",
        "--exclude-checks", ",".join(EXCLUDED_CHECKS),
        "--seed", str(SEED),
        "--max-examples", str(MAX_EXAMPLES),
        # One worker: CPython 3.11's ast.parse, which Hypothesis uses to describe strategies,
        # fails now and then when two threads parse at once ("AST constructor recursion depth
        # mismatch"), and schemathesis' workers are threads.
        "--workers", "1",
        "--no-color",
        *options,
    ]  # fmt: skip
    started = time.monotonic()
    try:
        finished = subprocess.run(
            command, cwd=directory, env=env, capture_output=True, text=True, timeout=RUN_SECONDS, check=False
        )
    except subprocess.TimeoutExpired as expired:
        # Captured output comes as bytes here, whatever ``text`` says.
        parts = (expired.stdout, expired.stderr)
        printed = "".join(p.decode(errors="replace") if isinstance(p, bytes) else p or "" for p in parts)
        return Outcome(-1, f"timed out; it printed:\n{printed}", RUN_SECONDS)
    return Outcome(finished.returncode, finished.stdout + finished.stderr, time.monotonic() - started)


@pytest.fixture(params=DATABASES)
def live_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RunningServer]:
    """A server of its own: the run applies, deletes and leases what it likes."""
    with serving(
        tmp_path, request.param, extra_env={"PRAGMA_QUERY_ANSWER_SECONDS": str(QUERY_ANSWER_SECONDS)}
    ) as running:
        yield running


def test_the_server_does_what_its_openapi_document_says(live_server: RunningServer, tmp_path: Path) -> None:
    users = run_schemathesis(live_server, tmp_path, live_server.token)
    assert users.returncode == 0, users.report()
    print(users.summary())  # shown by pytest -rP
    workers = run_schemathesis(
        live_server,
        tmp_path,
        worker_token(live_server, WORKER_PROVIDERS),
        "--include-path-regex",
        "^/workers/",
    )
    assert workers.returncode == 0, workers.report()
    print(workers.summary())
    assert "Unhandled error" not in live_server.log(), live_server.log()
