// The watch stream as a React hook: resource changes as they happen.
import { useEffect, useRef, useState } from "react";
import type { ResourceDocument } from "./types";
import { followEvents } from "./streams";

export interface WatchFilter {
  provider?: string;
  resource?: string;
  name?: string;
}

export interface WatchHandlers {
  changed: (document: ResourceDocument) => void;
  deleted: (id: string) => void;
}

/** Follows GET /resources/watch (no snapshot: the page reads its own); says whether it is connected. */
export function useWatch(filter: WatchFilter, handlers: WatchHandlers, enabled = true): boolean {
  const latest = useRef(handlers);
  latest.current = handlers;
  const [connected, setConnected] = useState(false);
  const { provider, resource, name } = filter;
  useEffect(() => {
    if (!enabled) return;
    const controller = new AbortController();
    void followEvents(
      "/resources/watch",
      { provider, resource, name, snapshot: false },
      (event) => {
        const data = JSON.parse(event.data);
        if (event.event === "resource") latest.current.changed(data as ResourceDocument);
        else if (event.event === "deleted") latest.current.deleted(data.id as string);
      },
      controller.signal,
      setConnected,
    );
    return () => controller.abort();
  }, [provider, resource, name, enabled]);
  return connected;
}
