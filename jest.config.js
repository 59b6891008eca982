/** Jest runs the TypeScript sources through SWC; `tsc --noEmit` type-checks them separately. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  // A test that hangs fails after this; the waits inside fail sooner (tests/helpers/wait-for.ts).
  testTimeout: 240_000,
};
