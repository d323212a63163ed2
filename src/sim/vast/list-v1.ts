/**
 * `GET /api/v1/instances/` (show_instances.yaml, docs/reference/vast.md §4): JSON-string query args, keyset pagination with at
 * most 25 rows a page (default 5), filters only on stored columns (computed ones such as dph_total are a 400).
 */
import type { SimResponse } from '../common/server';
import { Filter, matches, parseFilters, Row, sortRows } from './query';
import type { SimInstance } from './render';

/** Columns stored on the contract record, hence filterable. */
const FILTERABLE = new Set(['id', 'label', 'actual_status', 'intended_status', 'cur_state', 'next_state', 'gpu_name', 'verification', 'machine_id', 'host_id', 'image_uuid', 'geolocation']);
const SORTABLE = new Set([...FILTERABLE, 'start_date']);
const MAX_LIMIT = 25;
const DEFAULT_LIMIT = 5;

const invalid = (msg: string, error = 'invalid_request'): SimResponse => ({ status: 400, body: { error, msg: `Error in query parameters: ${msg}` } });

function jsonArg(query: URLSearchParams, name: string, fallback: unknown): unknown {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  return JSON.parse(raw);
}

export function listInstances(query: URLSearchParams, instances: SimInstance[], render: (i: SimInstance) => Row): SimResponse {
  let filtersRaw: unknown, orderRaw: unknown, cols: unknown;
  try {
    filtersRaw = jsonArg(query, 'select_filters', {});
    orderRaw = jsonArg(query, 'order_by', [{ col: 'id', dir: 'asc' }]);
    cols = jsonArg(query, 'select_cols', ['*']);
  } catch {
    return invalid('select_filters, order_by and select_cols must be JSON');
  }
  if (!filtersRaw || typeof filtersRaw !== 'object' || Array.isArray(filtersRaw)) return invalid('select_filters must be a JSON object');
  const filters = parseFilters(filtersRaw as Row, (f) => FILTERABLE.has(f));
  if (typeof filters === 'string') return invalid(filters);
  if (!Array.isArray(orderRaw) || orderRaw.some((o) => !SORTABLE.has((o as { col?: string })?.col ?? ''))) return invalid('invalid order_by column');
  if (!Array.isArray(cols)) return invalid('select_cols must be a JSON list');
  const order: [string, 'asc' | 'desc'][] = (orderRaw as { col: string; dir?: string }[]).map((o) => [o.col, o.dir === 'desc' ? 'desc' : 'asc']);
  if (!order.some(([c]) => c === 'id')) order.push(['id', 'asc']);

  const requested = Number(query.get('limit') ?? 0);
  const limit = !Number.isFinite(requested) || requested <= 0 ? DEFAULT_LIMIT : Math.min(MAX_LIMIT, Math.floor(requested));
  const rows = sortRows(instances.map(render).filter((r) => matches(r, filters as Filter[])), order);

  let start = 0;
  const token = query.get('after_token');
  if (token) {
    const after = decodeToken(token);
    if (after === undefined) return invalid('invalid after_token', 'invalid_token');
    start = rows.findIndex((r) => (r.id as number) === after) + 1;
    if (start === 0) start = rows.filter((r) => (r.id as number) <= after).length;
  }
  const page = rows.slice(start, start + limit);
  const more = start + limit < rows.length;
  const labelCounts: Record<string, number> = {};
  for (const r of rows) labelCounts[String(r.label ?? '')] = (labelCounts[String(r.label ?? '')] ?? 0) + 1;
  return {
    status: 200,
    body: {
      success: true,
      instances_found: page.length,
      total_instances: rows.length,
      label_counts: labelCounts,
      next_token: more ? encodeToken(page[page.length - 1].id as number) : null,
      instances: page.map((r) => project(r, cols as string[])),
    },
  };
}

function project(row: Row, cols: string[]): Row {
  if (cols.includes('*')) return row;
  return Object.fromEntries(cols.map((c) => [c, row[c] ?? null]));
}

function encodeToken(id: number): string {
  return Buffer.from(JSON.stringify({ values: { id } })).toString('base64');
}

function decodeToken(token: string): number | undefined {
  try {
    const id = (JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { values?: { id?: unknown } }).values?.id;
    return typeof id === 'number' ? id : undefined;
  } catch {
    return undefined;
  }
}
