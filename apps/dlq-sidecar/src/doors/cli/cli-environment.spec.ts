import { dlqCliEnvironment, LOCAL_STACK_ENV } from '@orders/config';

describe(dlqCliEnvironment.name, () => {
  it('should fill unset connection keys with the local stack outside production', () => {
    const { env, localDefaults } = dlqCliEnvironment({
      NODE_ENV: 'development',
    });

    expect(env.ORDERS_DLQ_URL).toBe(LOCAL_STACK_ENV.ORDERS_DLQ_URL);
    expect(env.DATABASE_URL).toBe('postgres://orders:orders-local-only@127.0.0.1:5433/orders');
    expect(localDefaults.sort()).toEqual(Object.keys(LOCAL_STACK_ENV).sort());
  });

  it('should fill nothing in production', () => {
    const { env, localDefaults } = dlqCliEnvironment({
      NODE_ENV: 'production',
    });

    expect(env.ORDERS_DLQ_URL).toBeUndefined();
    expect(localDefaults).toEqual([]);
  });

  it('should not point real queue URLs at the local endpoint', () => {
    const { env } = dlqCliEnvironment({
      ORDERS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/orders',
      ORDERS_DLQ_URL: 'https://sqs.eu-west-1.amazonaws.com/1/orders-dlq',
    });

    expect(env.SQS_ENDPOINT).toBeUndefined();
    expect(env.ORDERS_DLQ_URL).toBe('https://sqs.eu-west-1.amazonaws.com/1/orders-dlq');
  });
});
