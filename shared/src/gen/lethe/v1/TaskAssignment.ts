// Original file: lethe/v1/worker.proto

import type { StageTask as _lethe_v1_StageTask, StageTask__Output as _lethe_v1_StageTask__Output } from '../../lethe/v1/StageTask.js';
import type { JobTask as _lethe_v1_JobTask, JobTask__Output as _lethe_v1_JobTask__Output } from '../../lethe/v1/JobTask.js';
import type { PretrainTask as _lethe_v1_PretrainTask, PretrainTask__Output as _lethe_v1_PretrainTask__Output } from '../../lethe/v1/PretrainTask.js';
import type { Long } from '@grpc/proto-loader';

export interface TaskAssignment {
  'taskId'?: (string);
  'epoch'?: (number | string | Long);
  'stage'?: (_lethe_v1_StageTask | null);
  'job'?: (_lethe_v1_JobTask | null);
  'pretrain'?: (_lethe_v1_PretrainTask | null);
  'groupId'?: (string);
  'groupSize'?: (number);
  'task'?: "stage"|"job"|"pretrain";
}

export interface TaskAssignment__Output {
  'taskId': (string);
  'epoch': (string);
  'stage'?: (_lethe_v1_StageTask__Output | null);
  'job'?: (_lethe_v1_JobTask__Output | null);
  'pretrain'?: (_lethe_v1_PretrainTask__Output | null);
  'groupId': (string);
  'groupSize': (number);
  'task'?: "stage"|"job"|"pretrain";
}
