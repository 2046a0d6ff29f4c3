// Streams over fetch (EventSource cannot send the Authorization header): the watch stream's
// server-sent events, and text logs that stay open while they grow.
import { authHeaders, errorOf, withQuery, type Query } from "./client";

export interface ServerEvent {
  id: string | null;
  event: string;
  data: string;
}

async function* lines(body: ReadableStream<Uint8Array>, signal: AbortSignal): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const cancel = () => void reader.cancel().catch(() => undefined);
  signal.addEventListener("abort", cancel);
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let newline: number;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        yield buffer.slice(0, newline).replace(/\r$/, "");
        buffer = buffer.slice(newline + 1);
      }
    }
    if (buffer) yield buffer;
  } finally {
    signal.removeEventListener("abort", cancel);
  }
}

/** Follows a server-sent event stream, reconnecting (with Last-Event-ID) until aborted. */
export async function followEvents(
  path: string,
  query: Query,
  onEvent: (event: ServerEvent) => void,
  signal: AbortSignal,
  onState: (connected: boolean) => void = () => undefined,
): Promise<void> {
  let lastId: string | null = null;
  let backoff = 250;
  while (!signal.aborted) {
    try {
      const headers = authHeaders(lastId ? { "Last-Event-ID": lastId, Accept: "text/event-stream" } : {});
      const response = await fetch(withQuery(path, query), { headers, signal });
      if (!response.ok || !response.body) throw await errorOf(response);
      onState(true);
      backoff = 250;
      let event = "message";
      let data: string[] = [];
      let id: string | null = null;
      for await (const line of lines(response.body, signal)) {
        if (line === "") {
          if (data.length) {
            if (id !== null) lastId = id;
            onEvent({ id, event, data: data.join("\n") });
          }
          event = "message";
          data = [];
          id = null;
        } else if (line.startsWith(":")) {
          continue;
        } else {
          const colon = line.indexOf(":");
          const key = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
          if (key === "event") event = value;
          else if (key === "data") data.push(value);
          else if (key === "id") id = value;
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      // A refusal (bad token, bad filter) will not change by retrying; a lost connection may.
      const status = error instanceof Error && "status" in error ? (error as { status: number }).status : 0;
      if (status >= 400 && status < 500 && status !== 429) {
        onState(false);
        return;
      }
    }
    onState(false);
    await new Promise((resolve) => setTimeout(resolve, backoff));
    backoff = Math.min(backoff * 2, 5000);
  }
}

/** Follows a text response line by line (a build log while the build runs). */
export async function followText(
  path: string,
  query: Query,
  onLine: (line: string) => void,
  signal: AbortSignal,
): Promise<void> {
  const response = await fetch(withQuery(path, query), { headers: authHeaders(), signal });
  if (!response.ok || !response.body) throw await errorOf(response);
  for await (const line of lines(response.body, signal)) onLine(line);
}
