// Original file: lethe/v1/jobs.proto


export interface GetUnlearningJobRequest {
  'name'?: (string);
}

export interface GetUnlearningJobRequest__Output {
  'name': (string);
}
