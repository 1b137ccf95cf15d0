// Original file: google/longrunning/operations.proto


export interface OperationInfo {
  'responseType'?: (string);
  'metadataType'?: (string);
}

export interface OperationInfo__Output {
  'responseType': (string);
  'metadataType': (string);
}
