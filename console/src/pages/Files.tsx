import { useCallback, useEffect, useState, type FormEvent } from "react";
import { getJSON, request, sendJSON } from "../api/client";
import type { ResourceDocument } from "../api/types";
import { ErrorNote, StateBadge } from "../components/bits";
import { href } from "../router";

const filePath = (name: string) => `/files/${encodeURIComponent(name)}`;

export function FilesPage() {
  const [tracked, setTracked] = useState<ResourceDocument[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [signed, setSigned] = useState<{ name: string; url: string } | null>(null);

  // Files are listed through the pragma/file resources that track them (docs/builtin-provider.md).
  const load = useCallback(() => {
    getJSON<ResourceDocument[]>("/resources/", { provider: "pragma", resource: "file", limit: 500 }).then(setTracked, setError);
  }, []);
  useEffect(load, [load]);

  const nameOf = (document: ResourceDocument) => String((document.config.file as string | undefined) ?? document.name);

  const upload = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setError(null);
    const form = event.currentTarget;
    const data = new FormData(form);
    const name = String(data.get("name") ?? "").trim();
    const file = data.get("file");
    if (!(file instanceof File) || !name) return;
    try {
      const body = new FormData();
      body.append("file", file, file.name);
      await request("POST", `${filePath(name)}/upload`, { body });
      if (data.get("track")) {
        await sendJSON("POST", "/resources/apply", { provider: "pragma", resource: "file", name, config: {} });
      }
      setNotice(`Uploaded ${name}.`);
      form.reset();
      load();
    } catch (failure) {
      setError(failure);
    }
  };

  const download = async (name: string) => {
    try {
      const blob = await (await request("GET", `${filePath(name)}/download`)).blob();
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = name;
      link.click();
      URL.revokeObjectURL(link.href);
    } catch (failure) {
      setError(failure);
    }
  };

  const sign = async (name: string) => {
    try {
      const answer = await getJSON<{ url: string }>(`${filePath(name)}/url`);
      setSigned({ name, url: answer.url });
    } catch (failure) {
      setError(failure);
    }
  };

  const lookUp = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const name = String(new FormData(event.currentTarget).get("lookup") ?? "").trim();
    if (name) void sign(name);
  };

  return (
    <>
      <h1>Files</h1>
      {notice && <p role="status">{notice}</p>}
      <ErrorNote error={error} />
      <form className="filters" onSubmit={upload} aria-label="Upload a file">
        <label>
          Name <input name="name" required pattern="[^/]+" />
        </label>
        <label>
          File <input name="file" type="file" required />
        </label>
        <label className="check">
          <input name="track" type="checkbox" defaultChecked /> track it as a <code>pragma/file</code> resource
        </label>
        <button type="submit">Upload</button>
      </form>
      {signed && (
        <p role="status" className="signed">
          Signed URL of {signed.name}: <a href={signed.url}>{signed.url}</a>
        </p>
      )}
      <table className="grid" aria-label="Files">
        <thead>
          <tr>
            <th scope="col">File</th>
            <th scope="col">Resource</th>
            <th scope="col">Size</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {tracked?.map((document) => (
            <tr key={document.id}>
              <td>{nameOf(document)}</td>
              <td>
                <a href={href(["resources", document.id])}>{document.name}</a> <StateBadge state={document.lifecycle_state} />
              </td>
              <td>{typeof document.outputs.size === "number" ? `${document.outputs.size} bytes` : ""}</td>
              <td className="row-actions">
                <button type="button" onClick={() => download(nameOf(document))}>
                  Download
                </button>
                <button type="button" onClick={() => sign(nameOf(document))}>
                  Signed URL
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {tracked?.length === 0 && <p className="empty">No tracked files.</p>}
      <form className="filters" onSubmit={lookUp} aria-label="Signed URL of any file">
        <label>
          Signed URL of an untracked file <input name="lookup" />
        </label>
        <button type="submit">Get URL</button>
      </form>
    </>
  );
}
