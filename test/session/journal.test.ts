import fs from 'fs';
import os from 'os';
import path from 'path';
import { isLive, Journal } from '../../src/session/journal';

function init(id: string) {
  return { id, status: 'planning' as const, batchFile: 'b.yaml', outDir: 'out', options: {}, machines: [], prompts: [] };
}

test('money changes are on disk at once; progress is coalesced and flushed', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-journal-'));
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

test('a session is live while its owner process runs and not finished', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpuburst-journal-'));
  const j = Journal.create(dir, init('20261125-1321-bbbb'));
  expect(isLive(j.data)).toBe(true);
  expect(isLive({ ...j.data, status: 'done' })).toBe(false);
  expect(isLive({ ...j.data, owner: { ...j.data.owner, pid: 2 ** 22 + 12345 } })).toBe(false);
});
