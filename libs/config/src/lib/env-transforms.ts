import { Transform } from 'class-transformer';

// Environment values are strings; these turn them into the typed value or leave a
// non-convertible value as is, so the validator reports it by key instead of coercing it to NaN/false.
export const ToInt = () =>
  Transform(({ value }) =>
    typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value,
  );

export const ToBoolean = () =>
  Transform(({ value }) => {
    if (typeof value !== 'string') {
      return value;
    }
    const normalised = value.trim().toLowerCase();
    if (['true', '1', 'yes'].includes(normalised)) {
      return true;
    }
    if (['false', '0', 'no'].includes(normalised)) {
      return false;
    }
    return value;
  });

export const ToList = () =>
  Transform(({ value }) =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((item) => item.trim())
          .filter((item) => item.length > 0)
      : value,
  );
