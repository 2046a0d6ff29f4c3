import { useCallback, useEffect, useState } from "react";
import { getJSON, sendJSON } from "../api/client";
import type { DeadLetter } from "../api/types";
import { ErrorNote } from "../components/bits";
import { href } from "../router";

export function DeadLettersPage() {
  const [letters, setLetters] = useState<DeadLetter[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const load = useCallback(() => {
    getJSON<DeadLetter[]>("/ops/dead-letter").then(setLetters, setError);
  }, []);
  useEffect(load, [load]);

  const act = async (work: () => Promise<string>) => {
    setError(null);
    try {
      setNotice(await work());
    } catch (failure) {
      setError(failure);
    }
    load();
  };
  const retry = (letter: DeadLetter) =>
    act(async () => {
      await sendJSON("POST", `/ops/dead-letter/${encodeURIComponent(letter.event_id)}/retry`);
      return `Retried ${letter.resource_name}.`;
    });
  const remove = (letter: DeadLetter) =>
    act(async () => {
      await sendJSON("DELETE", `/ops/dead-letter/${encodeURIComponent(letter.event_id)}`);
      return `Deleted the dead letter of ${letter.resource_name}.`;
    });
  const retryAll = () =>
    act(async () => {
      const result = await sendJSON<{ retried_count: number }>("POST", "/ops/dead-letter/retry-all");
      return `Retried ${result.retried_count} dead letter(s).`;
    });

  return (
    <>
      <div className="page-title">
        <h1>Dead letters</h1>
        <div className="actions">
          <button type="button" onClick={retryAll} disabled={!letters?.length}>
            Retry all
          </button>
        </div>
      </div>
      <p className="help">Events that failed for good, or ran out of attempts. Retrying queues the event again.</p>
      {notice && <p role="status">{notice}</p>}
      <ErrorNote error={error} />
      {letters?.length === 0 && <p className="empty">No dead letters.</p>}
      {letters && letters.length > 0 && (
        <table className="grid" aria-label="Dead letters">
          <thead>
            <tr>
              <th scope="col">Resource</th>
              <th scope="col">Event</th>
              <th scope="col">Attempts</th>
              <th scope="col">Failed at</th>
              <th scope="col">Error</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {letters.map((letter) => (
              <tr key={letter.event_id} data-id={letter.event_id}>
                <td>
                  <a href={href(["resources", letter.resource_id])}>
                    {letter.provider}/{letter.resource_type}/{letter.resource_name}
                  </a>
                </td>
                <td>{letter.event_type}</td>
                <td>{letter.attempt_count}</td>
                <td>
                  <time dateTime={letter.failed_at}>{new Date(letter.failed_at).toLocaleString()}</time>
                </td>
                <td className="message">
                  {letter.error_message}
                  {letter.error_traceback && (
                    <details>
                      <summary>Traceback</summary>
                      <pre className="traceback">{letter.error_traceback}</pre>
                    </details>
                  )}
                </td>
                <td className="row-actions">
                  <button type="button" onClick={() => retry(letter)} aria-label={`Retry ${letter.resource_name}`}>
                    Retry
                  </button>
                  <button type="button" className="danger" onClick={() => remove(letter)} aria-label={`Delete the dead letter of ${letter.resource_name}`}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
