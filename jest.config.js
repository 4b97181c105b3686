// esbuild transforms our TypeScript and the ESM-only @noble/@scure packages, so tests
// import the real crypto (no mocks). Types are checked separately by `npm run lint`.
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // test/containers needs a Docker engine: `npm run test:containers` runs it (jest.containers.config.js)
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/containers/'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.(t|j)s$': '<rootDir>/test/support/esbuild-transform.cjs' },
  transformIgnorePatterns: ['/node_modules/(?!(@noble|@scure|micro-packed)/)'],
  // Tests wait for conditions with their own deadlines; this only catches a hung test. It is
  // generous because the suite shares 2 cores with other work (npm run test:stress).
  testTimeout: 180000,
};
