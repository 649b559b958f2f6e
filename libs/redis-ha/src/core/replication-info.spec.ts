import { coverage, parseReplicationInfo } from './replication-info.js';

const ID = '8f1c0b7a2d4e6f8091a2b3c4d5e6f708192a3b4c';
const OLD = '1111111111111111111111111111111111111111';

describe('INFO replication', () => {
  it('reads a primary with its online replicas', () => {
    const text = [
      '# Replication',
      'role:master',
      'connected_slaves:2',
      'slave0:ip=10.0.0.2,port=6379,state=online,offset=42,lag=0',
      'slave1:ip=10.0.0.3,port=6379,state=wait_bgsave,offset=0,lag=0',
      'min_slaves_good_slaves:1',
      `master_replid:${ID}`,
      'master_replid2:0000000000000000000000000000000000000000',
      'master_repl_offset:42',
      'second_repl_offset:-1',
      '',
    ].join('\r\n');
    expect(parseReplicationInfo(text)).toEqual({
      role: 'master',
      linkUp: false,
      replid: ID,
      replid2: '0000000000000000000000000000000000000000',
      offset: 42,
      offset2: -1,
      onlineReplicas: 1,
    });
  });

  it('reads a replica and what it holds of its primary stream', () => {
    const text = [
      'role:slave',
      'master_host:10.0.0.1',
      'master_port:6379',
      'master_link_status:up',
      'slave_repl_offset:40',
      `master_replid:${ID}`,
      `master_replid2:${OLD}`,
      'master_repl_offset:40',
      'second_repl_offset:11',
    ].join('\n');
    const info = parseReplicationInfo(text);
    expect(info).toMatchObject({ role: 'slave', masterHost: '10.0.0.1', masterPort: 6379, linkUp: true, offset: 40 });
    expect(coverage(info, ID)).toBe(40);
    expect(coverage(info, OLD)).toBe(10);
    expect(coverage(info, 'f'.repeat(40))).toBeUndefined();
  });

  it('refuses a text without a role', () => {
    expect(() => parseReplicationInfo('connected_slaves:0')).toThrow('role');
  });
});
