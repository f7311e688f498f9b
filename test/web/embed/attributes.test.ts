import { describe, expect, it } from 'vitest';
import { ERRORS } from '../../../server/core/errors.js';
import { PlayerErrorCode } from '../../../web/src/player/errors.js';
import { EmbedErrorCode, OBSERVED_ATTRIBUTES, changeKind, explainError, readSettings, settingsProblem } from '../../../web/src/embed/attributes.js';

const from = (attrs: Record<string, string>) => readSettings((name) => attrs[name] ?? null);

describe('readSettings', () => {
  it.each([
    [{}, { server: null, channel: null, muted: false, controls: false, stats: false, comments: false }],
    [{ channel: 'lobby', server: 'https://h:8080' }, { server: 'https://h:8080', channel: 'lobby', muted: false, controls: false, stats: false, comments: false }],
    [{ channel: '  lobby ', server: '   ' }, { server: null, channel: 'lobby', muted: false, controls: false, stats: false, comments: false }],
    // HTML boolean attributes: presence is true, whatever the value.
    [{ channel: 'a', muted: '', controls: 'controls', stats: 'false', comments: '' }, { server: null, channel: 'a', muted: true, controls: true, stats: true, comments: true }],
  ])('%j', (attrs, settings) => {
    expect(from(attrs)).toEqual(settings);
  });
});

describe('changeKind', () => {
  it.each([
    ['server', 'restart'],
    ['channel', 'restart'],
    ['muted', 'view'],
    ['controls', 'view'],
    ['stats', 'view'],
    ['comments', 'view'],
    ['class', 'ignore'],
  ])('%s → %s', (name, kind) => {
    expect(changeKind(name)).toBe(kind);
  });
  it('covers every observed attribute', () => {
    expect(OBSERVED_ATTRIBUTES.map(changeKind)).not.toContain('ignore');
  });
});

describe('settingsProblem', () => {
  it('needs a channel', () => {
    expect(settingsProblem(from({}))).toMatchObject({ code: 'BAD_ATTRIBUTE', fatal: true });
    expect(settingsProblem(from({ channel: ' ' }))?.message).toMatch(/channel attribute/);
    expect(settingsProblem(from({ channel: 'x' }))).toBeNull();
  });
  it('has codes of its own, apart from the server registry and the player', () => {
    const taken = new Set<string>([...Object.keys(ERRORS), ...Object.values(PlayerErrorCode)]);
    expect(Object.values(EmbedErrorCode).filter((c) => taken.has(c))).toEqual([]);
  });
});

describe('explainError', () => {
  const refused = { code: 'CONNECTION', message: 'WebSocket closed (code 1006); reconnect attempt 1 in 400 ms', fatal: false };
  const cross = { pageOrigin: 'http://page.test', serverOrigin: 'http://media.test:8080' };
  it('names allowedOrigins when a cross-origin socket never opened', () => {
    const e = explainError(refused, { ...cross, connections: 0 });
    expect(e.message).toContain(refused.message);
    expect(e.message).toContain('allowedOrigins');
    expect(e.message).toContain('http://page.test');
    expect(e).toMatchObject({ code: 'CONNECTION', fatal: false });
  });
  it.each([
    ['a socket worked before (a drop, not a refusal)', refused, { ...cross, connections: 1 }],
    ['same origin', refused, { pageOrigin: 'http://x', serverOrigin: 'http://x', connections: 0 }],
    ['another code', { code: 'UNKNOWN_CHANNEL', message: 'no such channel', fatal: true }, { ...cross, connections: 0 }],
  ])('leaves it alone: %s', (_why, error, ctx) => {
    expect(explainError(error, ctx)).toEqual(error);
  });
});
