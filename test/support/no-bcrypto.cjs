// Preload (node --require) that makes bcrypto unloadable in this process and its worker
// threads, as on a machine where its native build failed or npm skipped the optional
// dependency: cairnd must then start on the WASM verifier and say why.
const Module = require('node:module');

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'bcrypto' || request.startsWith('bcrypto/')) {
    const e = new Error(`Cannot find module '${request}' (bcrypto hidden by test/support/no-bcrypto.cjs)`);
    e.code = 'MODULE_NOT_FOUND';
    throw e;
  }
  return resolve.call(this, request, ...rest);
};
