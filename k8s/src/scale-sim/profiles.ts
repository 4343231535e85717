/** A traffic scenario: orders per second, whether the database answers, whether metric sources answer. */
export interface TrafficProfile {
  name: string;
  description: string;
  durationSeconds: number;
  arrivalRate(second: number): number;
  databaseUp(second: number): boolean;
  metricsAvailable(second: number): boolean;
  /** Windows the summary reports on (spike, outage...). */
  window?: { label: string; start: number; end: number; peakRate: number };
}

export interface ProfileOptions {
  /** Orders per second outside the event. */
  baseRate: number;
  /** Spike height as a multiple of the base rate. */
  multiplier: number;
}

export const DEFAULT_PROFILE_OPTIONS: ProfileOptions = {
  baseRate: 200,
  multiplier: 10,
};

const minutes = (value: number): number => value * 60;
const always = (): boolean => true;

export const PROFILES: Record<string, (options: ProfileOptions) => TrafficProfile> = {
  steady: ({ baseRate }) => ({
    name: 'steady',
    description: `${baseRate} orders/s for 30 min`,
    durationSeconds: minutes(30),
    arrivalRate: () => baseRate,
    databaseUp: always,
    metricsAvailable: always,
  }),
  spike: ({ baseRate, multiplier }) => {
    const start = minutes(5);
    const end = minutes(15);
    return {
      name: 'spike',
      description: `${baseRate}/s, then ${multiplier}x (${baseRate * multiplier}/s) from 5:00 to 15:00, then ${baseRate}/s until 45:00`,
      durationSeconds: minutes(45),
      arrivalRate: (second) => (second >= start && second < end ? baseRate * multiplier : baseRate),
      databaseUp: always,
      metricsAvailable: always,
      window: { label: 'spike', start, end, peakRate: baseRate * multiplier },
    };
  },
  'db-outage': ({ baseRate }) => {
    const start = minutes(5);
    const end = minutes(15);
    return {
      name: 'db-outage',
      description: `${baseRate}/s throughout; the database is down from 5:00 to 15:00`,
      durationSeconds: minutes(40),
      arrivalRate: () => baseRate,
      databaseUp: (second) => second < start || second >= end,
      metricsAvailable: always,
      window: { label: 'database down', start, end, peakRate: baseRate },
    };
  },
  // Three orders and nothing else: below any depth threshold, so only the age term can wake a
  // scaled-to-zero processor.
  trickle: () => ({
    name: 'trickle',
    description: '3 orders at 1:00, then silence for 30 min',
    durationSeconds: minutes(30),
    arrivalRate: (second) => (second === 60 ? 3 : 0),
    databaseUp: always,
    metricsAvailable: always,
    window: { label: 'trickle', start: 60, end: 61, peakRate: 3 },
  }),
  'metrics-outage': ({ baseRate, multiplier }) => {
    const start = minutes(5);
    const end = minutes(15);
    return {
      name: 'metrics-outage',
      description: `${baseRate}/s with a ${multiplier}x spike from 8:00 to 12:00 while the metric sources fail from 5:00 to 15:00 (fallback)`,
      durationSeconds: minutes(35),
      arrivalRate: (second) =>
        second >= minutes(8) && second < minutes(12) ? baseRate * multiplier : baseRate,
      databaseUp: always,
      metricsAvailable: (second) => second < start || second >= end,
      window: {
        label: 'metrics down',
        start,
        end,
        peakRate: baseRate * multiplier,
      },
    };
  },
};
