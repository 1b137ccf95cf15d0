// Original file: lethe/v1/runs.proto

import type { Run as _lethe_v1_Run, Run__Output as _lethe_v1_Run__Output } from '../../lethe/v1/Run.js';

export interface ListRunsResponse {
  'runs'?: (_lethe_v1_Run)[];
  'nextPageToken'?: (string);
}

export interface ListRunsResponse__Output {
  'runs': (_lethe_v1_Run__Output)[];
  'nextPageToken': (string);
}
