import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../server/store/database.js';
import { CommentStore } from '../../../server/store/comments.js';

const fresh = () => new CommentStore(openDatabase({ dataDir: ':memory:' }));
const c = (channel: string, at: number | null, text: string, time = 1_000) => ({ channel, at, time, name: 'viewer', text });

describe('CommentStore', () => {
  it('inserts with increasing ids and reads one back', () => {
    const s = fresh();
    const a = s.insert(c('movie', 1.5, 'first', 1000.4));
    const b = s.insert(c('movie', 0.5, 'second'));
    expect(b.id).toBeGreaterThan(a.id);
    expect(a).toEqual({ id: a.id, channel: 'movie', at: 1.5, time: 1000, name: 'viewer', text: 'first' });
    expect(s.get(a.id)).toEqual(a);
    expect(s.get(9999)).toBeNull();
  });

  it('lists one channel by position within the window, bounds included, ties in posting order', () => {
    const s = fresh();
    const rows = [c('movie', 10, 'at 10'), c('movie', 5, 'at 5'), c('other', 6, 'elsewhere'), c('movie', 5, 'at 5 again'), c('movie', 20, 'at 20'), c('movie', null, 'no position')];
    for (const r of rows) s.insert(r);
    expect(s.window('movie', 5, 10, 100).map((x) => x.text)).toEqual(['at 5', 'at 5 again', 'at 10']);
    expect(s.window('movie', 5.001, 19.999, 100).map((x) => x.text)).toEqual(['at 10']);
    expect(s.window('movie', 0, 600, 2).map((x) => x.text)).toEqual(['at 5', 'at 5 again']);
    expect(s.window('nobody', 0, 600, 10)).toEqual([]);
  });

  it('lists the newest of a channel, oldest first, live ones included', () => {
    const s = fresh();
    for (const [i, at] of [null, 3, null, 1].entries()) s.insert(c('live', at, `n${i}`));
    s.insert(c('other', null, 'x'));
    expect(s.recent('live', 3).map((x) => x.text)).toEqual(['n1', 'n2', 'n3']);
  });

  it('deletes once, and never hands a deleted id to a new comment', () => {
    const s = fresh();
    const a = s.insert(c('movie', 1, 'a'));
    const b = s.insert(c('movie', 2, 'b'));
    expect(s.delete(b.id)).toBe(true);
    expect(s.delete(b.id)).toBe(false);
    expect(s.get(b.id)).toBeNull();
    const next = s.insert(c('movie', 3, 'c'));
    expect(next.id).toBeGreaterThan(b.id);
    expect(s.window('movie', 0, 10, 10).map((x) => x.id)).toEqual([a.id, next.id]);
  });

  it('stores text as text: quotes, markup and emoji come back unchanged', () => {
    const s = fresh();
    const text = `'); DROP TABLE comments; -- <b>hi</b> 😀`;
    const a = s.insert(c('movie', 1, text));
    expect(s.get(a.id)?.text).toBe(text);
  });

  it('the schema refuses a negative position', () => {
    const s = fresh();
    expect(() => s.insert(c('movie', -1, 'x'))).toThrow(/CHECK/);
  });
});
