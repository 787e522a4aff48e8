/**
 * Delimiter and decimal-separator detection from the first lines of a file:
 * the delimiter is the candidate that splits the records into the same
 * number of fields most consistently (quotes respected, so a quoted "a,b"
 * counts as one field); the decimal separator is "," when cells like "2,6"
 * outnumber cells like "2.6" in a file not delimited by ",".
 */
import { CSV_DELIMITERS } from './options.js';

export type Delimiter = (typeof CSV_DELIMITERS)[number];

/** Records of the head (quote-aware), the last one dropped when the head was cut mid-file. */
function headRecords(head: string, complete: boolean): string[] {
  const records: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < head.length; i++) {
    const ch = head[i];
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) {
      if (i > start) records.push(head.slice(start, i));
      if (ch === '\r' && head[i + 1] === '\n') i++;
      start = i + 1;
    }
    if (records.length >= 200) return records;
  }
  if (complete && start < head.length) records.push(head.slice(start));
  return records.filter((r) => r.trim() !== '');
}

/** The fields of one record split on `delimiter`, quotes respected and removed. */
export function splitRecord(record: string, delimiter: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < record.length; i++) {
    const ch = record[i]!;
    if (ch === '"') {
      if (quoted && record[i + 1] === '"') {
        cur += '"';
        i++;
      } else quoted = !quoted;
    } else if (ch === delimiter && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

export function detectDelimiter(head: string, complete: boolean): Delimiter {
  const records = headRecords(head, complete).slice(0, 50);
  let best: Delimiter = ',';
  let bestScore = 0;
  for (const d of CSV_DELIMITERS) {
    const counts = records.map((r) => splitRecord(r, d).length - 1);
    const header = counts[0] ?? 0;
    if (header === 0) continue;
    // The header decides the field count; data rows with trailing empty fields still agree.
    const agreeing = counts.filter((c) => c === header).length / counts.length;
    const score = agreeing * 1000 + Math.min(header, 999);
    if (score > bestScore) {
      best = d;
      bestScore = score;
    }
  }
  return best;
}

export function detectDecimal(head: string, complete: boolean, delimiter: string): '.' | ',' {
  if (delimiter === ',') return '.';
  let comma = 0;
  let point = 0;
  for (const r of headRecords(head, complete).slice(1, 200)) {
    for (const cell of splitRecord(r, delimiter)) {
      const c = cell.trim();
      if (/^[+-]?\d*,\d+$/.test(c)) comma++;
      else if (/^[+-]?\d*\.\d+$/.test(c)) point++;
    }
  }
  return comma > 0 && comma >= point ? ',' : '.';
}
