"""Resource definitions for the mycloudpub provider.

Import and export the Resource classes here; the package's ``__init__`` registers them.
"""

from mycloudpub_provider.resources.app import App, AppConfig, AppOutputs
from mycloudpub_provider.resources.database import Database, DatabaseConfig, DatabaseOutputs
from mycloudpub_provider.resources.dns import Dns, DnsConfig, DnsOutputs

__all__ = [
    "App",
    "AppConfig",
    "AppOutputs",
    "Database",
    "DatabaseConfig",
    "DatabaseOutputs",
    "Dns",
    "DnsConfig",
    "DnsOutputs",
]
