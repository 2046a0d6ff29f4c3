"""``pragma_sdk.tracing``: which OTEL_* variables turn traces on, and an SDK without the
``otel`` extra installed working as before (traces through real processes: server/tests/test_traces.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pragma_sdk import tracing


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, True),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, True),
        ({"OTEL_TRACES_EXPORTER": "otlp"}, True),
        ({"OTEL_TRACES_EXPORTER": "console"}, True),
        ({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, False),
        ({"OTEL_SDK_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, False),
        ({"OTEL_SDK_DISABLED": "false", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, True),
        ({"OTEL_SERVICE_NAME": "api"}, False),
    ],
)
def test_traces_are_wanted_only_when_the_standard_variables_ask(
    environ: dict[str, str], expected: bool
) -> None:
    assert tracing.wanted(environ) is expected


def test_tracing_off_is_a_no_op() -> None:
    assert not tracing.configure("probe", {})
    assert not tracing.enabled()
    with tracing.span("apply x/y", parent=f"00-{'1' * 32}-{'2' * 16}-01") as traceparent:
        assert traceparent is None
    assert tracing.traceparent_of_current() is None


# Imports of opentelemetry fail in the child, as where the extra is not installed.
_WITHOUT_OTEL = """
import sys
class Absent:
    def find_spec(self, name, path=None, target=None):
        if name == "opentelemetry" or name.startswith("opentelemetry."):
            raise ModuleNotFoundError(name)
sys.meta_path.insert(0, Absent())
"""


def test_the_sdk_works_without_opentelemetry_installed() -> None:
    code = _WITHOUT_OTEL + (
        "import asyncio\n"
        "from pragma_sdk import tracing\n"
        "from pragma_sdk import Config, Outputs, Provider, Resource\n"
        "from pragma_sdk.provider import LifecycleEvent, handle_event\n"
        "import pragma_sdk.worker.__main__\n"
        "from pragma_sdk.worker._runtime import _handler_span\n"
        "class C(Config):\n    value: str\n"
        "class O(Outputs):\n    value: str\n"
        "p = Provider(name='probe')\n"
        "@p.resource('thing')\n"
        "class Thing(Resource[C, O]):\n"
        "    async def on_create(self) -> O:\n        return O(value=self.config.value)\n"
        "event = LifecycleEvent(event_id='evt_1', event_type='CREATE', provider='probe', resource='thing',\n"
        "    name='a', config={'value': 'v'}, traceparent='00-' + '1' * 32 + '-' + '2' * 16 + '-01')\n"
        "assert not tracing.configure('probe', {})\n"
        "with _handler_span(event), tracing.span('x') as traceparent:\n"
        "    assert traceparent is None\n"
        "    result = asyncio.run(handle_event(p, event))\n"
        "assert result.success and result.outputs == {'value': 'v'}, result\n"
        "try:\n"
        "    tracing.configure('probe', {'OTEL_EXPORTER_OTLP_ENDPOINT': 'http://collector:4318'})\n"
        "except tracing.TracingUnavailableError as error:\n"
        "    print(error)\n"
        "assert 'opentelemetry' not in sys.modules\n"
    )
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)

    assert ran.returncode == 0, ran.stderr
    assert "pip install 'pragmatiks-sdk[otel]'" in ran.stdout
