import { Logger, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import { healthChecksModule, probeHealth } from './health-checks';

describe(healthChecksModule.name, () => {
  async function start() {
    const app = await Test.createTestingModule({ imports: [healthChecksModule()] }).compile();
    await app.init();
    return {
      app,
      health: app.get(HealthCheckService),
      indicator: app.get(HealthIndicatorService),
    };
  }

  const rejection = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected a 503');
      },
      (error: unknown) => error as ServiceUnavailableException,
    );

  let errors: string[];
  beforeEach(() => {
    errors = [];
    jest.spyOn(Logger.prototype, 'error').mockImplementation((message: unknown) => {
      errors.push(String(message));
    });
  });
  afterEach(() => jest.restoreAllMocks());

  it('should answer ok with every check under info and details when all are up', async () => {
    const { app, health, indicator } = await start();

    const answer = await health.check([
      () => indicator.check('lifecycle').up({ state: 'running' }),
      () => probeHealth(indicator, 'sqs', async () => undefined),
    ]);

    expect(answer).toEqual({
      status: 'ok',
      info: { lifecycle: { status: 'up', state: 'running' }, sqs: { status: 'up' } },
      error: {},
      details: { lifecycle: { status: 'up', state: 'running' }, sqs: { status: 'up' } },
    });
    expect(errors).toEqual([]);
    await app.close();
  });

  it('should answer 503 naming the check that is down and why, and log that once', async () => {
    const { app, health, indicator } = await start();

    const error = await rejection(
      health.check([
        () => indicator.check('lifecycle').up(),
        () =>
          probeHealth(indicator, 'sqs', () =>
            Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:4566')),
          ),
      ]),
    );

    expect(error.getStatus()).toBe(503);
    expect(error.getResponse()).toEqual({
      status: 'error',
      info: { lifecycle: { status: 'up' } },
      error: { sqs: { status: 'down', message: 'connect ECONNREFUSED 127.0.0.1:4566' } },
      details: {
        lifecycle: { status: 'up' },
        sqs: { status: 'down', message: 'connect ECONNREFUSED 127.0.0.1:4566' },
      },
    });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('connect ECONNREFUSED 127.0.0.1:4566');
    await app.close();
  });

  it('should answer 503 shutting_down from the moment shutdown begins, even with every check up', async () => {
    const { app, health, indicator } = await start();
    await app.close();

    const error = await rejection(health.check([() => indicator.check('watcher').up()]));

    expect(error.getStatus()).toBe(503);
    expect(error.getResponse()).toMatchObject({
      status: 'shutting_down',
      info: { watcher: { status: 'up' } },
    });
  });

  it('should keep the details a down check gives', async () => {
    const { app, health, indicator } = await start();

    const error = await rejection(
      health.check([() => indicator.check('pollers').down({ stuck: ['orders-poller-2'] })]),
    );

    expect(error.getResponse()).toMatchObject({
      error: { pollers: { status: 'down', stuck: ['orders-poller-2'] } },
    });
    await app.close();
  });
});
