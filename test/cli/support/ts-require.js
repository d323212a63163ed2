// Lets a child `node -r ./ts-require.js src/cli/index.ts …` run the TypeScript sources as they are (no build):
// each .ts file is transpiled on load (the project compiles with isolatedModules, so one file at a time is exact).
const fs = require('fs');
const ts = require('typescript');

const compilerOptions = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, resolveJsonModule: true, sourceMap: false };
require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), { compilerOptions, fileName: filename });
  module._compile(outputText, filename);
};
