// Original file: lethe/v1/runs.proto

import type { DatasetSpec as _lethe_v1_DatasetSpec, DatasetSpec__Output as _lethe_v1_DatasetSpec__Output } from '../../lethe/v1/DatasetSpec.js';
import type { ModelSpec as _lethe_v1_ModelSpec, ModelSpec__Output as _lethe_v1_ModelSpec__Output } from '../../lethe/v1/ModelSpec.js';
import type { SelectionMethod as _lethe_v1_SelectionMethod, SelectionMethod__Output as _lethe_v1_SelectionMethod__Output } from '../../lethe/v1/SelectionMethod.js';
import type { RetrainingPolicy as _lethe_v1_RetrainingPolicy, RetrainingPolicy__Output as _lethe_v1_RetrainingPolicy__Output } from '../../lethe/v1/RetrainingPolicy.js';

export interface RunSpec {
  'dataset'?: (_lethe_v1_DatasetSpec | null);
  'model'?: (_lethe_v1_ModelSpec | null);
  'shards'?: (number);
  'slices'?: (number);
  'budget'?: (number);
  'selection'?: (_lethe_v1_SelectionMethod);
  'prior'?: (number | string)[];
  'horizon'?: (number | string);
  'epochs'?: (number);
  'seed'?: (number);
  'fallbackToBackbone'?: (boolean);
  'pretrainEpochs'?: (number);
  'retraining'?: (_lethe_v1_RetrainingPolicy | null);
  'taskSilenceTimeoutS'?: (number);
  '_horizon'?: "horizon";
  '_epochs'?: "epochs";
  '_seed'?: "seed";
  '_pretrainEpochs'?: "pretrainEpochs";
  '_taskSilenceTimeoutS'?: "taskSilenceTimeoutS";
}

export interface RunSpec__Output {
  'dataset': (_lethe_v1_DatasetSpec__Output | null);
  'model': (_lethe_v1_ModelSpec__Output | null);
  'shards': (number);
  'slices': (number);
  'budget': (number);
  'selection': (_lethe_v1_SelectionMethod__Output);
  'prior': (number)[];
  'horizon'?: (number);
  'epochs'?: (number);
  'seed'?: (number);
  'fallbackToBackbone': (boolean);
  'pretrainEpochs'?: (number);
  'retraining': (_lethe_v1_RetrainingPolicy__Output | null);
  'taskSilenceTimeoutS'?: (number);
  '_horizon'?: "horizon";
  '_epochs'?: "epochs";
  '_seed'?: "seed";
  '_pretrainEpochs'?: "pretrainEpochs";
  '_taskSilenceTimeoutS'?: "taskSilenceTimeoutS";
}
