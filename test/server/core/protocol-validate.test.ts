import { describe, expect, it } from 'vitest';
import { MAX_CLIENT_MESSAGE_BYTES, type ClientMessage, type CommandId } from '../../../server/core/protocol.js';
import { parseClientMessage, utf8Length } from '../../../server/core/protocol-validate.js';

describe('parseClientMessage: valid frames', () => {
  it.each<[string, string, ClientMessage]>([
    ['hello', '{"type":"hello","codecs":["avc1.64001F","mp4a.40.2"]}', { type: 'hello', codecs: ['avc1.64001F', 'mp4a.40.2'] }],
    ['hello with no codecs', '{"type":"hello","codecs":[]}', { type: 'hello', codecs: [] }],
    ['hello with mode and id', '{"type":"hello","id":1,"codecs":["opus"],"mode":"mms"}', { type: 'hello', id: 1, codecs: ['opus'], mode: 'mms' }],
    ['hello mode mse', '{"type":"hello","codecs":[],"mode":"mse"}', { type: 'hello', codecs: [], mode: 'mse' }],
    ['hello mode progressive', '{"type":"hello","codecs":[],"mode":"progressive"}', { type: 'hello', codecs: [], mode: 'progressive' }],
    ['hello with 64 codecs', JSON.stringify({ type: 'hello', codecs: Array(64).fill('c'.repeat(100)) }), { type: 'hello', codecs: Array<string>(64).fill('c'.repeat(100)) }],
    ['hello with a 256-character codec', JSON.stringify({ type: 'hello', codecs: ['c'.repeat(256)] }), { type: 'hello', codecs: ['c'.repeat(256)] }],
    ['join', '{"type":"join","channel":"test"}', { type: 'join', channel: 'test' }],
    ['join with a string id', '{"type":"join","channel":"cam-1.main_2","id":"j1"}', { type: 'join', channel: 'cam-1.main_2', id: 'j1' }],
    ['join with a 128-character channel id', JSON.stringify({ type: 'join', channel: 'a'.repeat(128) }), { type: 'join', channel: 'a'.repeat(128) }],
    ['join with a 64-character id', JSON.stringify({ type: 'join', channel: 'x', id: 'i'.repeat(64) }), { type: 'join', channel: 'x', id: 'i'.repeat(64) }],
    ['join with id 0', '{"type":"join","channel":"x","id":0}', { type: 'join', channel: 'x', id: 0 }],
    ['join with a negative integer id', '{"type":"join","channel":"x","id":-7}', { type: 'join', channel: 'x', id: -7 }],
    ['join with the largest safe integer id', `{"type":"join","channel":"x","id":${Number.MAX_SAFE_INTEGER}}`, { type: 'join', channel: 'x', id: Number.MAX_SAFE_INTEGER }],
    ['leave', '{"type":"leave"}', { type: 'leave' }],
    ['leave with an id', '{"id":9,"type":"leave"}', { type: 'leave', id: 9 }],
    ['ping', '{"type":"ping","t0":1700000000000.25}', { type: 'ping', t0: 1700000000000.25 }],
    ['ping at t0 = 0', '{"type":"ping","t0":0}', { type: 'ping', t0: 0 }],
    ['ping with a negative t0 (clock skew is the server’s problem)', '{"type":"ping","t0":-1}', { type: 'ping', t0: -1 }],
    ['whitespace around the JSON', ' \n{"type":"leave"}\t', { type: 'leave' }],
  ])('%s', (_name, raw, message) => {
    expect(parseClientMessage(raw)).toEqual({ ok: true, message });
  });
});

describe('parseClientMessage: invalid frames', () => {
  it.each<[string, string, 'BAD_MESSAGE' | 'UNKNOWN_TYPE', RegExp, CommandId | undefined]>([
    // not JSON / not an object
    ['empty', '', 'BAD_MESSAGE', /not valid JSON/, undefined],
    ['malformed JSON', '{"type":"join"', 'BAD_MESSAGE', /not valid JSON/, undefined],
    ['single quotes', "{'type':'leave'}", 'BAD_MESSAGE', /not valid JSON/, undefined],
    ['NaN literal', '{"type":"ping","t0":NaN}', 'BAD_MESSAGE', /not valid JSON/, undefined],
    ['Infinity literal', '{"type":"ping","t0":Infinity}', 'BAD_MESSAGE', /not valid JSON/, undefined],
    ['two objects', '{"type":"leave"}{"type":"leave"}', 'BAD_MESSAGE', /not valid JSON/, undefined],
    ['null', 'null', 'BAD_MESSAGE', /JSON object/, undefined],
    ['an array', '[{"type":"leave"}]', 'BAD_MESSAGE', /JSON object/, undefined],
    ['a string', '"leave"', 'BAD_MESSAGE', /JSON object/, undefined],
    ['a number', '42', 'BAD_MESSAGE', /JSON object/, undefined],
    // type
    ['no type', '{"channel":"x"}', 'BAD_MESSAGE', /no string "type"/, undefined],
    ['a numeric type', '{"type":1}', 'BAD_MESSAGE', /no string "type"/, undefined],
    ['a null type', '{"type":null}', 'BAD_MESSAGE', /no string "type"/, undefined],
    ['an unknown type', '{"type":"teleport","id":3}', 'UNKNOWN_TYPE', /unknown message type "teleport"/, 3],
    ['a type in the wrong case', '{"type":"JOIN","channel":"x"}', 'UNKNOWN_TYPE', /unknown message type "JOIN"/, undefined],
    ['an inherited property name as type', '{"type":"constructor"}', 'UNKNOWN_TYPE', /"constructor"/, undefined],
    ['a long unknown type is cut to 32 characters', JSON.stringify({ type: 'x'.repeat(1000) }), 'UNKNOWN_TYPE', new RegExp(`^unknown message type "x{32}"$`), undefined],
    // ids
    ['an empty string id', '{"type":"leave","id":""}', 'BAD_MESSAGE', /"id" must be/, undefined],
    ['a 65-character id', JSON.stringify({ type: 'leave', id: 'i'.repeat(65) }), 'BAD_MESSAGE', /"id" must be/, undefined],
    ['a fractional id', '{"type":"leave","id":1.5}', 'BAD_MESSAGE', /"id" must be/, undefined],
    ['an id beyond 2^53', '{"type":"leave","id":9007199254740993}', 'BAD_MESSAGE', /"id" must be/, undefined],
    ['an overflowing id (1e999 → Infinity)', '{"type":"leave","id":1e999}', 'BAD_MESSAGE', /"id" must be/, undefined],
    ['an object id', '{"type":"leave","id":{}}', 'BAD_MESSAGE', /"id" must be/, undefined],
    ['a null id', '{"type":"leave","id":null}', 'BAD_MESSAGE', /"id" must be/, undefined],
    ['a boolean id', '{"type":"leave","id":true}', 'BAD_MESSAGE', /"id" must be/, undefined],
    ['a bad id on an unknown type', '{"type":"nope","id":""}', 'BAD_MESSAGE', /"id" must be/, undefined],
    // hello
    ['hello without codecs', '{"type":"hello"}', 'BAD_MESSAGE', /"codecs" must be an array/, undefined],
    ['hello with codecs as a string', '{"type":"hello","codecs":"avc1.64001f","id":"h"}', 'BAD_MESSAGE', /"codecs" must be an array/, 'h'],
    ['hello with a non-string codec', '{"type":"hello","codecs":["avc1",1]}', 'BAD_MESSAGE', /"codecs" must be an array/, undefined],
    ['hello with 65 codecs', JSON.stringify({ type: 'hello', codecs: Array(65).fill('c') }), 'BAD_MESSAGE', /at most 64/, undefined],
    ['hello with a 257-character codec', JSON.stringify({ type: 'hello', codecs: ['c'.repeat(257)] }), 'BAD_MESSAGE', /"codecs" must be/, undefined],
    ['hello with a bad mode', '{"type":"hello","codecs":[],"mode":"hls"}', 'BAD_MESSAGE', /"mode" must be/, undefined],
    ['hello with an empty mode', '{"type":"hello","codecs":[],"mode":""}', 'BAD_MESSAGE', /"mode" must be/, undefined],
    ['hello with a null mode', '{"type":"hello","codecs":[],"mode":null}', 'BAD_MESSAGE', /"mode" must be/, undefined],
    ['hello with an unknown field', '{"type":"hello","codecs":[],"version":2,"id":5}', 'BAD_MESSAGE', /hello: unknown field "version"/, 5],
    ['hello with an own __proto__ field', '{"type":"hello","codecs":[],"__proto__":{"mode":"mse"}}', 'BAD_MESSAGE', /unknown field "__proto__"/, undefined],
    // join
    ['join without channel', '{"type":"join"}', 'BAD_MESSAGE', /"channel" must be a channel id/, undefined],
    ['join with a numeric channel', '{"type":"join","channel":5}', 'BAD_MESSAGE', /"channel" must be/, undefined],
    ['join with an empty channel', '{"type":"join","channel":""}', 'BAD_MESSAGE', /"channel" must be/, undefined],
    ['join with a path', '{"type":"join","channel":"../etc/passwd"}', 'BAD_MESSAGE', /"channel" must be/, undefined],
    ['join with a space', '{"type":"join","channel":"my cam","id":"k"}', 'BAD_MESSAGE', /"channel" must be/, 'k'],
    ['join with a leading dash', '{"type":"join","channel":"-x"}', 'BAD_MESSAGE', /"channel" must be/, undefined],
    ['join with a 129-character channel id', JSON.stringify({ type: 'join', channel: 'a'.repeat(129) }), 'BAD_MESSAGE', /"channel" must be/, undefined],
    ['join with a trailing newline in the channel', JSON.stringify({ type: 'join', channel: 'x\n' }), 'BAD_MESSAGE', /"channel" must be/, undefined],
    ['join with an unknown field', '{"type":"join","channel":"x","token":"t"}', 'BAD_MESSAGE', /join: unknown field "token"/, undefined],
    // leave
    ['leave with an unknown field', '{"type":"leave","channel":"x"}', 'BAD_MESSAGE', /leave: unknown field "channel"/, undefined],
    // ping
    ['ping without t0', '{"type":"ping"}', 'BAD_MESSAGE', /"t0" must be a finite number/, undefined],
    ['ping with t0 as a string', '{"type":"ping","t0":"1700000000000"}', 'BAD_MESSAGE', /"t0" must be a finite number/, undefined],
    ['ping with t0 = 1e999 (Infinity after parsing)', '{"type":"ping","t0":1e999}', 'BAD_MESSAGE', /"t0" must be a finite number/, undefined],
    ['ping with t0 = -1e999', '{"type":"ping","t0":-1e999}', 'BAD_MESSAGE', /"t0" must be a finite number/, undefined],
    ['ping with t0 null', '{"type":"ping","t0":null}', 'BAD_MESSAGE', /"t0" must be a finite number/, undefined],
    ['ping with an id (pings carry none)', '{"type":"ping","t0":1,"id":2}', 'BAD_MESSAGE', /ping: unknown field "id"/, 2],
  ])('%s', (_name, raw, code, pattern, id) => {
    const result = parseClientMessage(raw);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.code).toBe(code);
    expect(result.message).toMatch(pattern);
    expect(result.id).toBe(id);
  });

  describe('size limit', () => {
    /** A valid leave frame padded with spaces (legal JSON whitespace) to exactly n UTF-16 units. */
    const padded = (n: number): string => '{"type":"leave"}'.padEnd(n, ' ');

    it.each<[string, string, boolean]>([
      ['exactly the limit', padded(MAX_CLIENT_MESSAGE_BYTES), true],
      ['one byte over', padded(MAX_CLIENT_MESSAGE_BYTES + 1), false],
      ['a megabyte', padded(1024 * 1024), false],
      // The limit is in bytes: UTF-8 '€' is 3 bytes but one UTF-16 unit.
      ['3 000 × "€" (3 000 units, 9 000+ bytes)', JSON.stringify({ type: 'leave', pad: '€'.repeat(3000) }), false],
      ['2 000 × "€" (6 000+ bytes): under the limit, rejected only for its unknown field', JSON.stringify({ type: 'leave', pad: '€'.repeat(2000) }), false],
    ])('%s', (_name, raw, ok) => {
      expect(parseClientMessage(raw).ok).toBe(ok);
    });

    it('reports size, not content, for an oversized frame', () => {
      const result = parseClientMessage(JSON.stringify({ type: 'leave', pad: '€'.repeat(3000) }));
      expect(result).toEqual({ ok: false, code: 'BAD_MESSAGE', message: `message longer than ${MAX_CLIENT_MESSAGE_BYTES} bytes` });
      const under = parseClientMessage(JSON.stringify({ type: 'leave', pad: '€'.repeat(2000) }));
      expect(under.ok ? '' : under.message).toMatch(/unknown field "pad"/);
    });

    it.each<[string, string, number, boolean]>([
      ['64 ASCII codecs of 100 characters (~6.6 kB)', 'a', 100, true],
      // 64 codecs × 43 × 3 bytes ≈ 8.3 kB of UTF-8 in only ~2.8 k UTF-16 units.
      ['64 codecs of 43 × "€"', '€', 43, false],
    ])('hello with %s', (_name, ch, chars, ok) => {
      const raw = JSON.stringify({ type: 'hello', codecs: Array(64).fill(ch.repeat(chars)) });
      expect(parseClientMessage(raw).ok).toBe(ok);
    });
  });

  it('never throws, whatever the input', () => {
    const inputs = ['{', '}', '[]', '{"type":{}}', '{"type":"hello","codecs":[[]]}', '\u0000', '\ud800', '{"type":"join","channel":{"toString":1}}', '[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]'];
    for (const raw of inputs) expect(() => parseClientMessage(raw), raw).not.toThrow();
  });
});

describe('utf8Length agrees with a real UTF-8 encoder', () => {
  it.each(['', 'abc', 'é', '€', '日本語', '😀', 'a😀b', '\ud800', 'x\udc00y', '\ud83d\ude00\ud83d', '\u007f\u0080\u07ff\u0800\uffff'])('%j', (s) => {
    expect(utf8Length(s)).toBe(Buffer.byteLength(s, 'utf8'));
  });
});
