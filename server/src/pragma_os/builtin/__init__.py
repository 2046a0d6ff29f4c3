"""The built-in ``pragma`` provider: secrets, config and files, run inside the server."""
