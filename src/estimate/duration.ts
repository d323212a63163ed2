/** Durations as people write them ("90m", "1h30m", "2h", "45s", "1d") to seconds, and back. */
import { BadInputError } from '../../providers/errors';

const UNIT_SECONDS: Record<string, number> = { d: 86400, h: 3600, m: 60, s: 1 };

export function parseDurationSeconds(text: string, flag: string): number {
  const trimmed = text.trim().toLowerCase().replace(/\s+/g, '');
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)([dhms])/g)];
  const consumed = parts.map((p) => p[0]).join('');
  const seconds = parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_SECONDS[p[2]], 0);
  if (!parts.length || consumed !== trimmed || !(seconds > 0)) {
    throw new BadInputError(`${flag}: "${text}" is not a duration; accepted: a positive time with units, e.g. 45m, 2h, 1h30m, 90s`);
  }
  return seconds;
}

/**
 * "52s", "4m05s", "38m", "4h27m", "2d3h": two units at most. The figure is rounded to the unit shown first and
 * only then split, so a rounding carry moves up a unit (299.6 s is "5m", 3599.5 s is "1h", never "4m60s" or "60m").
 * Not a number, infinite or negative: "—" (nothing honest to show).
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 600) {
    const rest = s % 60;
    return rest ? `${Math.floor(s / 60)}m${String(rest).padStart(2, '0')}s` : `${s / 60}m`;
  }
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `${minutes}m`;
  if (minutes < 24 * 60) {
    const m = minutes % 60;
    return m ? `${Math.floor(minutes / 60)}h${String(m).padStart(2, '0')}m` : `${minutes / 60}h`;
  }
  const hours = Math.round(s / 3600);
  const h = hours % 24;
  return h ? `${Math.floor(hours / 24)}d${h}h` : `${hours / 24}d`;
}
