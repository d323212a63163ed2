/**
 * The simulated world's own folder (src/sim/world.ts): agent logs stay for the user after `close`, an empty folder
 * does not (each `--simulate` run and each test left one behind in the system's temporary folder).
 */
import fs from 'fs';
import os from 'os';
import { startWorld } from '../../src/sim/world';

test('close removes the folder the world made when nothing was written to it', async () => {
  const world = await startWorld({ providers: ['vast'] });
  expect(fs.existsSync(world.workDir)).toBe(true);
  await world.close();
  expect(fs.existsSync(world.workDir)).toBe(false);
});

test('close keeps what the user may want to read, and a folder the caller gave', async () => {
  const world = await startWorld({ providers: ['vast'] });
  fs.writeFileSync(`${world.workDir}/agent-m1.log`, 'agent log line\n');
  await world.close();
  expect(fs.readFileSync(`${world.workDir}/agent-m1.log`, 'utf8')).toBe('agent log line\n');
  fs.rmSync(world.workDir, { recursive: true, force: true });

  const given = fs.mkdtempSync(`${os.tmpdir()}/gpuburst-world-given-`);
  const second = await startWorld({ providers: ['vast'], workDir: given });
  await second.close();
  expect(fs.existsSync(given)).toBe(true);
  fs.rmSync(given, { recursive: true, force: true });
});
