// Original file: lethe/v1/deletion.proto

import type { StageLocation as _lethe_v1_StageLocation, StageLocation__Output as _lethe_v1_StageLocation__Output } from '../../lethe/v1/StageLocation.js';

export interface SampleLocation {
  'sampleId'?: (string);
  'shard'?: (number);
  'slice'?: (number);
  'deleted'?: (boolean);
  'public'?: (boolean);
  'stages'?: (_lethe_v1_StageLocation)[];
  'test'?: (boolean);
}

export interface SampleLocation__Output {
  'sampleId': (string);
  'shard': (number);
  'slice': (number);
  'deleted': (boolean);
  'public': (boolean);
  'stages': (_lethe_v1_StageLocation__Output)[];
  'test': (boolean);
}
