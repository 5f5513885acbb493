/**
 * The broker-side names of one run's resources. A run id becomes part of stream, bucket and subject
 * names, which allow neither `.`, `*`, `>` nor spaces, so it keeps to letters, digits, `-` and `_`.
 */
import { ConfigError } from '../../envs/errors.ts';

export function checkRunId(runId: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(runId)) throw new ConfigError(`broker: runId must be 1-64 characters of [A-Za-z0-9_-], got ${JSON.stringify(runId)}`);
  return runId;
}

/** The work-queue stream of unrolls, and the subject actors publish them on. */
export const unrollStreamName = (runId: string) => `UNROLLS_${checkRunId(runId)}`;
export const unrollSubject = (runId: string) => `engram.${checkRunId(runId)}.unrolls`;
/** The core-NATS subject actors send their finished episodes on (episode-stats.ts). */
export const episodeSubject = (runId: string) => `engram.${checkRunId(runId)}.episodes`;
/** The object store bucket of weight snapshots, and the KV bucket recording the newest version. */
export const weightsBucketName = (runId: string) => `weights_${checkRunId(runId)}`;
/** The KV bucket of leases (its ttl is the lease's). */
export const leaseBucketName = (runId: string) => `leases_${checkRunId(runId)}`;
/** The KV bucket of a run's bookkeeping: its config and the learner's backlog limit, for actors. */
export const runBucketName = (runId: string) => `run_${checkRunId(runId)}`;
/** The KV bucket of live actors: each refreshes its key every few seconds; a dead one's key expires. */
export const actorsBucketName = (runId: string) => `actors_${checkRunId(runId)}`;

/** The environment variables the broker's token is read from: a file holding it, or the token itself. */
export const TOKEN_FILE_ENV = 'ENGRAM_BROKER_TOKEN_FILE';
export const TOKEN_ENV = 'ENGRAM_BROKER_TOKEN';
/** The environment variable naming the CA file a TLS broker's certificate is checked against. */
export const CA_ENV = 'ENGRAM_BROKER_CA';
