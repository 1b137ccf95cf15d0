import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp.js';
import type { DatasetSpec as _lethe_v1_DatasetSpec, DatasetSpec__Output as _lethe_v1_DatasetSpec__Output } from './lethe/v1/DatasetSpec.js';
import type { InferenceServiceClient as _lethe_v1_InferenceServiceClient, InferenceServiceDefinition as _lethe_v1_InferenceServiceDefinition } from './lethe/v1/InferenceService.js';
import type { ModelSpec as _lethe_v1_ModelSpec, ModelSpec__Output as _lethe_v1_ModelSpec__Output } from './lethe/v1/ModelSpec.js';
import type { OrderingStatus as _lethe_v1_OrderingStatus, OrderingStatus__Output as _lethe_v1_OrderingStatus__Output } from './lethe/v1/OrderingStatus.js';
import type { PredictRequest as _lethe_v1_PredictRequest, PredictRequest__Output as _lethe_v1_PredictRequest__Output } from './lethe/v1/PredictRequest.js';
import type { PredictResponse as _lethe_v1_PredictResponse, PredictResponse__Output as _lethe_v1_PredictResponse__Output } from './lethe/v1/PredictResponse.js';
import type { ServingChoice as _lethe_v1_ServingChoice, ServingChoice__Output as _lethe_v1_ServingChoice__Output } from './lethe/v1/ServingChoice.js';
import type { ShardStatus as _lethe_v1_ShardStatus, ShardStatus__Output as _lethe_v1_ShardStatus__Output } from './lethe/v1/ShardStatus.js';
import type { SliceRef as _lethe_v1_SliceRef, SliceRef__Output as _lethe_v1_SliceRef__Output } from './lethe/v1/SliceRef.js';
import type { StageRef as _lethe_v1_StageRef, StageRef__Output as _lethe_v1_StageRef__Output } from './lethe/v1/StageRef.js';
import type { StageStatus as _lethe_v1_StageStatus, StageStatus__Output as _lethe_v1_StageStatus__Output } from './lethe/v1/StageStatus.js';
import type { Tensor as _lethe_v1_Tensor, Tensor__Output as _lethe_v1_Tensor__Output } from './lethe/v1/Tensor.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  google: {
    protobuf: {
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
    }
  }
  lethe: {
    v1: {
      DatasetSpec: MessageTypeDefinition<_lethe_v1_DatasetSpec, _lethe_v1_DatasetSpec__Output>
      InferenceService: SubtypeConstructor<typeof grpc.Client, _lethe_v1_InferenceServiceClient> & { service: _lethe_v1_InferenceServiceDefinition }
      ModelSpec: MessageTypeDefinition<_lethe_v1_ModelSpec, _lethe_v1_ModelSpec__Output>
      OrderingStatus: MessageTypeDefinition<_lethe_v1_OrderingStatus, _lethe_v1_OrderingStatus__Output>
      PredictRequest: MessageTypeDefinition<_lethe_v1_PredictRequest, _lethe_v1_PredictRequest__Output>
      PredictResponse: MessageTypeDefinition<_lethe_v1_PredictResponse, _lethe_v1_PredictResponse__Output>
      RunState: EnumTypeDefinition
      SelectionMethod: EnumTypeDefinition
      ServingChoice: MessageTypeDefinition<_lethe_v1_ServingChoice, _lethe_v1_ServingChoice__Output>
      ShardStatus: MessageTypeDefinition<_lethe_v1_ShardStatus, _lethe_v1_ShardStatus__Output>
      SliceRef: MessageTypeDefinition<_lethe_v1_SliceRef, _lethe_v1_SliceRef__Output>
      StageRef: MessageTypeDefinition<_lethe_v1_StageRef, _lethe_v1_StageRef__Output>
      StageState: EnumTypeDefinition
      StageStatus: MessageTypeDefinition<_lethe_v1_StageStatus, _lethe_v1_StageStatus__Output>
      TaskKind: EnumTypeDefinition
      Tensor: MessageTypeDefinition<_lethe_v1_Tensor, _lethe_v1_Tensor__Output>
    }
  }
}

