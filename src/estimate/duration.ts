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

/** "4h27m", "38m", "52s", "2d3h": two units at most, rounded. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) {
    const m = Math.floor(s / 60);
    const rest = s % 60;
    return m < 10 && rest ? `${m}m${String(rest).padStart(2, '0')}s` : `${Math.round(s / 60)}m`;
  }
  const totalMinutes = Math.round(s / 60);
  if (totalMinutes < 24 * 60) {
    const h = Math.floor(totalMinutes / 60);
    const m = totalMinutes % 60;
    return m ? `${h}h${String(m).padStart(2, '0')}m` : `${h}h`;
  }
  const totalHours = Math.round(s / 3600);
  const d = Math.floor(totalHours / 24);
  const h = totalHours % 24;
  return h ? `${d}d${h}h` : `${d}d`;
}
