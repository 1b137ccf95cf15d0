import { loadPackageDefinition, type GrpcObject } from '@grpc/grpc-js';
import { loadSync, type PackageDefinition } from '@grpc/proto-loader';
import { join } from 'node:path';
import { packageRoot } from '../../util/package-root.js';
import type { ProtoGrpcType as AdminProto } from '../../gen/admin.js';
import type { ProtoGrpcType as DeletionProto } from '../../gen/deletion.js';
import type { ProtoGrpcType as InferenceProto } from '../../gen/inference.js';
import type { ProtoGrpcType as JobsProto } from '../../gen/jobs.js';
import type { ProtoGrpcType as OperationsProto } from '../../gen/operations.js';
import type { ProtoGrpcType as RunsProto } from '../../gen/runs.js';
import type { ProtoGrpcType as WorkerProto } from '../../gen/worker.js';

/** Every file of the v1 API, relative to `proto/`. */
export const LETHE_PROTO_FILES = [
  'lethe/v1/common.proto',
  'lethe/v1/runs.proto',
  'lethe/v1/deletion.proto',
  'lethe/v1/inference.proto',
  'lethe/v1/jobs.proto',
  'lethe/v1/admin.proto',
  'lethe/v1/worker.proto',
  'google/longrunning/operations.proto',
] as const;

/** Fully qualified names of every service Lethe serves. */
export const LETHE_SERVICES = [
  'lethe.v1.RunService',
  'lethe.v1.DeletionService',
  'lethe.v1.InferenceService',
  'lethe.v1.UnlearningJobService',
  'lethe.v1.AdminService',
  'lethe.v1.WorkerProtocol',
  'google.longrunning.Operations',
] as const;

/** Loader options shared by server and client: int64 as strings, enums as names, defaults filled in. */
export const PROTO_LOADER_OPTIONS = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
} as const;

export type LetheGrpc = AdminProto & DeletionProto & InferenceProto & JobsProto & OperationsProto & RunsProto & WorkerProto;

export interface LoadedProtos {
  readonly packageDefinition: PackageDefinition;
  readonly grpc: LetheGrpc;
}

let loaded: LoadedProtos | undefined;

/** Loads (once per process) the v1 API from `proto/`; the types come from `shared/src/gen`. */
export function loadLetheProtos(): LoadedProtos {
  if (loaded !== undefined) return loaded;
  const root = join(packageRoot(), 'proto');
  const packageDefinition = loadSync([...LETHE_PROTO_FILES], { ...PROTO_LOADER_OPTIONS, includeDirs: [root] });
  const grpc = loadPackageDefinition(packageDefinition) as unknown as LetheGrpc & GrpcObject;
  loaded = { packageDefinition, grpc };
  return loaded;
}
