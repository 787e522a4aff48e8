/** The per-series document every InfluxDB dialect stores beside the points. */
import type { AnomalyLabel, ColumnInfo, SeriesMetadata } from '../../../core/types.js';

export interface MetaDoc {
  id: string;
  name: string;
  metadata: SeriesMetadata;
  columns: ColumnInfo[];
  labels: AnomalyLabel[];
  points: number;
  start: number | null;
  end: number | null;
  /** Generation tag of the points this document describes (a new one per store). */
  gen: string;
  /** Epoch ms of the store; the newest document of an id wins. */
  storedAt: number;
}

/** Split a string into pieces of at most `size` characters (at least one piece). */
export function splitText(text: string, size: number): string[] {
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += size) parts.push(text.slice(i, i + size));
  return parts.length ? parts : [''];
}
