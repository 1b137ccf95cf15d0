// Original file: lethe/v1/common.proto

import type { TaskKind as _lethe_v1_TaskKind, TaskKind__Output as _lethe_v1_TaskKind__Output } from '../../lethe/v1/TaskKind.js';

export interface ModelSpec {
  'task'?: (_lethe_v1_TaskKind);
  'hiddenUnits'?: (number);
  'blocks'?: (number);
  'loraRank'?: (number);
  'convStem'?: (boolean);
  'learningRate'?: (number | string);
  'batchSize'?: (number);
  'regressionLoss'?: (string);
  'gradientRestriction'?: (number | string);
  '_hiddenUnits'?: "hiddenUnits";
  '_blocks'?: "blocks";
  '_loraRank'?: "loraRank";
  '_learningRate'?: "learningRate";
  '_batchSize'?: "batchSize";
  '_gradientRestriction'?: "gradientRestriction";
}

export interface ModelSpec__Output {
  'task': (_lethe_v1_TaskKind__Output);
  'hiddenUnits'?: (number);
  'blocks'?: (number);
  'loraRank'?: (number);
  'convStem': (boolean);
  'learningRate'?: (number);
  'batchSize'?: (number);
  'regressionLoss': (string);
  'gradientRestriction'?: (number);
  '_hiddenUnits'?: "hiddenUnits";
  '_blocks'?: "blocks";
  '_loraRank'?: "loraRank";
  '_learningRate'?: "learningRate";
  '_batchSize'?: "batchSize";
  '_gradientRestriction'?: "gradientRestriction";
}
