/**
 * For test files that pin request shapes with nock: no real connection leaves while they run, and Node's http is given
 * back when they end (nock's interceptor patches it for the whole jest worker; later test files need real sockets).
 */
import nock from 'nock';

export function offlineWithNock(): void {
  beforeAll(() => nock.disableNetConnect());
  afterAll(() => {
    nock.enableNetConnect();
    nock.restore();
  });
}
