"""Workers for installed provider packages (``pragma-os serve --provider-package``), for development."""

from __future__ import annotations

from collections.abc import Callable

from pragma_os.auth import service as auth_service
from pragma_os.deploy.local import SupervisedWorker, WorkerSpec
from pragma_os.deploy.runs import ServerRun
from pragma_os.errors import NotFoundError
from pragma_os.output import CapturedOutput
from pragma_os.settings import Settings
from pragma_os.store import Database, resource_types, tenancy
from pragma_os.store.types import utcnow
from pragma_sdk.provider import Provider, discover_providers


async def start_package_workers(
    settings: Settings, database: Database, run: ServerRun, output: Callable[[str], CapturedOutput]
) -> list[SupervisedWorker]:
    """Register each configured package's resource types and start one supervised worker per
    package, with a token for its providers.

    ``output`` gives where a package's worker output goes.
    """
    workers = []
    for package in settings.provider_packages:
        discovered = discover_providers(package)
        await register_package_types(database, settings.provider_organization, discovered)
        providers = [provider.name for provider in discovered]
        token = await auth_service.mint_worker_token(
            # One label per replica and package: a restart revokes its own old token, never
            # the token of another replica's worker.
            database,
            settings.provider_organization,
            f"worker:{package}@{settings.api_url}",
            providers,
        )
        worker = SupervisedWorker(
            WorkerSpec(
                package,
                settings.api_url,
                token,
                concurrency=settings.worker_concurrency,
                worker_id=run.worker_id(package),
                label=package,
                log_format=settings.log_format,
            ),
            output=output(package),
        )
        worker.start()
        workers.append(worker)
    return workers


async def register_package_types(
    database: Database, organization_name: str, providers: list[Provider]
) -> None:
    """Make the packages' types the organization's types of those providers, as a deploy does:
    listed by ``GET /resources/types`` and used to check applies.

    Raises:
        NotFoundError: The organization does not exist.
    """
    async with database.transaction() as connection:
        organization = await tenancy.find_organization(connection, organization_name)
        if organization is None:
            raise NotFoundError(f"Organization '{organization_name}' does not exist.")
        for provider in providers:
            await resource_types.replace_resource_types(
                connection, organization["id"], provider.name, provider.resource_types(), utcnow()
            )
