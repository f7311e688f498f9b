import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../server/store/database.js';
import { RuntimeChannelStore, type StoredChannel } from '../../../server/store/channels.js';

const fresh = () => {
  const db = openDatabase({ dataDir: ':memory:' });
  return { db, store: new RuntimeChannelStore(db) };
};
const row = (id: string, createdAt: number, extra: Partial<StoredChannel> = {}): StoredChannel =>
  ({ id, source: `udp://127.0.0.1:${5000 + createdAt}`, keepAlive: false, transcode: 'auto', openControl: false, createdAt, ...extra });

describe('RuntimeChannelStore', () => {
  it('lists nothing at first, then what was saved, oldest first, with every field', () => {
    const { store } = fresh();
    expect(store.list()).toEqual([]);
    const b = row('b', 20, { keepAlive: true, transcode: 'always' });
    const a = row('a', 10, { source: 'rtsp://admin:s3cret@cam/1', openControl: true, transcode: 'never' });
    store.save(b);
    store.save(a);
    expect(store.list()).toEqual([a, b]);
  });

  it('keeps the source as given, credentials included (local state: masking is for what leaves)', () => {
    const { store } = fresh();
    store.save(row('cam', 1, { source: 'rtsp://admin:p%40ss@192.0.2.10/stream?token=abc' }));
    expect(store.list()[0]?.source).toBe('rtsp://admin:p%40ss@192.0.2.10/stream?token=abc');
  });

  it('replaces a row saved again under the same id', () => {
    const { store } = fresh();
    store.save(row('cam', 1));
    store.save(row('cam', 5, { source: 'clip.mp4', keepAlive: true }));
    expect(store.list()).toEqual([row('cam', 5, { source: 'clip.mp4', keepAlive: true })]);
  });

  it('deletes once', () => {
    const { store } = fresh();
    store.save(row('a', 1));
    store.save(row('b', 2));
    expect(store.delete('a')).toBe(true);
    expect(store.delete('a')).toBe(false);
    expect(store.delete('nobody')).toBe(false);
    expect(store.list().map((c) => c.id)).toEqual(['b']);
  });

  it('the table refuses what the code never writes (a fourth transcode policy, a flag of 2)', () => {
    const { db } = fresh();
    const insert = db.prepare('INSERT INTO runtime_channels (id, source, keep_alive, transcode, open_control, created_at) VALUES (?, ?, ?, ?, ?, ?)');
    expect(() => insert.run('x', 's', 0, 'sometimes', 0, 1)).toThrow(/CHECK/);
    expect(() => insert.run('y', 's', 2, 'auto', 0, 1)).toThrow(/CHECK/);
    expect(() => insert.run('z', 's', 0, 'auto', 0, 'soon')).toThrow();
  });
});
