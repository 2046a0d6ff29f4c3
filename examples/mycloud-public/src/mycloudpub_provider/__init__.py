"""mycloudpub provider for Pragmatiks.

The mycloud sample provider (databases, apps connected to them, and the DNS record each app
owns) written the way providers for the public ``pragmatiks-sdk`` are: resource classes name
their provider and type as ``ClassVar``s, and this module creates the provider and registers
them.
"""

from pragma_sdk import Provider

from mycloudpub_provider.resources import (
    App,
    AppConfig,
    AppOutputs,
    Database,
    DatabaseConfig,
    DatabaseOutputs,
    Dns,
    DnsConfig,
    DnsOutputs,
)

mycloudpub = Provider(name="mycloudpub")

mycloudpub.resource("database")(Database)
mycloudpub.resource("app")(App)
mycloudpub.resource("dns")(Dns)

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
    "mycloudpub",
]
