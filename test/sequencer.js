/**
 * Starts the slowest test files first, so the workers finish together instead of one running a 60 s file alone
 * at the end. Jest does this only from its own cache of earlier runs, which a fresh clone (CI) does not have; here the
 * durations come from test/durations.json (`node scripts/test-durations.js`), then from jest's cache, then from the
 * file size (jest's own fallback) for files in neither.
 */
const Sequencer = require('@jest/test-sequencer').default;
const path = require('path');
const measured = require('./durations.json');

const ROOT = path.join(__dirname, '..');
/** Bytes of test source per second of run time for files with no measurement (a rough fit; only their order matters). */
const BYTES_PER_SECOND = 4000;

class SlowFirst extends Sequencer {
  sort(tests) {
    const seconds = (test) => {
      const rel = path.relative(ROOT, test.path).split(path.sep).join('/');
      if (measured[rel] !== undefined) return measured[rel];
      const cachedMs = this.time(test);
      if (cachedMs !== undefined) return cachedMs / 1000;
      return (test.context.hasteFS.getSize(test.path) ?? 0) / BYTES_PER_SECOND;
    };
    const weight = new Map(tests.map((t) => [t.path, seconds(t)]));
    return [...tests].sort((a, b) => weight.get(b.path) - weight.get(a.path) || (a.path < b.path ? -1 : 1));
  }
}

module.exports = SlowFirst;
