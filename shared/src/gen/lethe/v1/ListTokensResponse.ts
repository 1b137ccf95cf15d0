// Original file: lethe/v1/admin.proto

import type { TokenInfo as _lethe_v1_TokenInfo, TokenInfo__Output as _lethe_v1_TokenInfo__Output } from '../../lethe/v1/TokenInfo.js';

export interface ListTokensResponse {
  'tokens'?: (_lethe_v1_TokenInfo)[];
}

export interface ListTokensResponse__Output {
  'tokens': (_lethe_v1_TokenInfo__Output)[];
}
