import { useState, type FormEvent } from "react";

export function SignIn({ onSignIn, notice }: { onSignIn: (token: string) => Promise<void>; notice: string | null }) {
  const [token, setToken] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    await onSignIn(token.trim());
    setBusy(false);
  };
  return (
    <main className="signin" id="main">
      <h1>Sign in to Pragma</h1>
      <form onSubmit={submit}>
        <label htmlFor="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          required
          value={token}
          onChange={(event) => setToken(event.target.value)}
          aria-describedby="token-help"
        />
        <p id="token-help" className="help">
          Paste a token (<code>pragma auth login</code> or your administrator gives you one). It is kept in this
          browser tab only, until you sign out or close the tab.
        </p>
        {notice && (
          <p className="error" role="alert">
            {notice}
          </p>
        )}
        <button type="submit" disabled={busy || !token.trim()}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
