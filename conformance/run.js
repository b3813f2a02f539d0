#!/usr/bin/env node
// Reference runner: feeds Segment events through Segment's own "Customer.io (Actions)"
// destination (npm @segment/action-destinations, run by @segment/actions-core) and reports
// the HTTP requests it would send. HTTP is intercepted in-process by nock: nothing leaves
// the machine. One long-lived process answers many cases, one JSON line in, one JSON line out.
//
// Input lines (JSON objects):
//   {"mode":"single","event":{...},"settings":{...},"subscriptions":[...]|null,"id":any}
//   {"mode":"batch","events":[...],"settings":{...},"subscriptions":[...]|null,"id":any}
//   {"mode":"delete","event":{...},"settings":{...}}        the GDPR onDelete hook
//   {"mode":"presets"}                                       the Quick Setup presets
//   {"mode":"bench","events":[...],"settings":{...},"subscriptions":[...]|null,"rounds":N,"concurrency":C}
//   {"mode":"jsdate","values":["25 Mar 2015",...]}           JavaScript's Date.parse (ms or null)
//   {"mode":"dayjs","values":["2015-03-25 10:00",...]}        the destination's dayjs.utc(value) (ms or null)
//   {"mode":"liquid","data":{...},"templates":["{{ a }}",...]} each template as the mapping kit's @liquid renders it
// "subscriptions" null/absent means the automatic (Quick Setup) presets. "settings.accountRegion"
// may be "US"/"EU" (segcio's spelling) or the reference's own flag strings.
'use strict'

process.env.TZ = 'UTC' // naive ISO strings are read as local time by the reference; pin it

const path = require('path')
const readline = require('readline')

const REPORTED_HEADERS = ['authorization', 'content-type', 'user-agent']

// Every request to any host is answered 200 {} and recorded here, in order.
let captured = []

function parseBody(text) {
  return text === undefined || text === null || text === '' ? null : JSON.parse(text)
}

// --http=nock (default): nock intercepts Node's http layer, so the recorded request is what
// would go on the wire. --http=fetch: the fetch function the runtime calls is replaced, which
// costs far less per request; the benchmark uses it so the reference is measured at its best.
const httpMode = (process.argv.find((arg) => arg.startsWith('--http=')) || '--http=nock').slice(7)

function installNock() {
  const nock = require('nock')
  nock.disableNetConnect()
  function recordAndReply(uri, body) {
    const headers = {}
    for (const name of REPORTED_HEADERS) {
      const value = this.req.headers[name]
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : String(value)
    }
    const { protocol, hostname, port } = this.req.options
    const defaultPort = protocol === 'https:' ? 443 : 80
    const origin = `${protocol}//${hostname}${port && Number(port) !== defaultPort ? `:${port}` : ''}`
    const json = typeof body === 'string' ? parseBody(body) : body === undefined ? null : body
    captured.push({ method: this.req.method.toUpperCase(), url: origin + uri, headers, json })
    return [200, {}, { 'content-type': 'application/json' }]
  }
  for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
    nock(/.*/)
      .persist()
      [method](() => true)
      .reply(recordAndReply)
  }
}

function installFetchStub() {
  // Must run before @segment/actions-core is loaded: its fetch module keeps cross-fetch's export.
  const corePath = path.dirname(require.resolve('@segment/actions-core'))
  const crossFetchPath = require.resolve('cross-fetch', { paths: [corePath] })
  const real = require(crossFetchPath)
  const stub = async (request) => {
    const headers = {}
    for (const name of REPORTED_HEADERS) {
      const value = request.headers.get(name)
      if (value !== null) headers[name] = value
    }
    const json = parseBody(await request.text())
    captured.push({ method: request.method.toUpperCase(), url: request.url, headers, json })
    return new real.Response('{}', { status: 200, headers: { 'content-type': 'application/json' } })
  }
  Object.assign(stub, { default: stub, fetch: stub, Headers: real.Headers, Request: real.Request, Response: real.Response })
  require.cache[crossFetchPath].exports = stub
}

if (httpMode === 'fetch') installFetchStub()
else if (httpMode === 'nock') installNock()
else throw new Error(`--http must be nock or fetch, got ${httpMode}`)

const { Destination, transform } = require('@segment/actions-core')
const customerio = require('@segment/action-destinations/dist/destinations/customerio').default
const { AccountRegion } = require('@segment/action-destinations/dist/destinations/customerio/utils')
const dayjs = require('@segment/action-destinations/dist/lib/dayjs').default

const REGION_FLAGS = { US: AccountRegion.US, EU: AccountRegion.EU }
const destination = new Destination(customerio)
const automaticPresets = customerio.presets.filter((preset) => preset.type === 'automatic')

function referenceSettings(settings) {
  const out = { ...(settings || {}) }
  if (Object.prototype.hasOwnProperty.call(REGION_FLAGS, out.accountRegion)) {
    out.accountRegion = REGION_FLAGS[out.accountRegion]
  }
  return out
}

function subscriptionsOf(input) {
  return Array.isArray(input.subscriptions) ? input.subscriptions : automaticPresets
}

function errorMessage(err) {
  return err && err.message !== undefined ? String(err.message) : String(err)
}

// "not subscribed", "Invalid subscription : ..." and "Failed to validate subscription" are the
// runtime's ways of saying the event was not handed to the action.
function unmatchedOutput(results) {
  if (results.length !== 1 || typeof results[0].output !== 'string') return null
  const output = results[0].output
  if (
    output === 'not subscribed' ||
    output === 'Failed to validate subscription' ||
    output.startsWith('Invalid subscription : ')
  ) {
    return output
  }
  return null
}

async function runSingle(input) {
  const settings = referenceSettings(input.settings)
  const out = { requests: [], subscriptions: [], settings_error: null }
  try {
    destination.validateSettings(settings)
  } catch (err) {
    out.settings_error = errorMessage(err)
    return out
  }
  for (const sub of subscriptionsOf(input)) {
    const first = captured.length
    const result = { name: sub.name, partnerAction: sub.partnerAction, matched: true, error: null, output: null }
    try {
      const results = await destination.onSubscription(sub, input.event, settings, undefined, {})
      const unmatched = unmatchedOutput(results)
      if (unmatched !== null) {
        result.matched = false
        result.output = unmatched
      }
    } catch (err) {
      result.error = errorMessage(err)
    }
    result.requests = captured.slice(first)
    out.subscriptions.push(result)
  }
  out.requests = captured
  return out
}

function statusEntry(entry) {
  if (!entry) return null
  const out = { status: entry.status }
  if (entry.errortype !== undefined) out.errortype = entry.errortype
  if (entry.errormessage !== undefined) out.errormessage = entry.errormessage
  return out
}

async function runBatch(input) {
  const settings = referenceSettings(input.settings)
  const events = input.events || input.event
  const out = { requests: [], subscriptions: [], settings_error: null }
  try {
    destination.validateSettings(settings)
  } catch (err) {
    out.settings_error = errorMessage(err)
    return out
  }
  for (const sub of subscriptionsOf(input)) {
    const first = captured.length
    const result = { name: sub.name, partnerAction: sub.partnerAction, matched: true, error: null, output: null }
    try {
      const results = await destination.onSubscription(sub, events, settings, undefined, {})
      const unmatched = unmatchedOutput(results)
      if (unmatched !== null) {
        result.matched = false
        result.output = unmatched
      } else {
        result.multistatus = (results[0].multistatus || []).map(statusEntry)
      }
    } catch (err) {
      result.error = errorMessage(err)
    }
    result.requests = captured.slice(first)
    out.subscriptions.push(result)
  }
  out.requests = captured
  return out
}

async function runDelete(input) {
  const out = { requests: [], error: null }
  try {
    await destination._onDelete(input.event, referenceSettings(input.settings), {})
  } catch (err) {
    out.error = errorMessage(err)
  }
  out.requests = captured
  return out
}

// The mapping kit's @liquid directive (its liquidjs engine, disabled tags and filters, size limit), through
// `transform` so that the result is what a mapping field gets: the rendered text, or the error that fails it.
// Each template gets its own copy of the data (`increment` and `decrement` write into it).
function liquid(input) {
  return {
    results: input.templates.map((template) => {
      try {
        const value = transform({ r: { '@liquid': template } }, structuredClone(input.data)).r
        return { value: value === undefined ? null : value }
      } catch (err) {
        return { error: errorMessage(err) }
      }
    })
  }
}

function presets() {
  return {
    presets: customerio.presets.map((preset) => {
      const out = { name: preset.name, partnerAction: preset.partnerAction, type: preset.type, mapping: preset.mapping }
      if (preset.subscribe !== undefined) out.subscribe = preset.subscribe
      if (preset.eventSlug !== undefined) out.eventSlug = preset.eventSlug
      return out
    })
  }
}

// Throughput of the reference runtime alone: every event through every subscription, as in
// single mode, timed inside this process so pipes and JSON framing are not counted. The request
// path of actions-core waits on a timer tick (about 1 ms) per request even with the stub, so
// `concurrency` events are kept in flight, as a Node service would, and the CPU does the work
// meanwhile (1 = strictly one after another). With several rounds the fastest one is reported
// (the first includes the JIT's warm-up).
async function bench(input) {
  const settings = referenceSettings(input.settings)
  const subscriptions = subscriptionsOf(input)
  const rounds = input.rounds || 1
  const concurrency = input.concurrency || 1
  const events = input.events
  async function runEvent(event) {
    destination.validateSettings(settings)
    for (const sub of subscriptions) {
      try {
        await destination.onSubscription(sub, event, settings, undefined, {})
      } catch (err) {
        // validation errors are part of the work being measured
      }
    }
  }
  let best = Infinity
  let bestCpu = Infinity
  for (let round = 0; round < rounds; round++) {
    captured = []
    let next = 0
    const worker = async () => {
      while (next < events.length) await runEvent(events[next++])
    }
    const started = process.hrtime.bigint()
    const startedCpu = process.cpuUsage()
    await Promise.all(Array.from({ length: concurrency }, worker))
    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e9)
    const cpu = process.cpuUsage(startedCpu)
    bestCpu = Math.min(bestCpu, (cpu.user + cpu.system) / 1e6)
  }
  const requests = captured.length
  captured = []
  return {
    events: events.length,
    requests,
    seconds: best,
    events_per_second: events.length / best,
    cpu_seconds: bestCpu,
    events_per_cpu_second: events.length / bestCpu,
    concurrency
  }
}

async function handle(input) {
  captured = []
  switch (input.mode || 'single') {
    case 'single':
      return runSingle(input)
    case 'batch':
      return runBatch(input)
    case 'delete':
      return runDelete(input)
    case 'presets':
      return presets()
    case 'bench':
      return bench(input)
    case 'jsdate':
      return { ms: input.values.map((value) => { const ms = Date.parse(value); return Number.isNaN(ms) ? null : ms }) }
    case 'dayjs':
      return { ms: input.values.map((value) => { const date = dayjs.utc(value); return date.isValid() ? date.valueOf() : null }) }
    case 'liquid':
      return liquid(input)
    default:
      throw new Error(`unknown mode ${JSON.stringify(input.mode)}: use single, batch, delete, presets, bench, jsdate, dayjs or liquid`)
  }
}

async function main() {
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity })
  for await (const line of lines) {
    if (!line.trim()) continue
    let input
    let output
    try {
      input = JSON.parse(line)
      output = await handle(input)
    } catch (err) {
      output = { fatal: errorMessage(err) }
    }
    if (input && input.id !== undefined) output.id = input.id
    process.stdout.write(JSON.stringify(output) + '\n')
  }
}

main().catch((err) => {
  process.stderr.write(`${err && err.stack ? err.stack : err}\n`)
  process.exit(1)
})
