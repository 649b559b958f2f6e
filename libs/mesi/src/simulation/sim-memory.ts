// The backing store of the simulation: one versioned cell per key. Write-backs
// are fenced by version (older ones are dropped), deletes leave a tombstone with
// a fresh version, and the version counter stays above every version handed out.
export interface MemCell {
  /** Absent: never written, or deleted (a tombstone). */
  readonly value?: string;
  readonly version: number;
}

export class SimMemory {
  private readonly cells = new Map<string, MemCell>();
  private readonly counters = new Map<string, number>();

  read(key: string): MemCell {
    return this.cells.get(key) ?? { version: 0 };
  }

  /** A fenced write; false when memory already holds a newer version. */
  write(key: string, value: string, version: number): boolean {
    if (version > (this.counters.get(key) ?? 0))
      throw new Error(`write-back with version ${version} that was never allocated for ${key}`);
    if (version < this.read(key).version) return false;
    this.cells.set(key, { value, version });
    return true;
  }

  delete(key: string): { existed: boolean; version: number; value?: string } {
    const value = this.read(key).value;
    const version = this.allocate(key);
    this.cells.set(key, { version });
    return { existed: value !== undefined, version, ...(value !== undefined ? { value } : {}) };
  }

  allocate(key: string): number {
    const version = (this.counters.get(key) ?? 0) + 1;
    this.counters.set(key, version);
    return version;
  }
}
