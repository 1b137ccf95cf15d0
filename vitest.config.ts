import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Integration tests start real etcd/NATS servers and child processes: give them room on 2 cores.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['shared/src/**/*.test.ts', 'coordinator/src/**/*.test.ts', 'worker/src/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'integration', include: ['test/**/*.test.ts'], pool: 'forks', poolOptions: { forks: { singleFork: true } } },
      },
    ],
  },
});
