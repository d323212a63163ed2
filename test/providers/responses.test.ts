/**
 * What a provider may answer instead of its API's JSON (issue 12): an HTML page, a 27 MB body, JSON of another shape,
 * a refused key behind a page. Every adapter turns each into a typed error with a one-line message, over real HTTP.
 */
import http from 'http';
import type { AddressInfo } from 'net';
import { configFromEnv, createProvider } from '../../providers';
import { GpuburstError } from '../../providers/errors';
import type { CloudProviderName } from '../../providers/types';

interface Answer {
  status: number;
  type: string;
  body: string | Buffer;
}

// A 27 MB answer per request takes a while on a loaded 2-core machine; the cases are about errors, not speed.
jest.setTimeout(60_000);

let answer: Answer;
let server: http.Server;
let url: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    // No keep-alive: a socket reused just as the server times it out would be a reset, not the answer under test.
    res.writeHead(answer.status, { 'content-type': answer.type, connection: 'close' });
    res.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const PAGE = '<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n<body><h1>Bad Gateway</h1></body></html>\n';
const HUGE = Buffer.alloc(27 * 1024 * 1024, 'a');

/** Each adapter pointed at the test server, without retries or pacing so every case is one request deep. */
function provider(name: CloudProviderName) {
  const env: Record<string, Record<string, string>> = {
    runpod: { RUNPOD_API_KEY: 'resp-test-runpod', GPUBURST_RUNPOD_API_URL: url, GPUBURST_RUNPOD_MAX_RETRIES: '0' },
    vast: { VAST_API_KEY: 'resp-test-vast', GPUBURST_VAST_API_URL: `${url}/api/v0`, GPUBURST_VAST_MAX_RETRIES: '0', GPUBURST_VAST_RATE_LIMITS: 'off' },
    lambda: { LAMBDA_API_KEY: 'resp-test-lambda', GPUBURST_LAMBDA_API_URL: `${url}/api/v1`, GPUBURST_LAMBDA_MAX_RETRIES: '0', GPUBURST_LAMBDA_MIN_INTERVAL_MS: '0', GPUBURST_LAMBDA_LAUNCH_INTERVAL_MS: '0' },
    paperspace: {
      PAPERSPACE_API_KEY: 'resp-test-paperspace',
      GPUBURST_PAPERSPACE_API_URL: `${url}/v1`,
      GPUBURST_PAPERSPACE_MAX_RETRIES: '0',
      GPUBURST_PAPERSPACE_MACHINE_TYPES: 'A4000',
      GPUBURST_PAPERSPACE_REGIONS: 'East Coast (NY2)',
    },
  };
  return createProvider(name, configFromEnv(name, env[name]));
}

async function failure(p: Promise<unknown>): Promise<GpuburstError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GpuburstError);
  const e = err as GpuburstError;
  expect(e.message).not.toMatch(/\n|Cannot read properties|undefined is not|<html|<!DOCTYPE/i);
  expect(e.message.length).toBeLessThan(400);
  return e;
}

describe.each(['runpod', 'vast', 'lambda', 'paperspace'] as CloudProviderName[])('%s', (name) => {
  test('an HTML page with 200 is a transient error that says so', async () => {
    answer = { status: 200, type: 'text/html', body: PAGE };
    const e = await failure(provider(name).listOffers({}));
    expect({ code: e.code, message: e.message }).toMatchObject({ code: 'ERR_TRANSIENT' });
    expect(e.message).toMatch(/answered (text\/html: )?an HTML page instead of JSON/);
  });

  test('a 27 MB body is a typed error, not a crash', async () => {
    answer = { status: 200, type: 'application/json', body: HUGE };
    const e = await failure(provider(name).listOffers({}));
    // Not worth another try: the client stops reading at its cap and says so.
    expect({ code: e.code, message: e.message }).toMatchObject({ code: 'ERR_PROVIDER', message: expect.stringMatching(/answered more than 16 MiB; not read/) });
  });

  test('JSON of another shape is a provider error naming the field', async () => {
    answer = { status: 200, type: 'application/json', body: JSON.stringify({ hello: 'world', data: { items: 'no' } }) };
    const e = await failure(provider(name).listOffers({}));
    expect({ code: e.code, message: e.message }).toMatchObject({ code: 'ERR_PROVIDER' });
    expect(e.message).toMatch(/unexpected shape \(.+\)/);
  });

  test('a machine read answered with JSON of another shape is an error, not a machine', async () => {
    answer = { status: 200, type: 'application/json', body: JSON.stringify({ unexpected: true }) };
    await failure(provider(name).getMachine({ id: '123' }));
  });

  test('a refused key is an AuthError (exit 3), even when the refusal is a page', async () => {
    answer = { status: 401, type: 'text/html', body: PAGE };
    const e = await failure(provider(name).listOffers({}));
    expect({ code: e.code, message: e.message }).toMatchObject({ code: 'ERR_AUTH' });
    answer = { status: 403, type: 'application/json', body: JSON.stringify({ error: 'forbidden' }) };
    const again = await failure(provider(name).listOffers({}));
    expect({ code: again.code, message: again.message }).toMatchObject({ code: 'ERR_AUTH' });
  });

  test('a server error page is transient and its HTML stays out of the message', async () => {
    answer = { status: 502, type: 'text/html', body: PAGE };
    const e = await failure(provider(name).listOffers({}));
    expect({ code: e.code, message: e.message }).toMatchObject({ code: 'ERR_TRANSIENT' });
  });
});
