import { userInfo } from 'node:os';
import { createInterface } from 'node:readline';
import { registerUser } from '../commands/identity/handler';
import type { EventMetadata } from '../eventstore/port';
import { CliError, withDependencies } from './context';

/** `authledger admin create <account>`: registers a /v1 administrator; the password comes from stdin, never from argv. */
export async function adminCreateCommand(account: string, options: { name?: string }): Promise<number> {
  const password = await readPassword(`password for ${account}: `);
  if (password.length < 8) throw new CliError('the password must be at least 8 characters');
  const { userId } = await withDependencies((deps) =>
    registerUser(
      { store: deps.store, dataKey: deps.config.dataKey },
      { profile: { account, name: options.name ?? account, mobile: null, email: null, headImg: null, tenantId: null }, password, roles: ['admin'] },
      cliMetadata('admin create'),
    ),
  );
  console.log(userId);
  return 0;
}

/** Who ran the command, for the audit trail: the operating-system user. */
export function cliMetadata(command: string): EventMetadata {
  return {
    actor: { kind: 'system', id: `cli:${command}`, name: safeUsername() },
    correlationId: crypto.randomUUID(),
    causationId: null,
    clientIp: null,
    userAgent: 'authledger-cli',
    time: new Date().toISOString(),
  };
}

function safeUsername(): string | null {
  try {
    return userInfo().username;
  } catch {
    return null;
  }
}

/** The first line of stdin; on a terminal, asked for without echoing it. */
async function readPassword(prompt: string): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) {
    let text = '';
    for await (const chunk of input) text += String(chunk);
    return text.split(/\r?\n/)[0] ?? '';
  }
  process.stderr.write(prompt);
  const rl = createInterface({ input, output: undefined, terminal: true });
  try {
    return await new Promise<string>((resolve) => rl.once('line', resolve));
  } finally {
    rl.close();
    process.stderr.write('\n');
  }
}
