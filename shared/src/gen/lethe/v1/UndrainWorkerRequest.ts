// Original file: lethe/v1/admin.proto


export interface UndrainWorkerRequest {
  'name'?: (string);
}

export interface UndrainWorkerRequest__Output {
  'name': (string);
}
