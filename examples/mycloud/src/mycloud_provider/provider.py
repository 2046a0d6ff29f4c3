"""The ``mycloud`` provider instance that every resource module registers on.

Kept in its own module so resource modules can import it without import cycles.
"""

from pragma_sdk import Provider

mycloud = Provider(name="mycloud")
