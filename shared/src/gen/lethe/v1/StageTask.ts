// Original file: lethe/v1/worker.proto

import type { StageRef as _lethe_v1_StageRef, StageRef__Output as _lethe_v1_StageRef__Output } from '../../lethe/v1/StageRef.js';
import type { SliceRef as _lethe_v1_SliceRef, SliceRef__Output as _lethe_v1_SliceRef__Output } from '../../lethe/v1/SliceRef.js';

export interface StageTask {
  'run'?: (string);
  'stage'?: (_lethe_v1_StageRef | null);
  'ordering'?: (number)[];
  'slices'?: (_lethe_v1_SliceRef)[];
  'parentArtifact'?: (string);
  'backboneArtifact'?: (string);
  'epochs'?: (number);
  'seed'?: (number);
  'excludedSampleIds'?: (string)[];
  'sharingOrderings'?: (number)[];
  'runSpecJson'?: (string);
  'salt'?: (string);
  'sampleIdKey'?: (string);
}

export interface StageTask__Output {
  'run': (string);
  'stage': (_lethe_v1_StageRef__Output | null);
  'ordering': (number)[];
  'slices': (_lethe_v1_SliceRef__Output)[];
  'parentArtifact': (string);
  'backboneArtifact': (string);
  'epochs': (number);
  'seed': (number);
  'excludedSampleIds': (string)[];
  'sharingOrderings': (number)[];
  'runSpecJson': (string);
  'salt': (string);
  'sampleIdKey': (string);
}
