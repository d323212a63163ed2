/**
 * findPython answers the interpreter itself, not the command that found it: a version manager's shim (a shell
 * script in front of the real python) then runs once per process instead of once per simulated machine.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { findPython } from '../../../src/sim/common/agent-launcher';

// The stand-in interpreters are shell scripts.
const onPosix = process.platform === 'win32' ? describe.skip : describe;

onPosix('findPython', () => {
  let dir: string;
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-findpython-'))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const shim = (name: string, body: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return file;
  };

  it('answers the absolute path of the interpreter behind a shim, which runs Python itself', () => {
    const real = findPython();
    expect(real).toBeDefined();
    const wrapper = shim('python-shim', `exec "${real}" "$@"`);
    const exe = findPython(wrapper);
    expect(exe).not.toBe(wrapper);
    expect(path.isAbsolute(exe!)).toBe(true);
    expect(fs.statSync(exe!).isFile()).toBe(true);
  });

  it('answers undefined for a command that does not run, or a Python older than 3.8', () => {
    expect(findPython(path.join(dir, 'missing-python'))).toBeUndefined();
    expect(findPython(shim('python-old', 'exit 3'))).toBeUndefined();
  });

  it('keeps a command whose interpreter does not report an absolute path', () => {
    const odd = shim('python-odd', 'echo relative/python');
    expect(findPython(odd)).toBe(odd);
  });
});
