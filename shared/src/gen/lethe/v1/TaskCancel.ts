// Original file: lethe/v1/worker.proto


export interface TaskCancel {
  'taskId'?: (string);
  'reason'?: (string);
}

export interface TaskCancel__Output {
  'taskId': (string);
  'reason': (string);
}
