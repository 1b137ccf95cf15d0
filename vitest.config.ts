import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Integration tests start real etcd/NATS servers and child processes: give them room on 2 cores. The unit tier
    // runs in worker threads, a pool of its own, so vitest runs it beside the integration tier's one fork (pools run
    // concurrently, files of one pool in turn): the integration tier alone keeps ~1.15 cores busy, mostly waiting on
    // servers and child processes, and the unit tier fills the other core (a clean-clone CI: ~460 s instead of 642 s).
    // The benchmarks' quick runs sit with the unit tier: both sides then sum ~445 s of test time (a 513 s run).
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: { name: 'unit', pool: 'threads', include: ['shared/src/**/*.test.ts', 'coordinator/src/**/*.test.ts', 'worker/src/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'integration', include: ['test/**/*.test.ts'], exclude: ['test/bench/**'], pool: 'forks', poolOptions: { forks: { singleFork: true } } },
      },
      {
        // The benchmarks' --quick runs (child processes, no shared server): in the threads pool beside the unit tier,
        // which has room, rather than in the integration tier's one fork, which is the suite's critical path.
        extends: true,
        test: { name: 'bench', pool: 'threads', include: ['test/bench/**/*.test.ts'] },
      },
    ],
  },
});
