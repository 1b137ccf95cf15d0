import { AckPolicy, DeliverPolicy, JSONCodec, connect } from 'nats';

/** How many StageCommitted events JetStream kept for each stage ("shard/prefix") of a run. */
export async function stageCommits(natsEndpoint: string, run: string): Promise<Map<string, number>> {
  const nc = await connect({ servers: natsEndpoint });
  try {
    const jsm = await nc.jetstreamManager();
    const durable = `audit-${run}`;
    await jsm.consumers.add('LETHE_EVENTS', { durable_name: durable, filter_subject: `lethe.events.stage.${run}`, deliver_policy: DeliverPolicy.All, ack_policy: AckPolicy.None });
    const consumer = await nc.jetstream().consumers.get('LETHE_EVENTS', durable);
    const info = await consumer.info();
    const commits = new Map<string, number>();
    for (let i = 0; i < info.num_pending; i++) {
      const m = await consumer.next({ expires: 2000 });
      if (m === null) break;
      const e = JSONCodec<{ shard: number; stage: string }>().decode(m.data);
      commits.set(`${e.shard}/${e.stage}`, (commits.get(`${e.shard}/${e.stage}`) ?? 0) + 1);
    }
    return commits;
  } finally {
    await nc.close();
  }
}
