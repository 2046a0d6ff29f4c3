"""Resource types of mycloud: ``database``, ``app`` and its ``dns`` record.

One module per type; importing this package registers them all.
"""

from mycloud_provider.resources.app import App, AppConfig, AppOutputs
from mycloud_provider.resources.database import Database, DatabaseConfig, DatabaseOutputs
from mycloud_provider.resources.dns import Dns, DnsConfig, DnsOutputs

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
