"""The gzipped tarball ``pragma providers push`` uploads, built from a project folder.

What is left out follows ``.gitignore`` rules: a fixed list of caches, virtual environments
and build output, then the patterns of the project's ``.gitignore`` and ``.pragmaignore``
(later lines win, ``!pattern`` takes a file back). Symbolic links are left out too: the
platform refuses links that point outside the archive.
"""

from __future__ import annotations

import io
import os
import re
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_IGNORED = (
    ".git/", ".hg/", ".svn/", "__pycache__/", "*.py[cod]", ".venv/", "venv/", "*.egg-info/",
    "dist/", "build/", ".pytest_cache/", ".mypy_cache/", ".ruff_cache/", ".tox/", ".nox/",
    ".DS_Store", ".env",
)  # fmt: skip
IGNORE_FILES = (".gitignore", ".pragmaignore")


@dataclass(frozen=True)
class Rule:
    """One ignore pattern, compiled."""

    pattern: re.Pattern[str]
    negated: bool
    directories_only: bool


def _translate(glob: str) -> str:
    """A gitignore glob (without ``!`` and trailing ``/``) as a regular expression."""
    anchored = "/" in glob
    glob = glob.lstrip("/")
    parts: list[str] = []
    index = 0
    while index < len(glob):
        if glob.startswith("**/", index):
            parts.append("(?:.*/)?")
            index += 3
        elif glob.startswith("**", index):
            parts.append(".*")
            index += 2
        elif glob[index] == "*":
            parts.append("[^/]*")
            index += 1
        elif glob[index] == "?":
            parts.append("[^/]")
            index += 1
        elif glob[index] == "[" and (end := glob.find("]", index + 2)) != -1:
            body = glob[index + 1 : end]
            body = "^" + body[1:] if body.startswith("!") else body
            parts.append("[" + body.replace("\\", "\\\\") + "]")
            index = end + 1
        elif glob[index] == "\\" and index + 1 < len(glob):
            parts.append(re.escape(glob[index + 1]))
            index += 2
        else:
            parts.append(re.escape(glob[index]))
            index += 1
    return ("" if anchored else "(?:.*/)?") + "".join(parts) + "(?:/.*)?"


def parse_rules(lines: list[str]) -> list[Rule]:
    """The rules of ``.gitignore``-style lines; blank lines and ``#`` comments are skipped."""
    rules: list[Rule] = []
    for raw in lines:
        line = raw.rstrip("\n").rstrip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        line = line[1:] if negated else line
        directories_only = line.endswith("/")
        line = line.rstrip("/")
        if line:
            rules.append(Rule(re.compile(_translate(line)), negated, directories_only))
    return rules


@dataclass
class IgnoreRules:
    """Decides which paths of a project stay out of its archive."""

    rules: list[Rule] = field(default_factory=list)

    @classmethod
    def for_project(cls, directory: Path) -> IgnoreRules:
        """The default rules, then those of the project's ignore files."""
        lines = list(DEFAULT_IGNORED)
        for name in IGNORE_FILES:
            path = directory / name
            if path.is_file():
                lines += path.read_text(errors="replace").splitlines()
        return cls(parse_rules(lines))

    def ignored(self, relative: str, is_directory: bool) -> bool:
        """Whether ``relative`` (a ``/``-separated path in the project) is left out."""
        verdict = False
        for rule in self.rules:
            if rule.directories_only and not is_directory:
                # ``build/`` still leaves out files inside a folder called build.
                if not any(rule.pattern.fullmatch(parent) for parent in _parents(relative)):
                    continue
            elif not rule.pattern.fullmatch(relative):
                continue
            verdict = not rule.negated
        return verdict


def _parents(relative: str) -> list[str]:
    parts = relative.split("/")
    return ["/".join(parts[:end]) for end in range(1, len(parts))]


@dataclass(frozen=True)
class Archive:
    """A project packed for pushing."""

    data: bytes
    files: list[str]
    skipped_links: list[str]


def _member(path: Path, name: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    stat = path.stat()
    info.mtime = int(stat.st_mtime)
    info.mode = stat.st_mode & 0o777
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def build_archive(directory: Path) -> Archive:
    """Pack ``directory`` into a gzipped tarball, leaving out what its ignore rules say."""
    rules = IgnoreRules.for_project(directory)
    files: list[str] = []
    links: list[str] = []
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for root, folders, names in os.walk(directory):
            base = Path(root)
            relative_root = base.relative_to(directory).as_posix()
            prefix = "" if relative_root == "." else relative_root + "/"
            kept = []
            for folder in sorted(folders):
                relative = prefix + folder
                if (base / folder).is_symlink():
                    links.append(relative)
                elif not rules.ignored(relative, is_directory=True):
                    kept.append(folder)
                    info = _member(base / folder, relative)
                    info.type = tarfile.DIRTYPE
                    archive.addfile(info)
            folders[:] = kept
            for name in sorted(names):
                relative = prefix + name
                path = base / name
                if path.is_symlink():
                    links.append(relative)
                    continue
                if rules.ignored(relative, is_directory=False) or not path.is_file():
                    continue
                info = _member(path, relative)
                info.size = path.stat().st_size
                with path.open("rb") as file:
                    archive.addfile(info, file)
                files.append(relative)
    return Archive(buffer.getvalue(), files, links)
