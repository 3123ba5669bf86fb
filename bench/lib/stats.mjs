// Small statistics helpers for aggregating repeated runs.
export function median(xs) {
  const s = [...xs].filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function spread(xs) {
  const s = xs.filter((x) => Number.isFinite(x));
  return { min: Math.min(...s), max: Math.max(...s), n: s.length };
}

// {median, min, max, n} of a list of per-run values.
export function summary(xs) {
  return { median: median(xs), ...spread(xs) };
}

// "12.3 (11.9–12.8)": the median of the runs and their range.
export function fmt(s, digits = 1, unit = "") {
  if (!s || !Number.isFinite(s.median)) return "n/a";
  const f = (x) => x.toFixed(digits);
  if (s.n > 1) return `${f(s.median)}${unit} (${f(s.min)}–${f(s.max)})`;
  return `${f(s.median)}${unit}`;
}
