// Original file: lethe/v1/admin.proto


export interface DrainWorkerRequest {
  'name'?: (string);
}

export interface DrainWorkerRequest__Output {
  'name': (string);
}
