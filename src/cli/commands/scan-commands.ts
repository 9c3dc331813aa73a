import { Option, type Command } from 'commander';

import type { CliContext } from '../context.js';

export type ScanFormat = 'text' | 'json';

interface ScanOptions {
  format: ScanFormat;
  json?: boolean;
}

/** `tresor scan [PATH]`: finds secrets committed to a repository. It needs no server. */
export function registerScanCommands(program: Command, context: CliContext): void {
  program
    .command('scan')
    .description(
      'find secrets committed to a repository: private keys, cloud keys, API tokens and Tresor tokens, also inside base64 values. ' +
        'Skips .git, node_modules, dist, symbolic links, binary files and files over 1 MiB. Exits 1 when it finds any.',
    )
    .argument('[path]', 'folder (or single file) to scan', '.')
    .addOption(new Option('--format <format>', 'output: one line per finding, or one JSON document').choices(['text', 'json']).default('text'))
    .addOption(new Option('--json', 'same as --format json').conflicts('format'))
    .action(async (target: string, options: ScanOptions) => {
      const { runScan } = await import('./scan-action.js');
      await runScan(context, { target, format: options.json === true ? 'json' : options.format });
    });
}
