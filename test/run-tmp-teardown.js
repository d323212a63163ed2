// jest globalTeardown: removes the run's temporary folder (./run-tmp.js), once every worker has ended.
const fs = require('fs');

module.exports = async () => {
  const dir = process.env.GPUBURST_TEST_RUN_TMP;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
};
