import { ValueTransformer } from 'typeorm';

// pg returns int8 as a string; totals stay far below 2^53, so a JS number is exact.
export const bigintToNumber: ValueTransformer = {
  to: (value: number) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};
