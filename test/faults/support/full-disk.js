/**
 * Test seam for the fault matrix's "full output disk", preloaded into a `gpuburst` child process with
 * `NODE_OPTIONS=--require <this file>` (no root, no tiny tmpfs needed). Files opened below
 * GPUBURST_TEST_FULL_DISK_DIR: the first GPUBURST_TEST_FULL_DISK_AFTER_FILES of them are written normally; every
 * write to a later one fails as a full disk does (ENOSPC). Everything else (the journal) is untouched.
 */
'use strict';
const fs = require('fs');
const path = require('path');

const dir = process.env.GPUBURST_TEST_FULL_DISK_DIR;
if (dir) {
  const root = path.resolve(dir) + path.sep;
  const allowedFiles = Number(process.env.GPUBURST_TEST_FULL_DISK_AFTER_FILES || 0);
  const full = new Set();
  let opened = 0;
  const { openSync, closeSync, writeSync } = fs;
  fs.openSync = function (file, ...rest) {
    const fd = openSync.call(fs, file, ...rest);
    if (typeof file === 'string' && path.resolve(file).startsWith(root) && ++opened > allowedFiles) full.add(fd);
    return fd;
  };
  fs.closeSync = function (fd) {
    full.delete(fd);
    return closeSync.call(fs, fd);
  };
  fs.writeSync = function (fd, ...rest) {
    if (full.has(fd)) {
      const err = new Error('ENOSPC: no space left on device, write');
      Object.assign(err, { code: 'ENOSPC', errno: -28, syscall: 'write' });
      throw err;
    }
    return writeSync.call(fs, fd, ...rest);
  };
}
