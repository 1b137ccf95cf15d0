// Original file: lethe/v1/runs.proto

import type { RunState as _lethe_v1_RunState, RunState__Output as _lethe_v1_RunState__Output } from '../../lethe/v1/RunState.js';

export interface CreateRunProgress {
  'run'?: (string);
  'state'?: (_lethe_v1_RunState);
  'stagesTotal'?: (number);
  'stagesCommitted'?: (number);
}

export interface CreateRunProgress__Output {
  'run': (string);
  'state': (_lethe_v1_RunState__Output);
  'stagesTotal': (number);
  'stagesCommitted': (number);
}
