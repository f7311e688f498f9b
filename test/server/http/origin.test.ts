import { describe, expect, it } from 'vitest';
import { judgeOrigin } from '../../../server/http/origin.js';

describe('judgeOrigin', () => {
  it.each([
    // [origin, host, allowlist, verdict]
    [undefined, '127.0.0.1:8080', [], 'no-origin'],
    ['http://127.0.0.1:8080', '127.0.0.1:8080', [], 'same-origin'],
    ['http://LOCALHOST:8080', 'localhost:8080', [], 'same-origin'],
    ['http://example.com', 'example.com', [], 'same-origin'],
    ['https://example.com', 'example.com:443', [], 'same-origin'],
    // a TLS proxy in front: the page is https, we see http on port 80
    ['https://example.com', 'example.com', [], 'same-origin'],
    ['http://[::1]:8080', '[::1]:8080', [], 'same-origin'],
    ['http://evil.example', '127.0.0.1:8080', [], 'forbidden'],
    ['http://127.0.0.1:9999', '127.0.0.1:8080', [], 'forbidden'],
    ['http://127.0.0.1.evil.example:8080', '127.0.0.1:8080', [], 'forbidden'],
    ['null', '127.0.0.1:8080', [], 'forbidden'],
    ['null', '127.0.0.1:8080', ['null'], 'allowed'],
    ['http://partner.example', '127.0.0.1:8080', ['http://partner.example'], 'allowed'],
    ['http://partner.example:81', '127.0.0.1:8080', ['http://partner.example'], 'forbidden'],
    ['http://anything.example', '127.0.0.1:8080', ['*'], 'allowed'],
    ['garbage', '127.0.0.1:8080', [], 'forbidden'],
    ['http://127.0.0.1:8080', undefined, [], 'forbidden'],
    ['http://127.0.0.1:8080', 'evil/../', [], 'forbidden'],
    ['file://', '127.0.0.1:8080', [], 'forbidden'],
  ] as const)('%s from host %s with %j → %s', (origin, host, allow, verdict) => {
    expect(judgeOrigin(origin, host, allow)).toBe(verdict);
  });
});
