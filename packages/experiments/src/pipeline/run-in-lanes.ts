/**
 * Runs `jobs` on `lanes` (e.g. simulators with their own predictors), each lane taking the next job
 * as soon as its previous one ends; the results come back in job order whatever lane ran them.
 * When a job throws, no lane starts another job, the lanes' running jobs finish, and the first
 * error is thrown.
 */
export async function runInLanes<L, J, R>(lanes: readonly L[], jobs: readonly J[], run: (lane: L, job: J, index: number) => Promise<R>): Promise<R[]> {
  if (lanes.length === 0 && jobs.length > 0) throw new Error('runInLanes: no lanes to run the jobs on');
  const results = new Array<R>(jobs.length);
  let next = 0;
  let failed = false;
  const settled = await Promise.allSettled(
    lanes.map(async (lane) => {
      while (!failed && next < jobs.length) {
        const i = next++;
        try {
          results[i] = await run(lane, jobs[i]!, i);
        } catch (err) {
          failed = true;
          throw err;
        }
      }
    }),
  );
  const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (rejected) throw rejected.reason;
  return results;
}
