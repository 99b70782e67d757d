import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../apps/network/ports.js';
import { findOrInstallTemporalCli } from '../../apps/network/temporal-cli.js';
import { TemporalDevServer } from '../../apps/network/temporal-server.js';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

async function fakeCli(dir: string, version: string, exitCode = 0): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'temporal');
  await writeFile(file, `#!/bin/sh\necho "temporal version ${version}"\nexit ${exitCode}\n`);
  await chmod(file, 0o755);
  return file;
}

describe('findOrInstallTemporalCli lookup order', () => {
  let tmp: string;
  const lines: string[] = [];
  const log = (line: string): void => {
    lines.push(line);
  };

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'baton-cli-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('prefers TEMPORAL_CLI, then PATH, then .tools/bin', async () => {
    const root = join(tmp, 'order');
    const fromEnv = await fakeCli(join(tmp, 'order-env'), 'env');
    const fromPath = await fakeCli(join(tmp, 'order-path'), 'path');
    const local = await fakeCli(join(root, '.tools', 'bin'), 'local');
    const base = { projectRoot: root, log, install: false };

    expect(
      await findOrInstallTemporalCli({
        ...base,
        env: { TEMPORAL_CLI: fromEnv, PATH: dirname(fromPath) },
      }),
    ).toBe(fromEnv);
    expect(
      await findOrInstallTemporalCli({
        ...base,
        env: { PATH: dirname(fromPath) },
      }),
    ).toBe(fromPath);
    expect(
      await findOrInstallTemporalCli({
        ...base,
        env: { PATH: join(tmp, 'nowhere') },
      }),
    ).toBe(local);
  });

  it('skips a broken temporal on PATH and says why', async () => {
    const root = join(tmp, 'broken-path');
    const broken = await fakeCli(join(tmp, 'broken-path-bin'), 'x', 3);
    const local = await fakeCli(join(root, '.tools', 'bin'), 'local');
    lines.length = 0;
    expect(
      await findOrInstallTemporalCli({
        projectRoot: root,
        log,
        install: false,
        env: { PATH: dirname(broken) },
      }),
    ).toBe(local);
    expect(lines.join('\n')).toContain(`${broken}: \`${broken} --version\` failed`);
  });

  it('fails instead of falling through when TEMPORAL_CLI is set but broken', async () => {
    const root = join(tmp, 'broken-env');
    await fakeCli(join(root, '.tools', 'bin'), 'local');
    await expect(
      findOrInstallTemporalCli({
        projectRoot: root,
        log,
        env: { TEMPORAL_CLI: join(tmp, 'missing'), PATH: '' },
      }),
    ).rejects.toThrow(/TEMPORAL_CLI=.*missing is not a working temporal CLI: does not exist/);
  });

  it('lists everything it tried when nothing works', async () => {
    const root = join(tmp, 'empty');
    await expect(
      findOrInstallTemporalCli({
        projectRoot: root,
        log,
        install: false,
        env: { PATH: '' },
      }),
    ).rejects.toThrow(/TEMPORAL_CLI: not set[\s\S]*PATH: no `temporal`[\s\S]*\.tools\/bin\/temporal: does not exist/);
  });
});

describe('TemporalDevServer', () => {
  const namespaces = ['buyer', 'seller'];
  const searchAttributes = {
    BatonProcessType: 'Keyword',
    BatonStatus: 'Keyword',
    BatonStep: 'Int',
  } as const;
  let cli: string;
  let dataDir: string;

  beforeAll(async () => {
    cli = await findOrInstallTemporalCli({
      projectRoot,
      log: (l) => console.log(l),
    });
    dataDir = await mkdtemp(join(tmpdir(), 'baton-temporal-'));
  }, 600_000);
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function start(extra: Record<string, 'Keyword'> = {}, nice?: number): Promise<TemporalDevServer> {
    return TemporalDevServer.start({
      cli,
      dataDir,
      port: await freePort(),
      uiPort: await freePort(),
      namespaces,
      searchAttributes: { ...searchAttributes, ...extra },
      nice,
    });
  }

  it('serves the namespaces and search attributes, and keeps workflows across a restart', async () => {
    let server = await start();
    const workflowId = `restart-check-${Date.now()}`;
    try {
      const connection = await Connection.connect({ address: server.address });
      try {
        for (const namespace of namespaces) {
          const { customAttributes } = await connection.operatorService.listSearchAttributes({
            namespace,
          });
          expect(Object.keys(customAttributes ?? {})).toEqual(expect.arrayContaining(Object.keys(searchAttributes)));
        }
        // No worker polls this queue: the workflow stays running in the db.
        const client = new Client({ connection, namespace: 'buyer' });
        await client.workflow.start('notRegistered', {
          taskQueue: 'no-worker',
          workflowId,
        });
      } finally {
        await connection.close();
      }
    } finally {
      await server.stop();
    }

    // Restart on the same db, with one attribute the db does not have yet.
    server = await start({ BatonMember: 'Keyword' });
    try {
      const connection = await Connection.connect({ address: server.address });
      try {
        const client = new Client({ connection, namespace: 'buyer' });
        const description = await client.workflow.getHandle(workflowId).describe();
        expect(description.status.name).toBe('RUNNING');
        for (const namespace of namespaces) {
          const { customAttributes } = await connection.operatorService.listSearchAttributes({
            namespace,
          });
          expect(Object.keys(customAttributes ?? {})).toEqual(
            expect.arrayContaining([...Object.keys(searchAttributes), 'BatonMember']),
          );
        }
      } finally {
        await connection.close();
      }
    } finally {
      await server.stop();
    }
  }, 180_000);

  it('fails clearly when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
    const { port } = blocker.address() as { port: number };
    try {
      await expect(
        TemporalDevServer.start({
          cli,
          dataDir: join(dataDir, 'busy'),
          port,
          uiPort: await freePort(),
          namespaces,
          searchAttributes,
        }),
      ).rejects.toThrow(/port 127\.0\.0\.1:\d+ is already in use/);
    } finally {
      blocker.close();
    }
  });

  // Linux keeps a niceness per thread: every thread the server made must have it.
  it.runIf(process.platform === 'linux')(
    'runs every thread of the server at the niceness asked for',
    async () => {
      const server = await start({}, 7);
      try {
        const pid = server.pid;
        expect(pid).toBeDefined();
        const tasks = await readdir(`/proc/${pid}/task`);
        expect(tasks.length).toBeGreaterThan(1);
        const niceness = await Promise.all(
          tasks.map(async (tid) => {
            const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8');
            // Field 19; the fields after the command name (in parentheses) start at field 3.
            return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
          }),
        );
        expect(new Set(niceness)).toEqual(new Set([7]));
        const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
        expect(cmdline.split('\0')[0]).toBe(cli); // nice(1) exec'd the server in its own place
      } finally {
        await server.stop();
      }
    },
    180_000,
  );

  it.runIf(process.platform === 'linux')(
    'kills a server that stops answering, and only then',
    async () => {
      const lines: string[] = [];
      const server = await TemporalDevServer.start({
        cli,
        dataDir: join(dataDir, 'watched'),
        port: await freePort(),
        uiPort: await freePort(),
        namespaces,
        searchAttributes,
        unresponsiveAfterMs: 8_000,
        log: (line) => lines.push(line),
      });
      let exited = false;
      void server.exited.then(() => (exited = true));
      try {
        // Answering: three rounds of the watchdog past the limit, and it lives.
        await new Promise((r) => setTimeout(r, 16_000));
        expect(exited).toBe(false);
        // Frozen: no answer from now on, as when its shard could not be acquired.
        process.kill(server.pid!, 'SIGSTOP');
        const frozenAt = Date.now();
        await Promise.race([server.exited, new Promise((r) => setTimeout(r, 60_000))]);
        expect(exited).toBe(true);
        expect(Date.now() - frozenAt).toBeGreaterThanOrEqual(8_000);
        expect(lines.join('\n')).toMatch(/temporal: no answer for \d+ s \(.*\); killing the dev server/);
      } finally {
        await server.stop();
      }
    },
    180_000,
  );
});
