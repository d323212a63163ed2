/**
 * Vast's search query language (docs/reference/vast.md §2, search_offers.yaml): `"field": {"op": value}` with the operators
 * eq/neq/gt/lt/gte/lte/in/notin, plus `order`, `limit`, `type` and `allocated_storage`. Also used for the v1
 * instance list's `select_filters`. A bad query is an error message, which the routes turn into a 400.
 */
export type Row = Record<string, unknown>;

const OPERATORS = ['eq', 'neq', 'gt', 'lt', 'gte', 'lte', 'in', 'notin'] as const;
type Operator = (typeof OPERATORS)[number];

export interface Filter {
  field: string;
  op: Operator;
  value: unknown;
}

/** Parses `{"field": {"op": value}}`; `known` decides which fields may be filtered. */
export function parseFilters(q: Row, known: (field: string) => boolean): Filter[] | string {
  const out: Filter[] = [];
  for (const [field, cond] of Object.entries(q)) {
    if (!known(field)) return `${field} is not a valid search key`;
    if (!cond || typeof cond !== 'object' || Array.isArray(cond)) return `filter for ${field} must be an object such as {"eq": value}`;
    for (const [op, value] of Object.entries(cond as Row)) {
      if (!(OPERATORS as readonly string[]).includes(op)) return `unknown operator "${op}" for ${field}; accepted: ${OPERATORS.join(', ')}`;
      if ((op === 'in' || op === 'notin') && !Array.isArray(value)) return `operator ${op} for ${field} needs a list`;
      out.push({ field, op: op as Operator, value });
    }
  }
  return out;
}

export function matches(row: Row, filters: Filter[]): boolean {
  return filters.every((f) => test(row[f.field], f.op, f.value));
}

function test(actual: unknown, op: Operator, expected: unknown): boolean {
  switch (op) {
    case 'eq':
      return actual === expected;
    case 'neq':
      return actual !== expected;
    case 'in':
      return (expected as unknown[]).includes(actual);
    case 'notin':
      return !(expected as unknown[]).includes(actual);
    default: {
      if (typeof actual !== 'number' || typeof expected !== 'number') return false;
      if (op === 'gt') return actual > expected;
      if (op === 'gte') return actual >= expected;
      if (op === 'lt') return actual < expected;
      return actual <= expected;
    }
  }
}

/** `[["field","asc"|"desc"], ...]`. */
export function parseOrder(order: unknown, known: (field: string) => boolean): [string, 'asc' | 'desc'][] | string {
  if (order === undefined) return [];
  if (!Array.isArray(order)) return 'order must be a list of [field, "asc"|"desc"]';
  const out: [string, 'asc' | 'desc'][] = [];
  for (const item of order) {
    if (!Array.isArray(item) || typeof item[0] !== 'string') return 'order must be a list of [field, "asc"|"desc"]';
    if (!known(item[0])) return `${item[0]} is not a valid order key`;
    out.push([item[0], item[1] === 'desc' ? 'desc' : 'asc']);
  }
  return out;
}

export function sortRows<T extends Row>(rows: T[], order: [string, 'asc' | 'desc'][]): T[] {
  return [...rows].sort((a, b) => {
    for (const [field, dir] of order) {
      const x = a[field] as number | string;
      const y = b[field] as number | string;
      if (x === y) continue;
      const less = x === undefined || x === null || (y !== undefined && y !== null && x < y);
      return (less ? -1 : 1) * (dir === 'desc' ? -1 : 1);
    }
    return 0;
  });
}
