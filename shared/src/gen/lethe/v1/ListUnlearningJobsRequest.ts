// Original file: lethe/v1/jobs.proto

import type { JobState as _lethe_v1_JobState, JobState__Output as _lethe_v1_JobState__Output } from '../../lethe/v1/JobState.js';

export interface ListUnlearningJobsRequest {
  'pageSize'?: (number);
  'pageToken'?: (string);
  'state'?: (_lethe_v1_JobState);
}

export interface ListUnlearningJobsRequest__Output {
  'pageSize': (number);
  'pageToken': (string);
  'state': (_lethe_v1_JobState__Output);
}
