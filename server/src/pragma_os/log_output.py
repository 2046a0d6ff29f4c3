"""The server's own log: uvicorn's loggers and ``pragma_os``'s, as plain text or JSON lines.

``pragma-os serve --log-format json`` (or ``PRAGMA_LOG_FORMAT=json``) writes every line as one
JSON object (see ``pragma_sdk.log_format``); access lines also carry the method, path and
status as fields of their own. Plain output is uvicorn's.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

import orjson
import uvicorn.config

from pragma_sdk.log_format import JsonFormatter, LogFormat


def _dumps(entry: dict[str, Any]) -> str:
    # default=str: a message argument of any type must never break a log line.
    return orjson.dumps(entry, default=str).decode()


class ServerJsonFormatter(JsonFormatter):
    """``JsonFormatter`` with orjson; an access line gets ``client``, ``method``, ``path``,
    ``http_version`` and ``status`` too."""

    def __init__(self) -> None:
        super().__init__(_dumps)

    def entry(self, record: logging.LogRecord) -> dict[str, Any]:
        entry = super().entry(record)
        # uvicorn's access record: '%s - "%s %s HTTP/%s" %d' with exactly these arguments.
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, path, http_version, status = record.args
            entry.update(client=client, method=method, path=path, http_version=http_version, status=status)
        return entry


def log_config(log_format: LogFormat) -> dict[str, Any]:
    """Uvicorn's logging, plus the server's own lines (workers started, exited, stopped) at INFO,
    in ``log_format``.

    Worker and build output never goes through logging: it goes to the providers' logs.
    """
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["loggers"]["pragma_os"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    # The MCP SDK's own warnings (a malformed request to /mcp), in the same format; not its
    # line per request at INFO.
    config["loggers"]["mcp"] = {"handlers": ["default"], "level": "WARNING", "propagate": False}
    if log_format == "json":
        config["formatters"] = {"json": {"()": ServerJsonFormatter}}
        for handler in config["handlers"].values():
            handler["formatter"] = "json"
    return config
