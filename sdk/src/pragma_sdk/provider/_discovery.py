"""Find the ``Provider`` of a provider package by importing the package and all its modules.

The build runs this on a pushed package to register its resource types and their schemas;
the worker runtime runs it to get the handlers it serves.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from pragma_sdk.errors import ProviderDiscoveryError
from pragma_sdk.provider._registry import Provider


def discover_provider(module_name: str) -> Provider:
    """Import ``module_name`` and, for a package, all its submodules; return its one ``Provider``.

    The provider is the ``Provider`` instance bound to a name at module level; the same
    instance re-exported from several modules counts once.

    Raises:
        ImportError: The package or one of its modules cannot be imported.
        ProviderDiscoveryError: No ``Provider`` instance was found, or several.
    """
    found = _find(module_name)
    if len(found) > 1:
        listed = "; ".join(f"{provider.name!r} at {', '.join(places)}" for provider, places in found.values())
        raise ProviderDiscoveryError(f"several providers found in {module_name}: {listed}")
    ((provider, _places),) = found.values()
    return provider


def discover_providers(module_name: str) -> list[Provider]:
    """Like ``discover_provider``, for a package that may define several providers.

    Raises:
        ImportError: The package or one of its modules cannot be imported.
        ProviderDiscoveryError: No ``Provider`` instance was found, or two share a name.
    """
    providers = [provider for provider, _places in _find(module_name).values()]
    names = [provider.name for provider in providers]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ProviderDiscoveryError(f"several providers named {duplicates[0]!r} in {module_name}")
    return providers


def _find(module_name: str) -> dict[int, tuple[Provider, list[str]]]:
    found: dict[int, tuple[Provider, list[str]]] = {}
    for module in _import_all(module_name):
        for attribute, value in vars(module).items():
            if isinstance(value, Provider):
                found.setdefault(id(value), (value, []))[1].append(f"{module.__name__}.{attribute}")
    if not found:
        raise ProviderDiscoveryError(
            f"no Provider found at module level in {module_name} or its submodules; "
            'define one, such as mycloud = Provider(name="mycloud")'
        )
    return found


def _import_all(module_name: str) -> list[ModuleType]:
    module = importlib.import_module(module_name)
    modules = [module]
    search_path = getattr(module, "__path__", None)
    if search_path is not None:
        for info in pkgutil.walk_packages(search_path, prefix=f"{module.__name__}.", onerror=_reraise):
            modules.append(importlib.import_module(info.name))
    return modules


def _reraise(_name: str) -> None:
    # walk_packages calls this inside its ``except`` block; without it, a broken subpackage
    # would be skipped silently and its resource types would go missing.
    raise
