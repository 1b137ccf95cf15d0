import { Command } from 'commander';

export interface DemoFlags {
  etcd?: string;
  nats?: string;
  workers: string;
  deletions: string;
  quick?: boolean;
  json?: boolean;
}

/** `lethe demo`: the quick start's main job (demo-run.ts, loaded only when it runs: other verbs start faster). */
export function demoCommand(): Command {
  return new Command('demo')
    .description('the end-to-end demo: train S3T on MNIST, serve, delete, retrain (embedded; no servers needed)')
    .option('--etcd <endpoints>', 'use a real etcd instead of the in-memory twin')
    .option('--nats <servers>', 'use a real NATS (JetStream) instead of the in-memory twin')
    .option('--workers <n>', 'in-process workers (one training thread each)', '2')
    .option('--deletions <n>', 'deletion requests, one sample each', '20')
    .option('--quick', 'a smaller run (a quarter of MNIST, fewer epochs)')
    .option('--json', 'print the summary as one JSON object on the last line')
    .action(async (flags: DemoFlags) => (await import('./demo-run.js')).runDemo(flags));
}
