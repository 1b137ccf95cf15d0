// Original file: lethe/v1/runs.proto

import type { RunSpec as _lethe_v1_RunSpec, RunSpec__Output as _lethe_v1_RunSpec__Output } from '../../lethe/v1/RunSpec.js';

export interface CreateRunRequest {
  'requestId'?: (string);
  'runId'?: (string);
  'spec'?: (_lethe_v1_RunSpec | null);
}

export interface CreateRunRequest__Output {
  'requestId': (string);
  'runId': (string);
  'spec': (_lethe_v1_RunSpec__Output | null);
}
