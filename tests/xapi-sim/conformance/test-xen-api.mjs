#!/usr/bin/env node
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Conformance of xapi-sim with an independent client: Xen Orchestra's
// xen-api (pinned in package-lock.json).  TAP output; exit 77 (and
// "1..0 # SKIP") when node_modules is missing (run `npm ci` here).

import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { control, rawCall, rawCounts, rawLogin, rawResult, startSim, stopSim, waitFor } from './sim.mjs'

const HERE = dirname(fileURLToPath(import.meta.url))
const XEN_API = join(HERE, 'node_modules', 'xen-api', 'index.mjs')
const N_HOSTS = 4
const N_VMS = 300

if (!existsSync(XEN_API)) {
  console.log('1..0 # SKIP xen-api not installed (npm ci in tests/xapi-sim/conformance)')
  process.exit(77)
}
if (!process.env.XAPI_SIM) {
  console.log('1..0 # SKIP XAPI_SIM not set')
  process.exit(77)
}

const { Xapi } = await import(XEN_API)

const tests = []
const test = (name, fn) => tests.push({ name, fn })
const assert = (cond, msg) => {
  if (!cond) {
    throw new Error(msg)
  }
}

let sim
let xapi
let session
const clients = []

function newXapi (url, opts = {}) {
  const x = new Xapi({
    url,
    ...opts,
    auth: { user: 'root', password: 'password' },
    allowUnauthorized: true,
    httpInactivityTimeout: 20000,
  })
  // Keep unexpected log noise out of the TAP stream.
  x.on('eventFetchingError', e => console.log(`# eventFetchingError ${e?.code ?? e}`))
  clients.push(x)
  return x
}

function countByType (x) {
  const counts = {}
  for (const object of Object.values(x.objects.all)) {
    counts[object.$type] = (counts[object.$type] ?? 0) + 1
  }
  return counts
}

test('connect over TLS (allowUnauthorized) and fetch every object', async () => {
  xapi = newXapi(sim.url)
  await xapi.connect()
  assert(xapi.status === 'connected', `status ${xapi.status}`)
  await xapi.objectsFetched   // bounded by the runner's per-test timeout
  assert(xapi.pool?.$type === 'pool', 'no pool object')
})

test('object counts equal raw get_all_records and the scenario', async () => {
  session = await rawLogin(sim.url)
  const raw = await rawCounts(sim.url, session)
  const seen = countByType(xapi)
  const mismatches = []
  for (const cls of new Set([...Object.keys(raw), ...Object.keys(seen)])) {
    // Sessions come and go with every client; xen-api does not keep them.
    if (cls === 'session') {
      continue
    }
    if ((raw[cls] ?? 0) !== (seen[cls] ?? 0)) {
      mismatches.push(`${cls}: raw ${raw[cls]} xen-api ${seen[cls]}`)
    }
  }
  assert(mismatches.length === 0, mismatches.join('; '))
  assert(seen.host === N_HOSTS, `hosts: ${seen.host}`)
  const guests = xapi.objects.all
  const nGuests = Object.values(guests)
    .filter(o => o.$type === 'VM' && !o.is_a_template && !o.is_control_domain && !o.is_a_snapshot).length
  assert(nGuests === N_VMS, `guest VMs: ${nGuests}`)
  const total = Object.entries(raw).filter(([c]) => c !== 'session').reduce((a, [, n]) => a + n, 0)
  console.log(`# ${Object.keys(raw).length} classes, ${total} objects`)
})

test('a member URL answers HOST_IS_SLAVE and xen-api follows it to the master', async () => {
  const [name, memberUrl] = Object.entries(sim.members)[0]
  const direct = await rawCall(memberUrl, 'session.login_with_password', ['root', 'password'])
  assert(direct.error?.message === 'HOST_IS_SLAVE', `raw login on ${name}: ${JSON.stringify(direct)}`)
  const masterHost = new URL(sim.url).hostname
  assert(direct.error.data[0] === masterHost, `HOST_IS_SLAVE names ${direct.error.data[0]}`)

  const member = newXapi(memberUrl, { watchEvents: false })
  await member.connect()
  assert(new URL(sim.url).hostname === member._url.hostname, `xen-api is on ${member._url.hostname}`)
  assert(member.pool.$ref === xapi.pool.$ref, 'another pool?')
  const hosts = await member.call('host.get_all')
  assert(hosts.length === N_HOSTS, `host.get_all via member: ${hosts.length}`)
  await member.disconnect()
})

test("callAsync('VM.clean_shutdown') completes and the VM is Halted", async () => {
  const vm = Object.values(xapi.objects.all)
    .find(o => o.$type === 'VM' && o.power_state === 'Running' && !o.is_control_domain)
  assert(vm !== undefined, 'no running VM')
  const result = await xapi.callAsync('VM.clean_shutdown', vm.$ref)
  assert(result === '', `task result ${JSON.stringify(result)}`)
  const state = await rawResult(sim.url, 'VM.get_power_state', [session, vm.$ref])
  assert(state === 'Halted', `server says ${state}`)
  await waitFor('Halted in the cache', () => xapi.getObjectByRef(vm.$ref).power_state === 'Halted')
})

test('a change by another client arrives through the event loop', async () => {
  const vm = Object.values(xapi.objects.all).find(o => o.$type === 'VM' && !o.is_a_template)
  const label = `renamed by raw JSON-RPC ${process.pid}`
  await rawResult(sim.url, 'VM.set_name_label', [session, vm.$ref, label])
  await waitFor('the new name_label', () => xapi.getObjectByRef(vm.$ref).name_label === label)
  // And a map field.
  await rawResult(sim.url, 'VM.add_to_other_config', [session, vm.$ref, 'conformance', 'yes'])
  await waitFor('other_config:conformance', () => xapi.getObjectByRef(vm.$ref).other_config.conformance === 'yes')
  const stats = await control(sim, '/stats')
  assert(stats.events_served > 0, 'no events served?')
})

// ---------------------------------------------------------------- runner
const started = Date.now()
let failed = 0
console.log(`1..${tests.length + 1}`)
try {
  sim = await startSim(['--scenario', 'large', '--hosts', String(N_HOSTS), '--vms', String(N_VMS), '--time-scale', '0.01'])
  console.log('ok 1 - start xapi-sim')
} catch (e) {
  console.log(`not ok 1 - start xapi-sim\n# ${e.message}`)
  console.log('Bail out! no simulator')
  process.exit(1)
}

let i = 2
for (const { name, fn } of tests) {
  try {
    await Promise.race([
      fn(),
      new Promise((resolve, reject) => setTimeout(reject, 25000, new Error('test timed out (25 s)'))),
    ])
    console.log(`ok ${i} - ${name}`)
  } catch (e) {
    failed++
    console.log(`not ok ${i} - ${name}`)
    for (const line of String(e?.stack ?? e).split('\n')) {
      console.log(`# ${line}`)
    }
  }
  i++
}

for (const x of clients) {
  await Promise.race([x.disconnect().catch(() => {}), new Promise(resolve => setTimeout(resolve, 2000))])
}
const code = await stopSim(sim)
if (code !== 0) {
  console.log(`# xapi-sim exited with ${code}`)
}
console.log(`# ${((Date.now() - started) / 1000).toFixed(1)} s`)
process.exit(failed > 0 || code !== 0 ? 1 : 0)
