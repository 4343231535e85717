// Medians with their spread over repetitions, and ratios from paired repetitions.

// A figure whose min–max range is wider than this share of its median is flagged in the report.
export const SPREAD_FLAG = 0.1;

export const round = (value, digits = 2) =>
  Number.isFinite(value) ? Number(value.toFixed(digits)) : null;

export function median(values) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) {
    return null;
  }
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Median, min, max and (max − min) ÷ median of the repetitions; flagged when that exceeds 10 %. */
export function summarise(values, digits = 3) {
  const samples = values.filter(Number.isFinite);
  const middle = median(samples);
  if (middle === null) {
    return { median: null, min: null, max: null, spread: null, flagged: false, samples: [] };
  }
  const min = Math.min(...samples);
  const max = Math.max(...samples);
  const spread = middle === 0 ? (max === min ? 0 : null) : (max - min) / Math.abs(middle);
  return {
    median: round(middle, digits),
    min: round(min, digits),
    max: round(max, digits),
    spread: round(spread, 3),
    // One sample has no spread to judge: it is flagged too, so a single run never reads as settled.
    flagged: samples.length < 2 || spread === null || spread > SPREAD_FLAG,
    samples: samples.map((value) => round(value, digits)),
  };
}

/** Ratio a[i] ÷ b[i] for each repetition i (both measured in the same round), summarised. */
export function pairedRatio(numerators, denominators, digits = 3) {
  const ratios = numerators.map((value, index) => {
    const reference = denominators[index];
    return Number.isFinite(value) && Number.isFinite(reference) && reference > 0
      ? value / reference
      : NaN;
  });
  return summarise(ratios, digits);
}
