import { describe, expect, it } from 'vitest';
import { COMMAND_BUDGET, CommandGate, toCommand } from '../../../server/access/command-gate.js';
import { parseClientMessage } from '../../../server/core/protocol-validate.js';
import type { ControlMessage } from '../../../server/core/protocol.js';
import { TokenGuard } from '../../../server/access/token-guard.js';

const TOKEN = 'secret-token-123';
const locked = { openControl: false };
const open = { openControl: true };

describe('toCommand', () => {
  it.each<[string, ControlMessage, unknown]>([
    ['play', { type: 'play', id: 1, channel: 'a' }, { type: 'play' }],
    ['pause', { type: 'pause' }, { type: 'pause' }],
    ['seek', { type: 'seek', id: 'x', position: 12.5, channel: 'a' }, { type: 'seek', position: 12.5 }],
  ])('%s drops the envelope', (_n, msg, command) => {
    expect(toCommand(msg)).toEqual(command);
  });
});

describe('CommandGate over the WebSocket (admitSession)', () => {
  const gate = new CommandGate({ controlToken: TOKEN });
  it.each([
    ['viewer, locked channel', 'viewer', locked, 'FORBIDDEN'],
    ['viewer, open control', 'viewer', open, null],
    ['controller, locked channel', 'controller', locked, null],
    ['controller, open control', 'controller', open, null],
  ] as const)('%s', (_n, role, channel, code) => {
    expect(gate.admitSession(role, channel)?.code ?? null).toBe(code);
  });

  it('a hello token earns the controller role only when it matches', () => {
    expect(gate.helloRole('a', TOKEN, 0)).toEqual({ role: 'controller', limited: false });
    expect(gate.helloRole('a', 'wrong', 0)).toEqual({ role: 'viewer', limited: false });
    expect(gate.helloRole('a', undefined, 0)).toEqual({ role: 'viewer', limited: false });
  });

  it('with a token guard, an address past its wrong-token budget is refused even the right token, until it refills', () => {
    const guarded = new CommandGate({ controlToken: TOKEN, guard: new TokenGuard(TOKEN, { burst: 3, perSecond: 1 }) });
    for (let i = 0; i < 3; i++) expect(guarded.helloRole('10.0.0.1', `guess-${i}`, 0)).toEqual({ role: 'viewer', limited: false });
    expect(guarded.helloRole('10.0.0.1', TOKEN, 0)).toEqual({ role: 'viewer', limited: true });
    expect(guarded.checkBearer('10.0.0.1', TOKEN, 0)).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    // Another address is not affected; no token costs nothing.
    expect(guarded.helloRole('10.0.0.2', TOKEN, 0)).toEqual({ role: 'controller', limited: false });
    expect(guarded.helloRole('10.0.0.1', undefined, 0)).toEqual({ role: 'viewer', limited: false });
    // One second later one more try is allowed: the right token works again.
    expect(guarded.checkBearer('10.0.0.1', TOKEN, 1000)).toBeNull();
    expect(guarded.checkBearer('10.0.0.1', 'nope', 1000)).toMatchObject({ status: 403 });
    expect(guarded.checkBearer('10.0.0.1', TOKEN, 1000)).toMatchObject({ status: 429 });
  });
});

describe('CommandGate over HTTP (admitRequest)', () => {
  it.each([
    ['no header', undefined, locked, 401],
    ['not Bearer', `Basic ${TOKEN}`, locked, 401],
    ['wrong token', 'Bearer nope', locked, 403],
    ['right token', `Bearer ${TOKEN}`, locked, null],
    ['open control, no header', undefined, open, null],
  ] as const)('%s → %s', (_n, header, channel, status) => {
    const r = new CommandGate({ controlToken: TOKEN }).admitRequest('1.2.3.4', header, channel, 0);
    expect(r?.status ?? null).toBe(status);
    if (r) expect(r.code).toBe('FORBIDDEN');
  });

  it('401 asks for a bearer token', () => {
    const r = new CommandGate({ controlToken: TOKEN }).admitRequest('a', undefined, locked, 0);
    expect(r?.headers).toEqual({ 'WWW-Authenticate': 'Bearer realm="pushcast"' });
  });

  it('the budget is the command budget, per client, and charged for wrong tokens too', () => {
    const gate = new CommandGate({ controlToken: TOKEN });
    for (let i = 0; i < COMMAND_BUDGET.burst; i++) expect(gate.admitRequest('a', 'Bearer nope', locked, 0)?.status).toBe(403);
    const limited = gate.admitRequest('a', `Bearer ${TOKEN}`, locked, 0);
    expect(limited).toMatchObject({ status: 429, code: 'RATE_LIMITED', headers: { 'Retry-After': '1' } });
    expect(gate.admitRequest('b', `Bearer ${TOKEN}`, locked, 0)).toBeNull(); // another client has its own
    // refilled at perSecond: one token after 1000 / perSecond ms
    expect(gate.admitRequest('a', `Bearer ${TOKEN}`, locked, 1000 / COMMAND_BUDGET.perSecond)).toBeNull();
  });

  it('a custom budget applies', () => {
    const gate = new CommandGate({ controlToken: TOKEN, budget: { burst: 1, perSecond: 1 } });
    expect(gate.admitRequest('a', undefined, open, 0)).toBeNull();
    expect(gate.admitRequest('a', undefined, open, 0)?.code).toBe('RATE_LIMITED');
  });
});

describe('the command path from a raw frame', () => {
  it('a parsed seek becomes the channel command', () => {
    const parsed = parseClientMessage('{"type":"seek","id":3,"position":30}');
    expect(parsed.ok).toBe(true);
    if (parsed.ok && parsed.message.type === 'seek') expect(toCommand(parsed.message)).toEqual({ type: 'seek', position: 30 });
  });
});
