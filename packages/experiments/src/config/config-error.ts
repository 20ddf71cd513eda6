/** One problem found in a config: where it is, what was expected and which file set it. */
export interface ConfigIssue {
  /** Dotted path, `encoders.1.kind`; empty for the whole document. */
  path: string;
  message: string;
  /** File (or `--set`) that set the value, when known. */
  source?: string;
}

/** Formats a dotted path the way users write it: `encoders[1].kind`. */
export function formatPath(path: string): string {
  if (path === '') return '(root)';
  return path
    .split('.')
    .map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join('');
}

/**
 * A config that cannot be used. The message lists every problem, one per line, so a user
 * fixes them all in one go; nothing has run when this is thrown.
 */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(
      `invalid config ${file} (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n` +
        issues
          .map((i) => `  - ${formatPath(i.path)}: ${i.message}${i.source !== undefined && i.source !== file ? ` (set in ${i.source})` : ''}`)
          .join('\n'),
    );
    this.name = 'ConfigError';
  }
}
