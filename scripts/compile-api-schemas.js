#!/usr/bin/env node
// Build step after tsc: the simulators' request validators, compiled once from the API descriptions into
// dist/src/sim/api-schemas/validators.js (see standaloneValidators in src/sim/api-schemas/index.ts).
'use strict';
const fs = require('fs');
const path = require('path');

const dir = path.join(__dirname, '..', 'dist', 'src', 'sim', 'api-schemas');
const { standaloneValidators } = require(path.join(dir, 'index.js'));
fs.writeFileSync(path.join(dir, 'validators.js'), `${standaloneValidators()}\n`);
