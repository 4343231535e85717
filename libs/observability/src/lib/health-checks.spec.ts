import { ServiceUnavailableException } from '@nestjs/common';
import { down, HealthChecks, probeHealth, up } from './health-checks';

describe(HealthChecks.name, () => {
  const rejection = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: unknown) => error,
    );

  it('should answer ok with every check under info and details when all are up', async () => {
    const answer = await new HealthChecks().check([
      () => up('lifecycle', { state: 'running' }),
      () => probeHealth('sqs', async () => undefined),
    ]);

    expect(answer).toEqual({
      status: 'ok',
      info: { lifecycle: { status: 'up', state: 'running' }, sqs: { status: 'up' } },
      error: {},
      details: { lifecycle: { status: 'up', state: 'running' }, sqs: { status: 'up' } },
    });
  });

  it('should answer 503 naming the check that is down and why', async () => {
    const error = await rejection(
      new HealthChecks().check([
        () => up('lifecycle'),
        () =>
          probeHealth('sqs', () =>
            Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:4566')),
          ),
      ]),
    );

    expect(error).toBeInstanceOf(ServiceUnavailableException);
    expect((error as ServiceUnavailableException).getResponse()).toMatchObject({
      status: 'error',
      info: { lifecycle: { status: 'up' } },
      error: { sqs: { status: 'down', message: 'connect ECONNREFUSED 127.0.0.1:4566' } },
    });
  });

  it('should answer 503 shutting_down from the moment shutdown begins, even with every check up', async () => {
    const health = new HealthChecks();
    health.beforeApplicationShutdown();

    const error = await rejection(health.check([() => up('watcher')]));

    expect((error as ServiceUnavailableException).getStatus()).toBe(503);
    expect((error as ServiceUnavailableException).getResponse()).toMatchObject({
      status: 'shutting_down',
      info: { watcher: { status: 'up' } },
    });
  });

  it('should keep the details a down check gives', async () => {
    const error = await rejection(
      new HealthChecks().check([() => down('pollers', { stuck: [2] })]),
    );

    expect((error as ServiceUnavailableException).getResponse()).toMatchObject({
      error: { pollers: { status: 'down', stuck: [2] } },
    });
  });
});
