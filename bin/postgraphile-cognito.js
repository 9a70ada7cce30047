#!/usr/bin/env node
'use strict';
// Runs unconditionally (no require.main check): pm2's cluster mode require()s this file.
let cli;
try {
  cli = require('../dist/cli/main.js');
} catch (error) {
  if (error && error.code === 'MODULE_NOT_FOUND' && String(error.message).includes('dist/cli/main')) {
    process.stderr.write('postgraphile-cognito: error: the package is not built\n  hint: run `npm run build` (npm install does it through the prepare script)\n');
    process.exit(1);
  }
  throw error;
}
cli.main(process.argv);
