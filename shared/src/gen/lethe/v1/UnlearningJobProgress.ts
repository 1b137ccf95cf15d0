// Original file: lethe/v1/jobs.proto

import type { JobState as _lethe_v1_JobState, JobState__Output as _lethe_v1_JobState__Output } from '../../lethe/v1/JobState.js';

export interface UnlearningJobProgress {
  'job'?: (string);
  'state'?: (_lethe_v1_JobState);
  'progress'?: (number | string);
  'phase'?: (string);
  'attempt'?: (number);
}

export interface UnlearningJobProgress__Output {
  'job': (string);
  'state': (_lethe_v1_JobState__Output);
  'progress': (number);
  'phase': (string);
  'attempt': (number);
}
