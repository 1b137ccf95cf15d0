// Original file: lethe/v1/jobs.proto

import type { SampleIds as _lethe_v1_SampleIds, SampleIds__Output as _lethe_v1_SampleIds__Output } from '../../lethe/v1/SampleIds.js';

export interface ForgetSet {
  'sampleIds'?: (_lethe_v1_SampleIds | null);
  'classLabel'?: (number);
  'unlabelled'?: (boolean);
  'selector'?: "sampleIds"|"classLabel";
}

export interface ForgetSet__Output {
  'sampleIds'?: (_lethe_v1_SampleIds__Output | null);
  'classLabel'?: (number);
  'unlabelled': (boolean);
  'selector'?: "sampleIds"|"classLabel";
}
