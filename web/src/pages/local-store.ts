/**
 * localStorage for the pages, which may be missing or throw (privacy modes, sandboxed frames, a
 * full quota): reads answer null and writes are skipped, each failure logged once per call.
 */

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch (err) {
    console.warn('pushcast: localStorage unavailable: nothing is remembered', err);
    return null;
  }
}

/** The stored value, or null (none, or no storage). */
export function loadItem(key: string): string | null {
  try {
    return storage()?.getItem(key) ?? null;
  } catch (err) {
    console.warn(`pushcast: could not read ${key}`, err);
    return null;
  }
}

export function saveItem(key: string, value: string): void {
  try {
    storage()?.setItem(key, value);
  } catch (err) {
    console.warn(`pushcast: could not keep ${key}`, err);
  }
}

export function removeItem(key: string): void {
  try {
    storage()?.removeItem(key);
  } catch (err) {
    console.warn(`pushcast: could not forget ${key}`, err);
  }
}
