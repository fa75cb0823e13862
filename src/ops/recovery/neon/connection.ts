import { EndpointType, type Branch as NeonBranch } from "@neondatabase/api-client";
import { sentence } from "../../text.ts";
import { type ConnectionOptions, BranchNotFoundError, RecoveryError } from "../provider.ts";
import type { NeonApi } from "./neon-api.ts";

/**
 * A branch's connection string: GET /projects/{p}/branches/{b}/endpoints, POST /projects/{p}/endpoints
 * when the branch has no read-write compute (a restore's preserved branch has none), then
 * GET /projects/{p}/connection_uri {branch_id, endpoint_id, database_name, role_name, pooled}.
 */
export async function connectionUri(neon: NeonApi, branch: NeonBranch, login: { database: string; role: string }, options: ConnectionOptions): Promise<string> {
  const what = `getting a connection string for branch "${branch.name}"`;
  const endpointId = await readWriteEndpoint(neon, branch, what);
  const { database, role } = login;
  const data = await neon.call(
    what,
    (api) =>
      api.getConnectionUri({
        projectId: neon.projectId,
        branch_id: branch.id,
        endpoint_id: endpointId,
        database_name: database,
        role_name: role,
        pooled: options.pooled === true,
      }),
    {
      map: (failure) =>
        failure.status === 404 && /database|role/i.test(failure.message)
          ? new RecoveryError(
              "RECOVERY_SETUP",
              sentence(`Neon has no database "${database}" with role "${role}" on branch "${branch.name}" (${failure.message}); check NEON_DATABASE and NEON_ROLE`),
              { branch: branch.name, database, role },
            )
          : failure.status === 404
            ? new BranchNotFoundError(branch.name)
            : undefined,
    },
  );
  return data.uri;
}

/** The branch's read-write compute, created (and waited for) when it has none. */
async function readWriteEndpoint(neon: NeonApi, branch: NeonBranch, what: string): Promise<string> {
  const notFound = { map: (failure: { status?: number }) => (failure.status === 404 ? new BranchNotFoundError(branch.name) : undefined) };
  const { endpoints } = await neon.call(what, (api) => api.listProjectBranchEndpoints(neon.projectId, branch.id), notFound);
  const existing = endpoints.find((endpoint) => endpoint.type === EndpointType.ReadWrite);
  if (existing) return existing.id;
  const starting = `starting a compute for branch "${branch.name}"`;
  neon.progress(`Branch "${branch.name}" has no compute; ${starting} ...`);
  const created = await neon.call(starting, (api) => api.createProjectEndpoint(neon.projectId, { endpoint: { branch_id: branch.id, type: EndpointType.ReadWrite } }), {
    mutating: true,
    ...notFound,
  });
  await neon.wait(created.operations, starting);
  return created.endpoint.id;
}
