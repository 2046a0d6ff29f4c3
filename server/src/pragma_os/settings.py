"""Server settings: one object, built once from flags and ``PRAGMA_*`` variables, passed down."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from pragma_sdk.log_format import LogFormat


class Settings(BaseSettings):
    """Everything the server reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="PRAGMA_", extra="ignore")

    data_dir: Path = Path(".pragma")
    database_url: str | None = None
    bootstrap_token: SecretStr | None = None
    bootstrap_email: str = "admin@localhost"
    secret_key: SecretStr | None = None
    # When set, GET /metrics asks for it as a bearer token; unset, /metrics is open (docs/metrics.md).
    metrics_token: SecretStr | None = None
    # Whether the MCP server at /mcp offers reveal_secret (audited as the API's reveal); off
    # by default, since an assistant's transcript is one more place a value would end up.
    mcp_reveal_secrets: bool = False
    max_body_bytes: int = Field(default=1024 * 1024, gt=0)
    # The request line and headers together; a larger request head gets 431.
    max_header_bytes: int = Field(default=64 * 1024, ge=4096)
    token_cache_seconds: float = Field(default=10.0, ge=0)
    retry_max_attempts: int = Field(default=5, ge=1)
    retry_base_seconds: float = Field(default=1.0, ge=0)
    retry_max_seconds: float = Field(default=60.0, ge=0)
    lease_seconds: float = Field(default=30.0, gt=0)
    rescue_interval_seconds: float = Field(default=1.0, gt=0)
    change_feed_retention_seconds: float = Field(default=3600.0, gt=0)
    # The organization's audit (GET /audit) keeps entries this long.
    audit_retention_days: float = Field(default=365.0, gt=0)
    # How long a resource's history (GET /resources/{id}/history) is kept.
    history_retention_days: float = Field(default=30.0, gt=0)
    # How long a resource's health or logs wait for a worker of its provider to answer.
    query_answer_seconds: float = Field(default=10.0, gt=0)
    provider_packages: list[str] = Field(default_factory=list)
    provider_organization: str = "default"
    worker_concurrency: int = Field(default=100, ge=1)
    api_url: str = "http://127.0.0.1:8000"
    # Where clients reach the server (behind a proxy, its address); file URLs point there.
    public_url: str | None = None
    # Provider pipeline: pushes, builds, deployments.
    max_push_bytes: int = Field(default=50 * 1024 * 1024, gt=0)
    max_unpacked_bytes: int = Field(default=200 * 1024 * 1024, gt=0)
    max_archive_files: int = Field(default=10_000, gt=0)
    max_concurrent_builds: int = Field(default=2, ge=1)
    build_timeout_seconds: float = Field(default=600.0, gt=0)
    sdk_source: Path | None = None
    # Interpreters builds may use besides the server's own (paths, or versions such as 3.13),
    # for projects whose requires-python excludes it; see builds/interpreters.py.
    build_pythons: list[str] = Field(default_factory=list)
    deploy_timeout_seconds: float = Field(default=60.0, gt=0)
    provider_replicas: int = Field(default=1, ge=1)
    max_file_bytes: int = Field(default=5 * 1024**3, gt=0)
    # Each build log, release worker log and package worker log keeps about its last this many bytes.
    max_log_bytes: int = Field(default=10 * 1024 * 1024, ge=64 * 1024)
    # The sandbox of pushed code (builds and release workers); see docs/providers.md.
    insecure_unsandboxed: bool = False
    # The server's log lines and its workers': plain text, or JSON objects (docs/server.md).
    log_format: LogFormat = "plain"
    sandbox_uid_base: int = Field(default=2_000_000, ge=1000, le=2**31)
    sandbox_max_processes: int = Field(default=256, ge=16)
    sandbox_open_files: int = Field(default=4096, ge=64)
    sandbox_tmp_bytes: int = Field(default=512 * 1024**2, gt=0)
    sandbox_build_memory_bytes: int = Field(default=3 * 1024**3, ge=256 * 1024**2)
    sandbox_build_write_bytes: int = Field(default=2 * 1024**3, gt=0)
    sandbox_worker_memory_bytes: int = Field(default=2 * 1024**3, ge=256 * 1024**2)
    sandbox_worker_file_bytes: int = Field(default=1024**3, gt=0)

    @property
    def external_url(self) -> str:
        """The base of URLs handed to clients: ``public_url``, else the address served on."""
        return (self.public_url or self.api_url).rstrip("/")

    @property
    def providers_dir(self) -> Path:
        """Where pushed archives, build logs, build environments and releases live."""
        return (self.data_dir / "providers").resolve()

    @property
    def package_logs_dir(self) -> Path:
        """Where the output of ``--provider-package`` workers goes, one log per package."""
        return (self.data_dir / "logs" / "packages").resolve()

    @property
    def files_dir(self) -> Path:
        """Where uploaded files live, one folder per organization."""
        return (self.data_dir / "files").resolve()

    @property
    def resolved_database_url(self) -> str:
        """The database URL; the default is a SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'pragma.db').resolve()}"
