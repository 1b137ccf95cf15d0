// Original file: lethe/v1/runs.proto


export interface GetRunRequest {
  'name'?: (string);
}

export interface GetRunRequest__Output {
  'name': (string);
}
