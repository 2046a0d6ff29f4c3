"""Every ``--help`` and every completion description: whole sentences, flags shown as flags."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import typer

from pragma_cli.main import app

from .running import Pragma, Result

pytestmark = pytest.mark.smoke


def _paths() -> list[tuple[tuple[str, ...], bool]]:
    """Every command and group of ``pragma`` as its words, and whether it is a group."""
    found: list[tuple[tuple[str, ...], bool]] = []

    def walk(command: object, path: tuple[str, ...]) -> None:
        children = getattr(command, "commands", None)
        found.append((path, children is not None))
        for name, child in (children or {}).items():
            walk(child, (*path, name))

    walk(typer.main.get_command(app), ())
    return found


def _listed(result: Result) -> dict[str, str]:
    """The commands panel of a group's help: each command's short help, its lines joined."""
    entries: dict[str, str] = {}
    inside, name = False, ""
    for line in result.out.splitlines():
        if line.startswith("╭─ Commands"):
            inside = True
        elif line.startswith("╰"):
            inside = False
        elif inside:
            text = line.strip("│").rstrip()
            if text[1:2] != " ":
                name, _, rest = text.strip().partition(" ")
                entries[name] = rest.strip()
            else:
                entries[name] += " " + text.strip()
    return entries


def _whole(sentence: str) -> bool:
    return sentence.endswith((".", ")")) and not sentence.endswith("...")


def test_help_of_every_command_is_whole_and_shows_flags_as_flags(pragma: Pragma) -> None:
    runs = [(path, group, columns) for path, group in _paths() for columns in ((80, 120) if group else (80,))]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda run: pragma(*run[0], "--help", env={"COLUMNS": str(run[2])}), runs))
    for (path, group, _), result in zip(runs, results, strict=True):
        assert result.code == 0, str(result)
        assert "<bool>" not in result.out, str(result)
        assert "Usage: pragma" in result.out, str(result)
        if group:
            listed = _listed(result)
            assert listed, str(result)
            for name, text in listed.items():
                assert _whole(text), f"{' '.join(path)} lists {name}: {text!r} is cut\n{result}"


def test_completion_descriptions_are_whole_sentences(pragma: Pragma) -> None:
    groups = [path for path, group in _paths() if group]
    for path in groups:
        words = " ".join(("pragma", *path, ""))
        zsh = pragma(env={"_PRAGMA_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": words})
        lines = zsh.out.removeprefix("_arguments '*: :((").removesuffix("))'\n").splitlines()
        assert lines, str(zsh)
        for line in lines:  # one line per command: a description over several lines breaks it
            name, _, description = line.partition('":"')
            assert name.startswith('"'), str(zsh)
            assert description.endswith('"'), str(zsh)
            assert _whole(description.removesuffix('"')), str(zsh)
        fish = pragma(
            env={
                "_PRAGMA_COMPLETE": "complete_fish",
                "_TYPER_COMPLETE_ARGS": words,
                "_TYPER_COMPLETE_FISH_ACTION": "get-args",
            }
        )
        assert fish.out.strip(), str(fish)
        for line in fish.out.splitlines():  # fish reads a line per completion: name, tab, description
            assert "\t" in line, str(fish)
            assert _whole(line.partition("\t")[2]), str(fish)
