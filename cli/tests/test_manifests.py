"""Manifests as ``pragma resources apply`` reads them (no server needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pragma_cli.manifests import ManifestError, load_manifests


def test_yaml_timestamps_are_sent_as_rfc_3339(tmp_path: Path) -> None:
    manifest = tmp_path / "exported.yaml"
    manifest.write_text(
        "provider: p\nresource: r\nname: n\n"
        "created_at: 2026-11-30T13:43:19.726659+00:00\n"
        "config: {since: 2026-11-30 13:43:19+02:00, day: 2026-11-30}\n"
    )
    (loaded,) = load_manifests([str(manifest)])
    assert loaded.body["created_at"] == "2026-11-30T13:43:19.726659+00:00"
    assert loaded.body["config"] == {"since": "2026-11-30T13:43:19+02:00", "day": "2026-11-30"}


def test_a_timestamp_without_its_offset_is_refused(tmp_path: Path) -> None:
    manifest = tmp_path / "naive.yaml"
    manifest.write_text("provider: p\nresource: r\nname: n\nupdated_at: 2026-11-30 13:43:19\n")
    with pytest.raises(ManifestError, match="RFC 3339"):
        load_manifests([str(manifest)])
