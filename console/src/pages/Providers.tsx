import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError, getJSON, sendJSON } from "../api/client";
import { followText } from "../api/streams";
import type { BuildInfo, ProviderInfo, ProviderStatus } from "../api/types";
import { ErrorNote, Section } from "../components/bits";
import { href } from "../router";

export function ProvidersPage() {
  const [providers, setProviders] = useState<ProviderInfo[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    getJSON<ProviderInfo[]>("/providers/").then(setProviders, setError);
  }, []);
  return (
    <>
      <h1>Providers</h1>
      <ErrorNote error={error} />
      {providers?.length === 0 && (
        <p className="empty">
          No providers pushed yet: <code>pragma providers push</code> sends one.
        </p>
      )}
      {providers && providers.length > 0 && (
        <table className="grid" aria-label="Providers">
          <thead>
            <tr>
              <th scope="col">Provider</th>
              <th scope="col">Deployed version</th>
              <th scope="col">Deployment</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {providers.map((provider) => (
              <tr key={provider.provider_id}>
                <td>
                  <a href={href(["providers", provider.provider_id])}>{provider.provider_id}</a>
                </td>
                <td>{provider.current_version ?? "—"}</td>
                <td>{provider.deployment_status ?? "not deployed"}</td>
                <td>{provider.updated_at ? new Date(provider.updated_at).toLocaleString() : ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/** A text log that grows while its source writes (a build log, or runtime logs with follow). */
function LiveLog({ path, query, label }: { path: string; query: Record<string, string | number | boolean>; label: string }) {
  const [lines, setLines] = useState<string[]>([]);
  const [state, setState] = useState<"following" | "ended" | "failed">("following");
  const [error, setError] = useState<string | null>(null);
  const box = useRef<HTMLPreElement>(null);
  const key = `${path}?${JSON.stringify(query)}`;
  useEffect(() => {
    const controller = new AbortController();
    setLines([]);
    setState("following");
    setError(null);
    followText(path, query, (line) => setLines((current) => [...current, line]), controller.signal).then(
      () => setState("ended"),
      (failure) => {
        if (controller.signal.aborted) return;
        setState("failed");
        setError(failure instanceof ApiError && failure.status === 404 ? "Nothing logged yet." : String(failure.message ?? failure));
      },
    );
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  useEffect(() => {
    box.current?.scrollTo({ top: box.current.scrollHeight });
  }, [lines]);
  return (
    <>
      <p role="status" className="log-state" data-state={state}>
        {state === "following" ? "Following…" : state === "ended" ? "End of log." : error}
      </p>
      {(lines.length > 0 || state === "following") && (
        <pre className="log" ref={box} aria-label={label} tabIndex={0}>
          {lines.join("\n")}
        </pre>
      )}
    </>
  );
}

export function ProviderPage({ id, build }: { id: string; build?: string }) {
  const [status, setStatus] = useState<ProviderStatus | null>(null);
  const [builds, setBuilds] = useState<BuildInfo[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const load = useCallback(() => {
    getJSON<ProviderStatus>(`/providers/${encodeURIComponent(id)}/deployment`).then(setStatus, setError);
    getJSON<BuildInfo[]>(`/providers/${encodeURIComponent(id)}/builds`).then(setBuilds, setError);
  }, [id]);
  useEffect(load, [load]);
  // Builds and rollouts move on their own: look again while one is under way.
  const busy = builds?.some((entry) => entry.status === "pending" || entry.status === "building") || status?.status === "progressing";
  useEffect(() => {
    if (!busy) return;
    const timer = setInterval(load, 1000);
    return () => clearInterval(timer);
  }, [busy, load]);

  const act = async (label: string, path: string, body: unknown) => {
    setError(null);
    try {
      await sendJSON("POST", `/providers/${encodeURIComponent(id)}/${path}`, body);
      setNotice(label);
    } catch (failure) {
      setError(failure);
    }
    load();
  };

  return (
    <>
      <h1>Provider {id}</h1>
      {notice && <p role="status">{notice}</p>}
      <ErrorNote error={error} />
      <Section title="Deployment">
        {status ? (
          <dl className="facts">
            <dt>Status</dt>
            <dd data-testid="deployment-status">{status.status}</dd>
            <dt>Version</dt>
            <dd>{status.version ?? "—"}</dd>
            <dt>Running</dt>
            <dd>{status.running_version ?? "—"}</dd>
            <dt>Healthy</dt>
            <dd>{status.healthy ? "yes" : "no"}</dd>
            <dt>Restarts</dt>
            <dd>{status.restarts}</dd>
            {status.error && (
              <>
                <dt>Error</dt>
                <dd className="error">{status.error}</dd>
              </>
            )}
          </dl>
        ) : (
          <p className="loading">Loading…</p>
        )}
      </Section>
      <Section title="Builds">
        <table className="grid" aria-label="Builds">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {builds?.map((entry) => (
              <tr key={entry.version}>
                <td>
                  <a href={href(["providers", id, "builds", entry.version])}>{entry.version}</a>
                  {entry.version === status?.version && <span className="tag">deployed</span>}
                </td>
                <td>
                  <span className={`build build-${entry.status}`}>{entry.status}</span>
                  {entry.error_message && <span className="error"> {entry.error_message}</span>}
                </td>
                <td>{new Date(entry.created_at).toLocaleString()}</td>
                <td className="row-actions">
                  <button
                    type="button"
                    disabled={entry.status !== "success"}
                    onClick={() => act(`Deploying ${entry.version}…`, "deploy", { version: entry.version })}
                  >
                    Deploy
                  </button>
                  <button
                    type="button"
                    disabled={entry.status !== "success" || entry.version === status?.version}
                    onClick={() => act(`Rolling back to ${entry.version}…`, "rollback", { version: entry.version })}
                  >
                    Roll back to
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
      {build && (
        <Section title={`Build log ${build}`}>
          <LiveLog path={`/providers/${encodeURIComponent(id)}/builds/${encodeURIComponent(build)}/logs`} query={{}} label="Build log" />
        </Section>
      )}
      <Section title="Runtime logs">
        {/* Keyed on the running version: a deploy or rollback starts following the new workers. */}
        <LiveLog
          path={`/providers/${encodeURIComponent(id)}/logs`}
          query={status?.running_version ? { tail: 200, follow: true, version: status.running_version } : { tail: 200, follow: true }}
          label="Runtime logs"
        />
      </Section>
    </>
  );
}
