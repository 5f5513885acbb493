/**
 * Wiring the live feed into a run: a FeedServer for `--view`, a FeedRecorder for `--record`,
 * and one FeedObserver that feeds both.
 */
import { basename } from 'node:path';
import type { SyncVectorEnv } from '../../envs/vector.ts';
import type { RunInfo } from '../../rollout/feed.ts';
import { FeedObserver, type FeedSink } from '../../rollout/feed-observer.ts';
import { FeedRecorder } from '../../rollout/feed-recorder.ts';
import { FeedServer } from '../../rollout/feed-server.ts';
import type { ExperimentConfig } from '../settings/config.ts';

export interface FeedFlags {
  view?: boolean;
  host?: string;
  port?: number;
  record?: string;
}

export interface Feed {
  readonly observer: FeedObserver;
  readonly server?: FeedServer;
  readonly url?: string;
  close(): Promise<void>;
}

export function runInfo(cfg: ExperimentConfig, venv: SyncVectorEnv, mode: RunInfo['mode'], backend: string): RunInfo {
  return {
    id: basename(cfg.runDir), mode, env: cfg.env, core: cfg.core, seed: cfg.seed, numEnvs: venv.numEnvs,
    actionNames: [...((venv.metadata.actionNames as string[] | undefined) ?? [])], observationShape: [...venv.singleObservationSpace.shape],
    backend, renderFps: venv.metadata.renderFps,
  };
}

/** Starts what the flags ask for; undefined when they ask for nothing. */
export async function openFeed(flags: FeedFlags, run: RunInfo, maxStepRate: number): Promise<Feed | undefined> {
  if (!flags.view && !flags.record) return undefined;
  const recorder = flags.record ? new FeedRecorder(flags.record, run) : undefined;   // a bad path fails before the server starts
  const sinks: FeedSink[] = recorder ? [recorder] : [];
  let server: FeedServer | undefined;
  let url: string | undefined;
  if (flags.view) {
    server = new FeedServer({ run, ...(flags.host ? { host: flags.host } : {}), ...(flags.port !== undefined ? { port: flags.port } : {}) });
    try {
      url = await server.start();
    } catch (e) {
      await recorder?.close();
      throw e;
    }
    sinks.push(server);
    console.log(`engram: viewer at ${url}`);
  }
  const observer = new FeedObserver(sinks, { maxStepRate, ...(server ? { following: () => server.following() } : {}) });
  return {
    observer, ...(server ? { server } : {}), ...(url ? { url } : {}),
    close: async () => { await recorder?.close(); await server?.close(); },
  };
}

/** Core options with diagnostics on, so the viewer can show gates, retrievals and attention. */
export function withDiagnostics(cfg: ExperimentConfig): ExperimentConfig {
  return { ...cfg, coreOptions: { recordDiagnostics: true, ...cfg.coreOptions } };
}
