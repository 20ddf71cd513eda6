/** The error of a failed atomic write: names the target (unless the message already does), keeps the cause. */
export function atomicWriteError(path: string, err: unknown): Error {
  const message = err instanceof Error ? err.message : String(err);
  if (message.includes(path)) return err instanceof Error ? err : new Error(message);
  return new Error(`${path}: could not be written: ${message}`, { cause: err });
}
