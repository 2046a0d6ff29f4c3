"""``python -m pragma_cli``: the same as the ``pragma`` command."""

from pragma_cli.main import main

main()
