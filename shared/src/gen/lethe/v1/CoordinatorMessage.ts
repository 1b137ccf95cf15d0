// Original file: lethe/v1/worker.proto

import type { AttachAccepted as _lethe_v1_AttachAccepted, AttachAccepted__Output as _lethe_v1_AttachAccepted__Output } from '../../lethe/v1/AttachAccepted.js';
import type { TaskAssignment as _lethe_v1_TaskAssignment, TaskAssignment__Output as _lethe_v1_TaskAssignment__Output } from '../../lethe/v1/TaskAssignment.js';
import type { TaskCancel as _lethe_v1_TaskCancel, TaskCancel__Output as _lethe_v1_TaskCancel__Output } from '../../lethe/v1/TaskCancel.js';
import type { Drain as _lethe_v1_Drain, Drain__Output as _lethe_v1_Drain__Output } from '../../lethe/v1/Drain.js';
import type { SamplesDeleted as _lethe_v1_SamplesDeleted, SamplesDeleted__Output as _lethe_v1_SamplesDeleted__Output } from '../../lethe/v1/SamplesDeleted.js';
import type { RunDeleted as _lethe_v1_RunDeleted, RunDeleted__Output as _lethe_v1_RunDeleted__Output } from '../../lethe/v1/RunDeleted.js';

export interface CoordinatorMessage {
  'accepted'?: (_lethe_v1_AttachAccepted | null);
  'assignment'?: (_lethe_v1_TaskAssignment | null);
  'cancel'?: (_lethe_v1_TaskCancel | null);
  'drain'?: (_lethe_v1_Drain | null);
  'deleted'?: (_lethe_v1_SamplesDeleted | null);
  'runDeleted'?: (_lethe_v1_RunDeleted | null);
  'kind'?: "accepted"|"assignment"|"cancel"|"drain"|"deleted"|"runDeleted";
}

export interface CoordinatorMessage__Output {
  'accepted'?: (_lethe_v1_AttachAccepted__Output | null);
  'assignment'?: (_lethe_v1_TaskAssignment__Output | null);
  'cancel'?: (_lethe_v1_TaskCancel__Output | null);
  'drain'?: (_lethe_v1_Drain__Output | null);
  'deleted'?: (_lethe_v1_SamplesDeleted__Output | null);
  'runDeleted'?: (_lethe_v1_RunDeleted__Output | null);
  'kind'?: "accepted"|"assignment"|"cancel"|"drain"|"deleted"|"runDeleted";
}
