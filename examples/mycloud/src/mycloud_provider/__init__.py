"""mycloud: a sample provider package for the Pragmatiks SDK.

Importing the package registers its resource types on ``mycloud``.
"""

from mycloud_provider.provider import mycloud
from mycloud_provider.resources import App, AppConfig, AppOutputs, Database, DatabaseConfig, DatabaseOutputs

__all__ = ["App", "AppConfig", "AppOutputs", "Database", "DatabaseConfig", "DatabaseOutputs", "mycloud"]
