/** Named values that survive a restart (the generated control token, …), in the settings table. */
import type { Database, Statement } from 'better-sqlite3';

export class Settings {
  private readonly getStmt: Statement<[string], { value: string }>;
  private readonly setStmt: Statement<[string, string]>;

  constructor(db: Database) {
    this.getStmt = db.prepare('SELECT value FROM settings WHERE key = ?');
    this.setStmt = db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  }

  get(key: string): string | null {
    return this.getStmt.get(key)?.value ?? null;
  }

  set(key: string, value: string): void {
    this.setStmt.run(key, value);
  }

  /** The stored value, or `make()`'s, stored now (the first start's generated token). */
  getOrCreate(key: string, make: () => string): string {
    const have = this.get(key);
    if (have !== null) return have;
    const value = make();
    this.set(key, value);
    return value;
  }
}
