import { Command } from 'commander';
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ErrorCode, LetheError } from '../../../shared/src/errors/errors.js';
import { verifyReceipt, type ReceiptLike } from '../../../shared/src/domain/receipt-signature.js';
import type { DeletionReceipt__Output } from '../../../shared/src/gen/lethe/v1/DeletionReceipt.js';
import { COORDINATOR_OPTION, withClient } from './cli-common.js';

/** A receipt as `lethe delete --json` prints it and `--receipt` saves it: the signature in base64. */
export function receiptJson(r: DeletionReceipt__Output): string {
  return JSON.stringify({ ...r, signature: Buffer.from(r.signature).toString('base64') });
}

/** `lethe receipt key|verify`: the receipt signing key, and an offline check of a saved receipt. */
export function receiptCommand(): Command {
  const receipt = new Command('receipt').description('signed deletion receipts: the signing key, and checking a receipt');
  receipt.addCommand(
    new Command('key')
      .description('print the public key that signs receipts (PEM), for offline checks')
      .option(...COORDINATOR_OPTION)
      .action(async (f: { coordinator: string }) =>
        withClient(f.coordinator, async (c) => {
          const k = await c.getReceiptKey();
          process.stderr.write(`key ${k.keyId} (${k.algorithm})\n`);
          process.stdout.write(k.publicKeyPem);
        }),
      ),
  );
  receipt.addCommand(
    new Command('verify')
      .description('check a saved receipt (lethe delete --receipt FILE) against the signing key; exit 0 when it is authentic')
      .argument('<file>', 'the receipt as JSON')
      .option('--public-key <pem>', 'the signing key (lethe receipt key > key.pem): checks offline, without a coordinator')
      .option(...COORDINATOR_OPTION)
      .action(async (file: string, f: { publicKey?: string; coordinator: string }) => {
        let r: ReceiptLike & { signature?: string; keyId?: string };
        try {
          r = JSON.parse(readFileSync(file, 'utf8')) as typeof r;
        } catch (e) {
          throw new LetheError(ErrorCode.INVALID_ARGUMENT, `cannot read a receipt from ${file}: ${e instanceof Error ? e.message : String(e)}`);
        }
        const pem = f.publicKey !== undefined ? readFileSync(f.publicKey, 'utf8') : await withClient(f.coordinator, async (c) => (await c.getReceiptKey()).publicKeyPem);
        const check = verifyReceipt(r, createPublicKey(pem));
        if (!check.ok) throw new LetheError(ErrorCode.FAILED_PRECONDITION, `receipt ${r.name ?? ''} is NOT authentic: ${check.reason}`);
        process.stdout.write(`receipt ${r.name ?? ''} is authentic: signed by key ${r.keyId ?? ''}\n`);
      }),
  );
  return receipt;
}
