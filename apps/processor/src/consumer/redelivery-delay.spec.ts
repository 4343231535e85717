import { redeliveryDelaySeconds } from './redelivery-delay';

const received = (count?: string) => ({
  Attributes: count === undefined ? undefined : { ApproximateReceiveCount: count },
});
const policy = { REDELIVERY_BASE_SECONDS: 2, REDELIVERY_MAX_SECONDS: 60 };

describe('redeliveryDelaySeconds', () => {
  it('should double the delay with every receive when failures repeat', () => {
    const delays = ['1', '2', '3', '4', '5'].map((count) =>
      redeliveryDelaySeconds(received(count), policy),
    );

    expect(delays).toEqual([2, 4, 8, 16, 32]);
  });

  it('should stop at the maximum when the receive count is high', () => {
    expect(redeliveryDelaySeconds(received('6'), policy)).toBe(60);
    expect(redeliveryDelaySeconds(received('5000'), policy)).toBe(60);
  });

  it('should use the base delay when SQS sent no receive count', () => {
    expect(redeliveryDelaySeconds(received(), policy)).toBe(2);
    expect(redeliveryDelaySeconds(received('garbage'), policy)).toBe(2);
  });

  it('should hand the message back at once when the base is zero', () => {
    expect(
      redeliveryDelaySeconds(received('4'), {
        REDELIVERY_BASE_SECONDS: 0,
        REDELIVERY_MAX_SECONDS: 60,
      }),
    ).toBe(0);
  });
});
