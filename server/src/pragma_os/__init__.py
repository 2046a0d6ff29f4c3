"""pragma-os: the self-hosted Pragmatiks platform server."""

__version__ = "0.1.0"
