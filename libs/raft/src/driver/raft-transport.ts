import type { Message } from '../core/messages.js';

/** How the driver ships messages: one batch per peer per Ready, fire and forget (Raft tolerates loss). */
export interface RaftTransport {
  send(to: string, messages: readonly Message[]): void;
}

/** Hooks for metrics; all optional, called synchronously, must not throw. */
export interface RaftObserver {
  onRole?(role: string, term: number, leader: string | null): void;
  onIndexes?(commit: number, applied: number): void;
  onAppend?(seconds: number, entries: number): void;
  onSnapshot?(index: number): void;
}

export interface RaftLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}
