import { useCallback, useEffect, useState } from "react";
import { ApiError, getJSON, resourcePath, sendJSON } from "../api/client";
import type { DeadLetter, Graph, HistoryEntry, ResourceDocument, ResourcePlan } from "../api/types";
import { useWatch } from "../api/watch";
import { Changes, ErrorNote, Json, Section, StateBadge } from "../components/bits";
import { href, navigate } from "../router";

function ResourceLinks({ ids, label, graph }: { ids: string[]; label: string; graph: Graph | null }) {
  if (!ids.length) return <p className="empty">None.</p>;
  const names = new Map(graph?.nodes.map((node) => [node.id, node]) ?? []);
  return (
    <ul aria-label={label} className="links">
      {ids.map((id) => {
        const node = names.get(id);
        return (
          <li key={id}>
            <a href={href(["resources", id])}>{node?.provider ? `${node.provider}/${node.resource}/${node.name}` : id}</a>{" "}
            <StateBadge state={node?.lifecycle_state ?? null} />
          </li>
        );
      })}
    </ul>
  );
}

function Optional<T>({ load, render }: { load: () => Promise<T>; render: (value: T) => JSX.Element }) {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    load().then(setValue, setError);
  }, [load]);
  if (error) {
    const status = error instanceof ApiError ? error.status : 0;
    const why = status === 503 ? "No worker of the provider answered." : status === 404 ? "The provider does not answer this." : "";
    return <p className="empty">{why || (error instanceof Error ? error.message : String(error))}</p>;
  }
  return value === null ? <p className="loading">Asking the provider…</p> : render(value);
}

export function ResourcePage({ id }: { id: string }) {
  const [document, setDocument] = useState<ResourceDocument | null>(null);
  const [graph, setGraph] = useState<Graph | null>(null);
  const [history, setHistory] = useState<HistoryEntry[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [gone, setGone] = useState(false);
  const [cascade, setCascade] = useState<ResourcePlan | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const reload = useCallback(() => {
    getJSON<ResourceDocument>(resourcePath(id)).then(setDocument, (failure) => {
      if (failure instanceof ApiError && failure.status === 404) setGone(true);
      else setError(failure);
    });
    getJSON<Graph>(`${resourcePath(id)}/graph`).then(setGraph, () => undefined);
    getJSON<HistoryEntry[]>(`${resourcePath(id)}/history`, { limit: 50 }).then(setHistory, setError);
  }, [id]);
  useEffect(reload, [reload]);

  const target = document ?? null;
  useWatch(
    target ? { provider: target.provider, resource: target.resource, name: target.name } : {},
    {
      changed: (changed) => {
        if (changed.id !== id) return;
        setDocument(changed);
        getJSON<HistoryEntry[]>(`${resourcePath(id)}/history`, { limit: 50 }).then(setHistory, () => undefined);
      },
      deleted: (deletedId) => deletedId === id && setGone(true),
    },
    target !== null,
  );

  const loadHealth = useCallback(() => getJSON<Record<string, unknown>>(`${resourcePath(id)}/health`), [id]);
  const loadLogs = useCallback(
    () => getJSON<{ timestamp: string; level: string; message: string }[]>(`${resourcePath(id)}/logs`, { tail: 100 }),
    [id],
  );

  const planDelete = async () => {
    if (!document) return;
    setError(null);
    try {
      const reference = { provider: document.provider, resource: document.resource, name: document.name };
      setCascade(await sendJSON<ResourcePlan>("POST", "/resources/plan", { delete: [reference] }));
    } catch (failure) {
      setError(failure);
    }
  };
  const confirmDelete = async () => {
    try {
      await sendJSON("DELETE", resourcePath(id));
      setCascade(null);
      setNotice("Deleting…");
    } catch (failure) {
      setError(failure);
    }
  };
  const retry = async () => {
    setError(null);
    try {
      const letters = await getJSON<DeadLetter[]>("/ops/dead-letter", { provider: document?.provider });
      const letter = letters.find((entry) => entry.resource_id === id);
      if (letter) {
        await sendJSON("POST", `/ops/dead-letter/${encodeURIComponent(letter.event_id)}/retry`);
        setNotice("Retry queued.");
      } else {
        setNotice("Nothing to retry: the resource has no dead letter.");
      }
    } catch (failure) {
      setError(failure);
    }
  };

  if (gone) {
    return (
      <>
        <h1>{id}</h1>
        <p role="status">This resource does not exist (or was deleted).</p>
        <a href={href(["resources"])}>Back to the resources</a>
      </>
    );
  }
  if (!document) return error ? <ErrorNote error={error} /> : <p className="loading">Loading…</p>;

  const dependencies = graph?.edges.filter((edge) => edge.from === id && edge.kind === "dependency").map((edge) => edge.to) ?? [];
  const dependents = graph?.edges.filter((edge) => edge.to === id && edge.kind === "dependency").map((edge) => edge.from) ?? [];
  const owners = graph?.edges.filter((edge) => edge.from === id && edge.kind === "owner").map((edge) => edge.to) ?? [];
  const owned = graph?.edges.filter((edge) => edge.to === id && edge.kind === "owner").map((edge) => edge.from) ?? [];

  return (
    <>
      <div className="page-title">
        <h1>
          {document.provider}/{document.resource}/<strong>{document.name}</strong>
        </h1>
        <StateBadge state={document.lifecycle_state} />
        <div className="actions">
          <a className="button" href={href(["graph"], { resource: id })}>
            Graph
          </a>
          <button type="button" onClick={retry}>
            Retry
          </button>
          <button type="button" className="danger" onClick={planDelete}>
            Delete…
          </button>
        </div>
      </div>
      {notice && <p role="status">{notice}</p>}
      <ErrorNote error={error} />
      {cascade && (
        <div role="dialog" aria-modal="false" aria-labelledby="delete-title" className="confirm">
          <h2 id="delete-title">Delete {document.name}?</h2>
          {cascade.entries.map((entry) => (
            <div key={entry.resource_id}>
              {entry.blocked_by.length > 0 && <p className="error">Blocked by: {entry.blocked_by.join(", ")}</p>}
              {entry.errors.map((problem) => (
                <p className="error" key={problem.rule}>
                  {problem.rule}
                </p>
              ))}
              <p>It takes along {entry.cascade.length ? "these resources it owns:" : "nothing else."}</p>
              <ul aria-label="Cascade">
                {entry.cascade.map((item) => (
                  <li key={item.resource_id}>{item.path}</li>
                ))}
              </ul>
            </div>
          ))}
          {cascade.ripple.length > 0 && (
            <>
              <p>Dependents affected:</p>
              <ul aria-label="Affected dependents">
                {cascade.ripple.map((item) => (
                  <li key={item.resource_id}>
                    {item.path} ({item.effect})
                  </li>
                ))}
              </ul>
            </>
          )}
          <button type="button" className="danger" onClick={confirmDelete}>
            Delete
          </button>{" "}
          <button type="button" onClick={() => setCascade(null)}>
            Cancel
          </button>
        </div>
      )}
      {document.error && (
        <Section title="Error">
          <p className="error">{document.error}</p>
          {document.error_traceback && (
            <details>
              <summary>Traceback</summary>
              <pre className="traceback">{document.error_traceback}</pre>
            </details>
          )}
        </Section>
      )}
      <div className="columns">
        <Section title="Config">
          <Json value={document.config} label="Config" />
        </Section>
        <Section title="Resolved config">
          <Json value={document.resolved_config} label="Resolved config" />
        </Section>
        <Section title="Outputs">
          <Json value={document.outputs} label="Outputs" />
        </Section>
      </div>
      <div className="columns">
        <Section title="Dependencies">
          <ResourceLinks ids={dependencies} label="Dependencies" graph={graph} />
        </Section>
        <Section title="Dependents">
          <ResourceLinks ids={dependents} label="Dependents" graph={graph} />
        </Section>
        <Section title="Owner">
          <ResourceLinks ids={owners} label="Owner" graph={graph} />
        </Section>
        <Section title="Owned">
          <ResourceLinks ids={owned} label="Owned" graph={graph} />
        </Section>
      </div>
      <Section title="History">
        {history === null ? (
          <p className="loading">Loading…</p>
        ) : (
          <ol className="history" aria-label="History">
            {history.map((entry) => (
              <li key={entry.id}>
                <time dateTime={entry.at}>{new Date(entry.at).toLocaleString()}</time> <strong>{entry.cause}</strong>{" "}
                {entry.from_state && <StateBadge state={entry.from_state} />}
                {entry.to_state && (
                  <>
                    {" → "}
                    <StateBadge state={entry.to_state} />
                  </>
                )}
                {entry.attempt !== null && <span> attempt {entry.attempt}</span>}
                {entry.duration_ms !== null && <span> · {entry.duration_ms} ms</span>}
                {entry.actor && <span> · by {entry.actor}</span>}
                {entry.error && <p className="error">{entry.error}</p>}
                {entry.error_traceback && (
                  <details>
                    <summary>Traceback</summary>
                    <pre className="traceback">{entry.error_traceback}</pre>
                  </details>
                )}
                <Changes changes={entry.config_changes} label="Config changes" />
                <Changes changes={entry.outputs_changes} label="Output changes" />
              </li>
            ))}
          </ol>
        )}
      </Section>
      <div className="columns">
        <Section title="Health">
          <Optional load={loadHealth} render={(health) => <Json value={health} label="Health" />} />
        </Section>
        <Section title="Logs">
          <Optional
            load={loadLogs}
            render={(entries) => (
              <pre className="log" tabIndex={0} aria-label="Resource logs">
                {entries.length ? entries.map((entry) => `${entry.timestamp} ${entry.level} ${entry.message}`).join("\n") : "No logs."}
              </pre>
            )}
          />
        </Section>
      </div>
      <p>
        <a href={href(["resources"])} onClick={(event) => (event.preventDefault(), navigate(["resources"]))}>
          ← All resources
        </a>
      </p>
    </>
  );
}
