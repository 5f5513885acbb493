/**
 * Agent = Policy + Learner (Acme's Actor and Learner, in one object for A2C, whose learner updates
 * the very policy that collected its trajectories).
 */
import type { Policy } from '../rollout/policy.ts';
import type { Trajectory } from '../rollout/trajectory.ts';
import type { Learner } from './learner.ts';

export interface Agent<S> extends Policy<S>, Learner<Trajectory<S>> {}
