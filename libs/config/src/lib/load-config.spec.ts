import { ConfigError } from './config.error';
import { GatewayConfig } from './gateway.config';
import { loadConfig } from './load-config';
import { ProcessorConfig } from './processor.config';

const required = {
  ORDERS_QUEUE_URL: 'http://sqs.us-east-1.localhost:4566/000000000000/orders',
  ORDERS_DLQ_URL: 'http://sqs.us-east-1.localhost:4566/000000000000/orders-dlq',
  DATABASE_URL: 'postgres://user:pass@db:5432/orders',
};

describe(loadConfig.name, () => {
  it('should apply defaults and convert numbers and booleans from strings', () => {
    const config = loadConfig(GatewayConfig, {
      ...required,
      PORT: '8080',
      AUTH_REQUIRED: 'false',
    });

    expect(config.PORT).toBe(8080);
    expect(config.AUTH_REQUIRED).toBe(false);
    expect(config.BODY_LIMIT_BYTES).toBe(65_536);
    expect(config.AWS_REGION).toBe('us-east-1');
    expect(config.SQS_ENDPOINT).toBeUndefined();
  });

  it('should name every bad or missing key at once', () => {
    let error: unknown;
    try {
      loadConfig(GatewayConfig, {
        PORT: 'eighty',
        DATABASE_URL: 'mysql://x',
        AUTH_REQUIRED: 'false',
      });
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const key of ['PORT', 'DATABASE_URL', 'ORDERS_QUEUE_URL', 'ORDERS_DLQ_URL']) {
      expect(message).toContain(key);
    }
  });

  it('should require API keys while authentication is required', () => {
    expect(() => loadConfig(GatewayConfig, required)).toThrow(/API_KEYS/);
    expect(() =>
      loadConfig(GatewayConfig, {
        ...required,
        API_KEYS: `shop:${'a'.repeat(64)}`,
      }),
    ).not.toThrow();
    expect(() =>
      loadConfig(GatewayConfig, {
        ...required,
        API_KEYS: 'shop:plaintext-key',
      }),
    ).toThrow(/API_KEYS/);
  });

  it('should treat empty values as unset', () => {
    const config = loadConfig(GatewayConfig, {
      ...required,
      SQS_ENDPOINT: '',
      AUTH_REQUIRED: 'false',
    });

    expect(config.SQS_ENDPOINT).toBeUndefined();
  });

  it('should refuse a heartbeat that is not well below the visibility timeout', () => {
    expect(() =>
      loadConfig(ProcessorConfig, {
        ...required,
        VISIBILITY_TIMEOUT_SECONDS: '30',
        HEARTBEAT_INTERVAL_SECONDS: '20',
      }),
    ).toThrow(/HEARTBEAT_INTERVAL_SECONDS/);
  });
});
