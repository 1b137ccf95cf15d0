// Original file: lethe/v1/inference.proto

import type { Tensor as _lethe_v1_Tensor, Tensor__Output as _lethe_v1_Tensor__Output } from '../../lethe/v1/Tensor.js';
import type { ServingChoice as _lethe_v1_ServingChoice, ServingChoice__Output as _lethe_v1_ServingChoice__Output } from '../../lethe/v1/ServingChoice.js';
import type { Long } from '@grpc/proto-loader';

export interface PredictResponse {
  'outputs'?: (_lethe_v1_Tensor | null);
  'predictedClasses'?: (number)[];
  'serving'?: (_lethe_v1_ServingChoice)[];
  'revision'?: (number | string | Long);
}

export interface PredictResponse__Output {
  'outputs': (_lethe_v1_Tensor__Output | null);
  'predictedClasses': (number)[];
  'serving': (_lethe_v1_ServingChoice__Output)[];
  'revision': (string);
}
