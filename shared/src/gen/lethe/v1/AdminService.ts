// Original file: lethe/v1/admin.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { DrainWorkerRequest as _lethe_v1_DrainWorkerRequest, DrainWorkerRequest__Output as _lethe_v1_DrainWorkerRequest__Output } from '../../lethe/v1/DrainWorkerRequest.js';
import type { ListWorkersRequest as _lethe_v1_ListWorkersRequest, ListWorkersRequest__Output as _lethe_v1_ListWorkersRequest__Output } from '../../lethe/v1/ListWorkersRequest.js';
import type { ListWorkersResponse as _lethe_v1_ListWorkersResponse, ListWorkersResponse__Output as _lethe_v1_ListWorkersResponse__Output } from '../../lethe/v1/ListWorkersResponse.js';
import type { UndrainWorkerRequest as _lethe_v1_UndrainWorkerRequest, UndrainWorkerRequest__Output as _lethe_v1_UndrainWorkerRequest__Output } from '../../lethe/v1/UndrainWorkerRequest.js';
import type { WorkerInfo as _lethe_v1_WorkerInfo, WorkerInfo__Output as _lethe_v1_WorkerInfo__Output } from '../../lethe/v1/WorkerInfo.js';

export interface AdminServiceClient extends grpc.Client {
  DrainWorker(argument: _lethe_v1_DrainWorkerRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_WorkerInfo__Output>): grpc.ClientUnaryCall;
  DrainWorker(argument: _lethe_v1_DrainWorkerRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_WorkerInfo__Output>): grpc.ClientUnaryCall;
  DrainWorker(argument: _lethe_v1_DrainWorkerRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_WorkerInfo__Output>): grpc.ClientUnaryCall;
  DrainWorker(argument: _lethe_v1_DrainWorkerRequest, callback: grpc.requestCallback<_lethe_v1_WorkerInfo__Output>): grpc.ClientUnaryCall;
  drainWorker(argument: _lethe_v1_DrainWorkerRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_WorkerInfo__Output>): grpc.ClientUnaryCall;
  drainWorker(argument: _lethe_v1_DrainWorkerRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_WorkerInfo__Output>): grpc.ClientUnaryCall;
  drainWorker(argument: _lethe_v1_DrainWorkerRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_WorkerInfo__Output>): grpc.ClientUnaryCall;
  drainWorker(argument: _lethe_v1_DrainWorkerRequest, callback: grpc.requestCallback<_lethe_v1_WorkerInfo__Output>): grpc.ClientUnaryCall;
  
  ListWorkers(argument: _lethe_v1_ListWorkersRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_ListWorkersResponse__Output>): grpc.ClientUnaryCall;
  ListWorkers(argument: _lethe_v1_ListWorkersRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_ListWorkersResponse__Output>): grpc.ClientUnaryCall;
  ListWorkers(argument: _lethe_v1_ListWorkersRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_ListWorkersResponse__Output>): grpc.ClientUnaryCall;
  ListWorkers(argument: _lethe_v1_ListWorkersRequest, callback: grpc.requestCallback<_lethe_v1_ListWorkersResponse__Output>): grpc.ClientUnaryCall;
  listWorkers(argument: _lethe_v1_ListWorkersRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_ListWorkersResponse__Output>): grpc.ClientUnaryCall;
  listWorkers(argument: _lethe_v1_ListWorkersRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_ListWorkersResponse__Output>): grpc.ClientUnaryCall;
  listWorkers(argument: _lethe_v1_ListWorkersRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_ListWorkersResponse__Output>): grpc.ClientUnaryCall;
  listWorkers(argument: _lethe_v1_ListWorkersRequest, callback: grpc.requestCallback<_lethe_v1_ListWorkersResponse__Output>): grpc.ClientUnaryCall;
  
  UndrainWorker(argument: _lethe_v1_UndrainWorkerRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_WorkerInfo__Output>): grpc.ClientUnaryCall;
  UndrainWorker(argument: _lethe_v1_UndrainWorkerRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_WorkerInfo__Output>): grpc.ClientUnaryCall;
  UndrainWorker(argument: _lethe_v1_UndrainWorkerRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_WorkerInfo__Output>): grpc.ClientUnaryCall;
  UndrainWorker(argument: _lethe_v1_UndrainWorkerRequest, callback: grpc.requestCallback<_lethe_v1_WorkerInfo__Output>): grpc.ClientUnaryCall;
  undrainWorker(argument: _lethe_v1_UndrainWorkerRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_WorkerInfo__Output>): grpc.ClientUnaryCall;
  undrainWorker(argument: _lethe_v1_UndrainWorkerRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_WorkerInfo__Output>): grpc.ClientUnaryCall;
  undrainWorker(argument: _lethe_v1_UndrainWorkerRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_WorkerInfo__Output>): grpc.ClientUnaryCall;
  undrainWorker(argument: _lethe_v1_UndrainWorkerRequest, callback: grpc.requestCallback<_lethe_v1_WorkerInfo__Output>): grpc.ClientUnaryCall;
  
}

export interface AdminServiceHandlers extends grpc.UntypedServiceImplementation {
  DrainWorker: grpc.handleUnaryCall<_lethe_v1_DrainWorkerRequest__Output, _lethe_v1_WorkerInfo>;
  
  ListWorkers: grpc.handleUnaryCall<_lethe_v1_ListWorkersRequest__Output, _lethe_v1_ListWorkersResponse>;
  
  UndrainWorker: grpc.handleUnaryCall<_lethe_v1_UndrainWorkerRequest__Output, _lethe_v1_WorkerInfo>;
  
}

export interface AdminServiceDefinition extends grpc.ServiceDefinition {
  DrainWorker: MethodDefinition<_lethe_v1_DrainWorkerRequest, _lethe_v1_WorkerInfo, _lethe_v1_DrainWorkerRequest__Output, _lethe_v1_WorkerInfo__Output>
  ListWorkers: MethodDefinition<_lethe_v1_ListWorkersRequest, _lethe_v1_ListWorkersResponse, _lethe_v1_ListWorkersRequest__Output, _lethe_v1_ListWorkersResponse__Output>
  UndrainWorker: MethodDefinition<_lethe_v1_UndrainWorkerRequest, _lethe_v1_WorkerInfo, _lethe_v1_UndrainWorkerRequest__Output, _lethe_v1_WorkerInfo__Output>
}
