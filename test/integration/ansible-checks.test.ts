import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { requiredTool } from '../support/tools.js';

// The static checks of the deployment: ansible-lint (production profile),
// yamllint, the playbook's syntax, and the Vagrantfile. CI installs the tools.

const ROOT = resolve(__dirname, '..', '..');
const ANSIBLE = join(ROOT, 'ansible');
const tools = ['ansible-lint', 'yamllint', 'ansible-playbook', 'vagrant'].map((t) => [t, requiredTool(t)] as const);
const missing = tools.filter(([, path]) => !path).map(([t]) => t);
// Without the tools (a laptop without Ansible) the suite reports itself skipped; CI installs them.
const suite = missing.length ? describe.skip : describe;

/** Prints {mismatched, differing}: defaults/main.yml against argument_specs.yml, and shared defaults across roles. */
const DEFAULTS_CHECK = `
import glob, json, yaml
shared, mismatched = {}, []
for path in sorted(glob.glob('roles/*/defaults/main.yml')):
    role = path.split('/')[1]
    defaults = yaml.safe_load(open(path)) or {}
    options = yaml.safe_load(open(f'roles/{role}/meta/argument_specs.yml'))['argument_specs']['main']['options']
    for k, v in defaults.items():
        shared.setdefault(k, {})[role] = v
        o = options.get(k)
        if o is None or o.get('required') or o.get('default') != v:
            mismatched.append(f'{role}: {k}: defaults/main.yml {json.dumps(v)}, argument_specs.yml {json.dumps(o and o.get("default"))}')
    for k, o in options.items():
        if k not in defaults and 'default' in o:
            mismatched.append(f'{role}: {k}: a default in argument_specs.yml only')
differing = [f'{k}: {json.dumps(by_role)}' for k, by_role in shared.items() if len({json.dumps(v, sort_keys=True) for v in by_role.values()}) > 1]
print(json.dumps({'mismatched': mismatched, 'differing': differing}))
`;

function run(command: string, args: string[], cwd: string): { code: number; output: string } {
  const r = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      ANSIBLE_CONFIG: join(ANSIBLE, 'ansible.cfg'),
      NO_COLOR: '1',
      VAGRANT_CHECKPOINT_DISABLE: '1',
    },
    timeout: 300_000,
  });
  return { code: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

suite('deployment checks', () => {
  jest.setTimeout(600_000);

  it('passes ansible-lint with the production profile', () => {
    const r = run('ansible-lint', ['--profile', 'production', '--nocolor', 'ansible'], ROOT);
    expect([r.code, r.code === 0 ? '' : r.output]).toEqual([0, '']);
  });

  it('passes yamllint', () => {
    const r = run('yamllint', ['--strict', '.'], ANSIBLE);
    expect([r.code, r.output]).toEqual([0, '']);
  });

  // Each role stands alone: its variables have defaults in defaults/main.yml, the same as the
  // default: of meta/argument_specs.yml; a variable several roles share (dss_user, dss_ports, ...)
  // has the same default in each. Python's YAML, as Ansible reads it.
  it('gives every role variable one default, in defaults/main.yml and argument_specs.yml alike', () => {
    const r = run('python3', ['-c', DEFAULTS_CHECK], ANSIBLE);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.output)).toEqual({ mismatched: [], differing: [] });
  });

  it('has a playbook Ansible can parse, for both inventories', () => {
    for (const inventory of ['inventory/vagrant.yml', 'inventory/example.yml']) {
      const r = run('ansible-playbook', ['--syntax-check', '-i', inventory, 'deploy.yml'], ANSIBLE);
      expect([inventory, r.code, r.code === 0 ? '' : r.output]).toEqual([inventory, 0, '']);
    }
  });

  it('has a valid Vagrantfile', () => {
    // --ignore-provider: without it Vagrant first demands a usable provider (VirtualBox,
    // libvirt), which CI machines lack; the machines, network and provisioner are still checked.
    const r = run('vagrant', ['validate', '--ignore-provider'], join(ROOT, 'vagrant'));
    const lines = r.output
      .trim()
      .split('\n')
      .filter((l) => !l.includes('Ignoring provider config'));
    expect([r.code, lines.join('\n')]).toEqual([0, 'Vagrantfile validated successfully.']);
  });
});
