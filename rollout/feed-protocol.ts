/**
 * The live feed's protocol, for people writing their own viewer clients or reading recordings:
 * `import type { FeedMessage } from 'engram/feed'`. docs/feed.md describes it.
 */
export { FEED_VERSION, parseClientMessage, type ClientMessage, type FeedMessage, type RunInfo } from './feed.ts';
export type { Readout } from './policy.ts';
export type { EnvFrame } from '../envs/env.ts';
