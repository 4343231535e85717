import { ConfigError } from './config.error';
import { parseCidr } from './console.config';
import { DlqSidecarConfig } from './dlq-sidecar.config';
import { loadConfig } from './load-config';

const SIDECAR = {
  DATABASE_URL: 'postgres://orders:secret@db.internal:5432/orders',
  ORDERS_QUEUE_URL: 'http://sqs.us-east-1.localhost:4566/000000000000/orders',
  ORDERS_DLQ_URL: 'http://sqs.us-east-1.localhost:4566/000000000000/orders-dlq',
};
const SECRET = 'x'.repeat(32);
const HASH = 'a'.repeat(64);

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(DlqSidecarConfig, { ...SIDECAR, ...env });
  } catch (error) {
    if (error instanceof ConfigError) {
      return error.problems;
    }
    throw error;
  }
  return [];
}

describe('ConsoleConfig', () => {
  it('should keep the console and the admin API off by default', () => {
    const config = loadConfig(DlqSidecarConfig, SIDECAR);

    expect(config.CONSOLE_SIGN_IN).toBe('off');
    expect(config.doorsOpen()).toBe(false);
  });

  it('should open the doors for a key or a console', () => {
    expect(
      loadConfig(DlqSidecarConfig, {
        ...SIDECAR,
        OPERATOR_API_KEYS: `bot:reader:${HASH}`,
      }).doorsOpen(),
    ).toBe(true);
    expect(
      loadConfig(DlqSidecarConfig, {
        ...SIDECAR,
        HOST: '127.0.0.1',
        CONSOLE_SIGN_IN: 'local-token',
      }).doorsOpen(),
    ).toBe(true);
  });

  it('should refuse the local sign-in link on a non-loopback address', () => {
    expect(problemsOf({ CONSOLE_SIGN_IN: 'local-token', HOST: '0.0.0.0' })).toEqual([
      'CONSOLE_SIGN_IN: local-token signs in whoever opens the link, so HOST must be a loopback address',
    ]);
    expect(problemsOf({ CONSOLE_SIGN_IN: 'local-token', HOST: '::1' })).toEqual([]);
  });

  it('should name what OIDC is missing, and refuse a plain-http issuer off loopback', () => {
    expect(problemsOf({ HOST: '0.0.0.0', CONSOLE_SIGN_IN: 'oidc' })).toEqual([
      'CONSOLE_SESSION_SECRET: required with CONSOLE_SIGN_IN=oidc',
      'OIDC_ISSUER_URL, OIDC_CLIENT_ID, CONSOLE_PUBLIC_URL: all required with CONSOLE_SIGN_IN=oidc',
    ]);
    const complete = {
      CONSOLE_SIGN_IN: 'oidc',
      CONSOLE_SESSION_SECRET: SECRET,
      OIDC_CLIENT_ID: 'dlq',
      CONSOLE_PUBLIC_URL: 'https://dlq.example.com',
    };
    expect(problemsOf({ ...complete, OIDC_ISSUER_URL: 'http://idp.example.com' })).toEqual([
      'OIDC_ISSUER_URL: must be https (http only on a loopback address)',
    ]);
    expect(
      problemsOf({ ...complete, OIDC_ISSUER_URL: 'https://idp.example.com/realms/x' }),
    ).toEqual([]);
  });

  it('should require trusted proxy addresses as CIDRs for proxy sign-in', () => {
    const proxy = { CONSOLE_SIGN_IN: 'proxy', CONSOLE_SESSION_SECRET: SECRET };

    expect(problemsOf(proxy)).toEqual(['PROXY_TRUSTED_CIDRS: required with CONSOLE_SIGN_IN=proxy']);
    expect(problemsOf({ ...proxy, PROXY_TRUSTED_CIDRS: '10.0.0.0/8, 10.0.0.1/33,proxy' })).toEqual([
      'PROXY_TRUSTED_CIDRS: not a CIDR: 10.0.0.1/33, proxy',
    ]);
    expect(problemsOf({ ...proxy, PROXY_TRUSTED_CIDRS: '10.0.0.0/8,fd00::/8,192.0.2.1' })).toEqual(
      [],
    );
  });

  it('should refuse malformed API key entries and repeated names, never echoing a hash', () => {
    const problems = problemsOf({
      OPERATOR_API_KEYS: `bot:reader:${HASH},bot:admin:${HASH},x:root:${HASH}`,
    });

    expect(problems).toEqual([
      'OPERATOR_API_KEYS: OPERATOR_API_KEYS entries must be name:reader|operator|admin:<64 lowercase hex>',
    ]);
    expect(problemsOf({ OPERATOR_API_KEYS: `bot:reader:${HASH},bot:admin:${HASH}` })).toEqual([
      'OPERATOR_API_KEYS: names must be unique: bot',
    ]);
  });
});

describe('parseCidr', () => {
  it('should read addresses with and without a prefix', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ address: '10.0.0.0', prefix: 8, type: 'ipv4' });
    expect(parseCidr('::1')).toEqual({ address: '::1', prefix: 128, type: 'ipv6' });
    expect(parseCidr('10.0.0.0/')).toBeUndefined();
    expect(parseCidr('10.0.0.0/8/8')).toBeUndefined();
  });
});
