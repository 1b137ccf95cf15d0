// Original file: lethe/v1/inference.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { PredictRequest as _lethe_v1_PredictRequest, PredictRequest__Output as _lethe_v1_PredictRequest__Output } from '../../lethe/v1/PredictRequest.js';
import type { PredictResponse as _lethe_v1_PredictResponse, PredictResponse__Output as _lethe_v1_PredictResponse__Output } from '../../lethe/v1/PredictResponse.js';

export interface InferenceServiceClient extends grpc.Client {
  Predict(argument: _lethe_v1_PredictRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_PredictResponse__Output>): grpc.ClientUnaryCall;
  Predict(argument: _lethe_v1_PredictRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_PredictResponse__Output>): grpc.ClientUnaryCall;
  Predict(argument: _lethe_v1_PredictRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_PredictResponse__Output>): grpc.ClientUnaryCall;
  Predict(argument: _lethe_v1_PredictRequest, callback: grpc.requestCallback<_lethe_v1_PredictResponse__Output>): grpc.ClientUnaryCall;
  predict(argument: _lethe_v1_PredictRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_PredictResponse__Output>): grpc.ClientUnaryCall;
  predict(argument: _lethe_v1_PredictRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_PredictResponse__Output>): grpc.ClientUnaryCall;
  predict(argument: _lethe_v1_PredictRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_PredictResponse__Output>): grpc.ClientUnaryCall;
  predict(argument: _lethe_v1_PredictRequest, callback: grpc.requestCallback<_lethe_v1_PredictResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface InferenceServiceHandlers extends grpc.UntypedServiceImplementation {
  Predict: grpc.handleUnaryCall<_lethe_v1_PredictRequest__Output, _lethe_v1_PredictResponse>;
  
}

export interface InferenceServiceDefinition extends grpc.ServiceDefinition {
  Predict: MethodDefinition<_lethe_v1_PredictRequest, _lethe_v1_PredictResponse, _lethe_v1_PredictRequest__Output, _lethe_v1_PredictResponse__Output>
}
