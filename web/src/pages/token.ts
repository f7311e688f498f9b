/**
 * The control token on the pages: the server prints `http://host:port/dashboard#token=…` at
 * startup. A token in the hash is stored in localStorage (`pushcast.token`) and removed from the
 * address bar (so it is not shared with a copied link); later visits read it from storage.
 */
import { loadItem, removeItem, saveItem } from './local-store.js';

export const TOKEN_STORAGE_KEY = 'pushcast.token';

/** The token of a hash like `#token=abc` or `#x=1&token=abc` (URL-decoded), or null. Pure. */
export function tokenFromHash(hash: string): string | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const token = params.get('token');
  return token !== null && token.trim() !== '' ? token.trim() : null;
}

/** The hash without its `token` parameter ('' when nothing else is left). Pure. */
export function hashWithoutToken(hash: string): string {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  params.delete('token');
  const rest = params.toString();
  return rest === '' ? '' : `#${rest}`;
}

export function storeToken(token: string): void {
  saveItem(TOKEN_STORAGE_KEY, token);
}

export function forgetToken(): void {
  removeItem(TOKEN_STORAGE_KEY);
}

/** The page's control token: from `#token=…` (then stored and stripped from the URL), else stored, else null. */
export function readControlToken(): string | null {
  const fromHash = tokenFromHash(location.hash);
  if (fromHash !== null) {
    storeToken(fromHash);
    history.replaceState(history.state, '', `${location.pathname}${location.search}${hashWithoutToken(location.hash)}`);
    return fromHash;
  }
  return loadItem(TOKEN_STORAGE_KEY);
}
