import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // One copy of graphql, or GraphQLSchema instances come from "another realm".
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // PGlite instances are large (~700 MB each): keep the number of workers small.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
