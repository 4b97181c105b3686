module.exports = require('./tmp-guard.cjs').globalSetup;
