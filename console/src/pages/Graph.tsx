import { useCallback, useEffect, useState, type FormEvent } from "react";
import { getJSON, resourcePath } from "../api/client";
import type { Graph, ResourceDocument } from "../api/types";
import { useWatch } from "../api/watch";
import { ErrorNote } from "../components/bits";
import { GraphView } from "../components/GraphView";
import { navigate } from "../router";

export function GraphPage({ query }: { query: URLSearchParams }) {
  const provider = query.get("provider") ?? "";
  const resource = query.get("resource") ?? "";
  const depth = query.get("depth") ?? "2";
  const [graph, setGraph] = useState<Graph | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    setGraph(null);
    setError(null);
    const request = resource
      ? getJSON<Graph>(`${resourcePath(resource)}/graph`, { depth })
      : getJSON<Graph>("/resources/graph", { provider });
    request.then(setGraph, setError);
  }, [provider, resource, depth]);

  const changed = useCallback((document: ResourceDocument) => {
    setGraph((current) => {
      if (!current || !current.nodes.some((node) => node.id === document.id)) return current;
      return {
        ...current,
        nodes: current.nodes.map((node) =>
          node.id === document.id ? { ...node, lifecycle_state: document.lifecycle_state, exists: true } : node,
        ),
      };
    });
  }, []);
  const deleted = useCallback((id: string) => {
    setGraph((current) =>
      current && {
        ...current,
        nodes: current.nodes.map((node) => (node.id === id ? { ...node, lifecycle_state: null, exists: false } : node)),
      },
    );
  }, []);
  useWatch({ provider: provider || undefined }, { changed, deleted }, graph !== null);

  const show = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const value = (name: string) => String(data.get(name) ?? "").trim() || undefined;
    navigate(["graph"], { provider: value("provider"), resource: value("resource"), depth: value("depth") });
  };

  return (
    <>
      <h1>Graph</h1>
      <form className="filters" onSubmit={show} aria-label="Choose the graph" key={`${provider}|${resource}|${depth}`}>
        <label>
          Provider <input name="provider" defaultValue={provider} />
        </label>
        <span>or</span>
        <label>
          Around resource id <input name="resource" defaultValue={resource} size={40} />
        </label>
        <label>
          Depth
          <select name="depth" defaultValue={depth}>
            {[1, 2, 3, 4, 5].map((n) => (
              <option key={n}>{n}</option>
            ))}
          </select>
        </label>
        <button type="submit">Show</button>
      </form>
      <ErrorNote error={error} />
      {graph?.truncated && (
        <p role="status">The graph is larger than 500 resources: only part of it is shown. Choose a provider or a resource.</p>
      )}
      {graph && (
        <>
          <p className="legend">
            {graph.nodes.length} resources, {graph.edges.length} links. Arrows point from a resource to what depends on
            it (solid) or what it owns (dashed). Click a resource to open it.
          </p>
          <GraphView graph={graph} onOpen={(id) => navigate(["resources", id])} />
        </>
      )}
    </>
  );
}
