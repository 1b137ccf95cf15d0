// Original file: lethe/v1/inference.proto


export interface Tensor {
  'shape'?: (number)[];
  'values'?: (number | string)[];
}

export interface Tensor__Output {
  'shape': (number)[];
  'values': (number)[];
}
