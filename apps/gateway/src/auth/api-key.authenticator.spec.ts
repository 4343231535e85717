import { GatewayConfig, loadConfig } from '@orders/config';
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { addressBlockOf, ApiKeyAuthenticator, sourceOf } from './api-key.authenticator';
import { AuthErrorCode, AuthException } from './auth.exception';

const KEY = 'right-key';
const config = loadConfig(GatewayConfig, {
  ORDERS_QUEUE_URL: 'http://127.0.0.1:1/000000000000/orders',
  ORDERS_DLQ_URL: 'http://127.0.0.1:1/000000000000/orders-dlq',
  DATABASE_URL: 'postgres://u:p@127.0.0.1:1/db',
  API_KEYS: `shop:${createHash('sha256').update(KEY).digest('hex')}`,
  RATE_LIMIT_PER_MINUTE: '0',
});

const request = (key: string, ip: string, socketAddress = '10.20.0.5') =>
  ({
    ip,
    socket: { remoteAddress: socketAddress },
    headers: { 'x-api-key': key },
  }) as unknown as FastifyRequest;

const codeOf = (authenticate: () => void) => {
  try {
    authenticate();
    return 'ok';
  } catch (error) {
    return (error as AuthException).code;
  }
};

describe(ApiKeyAuthenticator.name, () => {
  it('should never make a bucket of text that is not an address: it counts the proxy that passed it', () => {
    const authenticator = new ApiKeyAuthenticator(config);

    const codes = Array.from({ length: 11 }, (_, index) =>
      codeOf(() => authenticator.authenticate(request('guess', `not-an-address-${index}`))),
    );

    expect(codes.slice(0, 10)).toEqual(Array(10).fill(AuthErrorCode.InvalidApiKey));
    expect(codes[10]).toBe(AuthErrorCode.TooManyFailedAttempts);
    expect(sourceOf(request('k', 'x'.repeat(16_000)))).toBe('10.20.0.5');
  });

  it('should let a key that authenticated recently through a throttled address, and no other', () => {
    let now = 0;
    const authenticator = new ApiKeyAuthenticator(config);
    (authenticator as unknown as { keys: { now: () => number } }).keys.now = () => now;

    expect(codeOf(() => authenticator.authenticate(request(KEY, '192.0.2.7')))).toBe('ok');
    for (let index = 0; index < 11; index++) {
      codeOf(() => authenticator.authenticate(request(`guess-${index}`, '192.0.2.7')));
    }
    const recent = codeOf(() => authenticator.authenticate(request(KEY, '192.0.2.7')));
    const guess = codeOf(() => authenticator.authenticate(request('guess-x', '192.0.2.7')));
    now += 16 * 60_000;
    const stale = codeOf(() => authenticator.authenticate(request(KEY, '192.0.2.7')));

    expect([recent, guess]).toEqual(['ok', AuthErrorCode.TooManyFailedAttempts]);
    // Not seen for longer than the window (the address still throttled): no answer about it.
    expect(stale).toBe(AuthErrorCode.TooManyFailedAttempts);
  });

  it('should count IPv6 callers by /64, zone or not', () => {
    expect(addressBlockOf('2001:db8:1:2::7')).toBe('2001:db8:1:2::/64');
    expect(addressBlockOf('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressBlockOf('::ffff:192.0.2.7')).toBe('192.0.2.7');
  });
});
