// Original file: lethe/v1/inference.proto

import type { Tensor as _lethe_v1_Tensor, Tensor__Output as _lethe_v1_Tensor__Output } from '../../lethe/v1/Tensor.js';
import type { Long } from '@grpc/proto-loader';

export interface PredictRequest {
  'run'?: (string);
  'inputs'?: (_lethe_v1_Tensor | null);
  'minRevision'?: (number | string | Long);
  'maxStalenessMs'?: (number);
}

export interface PredictRequest__Output {
  'run': (string);
  'inputs': (_lethe_v1_Tensor__Output | null);
  'minRevision': (string);
  'maxStalenessMs': (number);
}
