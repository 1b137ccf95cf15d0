import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { ListValue as _google_protobuf_ListValue, ListValue__Output as _google_protobuf_ListValue__Output } from './google/protobuf/ListValue.js';
import type { Struct as _google_protobuf_Struct, Struct__Output as _google_protobuf_Struct__Output } from './google/protobuf/Struct.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp.js';
import type { Value as _google_protobuf_Value, Value__Output as _google_protobuf_Value__Output } from './google/protobuf/Value.js';
import type { AttachAccepted as _lethe_v1_AttachAccepted, AttachAccepted__Output as _lethe_v1_AttachAccepted__Output } from './lethe/v1/AttachAccepted.js';
import type { CoordinatorMessage as _lethe_v1_CoordinatorMessage, CoordinatorMessage__Output as _lethe_v1_CoordinatorMessage__Output } from './lethe/v1/CoordinatorMessage.js';
import type { DatasetSpec as _lethe_v1_DatasetSpec, DatasetSpec__Output as _lethe_v1_DatasetSpec__Output } from './lethe/v1/DatasetSpec.js';
import type { Drain as _lethe_v1_Drain, Drain__Output as _lethe_v1_Drain__Output } from './lethe/v1/Drain.js';
import type { Heartbeat as _lethe_v1_Heartbeat, Heartbeat__Output as _lethe_v1_Heartbeat__Output } from './lethe/v1/Heartbeat.js';
import type { JobTask as _lethe_v1_JobTask, JobTask__Output as _lethe_v1_JobTask__Output } from './lethe/v1/JobTask.js';
import type { ModelSpec as _lethe_v1_ModelSpec, ModelSpec__Output as _lethe_v1_ModelSpec__Output } from './lethe/v1/ModelSpec.js';
import type { OrderingStatus as _lethe_v1_OrderingStatus, OrderingStatus__Output as _lethe_v1_OrderingStatus__Output } from './lethe/v1/OrderingStatus.js';
import type { PretrainTask as _lethe_v1_PretrainTask, PretrainTask__Output as _lethe_v1_PretrainTask__Output } from './lethe/v1/PretrainTask.js';
import type { RunDeleted as _lethe_v1_RunDeleted, RunDeleted__Output as _lethe_v1_RunDeleted__Output } from './lethe/v1/RunDeleted.js';
import type { SamplesDeleted as _lethe_v1_SamplesDeleted, SamplesDeleted__Output as _lethe_v1_SamplesDeleted__Output } from './lethe/v1/SamplesDeleted.js';
import type { ServingChoice as _lethe_v1_ServingChoice, ServingChoice__Output as _lethe_v1_ServingChoice__Output } from './lethe/v1/ServingChoice.js';
import type { ShardStatus as _lethe_v1_ShardStatus, ShardStatus__Output as _lethe_v1_ShardStatus__Output } from './lethe/v1/ShardStatus.js';
import type { SliceRef as _lethe_v1_SliceRef, SliceRef__Output as _lethe_v1_SliceRef__Output } from './lethe/v1/SliceRef.js';
import type { StageRef as _lethe_v1_StageRef, StageRef__Output as _lethe_v1_StageRef__Output } from './lethe/v1/StageRef.js';
import type { StageStatus as _lethe_v1_StageStatus, StageStatus__Output as _lethe_v1_StageStatus__Output } from './lethe/v1/StageStatus.js';
import type { StageTask as _lethe_v1_StageTask, StageTask__Output as _lethe_v1_StageTask__Output } from './lethe/v1/StageTask.js';
import type { TaskAssignment as _lethe_v1_TaskAssignment, TaskAssignment__Output as _lethe_v1_TaskAssignment__Output } from './lethe/v1/TaskAssignment.js';
import type { TaskCancel as _lethe_v1_TaskCancel, TaskCancel__Output as _lethe_v1_TaskCancel__Output } from './lethe/v1/TaskCancel.js';
import type { TaskProgress as _lethe_v1_TaskProgress, TaskProgress__Output as _lethe_v1_TaskProgress__Output } from './lethe/v1/TaskProgress.js';
import type { TaskRelease as _lethe_v1_TaskRelease, TaskRelease__Output as _lethe_v1_TaskRelease__Output } from './lethe/v1/TaskRelease.js';
import type { TaskResult as _lethe_v1_TaskResult, TaskResult__Output as _lethe_v1_TaskResult__Output } from './lethe/v1/TaskResult.js';
import type { WorkerHello as _lethe_v1_WorkerHello, WorkerHello__Output as _lethe_v1_WorkerHello__Output } from './lethe/v1/WorkerHello.js';
import type { WorkerMessage as _lethe_v1_WorkerMessage, WorkerMessage__Output as _lethe_v1_WorkerMessage__Output } from './lethe/v1/WorkerMessage.js';
import type { WorkerProtocolClient as _lethe_v1_WorkerProtocolClient, WorkerProtocolDefinition as _lethe_v1_WorkerProtocolDefinition } from './lethe/v1/WorkerProtocol.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  google: {
    protobuf: {
      ListValue: MessageTypeDefinition<_google_protobuf_ListValue, _google_protobuf_ListValue__Output>
      NullValue: EnumTypeDefinition
      Struct: MessageTypeDefinition<_google_protobuf_Struct, _google_protobuf_Struct__Output>
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
      Value: MessageTypeDefinition<_google_protobuf_Value, _google_protobuf_Value__Output>
    }
  }
  lethe: {
    v1: {
      AttachAccepted: MessageTypeDefinition<_lethe_v1_AttachAccepted, _lethe_v1_AttachAccepted__Output>
      CoordinatorMessage: MessageTypeDefinition<_lethe_v1_CoordinatorMessage, _lethe_v1_CoordinatorMessage__Output>
      DatasetSpec: MessageTypeDefinition<_lethe_v1_DatasetSpec, _lethe_v1_DatasetSpec__Output>
      Drain: MessageTypeDefinition<_lethe_v1_Drain, _lethe_v1_Drain__Output>
      Heartbeat: MessageTypeDefinition<_lethe_v1_Heartbeat, _lethe_v1_Heartbeat__Output>
      JobTask: MessageTypeDefinition<_lethe_v1_JobTask, _lethe_v1_JobTask__Output>
      ModelSpec: MessageTypeDefinition<_lethe_v1_ModelSpec, _lethe_v1_ModelSpec__Output>
      OrderingStatus: MessageTypeDefinition<_lethe_v1_OrderingStatus, _lethe_v1_OrderingStatus__Output>
      PretrainTask: MessageTypeDefinition<_lethe_v1_PretrainTask, _lethe_v1_PretrainTask__Output>
      RunDeleted: MessageTypeDefinition<_lethe_v1_RunDeleted, _lethe_v1_RunDeleted__Output>
      RunState: EnumTypeDefinition
      SamplesDeleted: MessageTypeDefinition<_lethe_v1_SamplesDeleted, _lethe_v1_SamplesDeleted__Output>
      SelectionMethod: EnumTypeDefinition
      ServingChoice: MessageTypeDefinition<_lethe_v1_ServingChoice, _lethe_v1_ServingChoice__Output>
      ShardStatus: MessageTypeDefinition<_lethe_v1_ShardStatus, _lethe_v1_ShardStatus__Output>
      SliceRef: MessageTypeDefinition<_lethe_v1_SliceRef, _lethe_v1_SliceRef__Output>
      StageRef: MessageTypeDefinition<_lethe_v1_StageRef, _lethe_v1_StageRef__Output>
      StageState: EnumTypeDefinition
      StageStatus: MessageTypeDefinition<_lethe_v1_StageStatus, _lethe_v1_StageStatus__Output>
      StageTask: MessageTypeDefinition<_lethe_v1_StageTask, _lethe_v1_StageTask__Output>
      TaskAssignment: MessageTypeDefinition<_lethe_v1_TaskAssignment, _lethe_v1_TaskAssignment__Output>
      TaskCancel: MessageTypeDefinition<_lethe_v1_TaskCancel, _lethe_v1_TaskCancel__Output>
      TaskKind: EnumTypeDefinition
      TaskProgress: MessageTypeDefinition<_lethe_v1_TaskProgress, _lethe_v1_TaskProgress__Output>
      TaskRelease: MessageTypeDefinition<_lethe_v1_TaskRelease, _lethe_v1_TaskRelease__Output>
      TaskResult: MessageTypeDefinition<_lethe_v1_TaskResult, _lethe_v1_TaskResult__Output>
      WorkerHello: MessageTypeDefinition<_lethe_v1_WorkerHello, _lethe_v1_WorkerHello__Output>
      WorkerMessage: MessageTypeDefinition<_lethe_v1_WorkerMessage, _lethe_v1_WorkerMessage__Output>
      WorkerProtocol: SubtypeConstructor<typeof grpc.Client, _lethe_v1_WorkerProtocolClient> & { service: _lethe_v1_WorkerProtocolDefinition }
    }
  }
}

