// Answers trigger and mapping questions with Segment's reference implementation (the npm packages installed
// under conformance/node_modules), for tests/actions/test_reference_language.py.
// stdin: {"mappings": [{mapping, data}], "triggers": [{ast, events}]}
// stdout: {"mappings": [{result} | {errors}], "triggers": [{fql, parsed, matches}]}
'use strict'
const path = require('path')
const segment = path.join(__dirname, '..', '..', 'conformance', 'node_modules', '@segment')
const { transform } = require(path.join(segment, 'actions-core', 'dist', 'cjs', 'mapping-kit', 'index.js'))
const subscriptions = path.join(segment, 'destination-subscriptions', 'dist', 'cjs')
const parseFql = require(path.join(subscriptions, 'parse-fql.js')).default
const validate = require(path.join(subscriptions, 'validate.js')).default
const generateFql = require(path.join(subscriptions, 'generate-fql.js')).default

function mappingAnswer({ mapping, data }) {
  try {
    const result = transform(mapping, data)
    return { result: result === undefined ? null : result }
  } catch (error) {
    // validation problems come as an AggregateError listing every message
    const errors = typeof error[Symbol.iterator] === 'function' ? [...error].map((e) => e.message) : [error.message]
    return { errors }
  }
}

function triggerAnswer({ ast, events }) {
  const fql = generateFql(ast)
  const parsed = parseFql(fql)
  return {
    fql,
    parsed: parsed.error ? { error: String(parsed.error.message) } : parsed,
    matches: events.map((event) => validate(parsed, event))
  }
}

const input = JSON.parse(require('fs').readFileSync(0, 'utf8'))
console.log(JSON.stringify({
  mappings: (input.mappings || []).map(mappingAnswer),
  triggers: (input.triggers || []).map(triggerAnswer)
}))
