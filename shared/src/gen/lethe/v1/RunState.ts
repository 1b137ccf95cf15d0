// Original file: lethe/v1/common.proto

export const RunState = {
  RUN_STATE_UNSPECIFIED: 'RUN_STATE_UNSPECIFIED',
  RUN_STATE_PLANNED: 'RUN_STATE_PLANNED',
  RUN_STATE_PRETRAINING: 'RUN_STATE_PRETRAINING',
  RUN_STATE_TRAINING: 'RUN_STATE_TRAINING',
  RUN_STATE_SERVING: 'RUN_STATE_SERVING',
  RUN_STATE_FAILED: 'RUN_STATE_FAILED',
} as const;

export type RunState =
  | 'RUN_STATE_UNSPECIFIED'
  | 0
  | 'RUN_STATE_PLANNED'
  | 1
  | 'RUN_STATE_PRETRAINING'
  | 2
  | 'RUN_STATE_TRAINING'
  | 3
  | 'RUN_STATE_SERVING'
  | 4
  | 'RUN_STATE_FAILED'
  | 5

export type RunState__Output = typeof RunState[keyof typeof RunState]
