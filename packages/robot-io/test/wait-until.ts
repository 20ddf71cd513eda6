/**
 * Polls `condition` every 10 ms until it holds or `ms` pass (then returns and the caller's assertion
 * fails). For effects that cross a pty (a broadcast torque-off reaching the emulator): a fixed
 * sleep is too short on a loaded machine, a deadline keeps the test able to fail.
 */
export async function waitUntil(condition: () => boolean, ms = 2000): Promise<void> {
  for (const deadline = Date.now() + ms; !condition() && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 10));
}
