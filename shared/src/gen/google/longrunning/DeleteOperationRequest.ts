// Original file: google/longrunning/operations.proto


export interface DeleteOperationRequest {
  'name'?: (string);
}

export interface DeleteOperationRequest__Output {
  'name': (string);
}
