// Original file: lethe/v1/runs.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CreateRunRequest as _lethe_v1_CreateRunRequest, CreateRunRequest__Output as _lethe_v1_CreateRunRequest__Output } from '../../lethe/v1/CreateRunRequest.js';
import type { DeleteRunRequest as _lethe_v1_DeleteRunRequest, DeleteRunRequest__Output as _lethe_v1_DeleteRunRequest__Output } from '../../lethe/v1/DeleteRunRequest.js';
import type { Empty as _google_protobuf_Empty, Empty__Output as _google_protobuf_Empty__Output } from '../../google/protobuf/Empty.js';
import type { GetRunRequest as _lethe_v1_GetRunRequest, GetRunRequest__Output as _lethe_v1_GetRunRequest__Output } from '../../lethe/v1/GetRunRequest.js';
import type { ListRunsRequest as _lethe_v1_ListRunsRequest, ListRunsRequest__Output as _lethe_v1_ListRunsRequest__Output } from '../../lethe/v1/ListRunsRequest.js';
import type { ListRunsResponse as _lethe_v1_ListRunsResponse, ListRunsResponse__Output as _lethe_v1_ListRunsResponse__Output } from '../../lethe/v1/ListRunsResponse.js';
import type { Operation as _google_longrunning_Operation, Operation__Output as _google_longrunning_Operation__Output } from '../../google/longrunning/Operation.js';
import type { RetryRunRequest as _lethe_v1_RetryRunRequest, RetryRunRequest__Output as _lethe_v1_RetryRunRequest__Output } from '../../lethe/v1/RetryRunRequest.js';
import type { Run as _lethe_v1_Run, Run__Output as _lethe_v1_Run__Output } from '../../lethe/v1/Run.js';
import type { UpdateRetrainingPolicyRequest as _lethe_v1_UpdateRetrainingPolicyRequest, UpdateRetrainingPolicyRequest__Output as _lethe_v1_UpdateRetrainingPolicyRequest__Output } from '../../lethe/v1/UpdateRetrainingPolicyRequest.js';
import type { UpdateTaskSilenceTimeoutRequest as _lethe_v1_UpdateTaskSilenceTimeoutRequest, UpdateTaskSilenceTimeoutRequest__Output as _lethe_v1_UpdateTaskSilenceTimeoutRequest__Output } from '../../lethe/v1/UpdateTaskSilenceTimeoutRequest.js';

export interface RunServiceClient extends grpc.Client {
  CreateRun(argument: _lethe_v1_CreateRunRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_longrunning_Operation__Output>): grpc.ClientUnaryCall;
  CreateRun(argument: _lethe_v1_CreateRunRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_longrunning_Operation__Output>): grpc.ClientUnaryCall;
  CreateRun(argument: _lethe_v1_CreateRunRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_longrunning_Operation__Output>): grpc.ClientUnaryCall;
  CreateRun(argument: _lethe_v1_CreateRunRequest, callback: grpc.requestCallback<_google_longrunning_Operation__Output>): grpc.ClientUnaryCall;
  createRun(argument: _lethe_v1_CreateRunRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_longrunning_Operation__Output>): grpc.ClientUnaryCall;
  createRun(argument: _lethe_v1_CreateRunRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_longrunning_Operation__Output>): grpc.ClientUnaryCall;
  createRun(argument: _lethe_v1_CreateRunRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_longrunning_Operation__Output>): grpc.ClientUnaryCall;
  createRun(argument: _lethe_v1_CreateRunRequest, callback: grpc.requestCallback<_google_longrunning_Operation__Output>): grpc.ClientUnaryCall;
  
  DeleteRun(argument: _lethe_v1_DeleteRunRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  DeleteRun(argument: _lethe_v1_DeleteRunRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  DeleteRun(argument: _lethe_v1_DeleteRunRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  DeleteRun(argument: _lethe_v1_DeleteRunRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  deleteRun(argument: _lethe_v1_DeleteRunRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  deleteRun(argument: _lethe_v1_DeleteRunRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  deleteRun(argument: _lethe_v1_DeleteRunRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  deleteRun(argument: _lethe_v1_DeleteRunRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  
  GetRun(argument: _lethe_v1_GetRunRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_Run__Output>): grpc.ClientUnaryCall;
  GetRun(argument: _lethe_v1_GetRunRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_Run__Output>): grpc.ClientUnaryCall;
  GetRun(argument: _lethe_v1_GetRunRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_Run__Output>): grpc.ClientUnaryCall;
  GetRun(argument: _lethe_v1_GetRunRequest, callback: grpc.requestCallback<_lethe_v1_Run__Output>): grpc.ClientUnaryCall;
  getRun(argument: _lethe_v1_GetRunRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_Run__Output>): grpc.ClientUnaryCall;
  getRun(argument: _lethe_v1_GetRunRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_Run__Output>): grpc.ClientUnaryCall;
  getRun(argument: _lethe_v1_GetRunRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_Run__Output>): grpc.ClientUnaryCall;
  getRun(argument: _lethe_v1_GetRunRequest, callback: grpc.requestCallback<_lethe_v1_Run__Output>): grpc.ClientUnaryCall;
  
  ListRuns(argument: _lethe_v1_ListRunsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_ListRunsResponse__Output>): grpc.ClientUnaryCall;
  ListRuns(argument: _lethe_v1_ListRunsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_ListRunsResponse__Output>): grpc.ClientUnaryCall;
  ListRuns(argument: _lethe_v1_ListRunsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_ListRunsResponse__Output>): grpc.ClientUnaryCall;
  ListRuns(argument: _lethe_v1_ListRunsRequest, callback: grpc.requestCallback<_lethe_v1_ListRunsResponse__Output>): grpc.ClientUnaryCall;
  listRuns(argument: _lethe_v1_ListRunsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_ListRunsResponse__Output>): grpc.ClientUnaryCall;
  listRuns(argument: _lethe_v1_ListRunsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_ListRunsResponse__Output>): grpc.ClientUnaryCall;
  listRuns(argument: _lethe_v1_ListRunsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_ListRunsResponse__Output>): grpc.ClientUnaryCall;
  listRuns(argument: _lethe_v1_ListRunsRequest, callback: grpc.requestCallback<_lethe_v1_ListRunsResponse__Output>): grpc.ClientUnaryCall;
  
  RetryRun(argument: _lethe_v1_RetryRunRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_Run__Output>): grpc.ClientUnaryCall;
  RetryRun(argument: _lethe_v1_RetryRunRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_Run__Output>): grpc.ClientUnaryCall;
  RetryRun(argument: _lethe_v1_RetryRunRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_Run__Output>): grpc.ClientUnaryCall;
  RetryRun(argument: _lethe_v1_RetryRunRequest, callback: grpc.requestCallback<_lethe_v1_Run__Output>): grpc.ClientUnaryCall;
  retryRun(argument: _lethe_v1_RetryRunRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_Run__Output>): grpc.ClientUnaryCall;
  retryRun(argument: _lethe_v1_RetryRunRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_Run__Output>): grpc.ClientUnaryCall;
  retryRun(argument: _lethe_v1_RetryRunRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_Run__Output>): grpc.ClientUnaryCall;
  retryRun(argument: _lethe_v1_RetryRunRequest, callback: grpc.requestCallback<_lethe_v1_Run__Output>): grpc.ClientUnaryCall;
  
  UpdateRetrainingPolicy(argument: _lethe_v1_UpdateRetrainingPolicyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_Run__Output>): grpc.ClientUnaryCall;
  UpdateRetrainingPolicy(argument: _lethe_v1_UpdateRetrainingPolicyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_Run__Output>): grpc.ClientUnaryCall;
  UpdateRetrainingPolicy(argument: _lethe_v1_UpdateRetrainingPolicyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_Run__Output>): grpc.ClientUnaryCall;
  UpdateRetrainingPolicy(argument: _lethe_v1_UpdateRetrainingPolicyRequest, callback: grpc.requestCallback<_lethe_v1_Run__Output>): grpc.ClientUnaryCall;
  updateRetrainingPolicy(argument: _lethe_v1_UpdateRetrainingPolicyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_Run__Output>): grpc.ClientUnaryCall;
  updateRetrainingPolicy(argument: _lethe_v1_UpdateRetrainingPolicyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_Run__Output>): grpc.ClientUnaryCall;
  updateRetrainingPolicy(argument: _lethe_v1_UpdateRetrainingPolicyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_Run__Output>): grpc.ClientUnaryCall;
  updateRetrainingPolicy(argument: _lethe_v1_UpdateRetrainingPolicyRequest, callback: grpc.requestCallback<_lethe_v1_Run__Output>): grpc.ClientUnaryCall;
  
  UpdateTaskSilenceTimeout(argument: _lethe_v1_UpdateTaskSilenceTimeoutRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_Run__Output>): grpc.ClientUnaryCall;
  UpdateTaskSilenceTimeout(argument: _lethe_v1_UpdateTaskSilenceTimeoutRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_Run__Output>): grpc.ClientUnaryCall;
  UpdateTaskSilenceTimeout(argument: _lethe_v1_UpdateTaskSilenceTimeoutRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_Run__Output>): grpc.ClientUnaryCall;
  UpdateTaskSilenceTimeout(argument: _lethe_v1_UpdateTaskSilenceTimeoutRequest, callback: grpc.requestCallback<_lethe_v1_Run__Output>): grpc.ClientUnaryCall;
  updateTaskSilenceTimeout(argument: _lethe_v1_UpdateTaskSilenceTimeoutRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_Run__Output>): grpc.ClientUnaryCall;
  updateTaskSilenceTimeout(argument: _lethe_v1_UpdateTaskSilenceTimeoutRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_Run__Output>): grpc.ClientUnaryCall;
  updateTaskSilenceTimeout(argument: _lethe_v1_UpdateTaskSilenceTimeoutRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_Run__Output>): grpc.ClientUnaryCall;
  updateTaskSilenceTimeout(argument: _lethe_v1_UpdateTaskSilenceTimeoutRequest, callback: grpc.requestCallback<_lethe_v1_Run__Output>): grpc.ClientUnaryCall;
  
}

export interface RunServiceHandlers extends grpc.UntypedServiceImplementation {
  CreateRun: grpc.handleUnaryCall<_lethe_v1_CreateRunRequest__Output, _google_longrunning_Operation>;
  
  DeleteRun: grpc.handleUnaryCall<_lethe_v1_DeleteRunRequest__Output, _google_protobuf_Empty>;
  
  GetRun: grpc.handleUnaryCall<_lethe_v1_GetRunRequest__Output, _lethe_v1_Run>;
  
  ListRuns: grpc.handleUnaryCall<_lethe_v1_ListRunsRequest__Output, _lethe_v1_ListRunsResponse>;
  
  RetryRun: grpc.handleUnaryCall<_lethe_v1_RetryRunRequest__Output, _lethe_v1_Run>;
  
  UpdateRetrainingPolicy: grpc.handleUnaryCall<_lethe_v1_UpdateRetrainingPolicyRequest__Output, _lethe_v1_Run>;
  
  UpdateTaskSilenceTimeout: grpc.handleUnaryCall<_lethe_v1_UpdateTaskSilenceTimeoutRequest__Output, _lethe_v1_Run>;
  
}

export interface RunServiceDefinition extends grpc.ServiceDefinition {
  CreateRun: MethodDefinition<_lethe_v1_CreateRunRequest, _google_longrunning_Operation, _lethe_v1_CreateRunRequest__Output, _google_longrunning_Operation__Output>
  DeleteRun: MethodDefinition<_lethe_v1_DeleteRunRequest, _google_protobuf_Empty, _lethe_v1_DeleteRunRequest__Output, _google_protobuf_Empty__Output>
  GetRun: MethodDefinition<_lethe_v1_GetRunRequest, _lethe_v1_Run, _lethe_v1_GetRunRequest__Output, _lethe_v1_Run__Output>
  ListRuns: MethodDefinition<_lethe_v1_ListRunsRequest, _lethe_v1_ListRunsResponse, _lethe_v1_ListRunsRequest__Output, _lethe_v1_ListRunsResponse__Output>
  RetryRun: MethodDefinition<_lethe_v1_RetryRunRequest, _lethe_v1_Run, _lethe_v1_RetryRunRequest__Output, _lethe_v1_Run__Output>
  UpdateRetrainingPolicy: MethodDefinition<_lethe_v1_UpdateRetrainingPolicyRequest, _lethe_v1_Run, _lethe_v1_UpdateRetrainingPolicyRequest__Output, _lethe_v1_Run__Output>
  UpdateTaskSilenceTimeout: MethodDefinition<_lethe_v1_UpdateTaskSilenceTimeoutRequest, _lethe_v1_Run, _lethe_v1_UpdateTaskSilenceTimeoutRequest__Output, _lethe_v1_Run__Output>
}
