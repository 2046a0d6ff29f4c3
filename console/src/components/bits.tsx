// Small pieces every page uses.
import type { ReactNode } from "react";
import type { FieldChange, LifecycleState } from "../api/types";

export function StateBadge({ state }: { state: LifecycleState | string | null }) {
  const label = state ?? "missing";
  return <span className={`state state-${label}`}>{label}</span>;
}

export function age(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "";
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

export function Json({ value, label }: { value: unknown; label: string }) {
  return (
    <pre className="json" aria-label={label} tabIndex={0}>
      {value === null || value === undefined ? "—" : JSON.stringify(value, null, 2)}
    </pre>
  );
}

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <p className="error" role="alert">
      {message}
    </p>
  );
}

export function Section({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  const id = `section-${title.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
  return (
    <section className="panel" aria-labelledby={id}>
      <header className="panel-header">
        <h2 id={id}>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

export function Changes({ changes, label }: { changes: FieldChange[] | null | undefined; label: string }) {
  if (!changes?.length) return null;
  return (
    <table className="diff" aria-label={label}>
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Before</th>
          <th scope="col">After</th>
        </tr>
      </thead>
      <tbody>
        {changes.map((change) => (
          <tr key={change.path} className={`diff-${change.change}`}>
            <td>
              <code>{change.path}</code> <small>({change.change})</small>
            </td>
            <td className="diff-old">{change.change === "added" ? "" : JSON.stringify(change.old)}</td>
            <td className="diff-new">{change.change === "removed" ? "" : JSON.stringify(change.new)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
