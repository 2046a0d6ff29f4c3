import { useState, type ChangeEvent } from "react";
import { parseAllDocuments } from "yaml";
import { sendJSON } from "../api/client";
import type { ResourcePlan } from "../api/types";
import { Changes, ErrorNote, StateBadge } from "../components/bits";
import { href } from "../router";

const EXAMPLE = `provider: pragma
resource: config
name: example
config:
  values:
    greeting: hello
`;

function documentsOf(text: string): unknown[] {
  const documents = parseAllDocuments(text);
  const found: unknown[] = [];
  for (const document of documents) {
    if (document.errors.length) throw new Error(`YAML: ${document.errors[0].message}`);
    const value = document.toJS();
    if (value === null || value === undefined) continue;
    if (Array.isArray(value)) found.push(...value);
    else found.push(value);
  }
  return found;
}

export function PlanPage() {
  const [text, setText] = useState(EXAMPLE);
  const [plan, setPlan] = useState<ResourcePlan | null>(null);
  const [planned, setPlanned] = useState<unknown[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [applied, setApplied] = useState<string | null>(null);

  const makePlan = async () => {
    setError(null);
    setApplied(null);
    setPlan(null);
    try {
      const documents = documentsOf(text);
      setPlanned(documents);
      setPlan(await sendJSON<ResourcePlan>("POST", "/resources/plan", { apply: documents }));
    } catch (failure) {
      setError(failure);
    }
  };
  const apply = async () => {
    if (!plan) return;
    setError(null);
    try {
      const result = await sendJSON<{ resources: unknown[] }>("POST", "/resources/apply/batch", { documents: planned }, { plan_token: plan.token });
      setApplied(`Applied ${result.resources.length} resource(s).`);
      setPlan(null);
    } catch (failure) {
      setError(failure);
    }
  };
  const load = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    if (file) setText(await file.text());
  };
  const refused = plan?.entries.some((entry) => entry.action === "refused");

  return (
    <>
      <h1>Plan</h1>
      <p className="help">Paste or upload resource documents (YAML, one per document or a list), see what applying them would do, then apply exactly that plan.</p>
      <label htmlFor="plan-yaml">Resource documents (YAML)</label>
      <textarea id="plan-yaml" rows={14} value={text} onChange={(event) => setText(event.target.value)} spellCheck={false} />
      <div className="actions">
        <label>
          Upload YAML <input type="file" accept=".yaml,.yml,.json,text/yaml" onChange={load} />
        </label>
        <button type="button" onClick={makePlan}>
          Plan
        </button>
        <button type="button" onClick={apply} disabled={!plan || refused}>
          Apply this plan
        </button>
      </div>
      <ErrorNote error={error} />
      {applied && (
        <p role="status">
          {applied} <a href={href(["resources"])}>See the resources</a>
        </p>
      )}
      {plan && (
        <section aria-label="Plan result">
          <p className="summary">
            {Object.entries(plan.summary)
              .filter(([, count]) => count)
              .map(([kind, count]) => `${kind}: ${count}`)
              .join(", ") || "Nothing to do."}
          </p>
          <table className="grid" aria-label="Planned changes">
            <thead>
              <tr>
                <th scope="col">Resource</th>
                <th scope="col">Action</th>
                <th scope="col">State</th>
                <th scope="col">Changes and problems</th>
              </tr>
            </thead>
            <tbody>
              {plan.entries.map((entry) => (
                <tr key={`${entry.kind}-${entry.index}`} className={`action-${entry.action}`}>
                  <td>{entry.path}</td>
                  <td>{entry.action}</td>
                  <td>
                    {entry.from_state && <StateBadge state={entry.from_state} />}
                    {entry.to_state && <> → <StateBadge state={entry.to_state} /></>}
                  </td>
                  <td>
                    {entry.errors.map((problem, index) => (
                      <p className="error" key={index}>
                        {problem.field ? `${problem.field}: ` : ""}
                        {problem.rule}
                      </p>
                    ))}
                    <Changes changes={entry.changes} label={`Changes of ${entry.path}`} />
                    {entry.note && <p>{entry.note}</p>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {plan.ripple.length > 0 && (
            <>
              <h2>Dependents affected</h2>
              <ul>
                {plan.ripple.map((item) => (
                  <li key={item.resource_id}>
                    {item.path}: {item.effect} (depth {item.depth}, because of {item.because.join(", ")})
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
      )}
    </>
  );
}
