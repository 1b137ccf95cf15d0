// Original file: lethe/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface CreateTokenRequest {
  'subject'?: (string);
  'roles'?: (string)[];
  'ttlSeconds'?: (number | string | Long);
}

export interface CreateTokenRequest__Output {
  'subject': (string);
  'roles': (string)[];
  'ttlSeconds': (string);
}
