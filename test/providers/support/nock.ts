/**
 * For test files that pin request shapes with nock: no real connection leaves while they run, and Node's http is given
 * back when they end (nock's interceptor patches it for the whole jest worker; later test files need real sockets).
 * The HTTP client speaks undici, which nock cannot see, so it is routed through Node's http meanwhile.
 */
import nock from 'nock';
import { useDispatcher } from '../../../providers/http';
import { NodeHttpDispatcher } from './node-http-dispatcher';

export function offlineWithNock(): void {
  beforeAll(() => {
    nock.disableNetConnect();
    useDispatcher(new NodeHttpDispatcher());
  });
  afterAll(() => {
    useDispatcher(undefined);
    nock.enableNetConnect();
    nock.restore();
  });
}
