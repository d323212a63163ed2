// Jest runs each test file in its own vm context with its own module registry; `pulumi up` runs the program and
// the provider host in plain Node. This file holds what the engine needs from outside jest's sandbox.
import * as vm from 'vm';

/** Node's process object (jest gives the test file a stand-in that never hears unhandled rejections). */
export const nodeProcess = vm.runInThisContext('process') as NodeJS.Process;

/** Node's own require rooted at `path`: modules it loads live outside jest's registry, as in a separate process. */
export function nodeRequire(path: string): NodeRequire {
  const { createRequire } = (nodeProcess as unknown as { getBuiltinModule(id: string): typeof import('module') })
    .getBuiltinModule('module'); // jest's `module` is a stand-in whose createRequire is jest's require
  return createRequire(path);
}

// Node's core modules (fs, util, zlib, ...) come from Node's main context. Pulumi's closure serializer tells
// functions apart with `value instanceof Function`, which is false for a main-context function seen from the
// test context: a captured native function such as `util.types.isDate` is then written out as an empty object
// instead of failing serialization as it does under `pulumi up`. Answering `instanceof Function` by `typeof`
// restores the one-context behaviour. What stays different: main-context built-ins (Error, TypeError, ...) are
// not matched to the test context's globals, so serializing a live core-module object can fail here where Pulumi
// would write `global.TypeError`.
export function useOneRealmForFunctions(): void {
  if (Object.prototype.hasOwnProperty.call(Function, Symbol.hasInstance)) return;
  Object.defineProperty(Function, Symbol.hasInstance, {
    value: (candidate: unknown) => typeof candidate === 'function',
  });
}
