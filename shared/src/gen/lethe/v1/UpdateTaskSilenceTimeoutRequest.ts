// Original file: lethe/v1/runs.proto


export interface UpdateTaskSilenceTimeoutRequest {
  'name'?: (string);
  'taskSilenceTimeoutS'?: (number);
  '_taskSilenceTimeoutS'?: "taskSilenceTimeoutS";
}

export interface UpdateTaskSilenceTimeoutRequest__Output {
  'name': (string);
  'taskSilenceTimeoutS'?: (number);
  '_taskSilenceTimeoutS'?: "taskSilenceTimeoutS";
}
