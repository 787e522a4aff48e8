/**
 * A count with US thousands separators ("1,234,567"), exactly as
 * `n.toLocaleString('en-US')` writes it, for summaries on hot paths:
 * toLocaleString builds a formatter per call and Intl's format is costly
 * next to a small call. Non-negative safe integers are grouped here; any
 * other number goes through one cached Intl.NumberFormat.
 */
export function formatCount(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) return EN_US.format(n);
  if (n < 1000) return String(n);
  const digits = String(n);
  const head = digits.length % 3 || 3;
  let out = digits.slice(0, head);
  for (let i = head; i < digits.length; i += 3) out += `,${digits.slice(i, i + 3)}`;
  return out;
}

const EN_US = new Intl.NumberFormat('en-US');
