"""Applying several manifests at once: one request, every document checked, all applied or none.

A refusal names each problem under the manifest it is about (``provider/type/name`` and
where the document came from), instead of the index the API gives it.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from pragma_cli.errors import CliError, doing, explain
from pragma_cli.manifests import Manifest
from pragma_cli.state import CliState
from pragma_sdk import PragmaAPIError, PragmaClient

_DOCUMENT = re.compile(r"documents\[(?P<index>\d+)\]\.?(?P<field>.*)")


def apply_all(
    state: CliState, client: PragmaClient, manifests: list[Manifest], *, plan_token: str | None = None
) -> list[dict[str, Any]]:
    """Apply ``manifests`` together; returns their stored documents, in order. With
    ``plan_token``, the API refuses (409) if what the plan read changed since.

    Files of ``pragma/file`` manifests are uploaded first, as the resources need them.

    Raises:
        CliError: The API refused some; nothing was applied. Its details hold one line per
            problem, naming the manifest, the field and the rule.
    """
    for manifest in manifests:
        if (upload := manifest.upload) is not None:
            action = f"upload {upload.source} for {manifest.path}"
            with doing(action, context=state.context_name), upload.source.open("rb") as content:
                client.upload_file(upload.name, content, upload.content_type)
    try:
        documents: list[dict[str, Any]] = client.apply_resources(
            [manifest.body for manifest in manifests], plan_token=plan_token
        )
    except PragmaAPIError as error:
        raise _refusal(state, error, manifests) from error
    except httpx.HTTPError as error:
        raise explain(error, "apply the resources", context=state.context_name) from error
    return documents


def _refusal(state: CliState, error: PragmaAPIError, manifests: list[Manifest]) -> CliError:
    lines = []
    refused = set()
    for problem in error.problems:
        found = _DOCUMENT.fullmatch(problem.field or "")
        if found is None or int(found["index"]) >= len(manifests):
            lines.append(str(problem))
            continue
        manifest = manifests[int(found["index"])]
        refused.add(manifest.path)
        where = f"{manifest.path} ({manifest.origin})"
        field = found["field"]
        lines.append(f"{where}: {field}: {problem.message}" if field else f"{where}: {problem.message}")
    if not refused:  # not a refusal of documents (a body too large, a token refused...)
        return explain(error, "apply the resources", context=state.context_name)
    count = len(refused)
    return CliError(
        f"{count} of {len(manifests)} resource(s) refused, nothing was applied (HTTP {error.status})",
        details=lines,
    )
