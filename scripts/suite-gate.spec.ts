import { askedByName, decideSuite, SUITE_BY_NAME_ENV, type SuiteCircumstances } from './suite-gate.js';

const base: SuiteCircumstances = {
  suite: 'chaos suite',
  command: 'npm run test:chaos',
  missing: undefined,
  askedByName: false,
  ci: false,
};
const SSHD = 'sshd is not installed (Debian: apt-get install openssh-server)';

describe('decideSuite', () => {
  it('runs when nothing is missing, however it was asked for', () => {
    for (const byName of [false, true])
      for (const ci of [false, true])
        expect(decideSuite({ ...base, askedByName: byName, ci })).toEqual({ action: 'run' });
  });

  it('fails, naming what is missing, when the user ran the suite by name', () => {
    const d = decideSuite({ ...base, missing: SSHD, askedByName: true });
    expect(d.action).toBe('fail');
    expect(d).toHaveProperty('message', expect.stringContaining(SSHD));
    expect(d).toHaveProperty('message', expect.stringContaining('npm run test:chaos'));
  });

  it('fails when asked by name in CI too', () => {
    expect(decideSuite({ ...base, missing: SSHD, askedByName: true, ci: true }).action).toBe('fail');
  });

  it('skips with the message under npm test, outside CI', () => {
    const d = decideSuite({ ...base, missing: SSHD });
    expect(d.action).toBe('skip');
    expect(d).toHaveProperty('message', expect.stringMatching(/^SKIPPED: chaos suite: sshd is not installed/));
  });

  it('fails under npm test in CI, where every tool is installed', () => {
    const d = decideSuite({ ...base, missing: SSHD, ci: true });
    expect(d).toEqual({ action: 'fail', message: expect.stringContaining('must run in CI') });
  });
});

describe('askedByName', () => {
  it('is true only for the suite its command named', () => {
    expect(askedByName('chaos', { [SUITE_BY_NAME_ENV]: 'chaos' })).toBe(true);
    expect(askedByName('chaos', { [SUITE_BY_NAME_ENV]: 'other' })).toBe(false);
    expect(askedByName('chaos', {})).toBe(false);
  });
});
