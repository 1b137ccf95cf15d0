// Original file: lethe/v1/worker.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CoordinatorMessage as _lethe_v1_CoordinatorMessage, CoordinatorMessage__Output as _lethe_v1_CoordinatorMessage__Output } from '../../lethe/v1/CoordinatorMessage.js';
import type { WorkerMessage as _lethe_v1_WorkerMessage, WorkerMessage__Output as _lethe_v1_WorkerMessage__Output } from '../../lethe/v1/WorkerMessage.js';

export interface WorkerProtocolClient extends grpc.Client {
  Attach(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_lethe_v1_WorkerMessage, _lethe_v1_CoordinatorMessage__Output>;
  Attach(options?: grpc.CallOptions): grpc.ClientDuplexStream<_lethe_v1_WorkerMessage, _lethe_v1_CoordinatorMessage__Output>;
  attach(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_lethe_v1_WorkerMessage, _lethe_v1_CoordinatorMessage__Output>;
  attach(options?: grpc.CallOptions): grpc.ClientDuplexStream<_lethe_v1_WorkerMessage, _lethe_v1_CoordinatorMessage__Output>;
  
}

export interface WorkerProtocolHandlers extends grpc.UntypedServiceImplementation {
  Attach: grpc.handleBidiStreamingCall<_lethe_v1_WorkerMessage__Output, _lethe_v1_CoordinatorMessage>;
  
}

export interface WorkerProtocolDefinition extends grpc.ServiceDefinition {
  Attach: MethodDefinition<_lethe_v1_WorkerMessage, _lethe_v1_CoordinatorMessage, _lethe_v1_WorkerMessage__Output, _lethe_v1_CoordinatorMessage__Output>
}
