// The reference implementation's speed on the same work as benchmarks/actions_language.py.
// Reads {triggers, mappings, liquid, events, seconds} as JSON on stdin, prints figures as JSON.
// Needs the reference packages installed under conformance/node_modules (see conformance/package.json).
'use strict'
const path = require('path')
const modules = path.join(__dirname, '..', 'conformance', 'node_modules', '@segment')
const parseFql = require(path.join(modules, 'destination-subscriptions', 'dist', 'cjs', 'parse-fql.js')).default
const validate = require(path.join(modules, 'destination-subscriptions', 'dist', 'cjs', 'validate.js')).default
const { transform } = require(path.join(modules, 'actions-core', 'dist', 'cjs', 'mapping-kit', 'index.js'))

const { triggers, mappings, liquid, events, seconds } = JSON.parse(require('fs').readFileSync(0, 'utf8'))
const batch = []
for (let i = 0; i < 100; i++) batch.push(...events)
const parsed = triggers.map((text) => parseFql(text))

function rate(work) {
  work()
  let done = 0
  const started = process.hrtime.bigint()
  let elapsed = 0
  while (elapsed < seconds) {
    done += work()
    elapsed = Number(process.hrtime.bigint() - started) / 1e9
  }
  return done / elapsed
}

function allTriggers() {
  for (const event of batch) for (const ast of parsed) validate(ast, event)
  return batch.length
}

function mappingOf(kind) {
  const selected = batch.filter((event) => event.type === kind)
  return () => {
    for (const event of selected) transform(mappings[kind], event)
    return selected.length
  }
}

function pipeline() {
  for (const event of batch) {
    for (const ast of parsed) {
      if (validate(ast, event) && mappings[event.type]) transform(mappings[event.type], event)
    }
  }
  return batch.length
}

const triggerRate = rate(allTriggers)
const resolves = {}
for (const kind of Object.keys(mappings)) resolves[kind] = Math.round(rate(mappingOf(kind)))
console.log(JSON.stringify({
  events_per_s_all_15_triggers: Math.round(triggerRate),
  mapping_resolves_per_s: resolves,
  events_per_s_triggers_plus_mappings: Math.round(rate(pipeline)),
  liquid_mapping_resolves_per_s: Math.round(rate(() => {
    for (const event of batch) transform(liquid, event)
    return batch.length
  }))
}))
