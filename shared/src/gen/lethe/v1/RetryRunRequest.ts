// Original file: lethe/v1/runs.proto


export interface RetryRunRequest {
  'name'?: (string);
}

export interface RetryRunRequest__Output {
  'name': (string);
}
