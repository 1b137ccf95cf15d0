// Original file: lethe/v1/worker.proto

import type { WorkerHello as _lethe_v1_WorkerHello, WorkerHello__Output as _lethe_v1_WorkerHello__Output } from '../../lethe/v1/WorkerHello.js';
import type { Heartbeat as _lethe_v1_Heartbeat, Heartbeat__Output as _lethe_v1_Heartbeat__Output } from '../../lethe/v1/Heartbeat.js';
import type { TaskProgress as _lethe_v1_TaskProgress, TaskProgress__Output as _lethe_v1_TaskProgress__Output } from '../../lethe/v1/TaskProgress.js';
import type { TaskResult as _lethe_v1_TaskResult, TaskResult__Output as _lethe_v1_TaskResult__Output } from '../../lethe/v1/TaskResult.js';
import type { TaskRelease as _lethe_v1_TaskRelease, TaskRelease__Output as _lethe_v1_TaskRelease__Output } from '../../lethe/v1/TaskRelease.js';

export interface WorkerMessage {
  'hello'?: (_lethe_v1_WorkerHello | null);
  'heartbeat'?: (_lethe_v1_Heartbeat | null);
  'progress'?: (_lethe_v1_TaskProgress | null);
  'result'?: (_lethe_v1_TaskResult | null);
  'release'?: (_lethe_v1_TaskRelease | null);
  'kind'?: "hello"|"heartbeat"|"progress"|"result"|"release";
}

export interface WorkerMessage__Output {
  'hello'?: (_lethe_v1_WorkerHello__Output | null);
  'heartbeat'?: (_lethe_v1_Heartbeat__Output | null);
  'progress'?: (_lethe_v1_TaskProgress__Output | null);
  'result'?: (_lethe_v1_TaskResult__Output | null);
  'release'?: (_lethe_v1_TaskRelease__Output | null);
  'kind'?: "hello"|"heartbeat"|"progress"|"result"|"release";
}
