import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { getJSON, request } from "../api/client";
import { STATES, type ResourceDocument } from "../api/types";
import { useWatch } from "../api/watch";
import { age, ErrorNote, StateBadge } from "../components/bits";
import { href, navigate } from "../router";

const PAGE_SIZE = 50;

interface Filters {
  provider: string;
  resource: string;
  state: string;
  tag: string;
  q: string;
}

function filtersOf(query: URLSearchParams): Filters {
  return {
    provider: query.get("provider") ?? "",
    resource: query.get("resource") ?? "",
    state: query.get("state") ?? "",
    tag: query.get("tag") ?? "",
    q: query.get("q") ?? "",
  };
}

function matches(document: ResourceDocument, filters: Filters): boolean {
  return (
    (!filters.provider || document.provider === filters.provider) &&
    (!filters.resource || document.resource === filters.resource) &&
    (!filters.state || document.lifecycle_state === filters.state) &&
    (!filters.tag || (document.tags ?? []).includes(filters.tag)) &&
    (!filters.q || document.name.toLowerCase().includes(filters.q.toLowerCase()))
  );
}

export function ResourcesPage({ query }: { query: URLSearchParams }) {
  const filters = filtersOf(query);
  const key = JSON.stringify(filters);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [rows, setRows] = useState<ResourceDocument[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [now, setNow] = useState(Date.now());
  const cursor = cursors[cursors.length - 1];

  useEffect(() => setCursors([null]), [key]);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 10_000);
    return () => clearInterval(timer);
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    setError(null);
    request("GET", "/resources/", {
      query: {
        provider: filters.provider,
        resource: filters.resource,
        state: filters.state,
        tags: filters.tag ? [filters.tag] : undefined,
        name_contains: filters.q,
        limit: PAGE_SIZE,
        cursor,
      },
      signal: controller.signal,
    })
      .then(async (response) => {
        setNext(response.headers.get("X-Next-Cursor"));
        setRows((await response.json()) as ResourceDocument[]);
        setNow(Date.now());
      })
      .catch((failure) => {
        if (!controller.signal.aborted) setError(failure);
      });
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, cursor]);

  // Known providers and types, offered as suggestions in the filters.
  const [types, setTypes] = useState<{ provider: string; resource: string }[]>([]);
  useEffect(() => {
    getJSON<{ provider: string; resource: string }[]>("/resources/types").then(setTypes, () => undefined);
  }, []);

  const filtersRef = useRef(filters);
  filtersRef.current = filters;
  const changed = useCallback(
    (document: ResourceDocument) =>
      setRows((current) => {
        if (current === null) return current;
        const at = current.findIndex((row) => row.id === document.id);
        const keep = matches(document, filtersRef.current);
        if (at >= 0) {
          const copy = [...current];
          if (keep) copy[at] = document;
          else copy.splice(at, 1);
          return copy;
        }
        // A new resource belongs on this page when it sorts inside it (ids are the page order).
        const last = current[current.length - 1];
        const inside = current.length < PAGE_SIZE || (last !== undefined && document.id < last.id);
        const afterStart = cursor === null || document.id > cursor;
        if (!keep || !inside || !afterStart) return current;
        const copy = [...current, document].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        return copy.slice(0, PAGE_SIZE);
      }),
    [cursor],
  );
  const deleted = useCallback((id: string) => setRows((current) => current && current.filter((row) => row.id !== id)), []);
  const live = useWatch({ provider: filters.provider || undefined, resource: filters.resource || undefined }, { changed, deleted });

  const apply = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const values = Object.fromEntries(
      ["provider", "resource", "state", "tag", "q"].map((name) => [name, String(data.get(name) ?? "").trim() || undefined]),
    );
    navigate(["resources"], values);
  };

  return (
    <>
      <div className="page-title">
        <h1>Resources</h1>
        <span className={`live ${live ? "on" : "off"}`} role="status">
          {live ? "Live" : "Connecting…"}
        </span>
      </div>
      <form className="filters" onSubmit={apply} key={key} aria-label="Filter resources">
        <label>
          Provider <input name="provider" defaultValue={filters.provider} list="known-providers" />
        </label>
        <label>
          Type <input name="resource" defaultValue={filters.resource} list="known-types" />
        </label>
        <label>
          State
          <select name="state" defaultValue={filters.state}>
            <option value="">any</option>
            {STATES.map((state) => (
              <option key={state}>{state}</option>
            ))}
          </select>
        </label>
        <label>
          Tag <input name="tag" defaultValue={filters.tag} />
        </label>
        <label>
          Name contains <input name="q" type="search" defaultValue={filters.q} />
        </label>
        <datalist id="known-providers">
          {[...new Set(types.map((type) => type.provider))].map((provider) => (
            <option key={provider} value={provider} />
          ))}
        </datalist>
        <datalist id="known-types">
          {[...new Set(types.map((type) => type.resource))].map((resource) => (
            <option key={resource} value={resource} />
          ))}
        </datalist>
        <button type="submit">Filter</button>
        <a href={href(["resources"])}>Clear</a>
      </form>
      <ErrorNote error={error} />
      <table className="grid" aria-label="Resources" aria-busy={rows === null}>
        <thead>
          <tr>
            <th scope="col">Provider</th>
            <th scope="col">Type</th>
            <th scope="col">Name</th>
            <th scope="col">State</th>
            <th scope="col">Message</th>
            <th scope="col">Age</th>
            <th scope="col">Tags</th>
          </tr>
        </thead>
        <tbody>
          {rows?.map((row) => (
            <tr key={row.id} data-id={row.id} data-state={row.lifecycle_state}>
              <td>{row.provider}</td>
              <td>{row.resource}</td>
              <td>
                <a href={href(["resources", row.id])}>{row.name}</a>
              </td>
              <td>
                <StateBadge state={row.lifecycle_state} />
              </td>
              <td className="message">{messageOf(row)}</td>
              <td>
                <time dateTime={row.created_at} title={row.created_at}>
                  {age(row.created_at, now)}
                </time>
              </td>
              <td>{(row.tags ?? []).map((tag) => <span className="tag" key={tag}>{tag}</span>)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows?.length === 0 && <p className="empty">No resources match.</p>}
      <nav className="pager" aria-label="Pages">
        <button type="button" disabled={cursors.length < 2} onClick={() => setCursors((list) => list.slice(0, -1))}>
          Previous page
        </button>
        <span>Page {cursors.length}</span>
        <button type="button" disabled={!next} onClick={() => setCursors((list) => [...list, next])}>
          Next page
        </button>
      </nav>
    </>
  );
}

/** What the row says beside its state: the error, the server's note, or what it waits for. */
function messageOf(row: ResourceDocument): string {
  if (row.error) return row.error;
  if (row.message) return row.message;
  if (row.deleting) return "deleting";
  if (row.waiting_on?.length) return `waiting for ${row.waiting_on.join(", ")}`;
  return "";
}
