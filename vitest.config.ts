import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // the fuzzer is its own CI step (.ci/run) and `npm run fuzz`; FUZZ=1 selects it
    exclude: process.env.FUZZ === '1' ? configDefaults.exclude : [...configDefaults.exclude, 'test/fuzz/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
