module.exports = require('./tmp-guard.cjs').environment();
