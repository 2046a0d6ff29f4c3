"""A build hook that attacks the build's sandbox: the attacks of probes.json, results to $HOME."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CustomBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        plan = Path(self.root) / "probes.json"
        if not plan.exists():
            return
        sys.path.insert(0, str(Path(self.root) / "src" / "hostile_provider"))
        import probes  # the package is not installed yet: load its module by path

        results = {name: probes.run(attack) for name, attack in json.loads(plan.read_text()).items()}
        home = Path(os.environ.get("HOME", self.root))
        (home / "build-probes.json").write_text(json.dumps(results))
        print("PROBES", json.dumps(results), flush=True)
