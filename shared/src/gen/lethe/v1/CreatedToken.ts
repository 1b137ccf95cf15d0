// Original file: lethe/v1/admin.proto

import type { TokenInfo as _lethe_v1_TokenInfo, TokenInfo__Output as _lethe_v1_TokenInfo__Output } from '../../lethe/v1/TokenInfo.js';

export interface CreatedToken {
  'token'?: (_lethe_v1_TokenInfo | null);
  'secret'?: (string);
}

export interface CreatedToken__Output {
  'token': (_lethe_v1_TokenInfo__Output | null);
  'secret': (string);
}
