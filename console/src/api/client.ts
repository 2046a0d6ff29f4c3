// The public API, as the SDK calls it: JSON over HTTP with the user's bearer token.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export type Unauthorized = () => void;

let token: string | null = null;
let onUnauthorized: Unauthorized = () => undefined;

export function setToken(value: string | null): void {
  token = value;
}

export function setUnauthorizedHandler(handler: Unauthorized): void {
  onUnauthorized = handler;
}

export function authHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return token ? { Authorization: `Bearer ${token}`, ...extra } : extra;
}

/** The message of an error answer: `detail.message`, a validation list, or the status text. */
export async function errorOf(response: Response): Promise<ApiError> {
  let message = `${response.status} ${response.statusText}`;
  let field: string | undefined;
  try {
    const body = await response.json();
    const detail = body?.detail;
    if (typeof detail === "string") message = detail;
    else if (detail && typeof detail === "object" && !Array.isArray(detail)) {
      message = detail.message ?? message;
      field = detail.field;
    } else if (Array.isArray(detail) && detail.length) {
      message = detail.map((entry: { loc?: unknown[]; msg?: string }) =>
        `${(entry.loc ?? []).slice(1).join(".")}: ${entry.msg}`).join("; ");
    }
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(response.status, message, field);
}

export type Query = Record<string, string | number | boolean | string[] | null | undefined>;

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === null || value === undefined || value === "") continue;
    if (Array.isArray(value)) value.forEach((item) => params.append(key, item));
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** A request to the API; throws ApiError on an error answer (401 also signs out). */
export async function request(
  method: string,
  path: string,
  options: { query?: Query; json?: unknown; body?: BodyInit; signal?: AbortSignal } = {},
): Promise<Response> {
  const headers = authHeaders(options.json !== undefined ? { "Content-Type": "application/json" } : {});
  const response = await fetch(withQuery(path, options.query), {
    method,
    headers,
    body: options.json !== undefined ? JSON.stringify(options.json) : options.body,
    signal: options.signal,
  });
  if (!response.ok) {
    const error = await errorOf(response);
    if (response.status === 401) onUnauthorized();
    throw error;
  }
  return response;
}

export async function getJSON<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
  return (await request("GET", path, { query, signal })).json() as Promise<T>;
}

export async function sendJSON<T>(method: string, path: string, json?: unknown, query?: Query): Promise<T> {
  const response = await request(method, path, { json, query });
  return (response.status === 204 ? null : await response.json()) as T;
}

export function resourcePath(id: string): string {
  return `/resources/${encodeURIComponent(id)}`;
}
