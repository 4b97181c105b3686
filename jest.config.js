// esbuild transforms our TypeScript and the ESM-only @noble/@scure packages, so tests
// import the real crypto (no mocks). Types are checked separately by `npm run lint`.
export default {
  // node's environment with a private TMPDIR per test file; the run fails if a file leaves
  // anything there (test/support/tmp-guard.cjs)
  testEnvironment: '<rootDir>/test/support/tmp-environment.cjs',
  globalSetup: '<rootDir>/test/support/tmp-setup.cjs',
  globalTeardown: '<rootDir>/test/support/tmp-teardown.cjs',
  // jest's transform cache stays with the checkout, not in the temp directory
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // test/containers needs a Docker engine: `npm run test:containers` runs it (jest.containers.config.js)
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/containers/'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.(t|j)s$': '<rootDir>/test/support/esbuild-transform.cjs' },
  // the temp guard's plain CommonJS runs untransformed (in jest's own process too)
  transformIgnorePatterns: ['/node_modules/(?!(@noble|@scure|micro-packed)/)', '/test/support/tmp-[a-z-]+\\.cjs$'],
  // Tests wait for conditions with their own deadlines; this only catches a hung test. It is
  // generous because the suite shares 2 cores with other work (npm run test:stress).
  testTimeout: 180000,
};
