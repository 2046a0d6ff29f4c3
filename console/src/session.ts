// The signed-in token lives in this browser tab's session storage only.
const KEY = "pragma.console.token";

export function storedToken(): string | null {
  return window.sessionStorage.getItem(KEY);
}

export function storeToken(token: string | null): void {
  if (token) window.sessionStorage.setItem(KEY, token);
  else window.sessionStorage.removeItem(KEY);
}
