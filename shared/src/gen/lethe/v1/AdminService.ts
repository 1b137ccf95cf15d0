// Original file: lethe/v1/admin.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CreateTokenRequest as _lethe_v1_CreateTokenRequest, CreateTokenRequest__Output as _lethe_v1_CreateTokenRequest__Output } from '../../lethe/v1/CreateTokenRequest.js';
import type { CreatedToken as _lethe_v1_CreatedToken, CreatedToken__Output as _lethe_v1_CreatedToken__Output } from '../../lethe/v1/CreatedToken.js';
import type { DrainWorkerRequest as _lethe_v1_DrainWorkerRequest, DrainWorkerRequest__Output as _lethe_v1_DrainWorkerRequest__Output } from '../../lethe/v1/DrainWorkerRequest.js';
import type { ListTokensRequest as _lethe_v1_ListTokensRequest, ListTokensRequest__Output as _lethe_v1_ListTokensRequest__Output } from '../../lethe/v1/ListTokensRequest.js';
import type { ListTokensResponse as _lethe_v1_ListTokensResponse, ListTokensResponse__Output as _lethe_v1_ListTokensResponse__Output } from '../../lethe/v1/ListTokensResponse.js';
import type { ListWorkersRequest as _lethe_v1_ListWorkersRequest, ListWorkersRequest__Output as _lethe_v1_ListWorkersRequest__Output } from '../../lethe/v1/ListWorkersRequest.js';
import type { ListWorkersResponse as _lethe_v1_ListWorkersResponse, ListWorkersResponse__Output as _lethe_v1_ListWorkersResponse__Output } from '../../lethe/v1/ListWorkersResponse.js';
import type { RevokeTokenRequest as _lethe_v1_RevokeTokenRequest, RevokeTokenRequest__Output as _lethe_v1_RevokeTokenRequest__Output } from '../../lethe/v1/RevokeTokenRequest.js';
import type { TokenInfo as _lethe_v1_TokenInfo, TokenInfo__Output as _lethe_v1_TokenInfo__Output } from '../../lethe/v1/TokenInfo.js';
import type { UndrainWorkerRequest as _lethe_v1_UndrainWorkerRequest, UndrainWorkerRequest__Output as _lethe_v1_UndrainWorkerRequest__Output } from '../../lethe/v1/UndrainWorkerRequest.js';
import type { WorkerInfo as _lethe_v1_WorkerInfo, WorkerInfo__Output as _lethe_v1_WorkerInfo__Output } from '../../lethe/v1/WorkerInfo.js';

export interface AdminServiceClient extends grpc.Client {
  CreateToken(argument: _lethe_v1_CreateTokenRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_CreatedToken__Output>): grpc.ClientUnaryCall;
  CreateToken(argument: _lethe_v1_CreateTokenRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_CreatedToken__Output>): grpc.ClientUnaryCall;
  CreateToken(argument: _lethe_v1_CreateTokenRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_CreatedToken__Output>): grpc.ClientUnaryCall;
  CreateToken(argument: _lethe_v1_CreateTokenRequest, callback: grpc.requestCallback<_lethe_v1_CreatedToken__Output>): grpc.ClientUnaryCall;
  createToken(argument: _lethe_v1_CreateTokenRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_CreatedToken__Output>): grpc.ClientUnaryCall;
  createToken(argument: _lethe_v1_CreateTokenRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_CreatedToken__Output>): grpc.ClientUnaryCall;
  createToken(argument: _lethe_v1_CreateTokenRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_CreatedToken__Output>): grpc.ClientUnaryCall;
  createToken(argument: _lethe_v1_CreateTokenRequest, callback: grpc.requestCallback<_lethe_v1_CreatedToken__Output>): grpc.ClientUnaryCall;
  
  DrainWorker(argument: _lethe_v1_DrainWorkerRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_WorkerInfo__Output>): grpc.ClientUnaryCall;
  DrainWorker(argument: _lethe_v1_DrainWorkerRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_WorkerInfo__Output>): grpc.ClientUnaryCall;
  DrainWorker(argument: _lethe_v1_DrainWorkerRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_WorkerInfo__Output>): grpc.ClientUnaryCall;
  DrainWorker(argument: _lethe_v1_DrainWorkerRequest, callback: grpc.requestCallback<_lethe_v1_WorkerInfo__Output>): grpc.ClientUnaryCall;
  drainWorker(argument: _lethe_v1_DrainWorkerRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_WorkerInfo__Output>): grpc.ClientUnaryCall;
  drainWorker(argument: _lethe_v1_DrainWorkerRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_WorkerInfo__Output>): grpc.ClientUnaryCall;
  drainWorker(argument: _lethe_v1_DrainWorkerRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_WorkerInfo__Output>): grpc.ClientUnaryCall;
  drainWorker(argument: _lethe_v1_DrainWorkerRequest, callback: grpc.requestCallback<_lethe_v1_WorkerInfo__Output>): grpc.ClientUnaryCall;
  
  ListTokens(argument: _lethe_v1_ListTokensRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_ListTokensResponse__Output>): grpc.ClientUnaryCall;
  ListTokens(argument: _lethe_v1_ListTokensRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_ListTokensResponse__Output>): grpc.ClientUnaryCall;
  ListTokens(argument: _lethe_v1_ListTokensRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_ListTokensResponse__Output>): grpc.ClientUnaryCall;
  ListTokens(argument: _lethe_v1_ListTokensRequest, callback: grpc.requestCallback<_lethe_v1_ListTokensResponse__Output>): grpc.ClientUnaryCall;
  listTokens(argument: _lethe_v1_ListTokensRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_ListTokensResponse__Output>): grpc.ClientUnaryCall;
  listTokens(argument: _lethe_v1_ListTokensRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_ListTokensResponse__Output>): grpc.ClientUnaryCall;
  listTokens(argument: _lethe_v1_ListTokensRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_ListTokensResponse__Output>): grpc.ClientUnaryCall;
  listTokens(argument: _lethe_v1_ListTokensRequest, callback: grpc.requestCallback<_lethe_v1_ListTokensResponse__Output>): grpc.ClientUnaryCall;
  
  ListWorkers(argument: _lethe_v1_ListWorkersRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_ListWorkersResponse__Output>): grpc.ClientUnaryCall;
  ListWorkers(argument: _lethe_v1_ListWorkersRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_ListWorkersResponse__Output>): grpc.ClientUnaryCall;
  ListWorkers(argument: _lethe_v1_ListWorkersRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_ListWorkersResponse__Output>): grpc.ClientUnaryCall;
  ListWorkers(argument: _lethe_v1_ListWorkersRequest, callback: grpc.requestCallback<_lethe_v1_ListWorkersResponse__Output>): grpc.ClientUnaryCall;
  listWorkers(argument: _lethe_v1_ListWorkersRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_ListWorkersResponse__Output>): grpc.ClientUnaryCall;
  listWorkers(argument: _lethe_v1_ListWorkersRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_ListWorkersResponse__Output>): grpc.ClientUnaryCall;
  listWorkers(argument: _lethe_v1_ListWorkersRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_ListWorkersResponse__Output>): grpc.ClientUnaryCall;
  listWorkers(argument: _lethe_v1_ListWorkersRequest, callback: grpc.requestCallback<_lethe_v1_ListWorkersResponse__Output>): grpc.ClientUnaryCall;
  
  RevokeToken(argument: _lethe_v1_RevokeTokenRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_TokenInfo__Output>): grpc.ClientUnaryCall;
  RevokeToken(argument: _lethe_v1_RevokeTokenRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_TokenInfo__Output>): grpc.ClientUnaryCall;
  RevokeToken(argument: _lethe_v1_RevokeTokenRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_TokenInfo__Output>): grpc.ClientUnaryCall;
  RevokeToken(argument: _lethe_v1_RevokeTokenRequest, callback: grpc.requestCallback<_lethe_v1_TokenInfo__Output>): grpc.ClientUnaryCall;
  revokeToken(argument: _lethe_v1_RevokeTokenRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_TokenInfo__Output>): grpc.ClientUnaryCall;
  revokeToken(argument: _lethe_v1_RevokeTokenRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_TokenInfo__Output>): grpc.ClientUnaryCall;
  revokeToken(argument: _lethe_v1_RevokeTokenRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_TokenInfo__Output>): grpc.ClientUnaryCall;
  revokeToken(argument: _lethe_v1_RevokeTokenRequest, callback: grpc.requestCallback<_lethe_v1_TokenInfo__Output>): grpc.ClientUnaryCall;
  
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
  CreateToken: grpc.handleUnaryCall<_lethe_v1_CreateTokenRequest__Output, _lethe_v1_CreatedToken>;
  
  DrainWorker: grpc.handleUnaryCall<_lethe_v1_DrainWorkerRequest__Output, _lethe_v1_WorkerInfo>;
  
  ListTokens: grpc.handleUnaryCall<_lethe_v1_ListTokensRequest__Output, _lethe_v1_ListTokensResponse>;
  
  ListWorkers: grpc.handleUnaryCall<_lethe_v1_ListWorkersRequest__Output, _lethe_v1_ListWorkersResponse>;
  
  RevokeToken: grpc.handleUnaryCall<_lethe_v1_RevokeTokenRequest__Output, _lethe_v1_TokenInfo>;
  
  UndrainWorker: grpc.handleUnaryCall<_lethe_v1_UndrainWorkerRequest__Output, _lethe_v1_WorkerInfo>;
  
}

export interface AdminServiceDefinition extends grpc.ServiceDefinition {
  CreateToken: MethodDefinition<_lethe_v1_CreateTokenRequest, _lethe_v1_CreatedToken, _lethe_v1_CreateTokenRequest__Output, _lethe_v1_CreatedToken__Output>
  DrainWorker: MethodDefinition<_lethe_v1_DrainWorkerRequest, _lethe_v1_WorkerInfo, _lethe_v1_DrainWorkerRequest__Output, _lethe_v1_WorkerInfo__Output>
  ListTokens: MethodDefinition<_lethe_v1_ListTokensRequest, _lethe_v1_ListTokensResponse, _lethe_v1_ListTokensRequest__Output, _lethe_v1_ListTokensResponse__Output>
  ListWorkers: MethodDefinition<_lethe_v1_ListWorkersRequest, _lethe_v1_ListWorkersResponse, _lethe_v1_ListWorkersRequest__Output, _lethe_v1_ListWorkersResponse__Output>
  RevokeToken: MethodDefinition<_lethe_v1_RevokeTokenRequest, _lethe_v1_TokenInfo, _lethe_v1_RevokeTokenRequest__Output, _lethe_v1_TokenInfo__Output>
  UndrainWorker: MethodDefinition<_lethe_v1_UndrainWorkerRequest, _lethe_v1_WorkerInfo, _lethe_v1_UndrainWorkerRequest__Output, _lethe_v1_WorkerInfo__Output>
}
