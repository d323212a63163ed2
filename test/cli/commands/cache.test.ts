/**
 * `gpuburst cache list|delete` through the CLI entry, against the RunPod and Vast simulators: caches are listed with
 * their monthly price, a delete asks for --yes off a terminal, is refused while a machine mounts the cache (nothing
 * deleted), works once the machine is gone; Vast refuses with its reason (exit 7); bad input is one line, exit 2.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { configFromEnv, createProvider } from '../../../providers';
import { startWorld, World } from '../../../src/sim/world';
import { expectRefusal, runCli } from '../support/cli';

// Real processes and servers on a shared machine: jest's 5 s default is too short under load.
jest.setTimeout(30_000);

let world: World;
let cwd: string;
beforeAll(async () => {
  world = await startWorld({ providers: ['runpod', 'vast'], timings: { provisionMs: 50, bootMs: 100, comfyStartMs: 50, stopMs: 50 } });
  cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-cache-cli-'));
});
afterAll(() => world.close());

test('list shows size and $/month; delete is refused while a pod mounts it, then deletes', async () => {
  const runpod = createProvider('runpod', configFromEnv('runpod', world.env));
  const cache = await runpod.createCache({ name: 'models-cli', region: 'US-KS-2', sizeGb: 100 });
  const offer = (await runpod.listOffers({ region: 'US-KS-2' })).find((o) => o.available)!;
  const pod = await runpod.createMachine({
    spec: { name: 'gpuburst-cache-cli-1', sessionId: 's', offerId: offer.offerId, image: 'img', env: {}, ports: [], diskGb: 20, cache: { id: cache.id, name: cache.name, region: cache.region, mountPath: cache.mountPath } },
  });
  const env = { ...world.env };

  const list = await runCli(['cache', 'list'], { env, cwd });
  expect(list.code).toBe(0);
  expect(list.out).toContain(`runpod models-cli (${cache.id}) US-KS-2 100 GB $7.00/month`);

  // Kept on purpose, but billing: status and sweep say so (and sweep leaves it).
  for (const cmd of ['status', 'sweep']) expect((await runCli([cmd], { env, cwd })).out).toContain(`model caches (kept on purpose; about $7.00/month until gpuburst cache delete):\n  runpod models-cli`);
  expect(world.sims.find((s) => s.provider === 'runpod')!.state().volumes![0].deleted).toBe(false);

  expectRefusal(await runCli(['cache', 'delete', 'models-cli', '--provider', 'runpod'], { env, cwd }), 2, [/pass --yes/]);
  expectRefusal(await runCli(['cache', 'delete', 'models-cli', '--provider', 'runpod', '--yes'], { env, cwd }), 8, [/attached to pod/]);
  expect(world.sims.find((s) => s.provider === 'runpod')!.state().volumes![0].deleted).toBe(false);

  await runpod.terminateMachine({ id: pod.id });
  const deleted = await runCli(['cache', 'delete', 'models-cli', '--provider', 'runpod', '--yes'], { env, cwd });
  expect(deleted.code).toBe(0);
  expect(deleted.out).toContain(`deleted runpod cache models-cli (${cache.id}) in US-KS-2`);
  expect(world.sims.find((s) => s.provider === 'runpod')!.state().volumes![0].deleted).toBe(true);
  expect((await runCli(['cache', 'list', '--provider', 'runpod'], { env, cwd })).out).toContain('no model cache found');
});

test('Vast has no cache: exit 7 with the reason; bad input: exit 2', async () => {
  const env = { ...world.env };
  expectRefusal(await runCli(['cache', 'list', '--provider', 'vast'], { env, cwd }), 7, [/vast: no model cache: Vast volumes are host-local/]);
  expectRefusal(await runCli(['cache', 'frob'], { env, cwd }), 2, [/"frob" is not accepted; accepted: list, delete/]);
  expectRefusal(await runCli(['cache', 'delete', 'x'], { env, cwd }), 2, [/--provider is missing/]);
  expectRefusal(await runCli(['cache', 'delete', 'nope', '--provider', 'runpod', '--yes'], { env, cwd }), 6, [/no cache named nope/]);
});

test('estimate --cache-gb puts each cache provider\'s monthly price and the storage of this batch beside its cost', async () => {
  const r = await runCli(['estimate', '--model', 'sdxl', '--images', '100', '--cache-gb', '30', '--providers', 'runpod,lambda,vast'], { env: {}, cwd });
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/model cache of 30 GB at runpod: \$2\.10\/month until deleted; ≈ \$\d\.\d+ during this batch beside its \$\d\.\d+ on .+; a later session with the models on it skips ~\S+ of download/);
  expect(r.out).toMatch(/model cache of 30 GB at lambda: \$6\.00\/month until deleted/);
  expect(r.out).not.toMatch(/model cache of 30 GB at vast/);
  const json = JSON.parse((await runCli(['estimate', '--model', 'sdxl', '--cache-gb', '30', '--providers', 'runpod', '--json'], { env: {}, cwd })).out);
  expect(json.cache).toEqual([expect.objectContaining({ provider: 'runpod', gb: 30, usdPerMonth: 2.1 })]);
  expectRefusal(await runCli(['estimate', '--cache-gb', '0'], { env: {}, cwd }), 2, [/--cache-gb/]);
});

test('list without a key for any cloud that keeps caches says which keys to set (exit 0); a cloud that fails is named once', async () => {
  const noKeys = await runCli(['cache', 'list'], { env: {}, cwd });
  expect(noKeys.code).toBe(0);
  expect(noKeys.out).toContain('no cloud with model caches has a key here: set RUNPOD_API_KEY or LAMBDA_API_KEY');

  const down = await runCli(['cache', 'list'], { env: { RUNPOD_API_KEY: 'rpa_down', GPUBURST_RUNPOD_API_URL: 'http://127.0.0.1:1', GPUBURST_RUNPOD_TIMEOUT_MS: '500', GPUBURST_RUNPOD_MAX_RETRIES: '0' }, cwd });
  expect(down.code).toBe(1);
  expect(down.out).not.toContain('no model cache found');
  expect(down.out).toMatch(/^runpod: GET \/v2\/network-volumes failed: .* \(ERR_TRANSIENT\)$/m);
});
