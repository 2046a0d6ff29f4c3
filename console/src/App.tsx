import { useCallback, useEffect, useState } from "react";
import { ApiError, getJSON, setToken, setUnauthorizedHandler } from "./api/client";
import type { UserInfo } from "./api/types";
import { href, useRoute } from "./router";
import { storeToken, storedToken } from "./session";
import { SignIn } from "./pages/SignIn";
import { ResourcesPage } from "./pages/Resources";
import { ResourcePage } from "./pages/Resource";
import { GraphPage } from "./pages/Graph";
import { DeadLettersPage } from "./pages/DeadLetters";
import { ProvidersPage, ProviderPage } from "./pages/Providers";
import { FilesPage } from "./pages/Files";
import { PlanPage } from "./pages/Plan";

const NAV: [string, string][] = [
  ["resources", "Resources"],
  ["graph", "Graph"],
  ["dead-letters", "Dead letters"],
  ["providers", "Providers"],
  ["files", "Files"],
  ["plan", "Plan"],
];

export function App() {
  const [user, setUser] = useState<UserInfo | null>(null);
  const [checking, setChecking] = useState(() => storedToken() !== null);
  const [notice, setNotice] = useState<string | null>(null);
  const route = useRoute();

  const signOut = useCallback((message: string | null = null) => {
    storeToken(null);
    setToken(null);
    setUser(null);
    setNotice(message);
  }, []);

  const signIn = useCallback(async (token: string) => {
    setToken(token);
    try {
      const me = await getJSON<UserInfo>("/auth/me");
      storeToken(token);
      setUser(me);
      setNotice(null);
    } catch (error) {
      setToken(null);
      storeToken(null);
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
        setNotice(`That token was not accepted. Check it and paste it again. (The server said: ${error.message})`);
      } else {
        setNotice(`Could not reach the API: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }, []);

  useEffect(() => {
    setUnauthorizedHandler(() => signOut("Your session ended: the token is no longer accepted. Sign in again."));
    const saved = storedToken();
    if (saved) void signIn(saved).finally(() => setChecking(false));
  }, [signIn, signOut]);

  if (checking) return <p className="loading">Signing in…</p>;
  if (!user) return <SignIn onSignIn={signIn} notice={notice} />;

  const [page = "resources", ...rest] = route.path;
  let content;
  switch (page) {
    case "resources":
      content = rest.length ? <ResourcePage key={rest.join("/")} id={rest.join("/")} /> : <ResourcesPage query={route.query} />;
      break;
    case "graph":
      content = <GraphPage query={route.query} />;
      break;
    case "dead-letters":
      content = <DeadLettersPage />;
      break;
    case "providers":
      content = rest.length ? <ProviderPage key={rest[0]} id={rest[0]} build={rest[2]} /> : <ProvidersPage />;
      break;
    case "files":
      content = <FilesPage />;
      break;
    case "plan":
      content = <PlanPage />;
      break;
    default:
      content = <p>No such page. <a href={href(["resources"])}>Go to the resources</a>.</p>;
  }
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Pragma</span>
        <nav aria-label="Main">
          <ul>
            {NAV.map(([key, label]) => (
              <li key={key}>
                <a href={href([key])} aria-current={page === key ? "page" : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span className="who" title={user.organization_id}>
          {user.email ?? user.user_id} · {user.organization_name ?? user.organization_id}
        </span>
        <button type="button" onClick={() => signOut()}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {content}
      </main>
    </div>
  );
}
