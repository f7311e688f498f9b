import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import DatabaseCtor from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DB_FILE, openDatabase } from '../../../server/store/database.js';
import { MIGRATIONS, MigrationError, checkMigrations, migrate, pendingMigrations, type Migration } from '../../../server/store/migrations.js';

const m = (version: number, sql = `CREATE TABLE t${version} (x INTEGER) STRICT;`): Migration => ({ version, name: `m${version}`, sql });

describe('pendingMigrations', () => {
  it.each([
    ['fresh database', 0, [1, 2, 3], [1, 2, 3]],
    ['part way', 2, [1, 2, 3], [3]],
    ['up to date', 3, [1, 2, 3], []],
    ['gaps are allowed', 1, [1, 4, 7], [4, 7]],
    ['no migrations at all', 0, [], []],
  ])('%s', (_name, current, versions, expected) => {
    expect(pendingMigrations(current, versions.map((v) => m(v))).map((x) => x.version)).toEqual(expected);
  });

  it('refuses a database newer than the code', () => {
    expect(() => pendingMigrations(5, [m(1), m(2)])).toThrow(/newer than this pushcast knows/);
  });

  it.each([
    ['out of order', [2, 1]],
    ['duplicate', [1, 1]],
    ['zero', [0]],
    ['fractional', [1.5]],
  ])('rejects a list that is %s', (_name, versions) => {
    expect(() => checkMigrations(versions.map((v) => m(v)))).toThrow(MigrationError);
  });

  it("the shipped list is valid and starts at 1", () => {
    expect(() => checkMigrations(MIGRATIONS)).not.toThrow();
    expect(MIGRATIONS[0]?.version).toBe(1);
  });
});

describe('migrate', () => {
  it('applies what is pending once and records the version', () => {
    const db = new DatabaseCtor(':memory:');
    expect(migrate(db, [m(1), m(3)])).toEqual([1, 3]);
    expect(db.pragma('user_version', { simple: true })).toBe(3);
    expect(migrate(db, [m(1), m(3)])).toEqual([]);
    expect(migrate(db, [m(1), m(3), m(4)])).toEqual([4]);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[];
    expect(tables.map((t) => t.name)).toEqual(['t1', 't3', 't4']);
    db.close();
  });

  it('a failing migration leaves the database at the previous version with nothing half-applied', () => {
    const db = new DatabaseCtor(':memory:');
    const broken: Migration = { version: 2, name: 'broken', sql: 'CREATE TABLE half (x INTEGER); INSERT INTO nowhere VALUES (1);' };
    expect(() => migrate(db, [m(1), broken])).toThrow();
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'half'").get()).toEqual({ n: 0 });
    db.close();
  });
});

describe('openDatabase', () => {
  let dir = '';
  afterEach(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  it('creates the data folder and a WAL database migrated to the newest version', () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'pushcast-db-'));
    const dataDir = path.join(dir, 'nested', 'data');
    const db = openDatabase({ dataDir });
    expect(existsSync(path.join(dataDir, DB_FILE))).toBe(true);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.at(-1)?.version);
    db.close();
    // Reopening is a no-op migration.
    const again = openDatabase({ dataDir });
    expect(again.pragma('user_version', { simple: true })).toBe(MIGRATIONS.at(-1)?.version);
    again.close();
  });

  it('refuses (and closes) a database from a newer pushcast', () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'pushcast-db-'));
    const raw = new DatabaseCtor(path.join(dir, DB_FILE));
    raw.pragma('user_version = 9999');
    raw.close();
    expect(() => openDatabase({ dataDir: dir })).toThrow(/newer than this pushcast knows/);
  });
});
