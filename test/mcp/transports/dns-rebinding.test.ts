import { describe, expect, it } from 'vitest';
import { createDnsRebindingGuard } from '../../../src/mcp/transports/dns-rebinding.js';

describe('the DNS rebinding guard', () => {
  it('decides each Host and Origin pair the same way however often and in whatever order it is asked', () => {
    const guard = createDnsRebindingGuard({
      allowedHosts: ['api.example.com'],
      allowedOrigins: ['https://app.example.com'],
    });
    const cases: [string | undefined, string | undefined, string | undefined][] = [
      ['127.0.0.1:8080', undefined, undefined],
      ['evil.example.net', undefined, 'Host "evil.example.net" is not allowed'],
      ['api.example.com', 'https://app.example.com', undefined],
      ['api.example.com', 'https://evil.example.net', 'Origin "https://evil.example.net" is not allowed'],
      ['localhost:3000', 'http://localhost:5173', undefined],
      ['localhost:3000', 'not an origin', 'Origin header is not a valid origin'],
      ['bad host/', undefined, 'Invalid Host header'],
      [undefined, undefined, 'Missing Host header'],
    ];
    for (let round = 0; round < 3; round++) {
      for (const [host, origin, expected] of round === 1 ? [...cases].reverse() : cases)
        expect(guard.check({ host, origin }), `${host} ${origin}`).toBe(expected);
    }
  });

  it('stays right past the number of pairs it remembers, and for values too long to remember', () => {
    const guard = createDnsRebindingGuard();
    for (let i = 0; i < 3000; i++) {
      expect(guard.check({ host: `h${i}.example.net` })).toBe(`Host "h${i}.example.net" is not allowed`);
      expect(guard.check({ host: `127.0.0.1:${1000 + (i % 5000)}` })).toBeUndefined();
    }
    const long = `${'a'.repeat(600)}.example.net`;
    expect(guard.check({ host: long })).toBe(`Host "${long}" is not allowed`);
    expect(guard.check({ host: 'localhost', origin: `http://${'b'.repeat(600)}.example.net` })).toMatch(
      /is not allowed/,
    );
    expect(guard.check({ host: 'localhost', origin: 'http://localhost' })).toBeUndefined();
  });
});
