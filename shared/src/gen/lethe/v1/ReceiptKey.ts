// Original file: lethe/v1/deletion.proto


export interface ReceiptKey {
  'keyId'?: (string);
  'algorithm'?: (string);
  'publicKeyPem'?: (string);
}

export interface ReceiptKey__Output {
  'keyId': (string);
  'algorithm': (string);
  'publicKeyPem': (string);
}
