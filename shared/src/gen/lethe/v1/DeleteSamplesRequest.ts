// Original file: lethe/v1/deletion.proto


export interface DeleteSamplesRequest {
  'requestId'?: (string);
  'run'?: (string);
  'sampleIds'?: (string)[];
}

export interface DeleteSamplesRequest__Output {
  'requestId': (string);
  'run': (string);
  'sampleIds': (string)[];
}
