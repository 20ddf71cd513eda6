/** Exit code of a run stopped by SIGINT/SIGTERM (128 + SIGINT), as shells report Ctrl-C. */
export const INTERRUPTED_EXIT_CODE = 130;

export interface InterruptHandler {
  /** Aborted by the first SIGINT/SIGTERM. */
  readonly signal: AbortSignal;
  /** Restore the default signal behaviour. */
  dispose(): void;
}

/**
 * Graceful stop for long commands (train, ablate, worker): the first SIGINT/SIGTERM aborts `signal`
 * (the work stops at its next safe point, e.g. a training step boundary, and saves what it has);
 * a second one exits at once with code 130. Checkpoints are written atomically (temporary folder +
 * rename, `last` moved by rename), so exiting in the middle of one leaves the previous one intact.
 */
export function installInterruptHandler(options: { log: (line: string) => void; stopping: string; now?: string }): InterruptHandler {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => {
    if (!controller.signal.aborted) {
      options.log(`${name}: ${options.stopping} (press Ctrl-C again to quit at once)`);
      controller.abort(new Error(name));
      return;
    }
    options.log(`${name} again: quitting now${options.now ? `; ${options.now}` : ''}`);
    process.exit(INTERRUPTED_EXIT_CODE);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
