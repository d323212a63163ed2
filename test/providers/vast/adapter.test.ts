import { GpuburstError } from '../../../providers/errors';
import type { MachineSpec } from '../../../providers/types';
import { createProvider } from '../../../providers/vast';
import { createBody, labelFor, VAST_LIMITS } from '../../../providers/vast/machine';
import { formatOfferId, parseOfferId } from '../../../providers/vast/offers';
import { offlineWithNock } from '../support/nock';

const spec = (over: Partial<MachineSpec> = {}): MachineSpec => ({
  name: 'gpuburst-s1-a',
  sessionId: 's1',
  offerId: '31001',
  image: 'ghcr.io/ai-dock/comfyui:latest-cuda',
  env: { WEB_TOKEN: 'a-secret-token-value' },
  ports: [{ port: 8188, protocol: 'http' }],
  diskGb: 40,
  ...over,
});

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return (err as GpuburstError).code;
  }
  return undefined;
};

describe('create body limits (create_instance.yaml x-input-validation)', () => {
  test('a boot script without the image start command is refused, not dropped', () => {
    expect(() => createBody(spec({ bootScript: 'watchdog &' }), { bootRuntype: 'ssh' })).toThrow(/imageStartCommand/);
  });

  test('onstart over 4096 characters is refused with the sizes', () => {
    const bootScript = 'x'.repeat(VAST_LIMITS.onstartChars);
    expect(() => createBody(spec({ bootScript, imageStartCommand: 'init.sh' }), { bootRuntype: 'ssh' })).toThrow(/4096/);
    const fits = 'y'.repeat(VAST_LIMITS.onstartChars - 40);
    expect(createBody(spec({ bootScript: fits, imageStartCommand: 'init.sh' }), { bootRuntype: 'ssh' }).onstart!.length).toBeLessThanOrEqual(4096);
  });

  test('an env entry over 256 characters names the variable, never its value', () => {
    const value = 'v'.repeat(300);
    let message = '';
    try {
      createBody(spec({ env: { BIG_SECRET: value } }), { bootRuntype: 'ssh' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('BIG_SECRET');
    expect(message).not.toContain(value.slice(0, 20));
  });

  test('the env total, docker-flag names, bids out of range and a bad image are refused', () => {
    const env = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`V${i}`, 'z'.repeat(200)]));
    expect(codeOf(() => createBody(spec({ env }), { bootRuntype: 'ssh' }))).toBe('ERR_BAD_INPUT');
    expect(codeOf(() => createBody(spec({ env: { '-v /:/host': '1' } }), { bootRuntype: 'ssh' }))).toBe('ERR_BAD_INPUT');
    expect(codeOf(() => createBody(spec(), { bootRuntype: 'ssh', bidUsdPerHour: 200 }))).toBe('ERR_BAD_INPUT');
    expect(codeOf(() => createBody(spec({ image: 'i'.repeat(1025) }), { bootRuntype: 'ssh' }))).toBe('ERR_BAD_INPUT');
  });

  test('disk is at least 8 GB; a long name is shortened to the label limit only', () => {
    expect(createBody(spec({ diskGb: 2 }), { bootRuntype: 'ssh' }).disk).toBe(8);
    expect(labelFor(`gpuburst-${'n'.repeat(400)}`)).toHaveLength(256);
  });
});

describe('offer ids', () => {
  test('round trip, and a foreign id is bad input', () => {
    expect(parseOfferId(formatOfferId(31001))).toEqual({ askId: 31001, bidUsdPerHour: undefined });
    expect(parseOfferId(formatOfferId(31001, 0.14))).toEqual({ askId: 31001, bidUsdPerHour: 0.14 });
    expect(codeOf(() => parseOfferId('NVIDIA GeForce RTX 4090'))).toBe('ERR_BAD_INPUT');
  });
});

describe('adapter without network', () => {
  const provider = createProvider({ baseUrl: 'https://console.vast.ai/api/v0', apiKey: 'k-0123456789', extra: {} });
  offlineWithNock();

  test('kill switch: DELETE own instance with the per-instance key Vast injects; no account key handed over', () => {
    const ks = provider.killSwitch({ name: 'gpuburst-s1-a', remoteKey: 'account-key-should-not-travel' });
    expect(ks).toEqual({
      env: { GPUBURST_API_URL: 'https://console.vast.ai/api/v0' },
      terminate: { method: 'DELETE', url: '${GPUBURST_API_URL}/instances/${CONTAINER_ID}/', headers: { Authorization: 'Bearer ${CONTAINER_API_KEY}' } },
    });
  });

  test('capabilities: stop bills storage, bids, machine-scoped self-termination, per-second billing', () => {
    const c = provider.capabilities();
    expect([c.stop.supported, c.interruptible.supported, c.selfTerminate.via, c.selfTerminate.needsRemoteKey, c.billing.incrementSeconds]).toEqual([true, true, 'machine-scoped-key', false, 1]);
    expect(c.stop.billsWhileStopped).toMatch(/storage/i);
  });

  test('bad ids and names fail before any request', async () => {
    await expect(provider.getMachine({ id: '../../users' })).rejects.toMatchObject({ code: 'ERR_BAD_INPUT' });
    await expect(provider.terminateMachine({ id: 'abc' })).rejects.toMatchObject({ code: 'ERR_BAD_INPUT' });
    await expect(provider.createMachine({ spec: spec({ name: 'not-ours' }) })).rejects.toMatchObject({ code: 'ERR_BAD_INPUT' });
  });
});
