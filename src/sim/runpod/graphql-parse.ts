/**
 * A small GraphQL reader for the simulator: one operation, fields with aliases, arguments (literals and
 * `$variables`) and nested selections. Fragments and directives are refused with a clear error: nothing gpuburst
 * or the RunPod clients in the reference sends uses them for the queries simulated here.
 */
export interface Field {
  alias: string;
  name: string;
  args: Record<string, unknown>;
  selections?: Field[];
}

export interface Operation {
  type: 'query' | 'mutation' | 'subscription';
  selections: Field[];
}

export class GraphqlSyntaxError extends Error {}

type Token = { kind: 'punct' | 'name' | 'number' | 'string' | 'var'; value: string };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s+|,|#[^\n]*|(\.\.\.|[{}()[\]:!=@|])|\$([_A-Za-z][_0-9A-Za-z]*)|([_A-Za-z][_0-9A-Za-z]*)|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|("(?:[^"\\\n]|\\.)*")/y;
  let pos = 0;
  while (pos < source.length) {
    re.lastIndex = pos;
    const m = re.exec(source);
    if (!m) throw new GraphqlSyntaxError(`Syntax Error: Unexpected character "${source[pos]}".`);
    pos = re.lastIndex;
    if (m[1]) tokens.push({ kind: 'punct', value: m[1] });
    else if (m[2]) tokens.push({ kind: 'var', value: m[2] });
    else if (m[3]) tokens.push({ kind: 'name', value: m[3] });
    else if (m[4]) tokens.push({ kind: 'number', value: m[4] });
    else if (m[5]) tokens.push({ kind: 'string', value: JSON.parse(m[5]) as string });
  }
  return tokens;
}

export function parseOperation(source: string, variables: Record<string, unknown> = {}): Operation {
  const tokens = tokenize(source);
  let i = 0;
  const peek = () => tokens[i];
  const next = () => {
    const t = tokens[i++];
    if (!t) throw new GraphqlSyntaxError('Syntax Error: Unexpected <EOF>.');
    return t;
  };
  const expect = (value: string) => {
    const t = next();
    if (t.value !== value || t.kind === 'string') throw new GraphqlSyntaxError(`Syntax Error: Expected "${value}", found "${t.value}".`);
  };
  const isPunct = (value: string) => peek()?.kind === 'punct' && peek()?.value === value;

  const value = (): unknown => {
    const t = next();
    if (t.kind === 'var') {
      if (!(t.value in variables)) throw new GraphqlSyntaxError(`Variable "$${t.value}" is not provided.`);
      return variables[t.value];
    }
    if (t.kind === 'number') return Number(t.value);
    if (t.kind === 'string') return t.value;
    if (t.kind === 'name') return t.value === 'true' ? true : t.value === 'false' ? false : t.value === 'null' ? null : t.value;
    if (t.value === '[') {
      const list: unknown[] = [];
      while (!isPunct(']')) list.push(value());
      next();
      return list;
    }
    if (t.value === '{') {
      const obj: Record<string, unknown> = {};
      while (!isPunct('}')) {
        const key = next();
        if (key.kind !== 'name') throw new GraphqlSyntaxError(`Syntax Error: Expected Name, found "${key.value}".`);
        expect(':');
        obj[key.value] = value();
      }
      next();
      return obj;
    }
    throw new GraphqlSyntaxError(`Syntax Error: Unexpected "${t.value}".`);
  };

  const selectionSet = (): Field[] => {
    expect('{');
    const fields: Field[] = [];
    while (!isPunct('}')) {
      if (isPunct('...')) throw new GraphqlSyntaxError('fragments are not supported by this simulator');
      if (isPunct('@')) throw new GraphqlSyntaxError('directives are not supported by this simulator');
      const first = next();
      if (first.kind !== 'name') throw new GraphqlSyntaxError(`Syntax Error: Expected Name, found "${first.value}".`);
      let alias = first.value;
      let name = first.value;
      if (isPunct(':')) {
        next();
        const real = next();
        if (real.kind !== 'name') throw new GraphqlSyntaxError(`Syntax Error: Expected Name, found "${real.value}".`);
        name = real.value;
      }
      const args: Record<string, unknown> = {};
      if (isPunct('(')) {
        next();
        while (!isPunct(')')) {
          const key = next();
          expect(':');
          args[key.value] = value();
        }
        next();
      }
      fields.push({ alias, name, args, selections: isPunct('{') ? selectionSet() : undefined });
      alias = '';
    }
    next();
    return fields;
  };

  let type: Operation['type'] = 'query';
  const head = peek();
  if (head?.kind === 'name' && ['query', 'mutation', 'subscription'].includes(head.value)) {
    type = next().value as Operation['type'];
    if (peek()?.kind === 'name') next();
    // Variable definitions only declare types; values come from `variables`.
    if (isPunct('(')) {
      let depth = 0;
      do {
        const t = next();
        if (t.value === '(') depth++;
        if (t.value === ')') depth--;
      } while (depth > 0);
    }
  }
  const selections = selectionSet();
  if (i < tokens.length) throw new GraphqlSyntaxError('only one operation per request is supported by this simulator');
  return { type, selections };
}
