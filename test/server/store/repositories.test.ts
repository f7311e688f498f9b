import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../server/store/database.js';
import { PlayheadStore } from '../../../server/store/playheads.js';
import { Settings } from '../../../server/store/settings.js';

describe('Settings', () => {
  it('stores, overwrites and creates once', () => {
    const s = new Settings(openDatabase({ dataDir: ':memory:' }));
    expect(s.get('a')).toBeNull();
    s.set('a', '1');
    s.set('a', '2');
    expect(s.get('a')).toBe('2');
    let made = 0;
    const make = () => `v${++made}`;
    expect(s.getOrCreate('token', make)).toBe('v1');
    expect(s.getOrCreate('token', make)).toBe('v1');
    expect(made).toBe(1);
  });
});

describe('PlayheadStore', () => {
  it('saves, overwrites, loads and drops one row per channel', () => {
    const p = new PlayheadStore(openDatabase({ dataDir: ':memory:' }));
    expect(p.load('movie')).toBeNull();
    p.save('movie', { position: 12.5, playing: false, savedAt: 1000 });
    p.save('movie', { position: 13.25, playing: true, savedAt: 2000.4 });
    p.save('other', { position: 1, playing: false, savedAt: 3000 });
    expect(p.load('movie')).toEqual({ position: 13.25, playing: true, savedAt: 2000 });
    p.drop('movie');
    expect(p.load('movie')).toBeNull();
    expect(p.load('other')?.position).toBe(1);
  });
});
