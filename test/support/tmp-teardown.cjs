module.exports = require('./tmp-guard.cjs').globalTeardown;
