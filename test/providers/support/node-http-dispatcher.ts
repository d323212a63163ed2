/**
 * An undici dispatcher that sends through Node's own http/https modules. The HTTP client speaks undici, which nock
 * cannot see; nock test files route it through here (see ./nock) so their pinned request shapes still apply.
 */
import http from 'http';
import https from 'https';
import { Dispatcher } from 'undici';

export class NodeHttpDispatcher extends Dispatcher {
  override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandlers): boolean {
    const url = new URL(opts.path, String(opts.origin));
    const mod = url.protocol === 'https:' ? https : http;
    const headers = opts.headers as Record<string, string> | undefined;
    const req = mod.request(url, { method: opts.method, headers }, (res) => {
      const resume = () => void res.resume();
      handler.onHeaders?.(res.statusCode ?? 0, res.rawHeaders as unknown as Buffer[], resume, res.statusMessage ?? '');
      res.on('data', (chunk: Buffer) => {
        if (handler.onData?.(chunk) === false) res.pause();
      });
      res.on('end', () => handler.onComplete?.([]));
      res.on('error', (err) => handler.onError?.(err));
    });
    req.on('error', (err) => handler.onError?.(err));
    handler.onConnect?.((err?: Error) => req.destroy(err ?? new Error('aborted')));
    const body = opts.body;
    req.end(typeof body === 'string' || Buffer.isBuffer(body) ? body : undefined);
    return true;
  }

  override async close(): Promise<void> {}
  override async destroy(): Promise<void> {}
}
