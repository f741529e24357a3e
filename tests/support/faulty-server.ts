/**
 * A server process for the tests of `runMain`: it starts, then hits the
 * fault its first argument names, from a timer as a real bug or peer would.
 * - `throw`: an exception nobody catches. The process must stop and exit 70.
 * - `reject`: a promise rejected with nobody waiting on it. The process must
 *   keep serving; to prove it, it then asks itself to stop (SIGTERM), and
 *   exits 0.
 * Its stop prints `stopped cleanly`.
 */
import { runMain } from '#server'

const fault = process.argv[2]

runMain({ program: 'shoal-faulty-server' }, async ({ log }) => {
  // Something to serve, so the process stays up until it is stopped.
  const serving = setInterval(() => {}, 60_000)
  setTimeout(() => {
    if (fault === 'throw') {
      throw new Error('a bug in a timer')
    }
    process.once('unhandledRejection', () => {
      log.info('still serving after the rejection')
      setImmediate(() => process.kill(process.pid, 'SIGTERM'))
    })
    void Promise.reject(new Error('a peer hung up'))
  }, 0)
  return {
    stop: async () => {
      clearInterval(serving)
      log.info('stopped cleanly')
    }
  }
})
