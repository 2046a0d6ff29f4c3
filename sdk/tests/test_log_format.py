"""JSON log lines and their context fields: a handler's lines name its event, resource and request."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from typing import Any

from pragma_sdk import Config, Outputs, Provider, Resource
from pragma_sdk.log_format import JsonFormatter, current_log_fields, log_fields
from pragma_sdk.models import EventType
from pragma_sdk.provider import LifecycleEvent, LifecycleResult, handle_event

logbook = Provider(name="logbook")
handler_logger = logging.getLogger("logbook.handlers")


class PageConfig(Config):
    text: str = ""


class PageOutputs(Outputs):
    text: str


@logbook.resource("page")
class Page(Resource[PageConfig, PageOutputs]):
    async def on_create(self) -> PageOutputs:
        handler_logger.info("writing %s", self.config.text)
        return PageOutputs(text=self.config.text)


def _record(message: str, *args: Any, **attributes: Any) -> logging.LogRecord:
    record = logging.LogRecord("tests.logs", logging.WARNING, __file__, 1, message, args, None)
    record.__dict__.update(attributes)
    return record


def test_a_line_is_one_json_object_with_time_level_logger_and_message() -> None:
    line = JsonFormatter().format(_record("%d items", 3))

    entry = json.loads(line)
    assert "\n" not in line
    assert entry.keys() == {"time", "level", "logger", "message"}
    assert (entry["level"], entry["logger"], entry["message"]) == ("WARNING", "tests.logs", "3 items")
    assert entry["time"].endswith("Z")
    assert "T" in entry["time"]


def test_context_fields_are_added_inside_log_fields_and_gone_after() -> None:
    formatter = JsonFormatter()

    with log_fields(request_id="r-1", provider="acme", event_id=None):
        inside = json.loads(formatter.format(_record("in")))
        with log_fields(resource_id="resource:acme_db_a"):
            nested = json.loads(formatter.format(_record("deeper")))
    after = json.loads(formatter.format(_record("out")))

    assert (inside["request_id"], inside["provider"]) == ("r-1", "acme")
    assert "event_id" not in inside
    assert nested["resource_id"] == "resource:acme_db_a"
    assert nested["request_id"] == "r-1"
    assert "request_id" not in after
    assert current_log_fields() == {}


def test_fields_passed_as_extra_and_exceptions_are_kept() -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = _record("failed", event_id="evt_1")
        record.exc_info = sys.exc_info()

    entry = json.loads(JsonFormatter().format(record))

    assert entry["event_id"] == "evt_1"
    assert "RuntimeError: boom" in entry["exception"]


async def test_a_handlers_lines_carry_its_resource_provider_event_and_request() -> None:
    event = LifecycleEvent(
        event_id="evt_42",
        event_type=EventType.CREATE,
        provider="logbook",
        resource="page",
        name="front",
        config={"text": "hello"},
        request_id="deploy-7",
    )
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)  # formats as it emits, as the worker's does
    handler.setFormatter(JsonFormatter())
    handler_logger.addHandler(handler)
    handler_logger.setLevel(logging.INFO)
    try:
        result: LifecycleResult = await handle_event(logbook, event)
    finally:
        handler_logger.removeHandler(handler)

    assert result.success
    [entry] = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert entry["message"] == "writing hello"
    assert {key: entry.get(key) for key in ("resource_id", "provider", "event_id", "request_id")} == {
        "resource_id": "resource:logbook_page_front",
        "provider": "logbook",
        "event_id": "evt_42",
        "request_id": "deploy-7",
    }


def test_an_event_from_an_older_server_has_no_request_id() -> None:
    event = LifecycleEvent.model_validate(
        {"event_id": "evt_1", "event_type": "CREATE", "provider": "p", "resource": "r", "name": "n"}
    )

    assert event.request_id is None


def test_the_worker_takes_its_log_format_from_the_environment() -> None:
    # An unknown package: the worker stops at once, after configuring its logging.
    code = (
        "import logging, sys\n"
        "from pragma_sdk.worker.__main__ import _arguments, _configure_logging\n"
        "arguments = _arguments(['--package', 'x'])\n"
        "_configure_logging(arguments.log_format)\n"
        "logging.getLogger('probe').warning('hello')\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", code],
        env={"PRAGMA_LOG_FORMAT": "json", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )

    entry = json.loads(ran.stderr)
    assert (entry["logger"], entry["message"], entry["level"]) == ("probe", "hello", "WARNING")
