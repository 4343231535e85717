import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { GatewayConfig, loadConfig } from '@orders/config';
import { Spectral } from '@stoplight/spectral-core';
import owasp from '@stoplight/spectral-owasp-ruleset';
import { oas } from '@stoplight/spectral-rulesets';
import { createHash, randomUUID } from 'node:crypto';
import { createGatewayApp } from './create-gateway-app';

const API_KEY = 'openapi-key';
const SEVERITY = ['error', 'warn', 'info', 'hint'] as const;
// Warnings explained in README.md ("The OpenAPI document"): free text in error answers (the
// message, a field path as the caller spelled it, a problem) has a length limit but no pattern.
const EXPLAINED_WARNING =
  /^warn owasp:api4:2023-string-restricted .*\.(message|field|problems\.items)$/;

describe('the published OpenAPI document (Spectral: spectral:oas and the OWASP API security ruleset)', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    const config = loadConfig(GatewayConfig, {
      // Never reached: the document and a failing read need neither SQS nor PostgreSQL.
      ORDERS_QUEUE_URL: 'http://127.0.0.1:1/000000000000/orders',
      ORDERS_DLQ_URL: 'http://127.0.0.1:1/000000000000/orders-dlq',
      DATABASE_URL: 'postgres://u:p@127.0.0.1:1/db',
      DB_CONNECT_TIMEOUT_MS: '100',
      API_KEYS: `shop:${createHash('sha256').update(API_KEY).digest('hex')}`,
      RATE_LIMIT_PER_MINUTE: '600',
      LOG_LEVEL: 'error',
    });
    app = await createGatewayApp(config, false);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(() => app.close());

  it('should have no error, and only the warnings the README explains', async () => {
    const response = await app.inject({ method: 'GET', url: '/docs/openapi.json' });
    const spectral = new Spectral();
    spectral.setRuleset({
      extends: [
        [oas, 'recommended'],
        [owasp, 'recommended'],
      ],
    } as Parameters<Spectral['setRuleset']>[0]);

    const findings = (await spectral.run(response.body)).map(
      (result) =>
        `${SEVERITY[result.severity]} ${result.code} ${result.path.join('.')}: ${result.message}`,
    );

    expect(findings.filter((finding) => finding.startsWith('error'))).toEqual([]);
    expect(
      findings.filter(
        (finding) => !EXPLAINED_WARNING.test(finding.split(':').slice(0, -1).join(':')),
      ),
    ).toEqual([]);
  });

  it('should send the rate-limit headers it documents, and Retry-After on 503', async () => {
    const response = await app.inject({
      method: 'GET',
      url: `/orders/${randomUUID()}`,
      headers: { 'x-api-key': API_KEY },
    });

    expect(response.statusCode).toBe(503);
    expect(response.headers).toMatchObject({
      'ratelimit-limit': '60',
      'ratelimit-remaining': '59',
      'retry-after': expect.stringMatching(/^\d+$/),
    });
    expect(Number(response.headers['ratelimit-reset'])).toBeGreaterThan(0);
  });
});
