"""The guide's provider-authoring examples (Quick Example, Dependencies), run through the harness.

Each example is written once: the Quick Example's database is ``examples/mycloud``'s and the
``Dependency[T]`` example's model and agent are ``testing/providers/agno_provider``'s, which
the server's workers run too. Only the first Dependencies example lives here.
"""

from __future__ import annotations

from mycloud_provider import Database, DatabaseConfig, DatabaseOutputs, mycloud

from pragma_sdk import Config, Dependency, LifecycleState, Outputs, Provider, Resource
from pragma_sdk.provider import LifecycleEvent, LifecycleResult, ProviderHarness
from testing.providers.agno_provider import Agent, AgentConfig, Model, agno

# The example package has an ``app`` type of its own, so the guide's app gets a provider apart.
guide = Provider(name="mycloud")


# Dependencies, first example: reads the resolved dependency directly.
class AppConfig(Config):
    # dependency: declares a dependency on a Database resource
    database: Dependency[Database]


class AppOutputs(Outputs):
    url: str


@guide.resource("app")
class App(Resource[AppConfig, AppOutputs]):
    async def on_create(self) -> AppOutputs:
        # Access the resolved dependency
        db = self.config.database
        # Access outputs (typed)
        conn_url = db.outputs.connection_url
        # Access config
        db_size = db.config.size_gb
        assert db_size == 20
        return AppOutputs(url=f"Connected to {conn_url}")


async def test_quick_example_lifecycle() -> None:
    harness = ProviderHarness(mycloud)
    created = await harness.invoke_create(Database, "db1", DatabaseConfig(name="orders"))
    assert isinstance(created, LifecycleResult)
    assert created.success
    assert not created.failed
    assert created.outputs == {"connection_url": "postgres://.../orders"}

    updated = await harness.invoke_update(
        Database,
        "db1",
        DatabaseConfig(name="orders", size_gb=20),
        {"name": "orders"},
        outputs=created.outputs,
    )
    assert updated.success
    assert updated.outputs == created.outputs

    deleted = await harness.invoke_delete(
        Database, "db1", {"name": "orders", "size_gb": 20}, outputs=updated.outputs
    )
    assert deleted.success
    assert deleted.outputs is None

    assert [event.event_type for event in harness.events] == ["CREATE", "UPDATE", "DELETE"]
    assert all(isinstance(event, LifecycleEvent) for event in harness.events)
    assert [result.event_id for result in harness.results] == [event.event_id for event in harness.events]
    assert harness.events[1].previous_config == {"name": "orders"}
    assert harness.events[1].config == {"name": "orders", "size_gb": 20}
    harness.clear()
    assert harness.events == []
    assert harness.results == []


async def test_dependency_read_directly() -> None:
    harness = ProviderHarness(guide)
    database = Database(
        name="db1",
        config=DatabaseConfig(name="orders", size_gb=20),
        outputs=DatabaseOutputs(connection_url="postgres://.../orders"),
        lifecycle_state=LifecycleState.READY,
    )
    config = {
        "database": {"__dependency__": True, "provider": "mycloud", "resource": "database", "name": "db1"}
    }
    result = await harness.invoke_create(App, "web", config, dependencies=[database])
    assert result.success, result.error
    assert result.outputs == {"url": "Connected to postgres://.../orders"}
    event = harness.events[0]
    assert event.resolved_dependencies["resource:mycloud_database_db1"]["outputs"] == {
        "connection_url": "postgres://.../orders"
    }


async def test_dependency_resolved_typed() -> None:
    harness = ProviderHarness(agno)
    model_document = {
        "id": "resource:agno_anthropic-model_claude",
        "provider": "agno",
        "resource": "anthropic-model",
        "name": "claude",
        "config": {"model_id": "claude-sonnet-4-5-20250929", "api_key": {"provider": "pragma"}},
        "resolved_config": {"model_id": "claude-sonnet-4-5-20250929", "api_key": "sk-secret"},
        "outputs": {"model_name": "claude-sonnet"},
        "lifecycle_state": "ready",
    }
    config = AgentConfig(
        model=Dependency[Model](provider="agno", resource="anthropic-model", name="claude"),
        instructions="Be brief.",
    )
    result = await harness.invoke_create(Agent, "helper", config, dependencies=[model_document])
    assert result.success, result.error
    assert result.outputs == {"agent_id": "agent-using-claude-sonnet"}
