const COUNT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const RATE = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const SMALL_USD = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 2 });

/** A whole count with thousands separators: `10,233`. @internal */
export function formatCount(count: number): string {
  return COUNT.format(count);
}

/** A rate with one decimal: `41.2`. @internal */
export function formatRate(rate: number): string {
  return RATE.format(Number.isFinite(rate) ? rate : 0);
}

/**
 * A USD amount that stays readable from fractions of a cent to dollars: `$0`, `$0.0000098`, `$0.0012`, `$12.34`.
 * @internal
 */
export function formatUsd(amount: number): string {
  if (amount === 0) return '$0';
  if (amount >= 1) return `$${amount.toFixed(2)}`;
  if (amount >= 0.0001) return `$${amount.toFixed(4)}`;
  return `$${SMALL_USD.format(amount)}`;
}

/** A duration as `1h02m`, `3m05s` or `42s`. @internal */
export function formatDuration(durationMs: number): string {
  const seconds = Math.max(0, Math.round(durationMs / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
