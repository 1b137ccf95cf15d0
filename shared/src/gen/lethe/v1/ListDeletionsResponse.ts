// Original file: lethe/v1/deletion.proto

import type { Deletion as _lethe_v1_Deletion, Deletion__Output as _lethe_v1_Deletion__Output } from '../../lethe/v1/Deletion.js';

export interface ListDeletionsResponse {
  'deletions'?: (_lethe_v1_Deletion)[];
  'nextPageToken'?: (string);
}

export interface ListDeletionsResponse__Output {
  'deletions': (_lethe_v1_Deletion__Output)[];
  'nextPageToken': (string);
}
