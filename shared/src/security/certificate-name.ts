import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** The subject CN of the first certificate in a PEM file: the identity the coordinator reads from it. */
export function certificateName(certFile: string): string {
  const subject = new X509Certificate(readFileSync(certFile)).subject;
  const cn = subject.split('\n').find((l) => l.startsWith('CN='));
  if (cn === undefined) throw new Error(`certificate ${certFile} has no subject CN`);
  return cn.slice(3);
}
