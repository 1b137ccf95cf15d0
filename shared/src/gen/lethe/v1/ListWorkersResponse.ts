// Original file: lethe/v1/admin.proto

import type { WorkerInfo as _lethe_v1_WorkerInfo, WorkerInfo__Output as _lethe_v1_WorkerInfo__Output } from '../../lethe/v1/WorkerInfo.js';

export interface ListWorkersResponse {
  'workers'?: (_lethe_v1_WorkerInfo)[];
}

export interface ListWorkersResponse__Output {
  'workers': (_lethe_v1_WorkerInfo__Output)[];
}
