"""The store: tables, migrations and queries. The only package that writes SQL.

Services open transactions on ``Database`` and pass the connection to the query functions
of ``resources``, ``tenancy`` and ``resource_types``; those only execute, never commit.
"""

from pragma_os.store.database import Database

__all__ = ["Database"]
