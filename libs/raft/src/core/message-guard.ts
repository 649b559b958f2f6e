// Runtime check for messages arriving from the network: the core trusts the shape
// of what it is stepped with, so the driver validates untrusted JSON first.
import type { Message } from './messages.js';

type Json = Record<string, unknown>;

const isNat = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isStr = (v: unknown): v is string => typeof v === 'string';
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function isEntry(v: unknown): boolean {
  return isObj(v) && isNat(v.index) && isNat(v.term) && (v.type === 'normal' || v.type === 'noop') && isStr(v.data);
}

function isSnapshot(v: unknown): boolean {
  if (!isObj(v) || !isStr(v.data) || !isObj(v.meta)) return false;
  const m = v.meta;
  return isNat(m.index) && isNat(m.term) && Array.isArray(m.peers) && m.peers.every(isStr);
}

function entriesContiguous(v: unknown, prevIndex: number): boolean {
  return Array.isArray(v) && v.every((e, i) => isEntry(e) && (e as Json).index === prevIndex + 1 + i);
}

/** True when `v` is a well-formed Message (types, not Raft semantics). */
export function isMessage(v: unknown): v is Message {
  if (!isObj(v) || !isStr(v.from) || !isStr(v.to) || !isNat(v.term)) return false;
  switch (v.type) {
    case 'app':
      return isNat(v.prevIndex) && isNat(v.prevTerm) && isNat(v.commit) && entriesContiguous(v.entries, v.prevIndex);
    case 'appResp':
      return isNat(v.index) && isBool(v.reject) && isNat(v.conflictIndex) && isNat(v.conflictTerm);
    case 'vote':
    case 'preVote':
      return isNat(v.lastLogIndex) && isNat(v.lastLogTerm) && isBool(v.transfer);
    case 'voteResp':
    case 'preVoteResp':
      return isBool(v.reject);
    case 'heartbeat':
      return isNat(v.commit) && (v.ctx === null || isStr(v.ctx));
    case 'heartbeatResp':
      return v.ctx === null || isStr(v.ctx);
    case 'snapshot':
      return isSnapshot(v.snapshot);
    case 'timeoutNow':
      return true;
    case 'readIndex':
      return isStr(v.ctx);
    case 'readIndexResp':
      return isStr(v.ctx) && isNat(v.index);
    default:
      return false;
  }
}
