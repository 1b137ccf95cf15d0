import type { Role } from '../../../shared/src/domain/roles.js';

/**
 * The role each RPC requires, by its full path. An RPC missing here is refused (PERMISSION_DENIED) for every caller,
 * and a test walks every method of every service the coordinator serves, so a new RPC without a policy fails it.
 * 'public': health checks (kubelet probes) and reflection answer without credentials; they reveal no data.
 */
export const RPC_POLICY: Readonly<Record<string, Role | 'public'>> = {
  '/lethe.v1.RunService/CreateRun': 'operator',
  '/lethe.v1.RunService/DeleteRun': 'operator',
  '/lethe.v1.RunService/GetRun': 'reader',
  '/lethe.v1.RunService/ListRuns': 'reader',
  '/lethe.v1.RunService/UpdateRetrainingPolicy': 'operator',
  '/lethe.v1.RunService/UpdateTaskSilenceTimeout': 'operator',
  '/lethe.v1.RunService/RetryRun': 'operator',

  '/google.longrunning.Operations/GetOperation': 'reader',
  '/google.longrunning.Operations/ListOperations': 'reader',
  '/google.longrunning.Operations/WaitOperation': 'reader',
  '/google.longrunning.Operations/CancelOperation': 'operator',
  '/google.longrunning.Operations/DeleteOperation': 'operator',

  '/lethe.v1.DeletionService/DeleteSamples': 'deleter',
  '/lethe.v1.DeletionService/GetDeletion': 'deleter',
  '/lethe.v1.DeletionService/ListDeletions': 'deleter',
  '/lethe.v1.DeletionService/WhereIs': 'reader',
  // Whoever verifies receipts needs the key: a reader (an auditor) or a deleter (the service that deletes).
  '/lethe.v1.DeletionService/GetReceiptKey': 'reader',

  '/lethe.v1.InferenceService/Predict': 'reader',

  '/lethe.v1.UnlearningJobService/SubmitUnlearningJob': 'operator',
  '/lethe.v1.UnlearningJobService/CancelUnlearningJob': 'operator',
  '/lethe.v1.UnlearningJobService/GetUnlearningJob': 'reader',
  '/lethe.v1.UnlearningJobService/ListUnlearningJobs': 'reader',

  '/lethe.v1.AdminService/ListWorkers': 'reader',
  '/lethe.v1.AdminService/DrainWorker': 'operator',
  '/lethe.v1.AdminService/UndrainWorker': 'operator',
  '/lethe.v1.AdminService/CreateToken': 'admin',
  '/lethe.v1.AdminService/ListTokens': 'admin',
  '/lethe.v1.AdminService/RevokeToken': 'admin',

  '/lethe.v1.WorkerProtocol/Attach': 'worker',

  '/grpc.health.v1.Health/Check': 'public',
  '/grpc.health.v1.Health/Watch': 'public',
  '/grpc.health.v1.Health/List': 'public',
  '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo': 'public',
  '/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo': 'public',
};

/** Roles whose holders may call `path` (for messages); 'public', or undefined when the RPC has no policy. */
export function requiredRole(path: string): Role | 'public' | undefined {
  return Object.hasOwn(RPC_POLICY, path) ? RPC_POLICY[path] : undefined;
}
