// Sends the events given as JSON on stdin through @segment/analytics-node to SEGCIO_URL, then exits.
const { Analytics } = require('@segment/analytics-node')

async function main() {
  const input = JSON.parse(require('fs').readFileSync(0, 'utf8'))
  const analytics = new Analytics({ writeKey: input.writeKey, host: input.host, flushAt: input.events.length })
  const failures = []
  analytics.on('error', (err) => failures.push(String(err && (err.reason || err.message || err))))
  for (const call of input.events) {
    analytics[call.method](call.args)
  }
  await analytics.closeAndFlush({ timeout: 20000 })
  process.stdout.write(JSON.stringify({ failures }) + '\n')
}

main().catch((err) => { console.error(err); process.exit(1) })
