import { etcdAuthOf } from '../../../shared/src/security/backing-services.js';
import { loadConfig } from '../../../shared/src/config/load.js';
import { Command } from 'commander';
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ErrorCode, LetheError } from '../../../shared/src/errors/errors.js';
import { verifyAuditLog } from '../../../shared/src/domain/audit-chain.js';
import { readAuditLog } from '../audit/audit-log.js';
import { Keys } from '../state/keys.js';
import { COORDINATOR_OPTION, withClient } from './cli-common.js';

/** `lethe audit verify`: reads the audit log from etcd and checks every record, the chain and the signed head. */
export function auditCommand(): Command {
  const audit = new Command('audit').description('the hash-chained audit log of deletions and administrative actions');
  audit.addCommand(
    new Command('verify')
      .description('check the audit log in etcd: any changed, removed or reordered record fails (exit 1)')
      .requiredOption('--etcd <endpoints>', 'etcd endpoints, comma-separated host:port')
      .option('--prefix <prefix>', 'etcd key prefix', '/lethe/')
      .option('--public-key <pem>', 'the receipt signing key (lethe receipt key > key.pem); else fetched from the coordinator')
      .option(...COORDINATOR_OPTION)
      .action(async (f: { etcd: string; prefix: string; publicKey?: string; coordinator: string }) => {
        // Loaded here only: etcd's client (~0.2 s to load) serves this verb alone.
        const { EtcdStateStore } = await import('../../../shared/src/adapters/etcd/etcd-state-store.js');
        const store = new EtcdStateStore({ endpoints: f.etcd.split(',').map((e) => e.trim()), auth: etcdAuthOf(loadConfig({})) });
        try {
          const { records, head } = await readAuditLog(store, new Keys(f.prefix));
          const pem = f.publicKey !== undefined ? readFileSync(f.publicKey, 'utf8') : await withClient(f.coordinator, async (c) => (await c.getReceiptKey()).publicKeyPem);
          const check = verifyAuditLog(records, head, createPublicKey(pem));
          if (!check.ok) throw new LetheError(ErrorCode.FAILED_PRECONDITION, `audit log NOT intact at record ${check.seq}: ${check.reason}`);
          process.stdout.write(`audit log intact: ${check.records} record(s), head signed by key ${head?.keyId ?? '(none)'}\n`);
        } finally {
          await store.close();
        }
      }),
  );
  return audit;
}
