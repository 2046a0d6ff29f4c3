// The wire shapes the console reads (see pragma_sdk.models).

export type LifecycleState = "draft" | "pending" | "processing" | "ready" | "failed";
export const STATES: LifecycleState[] = ["draft", "pending", "processing", "ready", "failed"];

export interface Reference {
  provider: string;
  resource: string;
  name: string;
  field?: string;
}

export interface ResourceDocument {
  id: string;
  provider: string;
  resource: string;
  name: string;
  config: Record<string, unknown>;
  resolved_config: Record<string, unknown> | null;
  outputs: Record<string, unknown>;
  dependencies: Reference[];
  owner_references: Reference[];
  lifecycle_state: LifecycleState;
  error: string | null;
  error_traceback?: string | null;
  message?: string | null;
  tags: string[] | null;
  created_at: string;
  updated_at: string;
  deleting: boolean;
  waiting_on: string[];
  generation: number;
}

export interface FieldChange {
  path: string;
  change: "added" | "removed" | "changed";
  old?: unknown;
  new?: unknown;
}

export interface HistoryEntry {
  id: number;
  at: string;
  cause: string;
  actor: string | null;
  from_state: LifecycleState | null;
  to_state: LifecycleState | null;
  attempt: number | null;
  duration_ms: number | null;
  error: string | null;
  error_traceback: string | null;
  config_changes: FieldChange[] | null;
  outputs_changes: FieldChange[] | null;
}

export interface GraphNode {
  id: string;
  provider: string | null;
  resource: string | null;
  name: string;
  lifecycle_state: LifecycleState | null;
  exists: boolean;
}

export interface GraphEdge {
  from: string;
  to: string;
  kind: "dependency" | "owner";
}

export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  truncated: boolean;
}

export interface DeadLetter {
  event_id: string;
  provider: string;
  resource_type: string;
  resource_name: string;
  resource_id: string;
  event_type: string;
  error_message: string | null;
  error_traceback: string | null;
  attempt_count: number;
  failed_at: string;
}

export interface ProviderInfo {
  provider_id: string;
  current_version: string | null;
  deployment_status: string | null;
  updated_at: string | null;
}

export interface BuildInfo {
  provider_id: string;
  version: string;
  status: "pending" | "building" | "success" | "failed";
  error_message: string | null;
  created_at: string;
}

export interface ProviderStatus {
  status: string;
  version: string | null;
  updated_at: string | null;
  healthy: boolean;
  running_version: string | null;
  restarts: number;
  error: string | null;
}

export interface UserInfo {
  user_id: string;
  email: string | null;
  organization_id: string;
  organization_name: string | null;
}

export interface PlanEntry {
  kind: "apply" | "delete";
  index: number;
  resource_id: string;
  path: string;
  action: string;
  from_state?: LifecycleState | null;
  to_state?: LifecycleState | null;
  changes: FieldChange[];
  errors: { field: string | null; rule: string; status: number }[];
  cascade: { resource_id: string; path: string; [key: string]: unknown }[];
  blocked_by: string[];
  note?: string | null;
}

export interface PlanRipple {
  resource_id: string;
  path: string;
  depth: number;
  effect: string;
  because: string[];
}

export interface ResourcePlan {
  entries: PlanEntry[];
  ripple: PlanRipple[];
  summary: Record<string, number>;
  token: string;
}
