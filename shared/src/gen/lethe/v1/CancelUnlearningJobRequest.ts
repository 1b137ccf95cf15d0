// Original file: lethe/v1/jobs.proto


export interface CancelUnlearningJobRequest {
  'name'?: (string);
}

export interface CancelUnlearningJobRequest__Output {
  'name': (string);
}
