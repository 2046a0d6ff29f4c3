"""Global options work anywhere on the line, as in ``kubectl`` and ``gh``.

Click only takes an option where it is declared, so ``pragma resources list --context prod``
would be refused. Before parsing, ``hoist`` moves the global options that take the same
meaning everywhere (``--context/-c``, ``--token/-t``, ``--api-url``, ``--debug``) in front of
the subcommand, where the root command declares them. Nothing after ``--`` is touched.
"""

from __future__ import annotations

WITH_VALUE = frozenset({"--context", "-c", "--token", "-t", "--api-url"})
FLAGS = frozenset({"--debug"})


def hoist(args: list[str]) -> list[str]:
    """``args`` with the global options (and their values) moved to the front, in order."""
    front: list[str] = []
    rest: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            rest.extend(args[index:])
            break
        name, has_value, _ = arg.partition("=")
        if arg in FLAGS or (has_value and name.startswith("--") and name in WITH_VALUE):
            front.append(arg)
        elif arg in WITH_VALUE and index + 1 < len(args):
            front.extend(args[index : index + 2])
            index += 1
        else:
            rest.append(arg)
        index += 1
    return front + rest
