// Original file: lethe/v1/runs.proto


export interface DeleteRunRequest {
  'name'?: (string);
}

export interface DeleteRunRequest__Output {
  'name': (string);
}
