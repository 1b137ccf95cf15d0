// Original file: lethe/v1/deletion.proto


export interface WhereIsRequest {
  'run'?: (string);
  'sampleId'?: (string);
  'maxStalenessMs'?: (number);
}

export interface WhereIsRequest__Output {
  'run': (string);
  'sampleId': (string);
  'maxStalenessMs': (number);
}
