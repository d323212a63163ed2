/**
 * The one reader of provider settings (`GPUBURST_<CLOUD>_<NAME>`, arriving in `ProviderConfig.extra` without the
 * prefix). Each provider declares its settings as a zod shape built from the helpers below; `readSettings` turns the
 * strings into a typed object. A bad value or an unknown name is a one-line BadInputError naming the variable and
 * what it accepts: never ignored, never a crash. An empty value counts as unset.
 */
import { z } from 'zod';
import { settingsPrefix } from './config';
import { BadInputError } from './errors';
import type { ProviderName } from './types';

type Raw = string | undefined;

/** A setting: an optional string in, a typed value out; `accepts` says in words what is accepted. */
function setting<T>(accepts: string, fallback: T, parse: (raw: string) => T | undefined): z.ZodType<T, Raw> {
  return z
    .string()
    .optional()
    .transform((raw, ctx): T => {
      const text = raw?.trim();
      if (text === undefined || text === '') return fallback;
      const value = parse(text);
      if (value === undefined) {
        ctx.addIssue({ code: 'custom', message: accepts });
        return z.NEVER;
      }
      return value;
    }) as unknown as z.ZodType<T, Raw>;
}

export interface NumberOptions {
  min?: number;
  max?: number;
  integer?: boolean;
}

function numberWords(o: NumberOptions): string {
  const kind = o.integer ? 'a whole number' : 'a number';
  if (o.min !== undefined && o.max !== undefined) return `${kind} from ${o.min} to ${o.max}`;
  if (o.min !== undefined) return o.min === 0 ? `${kind} >= 0` : `${kind} >= ${o.min}`;
  return kind;
}

export const settings = {
  /** A provider-specific format: `parse` returns undefined for a value it does not accept. */
  custom<T>(accepts: string, fallback: T, parse: (raw: string) => T | undefined) {
    return setting(accepts, fallback, parse);
  },
  number(fallback: number, o: NumberOptions = { min: 0 }) {
    return setting(`expected ${numberWords(o)}`, fallback, (t) => {
      const n = Number(t);
      if (!Number.isFinite(n) || (o.integer && !Number.isInteger(n))) return undefined;
      if ((o.min !== undefined && n < o.min) || (o.max !== undefined && n > o.max)) return undefined;
      return n;
    });
  },
  /** Optional number: undefined when unset. */
  optionalNumber(o: NumberOptions = { min: 0 }) {
    return setting<number | undefined>(`expected ${numberWords(o)}`, undefined, (t) => {
      const n = Number(t);
      const ok = Number.isFinite(n) && (!o.integer || Number.isInteger(n)) && (o.min === undefined || n >= o.min) && (o.max === undefined || n <= o.max);
      return ok ? n : undefined;
    });
  },
  text<T extends string | undefined>(fallback: T) {
    return setting<string | T>('expected text', fallback, (t) => t);
  },
  choice<const V extends string>(values: readonly V[], fallback: V) {
    return setting<V>(`expected one of ${values.join(', ')}`, fallback, (t) => (values as readonly string[]).find((v) => v === t) as V | undefined);
  },
  /** Comma-separated list; `fallback` when unset. */
  list<T extends string[] | undefined>(fallback: T) {
    return setting<string[] | T>('expected a comma-separated list', fallback, (t) => {
      const items = t.split(',').map((s) => s.trim()).filter(Boolean);
      return items.length ? items : undefined;
    });
  },
  /** A case-insensitive regular expression. */
  pattern(fallback: RegExp) {
    return setting('expected a regular expression', fallback, (t) => {
      try {
        return new RegExp(t, 'i');
      } catch {
        return undefined;
      }
    });
  },
  url<T extends string | undefined>(fallback: T) {
    return setting<string | T>('expected an http(s) URL', fallback, (t) => (/^https?:\/\/[^/\s]+/i.test(t) ? t.replace(/\/+$/, '') : undefined));
  },
  /** JSON checked against `schema`; `accepts` shows an example of what is accepted. */
  json<T>(schema: z.ZodType<T>, fallback: T, accepts: string) {
    return setting<T>(`expected ${accepts}`, fallback, (t) => {
      try {
        const parsed = schema.safeParse(JSON.parse(t));
        return parsed.success ? parsed.data : undefined;
      } catch {
        return undefined;
      }
    });
  },
};

/** Settings every adapter accepts. API_URL is read by configFromEnv; it is listed so it is not "unknown". */
export const COMMON_SETTINGS = {
  API_URL: settings.url(undefined),
  /** Per-request timeout (a simulator's timeout faults need it short). */
  TIMEOUT_MS: settings.optionalNumber({ min: 1 }),
  /** Container image instead of the pinned one (cloud providers; checked and used by providers/images.ts). */
  IMAGE: settings.text(undefined),
};

export type SettingsShape = Record<string, z.ZodType<unknown, Raw>>;
export type SettingsOf<S extends SettingsShape> = { [K in keyof S]: z.output<S[K]> };

/** Reads `extra` against `shape` (plus COMMON_SETTINGS); the first problem is a BadInputError naming the variable. */
export function readSettings<S extends SettingsShape>(
  provider: ProviderName,
  extra: Record<string, string | undefined>,
  shape: S,
): SettingsOf<S> & SettingsOf<typeof COMMON_SETTINGS> {
  const schema = z.object({ ...COMMON_SETTINGS, ...shape }).strict();
  const result = schema.safeParse(extra ?? {});
  if (result.success) return result.data as SettingsOf<S> & SettingsOf<typeof COMMON_SETTINGS>;
  const prefix = settingsPrefix(provider);
  const known = Object.keys({ ...COMMON_SETTINGS, ...shape }).sort();
  const issue = result.error.issues[0];
  if (issue.code === 'unrecognized_keys') {
    const names = issue.keys.map((k) => prefix + k).join(', ');
    throw new BadInputError(`${provider}: ${names} ${issue.keys.length > 1 ? 'are not settings' : 'is not a setting'} of ${provider}; known: ${known.map((k) => prefix + k).join(', ')}`, { provider });
  }
  const key = String(issue.path[0]);
  const value = String(extra[key] ?? '').replace(/\s+/g, ' ').slice(0, 80);
  throw new BadInputError(`${provider}: ${prefix}${key}="${value}" is not accepted; ${issue.message}`, { provider });
}
