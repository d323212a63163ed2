import fs from 'fs';
import os from 'os';
import path from 'path';
import { isLive, Journal, readSession } from '../../src/session/journal';
import { parseSessionRequest } from '../../src/session/request';

const request = parseSessionRequest({ batchFile: '/work/b.yaml', provider: 'vast', heartbeatMinutes: 0.05, maxCostUsd: 2 });

function init(id: string) {
  return { id, status: 'planning' as const, request, outDir: 'out', machines: [], prompts: [] };
}

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-journal-'));
const sessionFile = (dir: string, id: string) => path.join(dir, 'sessions', `${id}.json`);

test('money changes are on disk at once; progress is coalesced and flushed', async () => {
  const dir = tempDir();
  const j = Journal.create(dir, init('20261125-1321-aaaa'), 200);
  const read = () => JSON.parse(fs.readFileSync(j.file, 'utf8'));
  j.now((d) => d.machines.push({ provider: 'vast', name: 'gpuburst-x-1', offerId: '1', gpu: 'RTX 4090', gpuCount: 1, usdPerHour: 0.4, region: 'US', state: 'intended', intendedAt: 'now', watchdog: { armed: true, via: 'machine-scoped-key' } }));
  expect(read().machines[0].state).toBe('intended');
  j.later((d) => d.prompts.push({ id: 'p1', workflow: 'w', state: 'done' }));
  expect(read().prompts).toHaveLength(0);
  await new Promise((r) => setTimeout(r, 350));
  expect(read().prompts).toHaveLength(1);
  j.later((d) => (d.prompts[0].state = 'failed'));
  j.flush();
  expect(read().prompts[0].state).toBe('failed');
  expect(fs.readdirSync(path.dirname(j.file)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  expect(Journal.load(dir, '20261125-1321-aaaa')!.data.machines[0].name).toBe('gpuburst-x-1');
  expect(Journal.list(dir).map((s) => s.id)).toEqual(['20261125-1321-aaaa']);
});

test('the request goes to disk as parsed and comes back through the same schema, unchanged', () => {
  const dir = tempDir();
  Journal.create(dir, init('20261125-1321-cccc'));
  const back = Journal.load(dir, '20261125-1321-cccc')!.data;
  expect(back.version).toBe(2);
  expect(back.request).toEqual(request);
  expect(back.request).toEqual(parseSessionRequest(JSON.parse(JSON.stringify(request))));
  expect(Journal.list(dir)[0].request).toEqual(request);
});

test('a request edited into something the schema refuses is one error naming the file and the field', () => {
  const dir = tempDir();
  const j = Journal.create(dir, init('20261125-1321-dddd'));
  const raw = JSON.parse(fs.readFileSync(j.file, 'utf8'));
  raw.request.heartbeatMinutes = 0;
  fs.writeFileSync(j.file, JSON.stringify(raw));
  expect(() => Journal.load(dir, '20261125-1321-dddd')).toThrow(`${j.file}: request.heartbeatMinutes: 0 is not accepted; accepted: a number > 0 and ≤ 1440 (minutes), e.g. 10 or 0.5`);
});

/** A journal as the previous gpuburst wrote it: loose `options`, `batchFile` and `budgetUsd` at the top. */
function version1(over: Record<string, unknown> = {}) {
  return {
    version: 1,
    id: '20261101-0900-beef',
    createdAt: '2026-11-01T09:00:00.000Z',
    updatedAt: '2026-11-01T09:05:00.000Z',
    status: 'rendering',
    owner: { pid: 2 ** 22 + 99, host: os.hostname() },
    batchFile: '/home/me/b.yaml',
    outDir: '/home/me/out/20261101-0900-beef',
    options: { provider: 'lambda', gpu: 'A100', pods: 2, teardown: 'stop', idleMinutes: 5, heartbeatMinutes: 3000, remoteKey: false, model: 'sdxl', comfyUrls: [], simulated: false, ...over },
    budgetUsd: 4,
    machines: [],
    prompts: [{ id: 'p1', workflow: 'w', state: 'done' }],
  };
}

test('a version 1 journal is mapped once onto the request (a watchdog window above a day is read as a day)', () => {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, 'sessions'), { recursive: true });
  fs.writeFileSync(sessionFile(dir, '20261101-0900-beef'), JSON.stringify(version1()));
  const j = Journal.load(dir, '20261101-0900-beef')!;
  expect(j.data.request).toEqual({
    batchFile: '/home/me/b.yaml',
    provider: 'lambda',
    gpu: 'A100',
    pods: 2,
    maxCostUsd: 4,
    interruptible: false,
    model: 'sdxl',
    teardown: 'stop',
    teardownOnSuccess: true,
    idleMinutes: 5,
    heartbeatMinutes: 1440,
    remoteKey: false,
    comfyUrls: [],
    simulated: false,
  });
  expect(j.data).not.toHaveProperty('options');
  expect(j.data.prompts).toHaveLength(1);
  j.claim(); // the next write is version 2
  expect(JSON.parse(fs.readFileSync(j.file, 'utf8'))).toMatchObject({ version: 2, request: { maxCostUsd: 4, heartbeatMinutes: 1440 } });
});

test('a version 1 journal the schema cannot read is refused in one line naming the old key', () => {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, 'sessions'), { recursive: true });
  fs.writeFileSync(sessionFile(dir, '20261101-0900-beef'), JSON.stringify(version1({ teardown: 'explode' })));
  expect(() => Journal.load(dir, '20261101-0900-beef')).toThrow(/ \(a version 1 journal\): options\.teardown: "explode" is not accepted; accepted: terminate, stop$/);
  // status, down and sweep still see it (as damaged): a session nobody can read may own a live machine.
  expect(Journal.list(dir)).toEqual([]);
  const found = readSession({ id: '20261101-0900-beef', file: sessionFile(dir, '20261101-0900-beef'), stateDir: dir });
  expect(found.damaged).toMatchObject({ id: '20261101-0900-beef', reason: expect.stringMatching(/options\.teardown: "explode" is not accepted/) });
});

test('a session is live while its owner process runs and not finished', () => {
  const dir = tempDir();
  const j = Journal.create(dir, init('20261125-1321-bbbb'));
  expect(isLive(j.data)).toBe(true);
  expect(isLive({ ...j.data, status: 'done' })).toBe(false);
  expect(isLive({ ...j.data, owner: { ...j.data.owner, pid: 2 ** 22 + 12345 } })).toBe(false);
});
