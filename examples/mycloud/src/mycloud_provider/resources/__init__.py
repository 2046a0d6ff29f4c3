"""Resource types of mycloud: ``database`` and ``app``.

One module per type; importing this package registers both.
"""

from mycloud_provider.resources.app import App, AppConfig, AppOutputs
from mycloud_provider.resources.database import Database, DatabaseConfig, DatabaseOutputs

__all__ = ["App", "AppConfig", "AppOutputs", "Database", "DatabaseConfig", "DatabaseOutputs"]
