// Original file: lethe/v1/worker.proto


export interface TaskRelease {
  'taskId'?: (string);
  'reason'?: (string);
}

export interface TaskRelease__Output {
  'taskId': (string);
  'reason': (string);
}
