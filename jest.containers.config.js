// `npm run test:containers`: the suites under test/containers, which drive a Docker engine
// (Compose and a one-machine Swarm). One at a time: they share the engine and its image.
import base from './jest.config.js';

export default {
  ...base,
  roots: ['<rootDir>/test/containers'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 10 * 60_000,
  maxWorkers: 1,
  verbose: true,
};
