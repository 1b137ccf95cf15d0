// Original file: lethe/v1/jobs.proto

import type { UnlearningJob as _lethe_v1_UnlearningJob, UnlearningJob__Output as _lethe_v1_UnlearningJob__Output } from '../../lethe/v1/UnlearningJob.js';

export interface ListUnlearningJobsResponse {
  'jobs'?: (_lethe_v1_UnlearningJob)[];
  'nextPageToken'?: (string);
}

export interface ListUnlearningJobsResponse__Output {
  'jobs': (_lethe_v1_UnlearningJob__Output)[];
  'nextPageToken': (string);
}
