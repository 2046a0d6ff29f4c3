"""``POST /resources/plan`` over a graph of three levels and a secret, on a server running the
``testkit`` workers: actions, diffs, references, ripple, deletes, refusals, the token, and the
plan compared with what the engine then runs (read back from the resources' history).

The graph: ``db`` (an item), ``pw`` (a secret), ``app`` (its value the secret's password, its
echo ``db``'s output ``value``) and ``dns`` (its echo ``app``'s config ``value``).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator, Sequence
from typing import Any

import httpx
import pytest

from pragma_sdk import PragmaClient
from pragma_sdk.models import ResourcePlan
from testing.fixtures import waiting
from testing.fixtures.secrets import secret_body
from testing.fixtures.server import RunningServer

eventually = functools.partial(waiting.eventually, seconds=40, interval=0.1)


@pytest.fixture
def client(engine_server: RunningServer) -> Iterator[PragmaClient]:
    with engine_server.client(timeout=30) as sync_client:
        yield sync_client


@pytest.fixture
def http(engine_server: RunningServer) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {engine_server.token}"}
    with httpx.Client(base_url=engine_server.url, headers=headers, timeout=30) as raw:
        yield raw


def item(name: str, **config: Any) -> dict[str, Any]:
    return {"provider": "testkit", "resource": "item", "name": name, "config": config}


def ref(name: str, field: str, provider: str = "testkit", resource: str = "item") -> dict[str, str]:
    return {"provider": provider, "resource": resource, "name": name, "field": field}


class Graph:
    """The names and documents of one test's graph."""

    def __init__(self, unique: str) -> None:
        self.db, self.pw, self.app, self.dns = (f"{unique}-{part}" for part in ("db", "pw", "app", "dns"))

    def db_body(self, value: str = "v1", **extra: Any) -> dict[str, Any]:
        return item(self.db, value=value, **extra)

    def pw_body(self, password: str = "hunter2") -> dict[str, Any]:
        return secret_body(self.pw, password=password)

    def app_body(self, **extra: Any) -> dict[str, Any]:
        return item(
            self.app,
            value=ref(self.pw, "config.data.password", "pragma", "secret"),
            echo=ref(self.db, "outputs.value"),
            **extra,
        )

    def dns_body(self, **extra: Any) -> dict[str, Any]:
        return item(self.dns, value="dns", echo=ref(self.app, "config.value"), **extra)

    def bodies(self) -> list[dict[str, Any]]:
        return [self.db_body(), self.pw_body(), self.app_body(), self.dns_body()]

    def id(self, name: str, provider: str = "testkit", resource: str = "item") -> str:
        return f"resource:{provider}_{resource}_{name}"

    @property
    def pw_id(self) -> str:
        return self.id(self.pw, "pragma", "secret")


@pytest.fixture
def graph(client: PragmaClient, unique: str) -> Graph:
    built = Graph(unique)
    client.apply_resources(built.bodies())
    for provider, resource, name in (
        ("testkit", "item", built.db),
        ("pragma", "secret", built.pw),
        ("testkit", "item", built.app),
        ("testkit", "item", built.dns),
    ):
        client.wait_ready(provider, resource, name, timeout=30)
    return built


def plan(
    http: httpx.Client, apply: Sequence[dict[str, Any]] = (), delete: Sequence[str] = ()
) -> dict[str, Any]:
    answer = http.post("/resources/plan", json={"apply": list(apply), "delete": list(delete)})
    assert answer.status_code == 200, answer.text
    ResourcePlan.model_validate(answer.json())
    return dict(answer.json())


def entry_of(planned: dict[str, Any], resource_id: str, kind: str = "apply") -> dict[str, Any]:
    [entry] = [e for e in planned["entries"] if e["resource_id"] == resource_id and e["kind"] == kind]
    return dict(entry)


def ripple_of(planned: dict[str, Any]) -> dict[str, tuple[str, int, list[str]]]:
    return {
        item["resource_id"]: (item["effect"], item["depth"], item["because"]) for item in planned["ripple"]
    }


def test_a_secret_change_reruns_its_dependents_through_the_graph_and_writes_nothing(
    graph: Graph, http: httpx.Client, client: PragmaClient
) -> None:
    history_before = client.get_resource_history("pragma", "secret", graph.pw)
    stored_before = client.get_resource("pragma", "secret", graph.pw)

    planned = plan(http, [graph.pw_body("hunter3")])

    pw = entry_of(planned, graph.pw_id)
    assert pw["action"] == "update"
    assert pw["from_state"] == "ready"
    assert pw["to_state"] == "pending"
    assert pw["changes"] == [
        {"path": "config.data.password", "change": "changed", "old": "[redacted]", "new": "[redacted]"}
    ]
    assert "hunter" not in str(planned)
    assert ripple_of(planned) == {
        graph.id(graph.app): ("reruns", 1, [graph.pw_id]),
        graph.id(graph.dns): ("reruns", 2, [graph.id(graph.app)]),
    }
    app = next(item for item in planned["ripple"] if item["resource_id"] == graph.id(graph.app))
    assert app["changes"] == [
        {"path": "value", "change": "changed", "old": "[redacted]", "new": "[redacted]"}
    ]
    assert planned["summary"] == {
        "creates": 0, "updates": 1, "noops": 0, "deletes": 0, "refused": 0,
        "reruns": 2, "may_reruns": 0, "waits": 0,
    }  # fmt: skip
    # Nothing was written: no history entry, no new generation.
    assert client.get_resource_history("pragma", "secret", graph.pw) == history_before
    assert client.get_resource("pragma", "secret", graph.pw)["generation"] == stored_before["generation"]


def test_an_output_change_is_announced_as_possible_and_references_resolve(
    graph: Graph, http: httpx.Client
) -> None:
    planned = plan(http, [graph.db_body("v2")])

    assert entry_of(planned, graph.id(graph.db))["changes"] == [
        {"path": "config.value", "change": "changed", "old": "v1", "new": "v2"}
    ]
    # app reads db's outputs, which only db's handler knows: it may re-run; dns reads app's
    # config, which does not change.
    assert ripple_of(planned) == {graph.id(graph.app): ("may_rerun", 1, [graph.id(graph.db)])}

    planned = plan(http, [graph.dns_body(sleep=0.01)])
    [app_reference] = entry_of(planned, graph.id(graph.dns))["references"]
    assert app_reference["status"] == "resolved"
    assert app_reference["value"] == "[redacted]"  # the secret, through app's resolved config
    assert app_reference["target"] == f"testkit/item/{graph.app}"


def test_an_identical_reapply_is_a_noop_without_ripple(graph: Graph, http: httpx.Client) -> None:
    planned = plan(http, graph.bodies())
    assert [entry["action"] for entry in planned["entries"]] == ["noop"] * 4
    assert all(entry["changes"] == [] for entry in planned["entries"])
    assert planned["ripple"] == []
    assert planned["summary"]["noops"] == 4


def test_a_change_no_dependent_reads_has_no_ripple(graph: Graph, http: httpx.Client) -> None:
    planned = plan(http, [graph.app_body(sleep=0.01)])
    app = entry_of(planned, graph.id(graph.app))
    assert app["action"] == "update"
    assert app["changes"] == [{"path": "config.sleep", "change": "added", "old": None, "new": 0.01}]
    assert planned["ripple"] == []


def test_deletes_cascade_to_what_they_own_and_are_blocked_by_dependents(
    graph: Graph, http: httpx.Client, client: PragmaClient, unique: str
) -> None:
    box, part = f"{unique}-box", f"{unique}-part"
    client.apply_resource(item(box, value="box"))
    client.apply_resource(
        {
            **item(part, value="part"),
            "owner_references": [{"provider": "testkit", "resource": "item", "name": box}],
        }
    )
    client.wait_ready("testkit", "item", part, timeout=30)

    planned = plan(http, delete=[f"testkit/item/{box}", f"testkit/item/{graph.db}"])

    deleted = entry_of(planned, graph.id(box), "delete")
    assert deleted["action"] == "delete"
    assert deleted["to_state"] == "pending"
    assert deleted["cascade"] == [{"resource_id": graph.id(part), "path": f"testkit/item/{part}", "depth": 1}]
    blocked = entry_of(planned, graph.id(graph.db), "delete")
    assert blocked["action"] == "refused"
    assert blocked["blocked_by"] == [f"testkit/item/{graph.app}"]
    assert blocked["errors"][0]["status"] == 409
    assert planned["summary"]["deletes"] == 2
    assert planned["summary"]["refused"] == 1
    # Deletes are planned in order, as if sent one after the other: a dependent deleted first
    # no longer blocks.
    in_order = plan(http, delete=[f"testkit/item/{name}" for name in (graph.dns, graph.app, graph.db)])
    assert [entry["action"] for entry in in_order["entries"]] == ["delete", "delete", "delete"]
    # And the delete itself answers as the plan said.
    assert http.delete(f"/resources/{graph.id(graph.db)}").status_code == 409


def test_cycles_schema_errors_and_dangling_references(graph: Graph, http: httpx.Client, unique: str) -> None:
    cyclic = item(graph.db, value="v1", echo=ref(graph.dns, "config.value"))
    a, b = f"{unique}-a", f"{unique}-b"
    broken = item(f"{unique}-broken", fail_attempts="many", colour="red")
    dangling = item(f"{unique}-lonely", echo=ref(f"{unique}-nowhere", "outputs.value"))
    planned = plan(
        http,
        [
            cyclic,
            item(a, echo=ref(b, "outputs.value")),
            item(b, echo=ref(a, "outputs.value")),
            broken,
            dangling,
        ],
    )

    db = entry_of(planned, graph.id(graph.db))
    assert db["action"] == "refused"
    [problem] = db["errors"]
    assert problem["field"] == "dependencies"
    assert f"testkit_item_{graph.dns}" in problem["rule"]
    assert "cycle" in problem["rule"]
    assert entry_of(planned, graph.id(a))["action"] == "create"
    second = entry_of(planned, graph.id(b))
    assert second["action"] == "refused"  # as a batch would: documents[1] is in place by then
    assert "cycle" in second["errors"][0]["rule"]

    refused = entry_of(planned, graph.id(f"{unique}-broken"))
    assert refused["action"] == "refused"
    fields = sorted(problem["field"] for problem in refused["errors"])
    assert fields == ["config", "config.fail_attempts"]
    assert all(problem["status"] == 422 for problem in refused["errors"])

    lonely = entry_of(planned, graph.id(f"{unique}-lonely"))
    assert lonely["action"] == "create"
    [reference] = lonely["references"]
    assert reference["status"] == "dangling"
    assert lonely["waits_on"] == [f"testkit/item/{unique}-nowhere"]
    assert planned["summary"]["refused"] == 3


def test_an_apply_with_a_stale_token_is_refused(
    graph: Graph, http: httpx.Client, client: PragmaClient
) -> None:
    documents = [graph.db_body("v3")]
    token = plan(http, documents)["token"]
    client.apply_resource(item(graph.app.replace("-app", "-other"), value="x"))  # unrelated
    assert plan(http, documents)["token"] == token

    client.apply_resource(graph.app_body(sleep=0.02))  # app was read: it is db's dependent
    answer = http.post("/resources/apply/batch", params={"plan_token": token}, json={"documents": documents})
    assert answer.status_code == 409, answer.text
    assert answer.json()["detail"]["field"] == "plan_token"
    assert client.get_resource("testkit", "item", graph.db)["config"]["value"] == "v1"

    # app is still running its change, which moves what a plan reads: plan again until a
    # plan's state holds long enough to be applied.
    for _attempt in range(50):
        fresh = plan(http, documents)["token"]
        answer = http.post("/resources/apply", params={"plan_token": fresh}, json=documents[0])
        if answer.status_code != 409:
            break
        time.sleep(0.2)
    assert answer.status_code == 200, answer.text


def new_history(client: PragmaClient, provider: str, resource: str, name: str, after: int) -> list[str]:
    """The causes of the resource's transitions after entry ``after``, oldest first."""
    entries = client.get_resource_history(provider, resource, name)
    return [entry["cause"] for entry in reversed(entries) if entry["id"] > after]


def settled(client: PragmaClient, addresses: list[tuple[str, str, str]]) -> None:
    """Wait until every resource is ready and their histories stay unchanged for a second."""

    def snapshot() -> list[Any]:
        return [
            (client.get_resource(*address)["lifecycle_state"], client.get_resource_history(*address)[0]["id"])
            for address in addresses
        ]

    def still() -> bool:
        before = snapshot()
        time.sleep(1.0)
        return all(state == "ready" for state, _last in before) and snapshot() == before

    eventually(still, "the graph to settle")


def test_the_plan_matches_what_the_engine_then_runs(
    graph: Graph, http: httpx.Client, client: PragmaClient
) -> None:
    names = {
        graph.id(graph.db): ("testkit", "item", graph.db),
        graph.pw_id: ("pragma", "secret", graph.pw),
        graph.id(graph.app): ("testkit", "item", graph.app),
        graph.id(graph.dns): ("testkit", "item", graph.dns),
    }
    last = {
        resource_id: max(entry["id"] for entry in client.get_resource_history(*address))
        for resource_id, address in names.items()
    }
    # The whole graph, two documents changed: the unchanged ones are still walked.
    documents = [graph.db_body("v2"), graph.pw_body("hunter3"), graph.app_body(), graph.dns_body()]
    planned = plan(http, documents)
    assert [entry["action"] for entry in planned["entries"]] == ["update", "update", "noop", "noop"]
    applied = http.post(
        "/resources/apply/batch", params={"plan_token": planned["token"]}, json={"documents": documents}
    )
    assert applied.status_code == 200, applied.text

    eventually(
        lambda: client.get_resource("testkit", "item", graph.app)["outputs"].get("echo") == "v2", "app"
    )
    settled(client, list(names.values()))

    actions = {entry["resource_id"]: entry["action"] for entry in planned["entries"]}
    ripple = ripple_of(planned)
    for resource_id, address in names.items():
        causes = new_history(client, *address, after=last[resource_id])
        if actions.get(resource_id) in ("create", "update"):
            assert causes[0] == "apply", (resource_id, causes)
        elif resource_id in ripple and ripple[resource_id][0] == "reruns":
            assert "dependency_change" in causes, (resource_id, causes)
        elif resource_id in ripple:
            assert causes[:1] in ([], ["dependency_change"]), (resource_id, causes)
        else:
            assert causes == [], (resource_id, causes)
    assert ripple == {
        graph.id(graph.app): ("reruns", 1, [graph.pw_id]),
        graph.id(graph.dns): ("reruns", 2, [graph.id(graph.app)]),
    }
