#!/usr/bin/env node
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The node side of the benchmarks, against a running xapi-sim; output is
// one JSON line per measurement, like xapi-bench.
//
//   bench-xen-api.mjs sync URL
//       Xen Orchestra's xen-api: new Xapi() + connect() + objectsFetched.
//   bench-xen-api.mjs storm URL CONTROL_URL RATE:SECONDS...
//       xen-api under POST /storm: latency of each change of STORM_FIELD
//       (default name_description) of a STORM_CLASS (default VM) object to
//       the objects collection's "update" event.
//   bench-xen-api.mjs floor URL CONTROL_URL RATE:SECONDS...
//       No client library: a raw event.from loop (JSON.parse only), to see
//       what the simulator and the transport alone cost.
//
// Timing and counting as in xapi-bench.c: the simulator writes "storm N" (a
// string field) or N (an int field, VM_metrics memory_actual), change N of a
// phase is due at T + (N - N0) / RATE; a value notified also covers the
// earlier changes of that object that event.from coalesced into it (N - k *
// OBJECTS, since the last value notified for it).

import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { readFileSync } from 'node:fs'

const HERE = dirname(fileURLToPath(import.meta.url))
const CONFORMANCE = join(HERE, '..', 'xapi-sim', 'conformance')
const { control, rawLogin, rawResult } = await import(join(CONFORMANCE, 'sim.mjs'))

const now = () => Number(process.hrtime.bigint()) / 1e6 // ms, CLOCK_MONOTONIC
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6 }
// CPU time of the simulator (XAPI_BENCH_SIM_PID), or -1.
function simCpu () {
  const pid = process.env.XAPI_BENCH_SIM_PID
  if (!pid) return -1
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(f[11]) + Number(f[12])) / 100 // USER_HZ is 100 on Linux
}
const tick = ms => new Promise(resolve => setTimeout(resolve, ms))

function percentiles (values) {
  const sorted = Float64Array.from(values).sort()
  const at = p => sorted.length ? sorted[Math.min(sorted.length - 1, Math.round(p / 100 * (sorted.length - 1)))] : 0
  return { p50: at(50), p90: at(90), p99: at(99), max: at(100) }
}

const round = (x, d = 2) => Number(x.toFixed(d))

async function newXapi (url) {
  const { Xapi } = await import(join(CONFORMANCE, 'node_modules', 'xen-api', 'index.mjs'))
  return new Xapi({ url, auth: { user: 'root', password: 'password' }, allowUnauthorized: true })
}

async function sync (url) {
  const rssBefore = process.memoryUsage().rss
  const lag = monitorEventLoopDelay({ resolution: 1 })
  lag.enable()
  const t0 = now()
  const c0 = cpu()
  const xapi = await newXapi(url)
  await xapi.connect()
  await xapi.objectsFetched
  const wall = (now() - t0) / 1e3
  const cpuS = cpu() - c0
  lag.disable()
  const all = Object.values(xapi.objects.all)
  console.log(JSON.stringify({
    bench: 'sync',
    client: 'xen-api',
    wall_s: round(wall, 3),
    cpu_s: round(cpuS, 3),
    peak_rss_kb: process.resourceUsage().maxRSS,
    rss_before_kb: Math.round(rssBefore / 1024),
    rss_after_kb: Math.round(process.memoryUsage().rss / 1024),
    objects: all.length,
    vms: all.filter(o => o.$type === 'VM').length,
    longest_iteration_ms: round(lag.max / 1e6),
  }))
  return xapi
}

// A storm phase; @watch(onChange, marker) installs the observer and returns
// { seen(): boolean } for the marker.
const STORM_CLASS = process.env.STORM_CLASS ?? 'VM'
const STORM_FIELD = process.env.STORM_FIELD ?? 'name_description'
const state = {
  base: 0, limit: 0, maxSeen: 0, tStart: 0, rate: 1, latencies: [], changeLatencies: [], lastNotify: 0,
  objects: 1, last: new Map(), irregular: 0, retries: 0,
}

// The storm counter in a field's value, or 0.
function stormValue (value) {
  if (typeof value === 'number') return value > 0 ? value : 0
  if (typeof value === 'string' && value.startsWith('storm ')) return Number(value.slice(6))
  return 0
}

function storm (ref, value, t) {
  const n = stormValue(value)
  if (!(n > state.base) || n > state.limit) return
  // the same value again (the object changed otherwise, e.g. the marker): no change of the storm
  if (state.last.get(ref) === n) return
  if (n > state.maxSeen) state.maxSeen = n
  const due = m => state.tStart + (m - state.base) * 1e3 / state.rate
  state.latencies.push(t - due(n))
  state.lastNotify = t
  // the changes this value covers, down to the last value notified for the object
  let prev = state.last.get(ref) ?? 0
  const round = state.objects
  if (!(prev > state.base) || prev >= n || (n - prev) % round !== 0) {
    if (prev > state.base && prev < n) state.irregular++
    prev = n - round * Math.floor((n - state.base - 1) / round) - round
  }
  for (let m = prev + round; m <= n; m += round) state.changeLatencies.push(t - due(m))
  state.last.set(ref, n)
}

async function phases (sim, client, phaseArgs, markerSeen, setMarker) {
  let i = 0
  for (const arg of phaseArgs) {
    const [rate, seconds] = arg.split(':').map(Number)
    state.latencies = []
    state.changeLatencies = []
    state.irregular = 0
    state.retries = 0
    state.base = state.maxSeen = (await control(sim, '/stats')).storm_counter
    state.limit = state.base + rate * seconds * 2 + 1000
    state.rate = rate
    // unique per run too: a name the VM already has would change nothing
    const marker = `bench marker ${client} ${++i} ${state.base}`
    setMarker(marker)
    const lag = monitorEventLoopDelay({ resolution: 1 })
    lag.enable()
    const c0 = cpu()
    const s0 = simCpu()
    state.tStart = now()
    await control(sim, '/storm', { rate, duration: seconds, class: STORM_CLASS, field: STORM_FIELD })
    while ((await control(sim, '/stats')).storming) {
      await tick(100)
    }
    const tEnd = state.tStart + seconds * 1e3
    await control(sim, '/mutate', { class: 'VM', ref: sim.markerRef, field: 'name_label', value: marker })
    const deadline = now() + 120e3
    while (!markerSeen()) {
      if (now() > deadline) throw new Error('marker not seen')
      await tick(1)
    }
    // the marker's batch may be handled in parts: wait for every change to be covered, a while
    const counterEnd = (await control(sim, '/stats')).storm_counter
    for (const until = now() + 10e3; state.changeLatencies.length < counterEnd - state.base && now() < until;) {
      await tick(1)
    }
    const drain = now() - tEnd
    const cpuS = cpu() - c0
    const s1 = simCpu()
    lag.disable()
    const n = state.latencies.length
    const nc = state.changeLatencies.length
    const span = (Math.max(state.lastNotify, tEnd) - state.tStart) / 1e3
    const p = percentiles(state.latencies)
    const pc = percentiles(state.changeLatencies)
    console.log(JSON.stringify({
      bench: 'storm',
      client,
      class: STORM_CLASS,
      field: STORM_FIELD,
      objects: state.objects,
      rate,
      seconds,
      server_changes: counterEnd - state.base,
      notifications: n,
      notify_per_s: Math.round(n / span),
      latency_ms: { p50: round(p.p50), p90: round(p.p90), p99: round(p.p99), max: round(p.max) },
      changes_covered: nc,
      covered_per_s: Math.round(nc / span),
      irregular: state.irregular,
      change_latency_ms: { p50: round(pc.p50), p90: round(pc.p90), p99: round(pc.p99), max: round(pc.max) },
      drain_ms: round(drain, 1),
      longest_iteration_ms: round(lag.max / 1e6),
      cpu_s: round(cpuS, 3),
      cpu_per_notify_us: n ? round(cpuS * 1e6 / n) : 0,
      sim_cpu_s: s0 < 0 ? -1 : round(s1 - s0),
      ...(client === 'raw event.from' ? { retries: state.retries } : {}),
      wall_s: round((now() - state.tStart) / 1e3, 3),
    }))
  }
}

async function stormXenApi (url, controlUrl, phaseArgs) {
  const xapi = await sync(url)
  const sim = { control: controlUrl }
  state.objects = Object.values(xapi.objects.all).filter(o => o.$type === STORM_CLASS).length
  const vm = Object.values(xapi.objects.all).find(o => o.$type === 'VM')
  sim.markerRef = vm.$ref
  let marker
  let seen = false
  xapi.objects.on('update', items => {
    const t = now()
    for (const id in items) {
      const o = items[id]
      if (o.$type === STORM_CLASS) storm(o.$ref, o[STORM_FIELD], t)
      if (o.$ref === sim.markerRef && o.name_label === marker) seen = true
    }
  })
  await phases(sim, 'xen-api', phaseArgs, () => seen, m => { marker = m; seen = false })
}

async function stormFloor (url, controlUrl, phaseArgs) {
  const session = await rawLogin(url)
  const sim = { control: controlUrl }
  const records = await rawResult(url, 'VM.get_all_records', [session])
  state.objects = Object.keys(await rawResult(url, `${STORM_CLASS}.get_all_records`, [session])).length
  sim.markerRef = Object.keys(records)[0]
  const stormClass = STORM_CLASS.toLowerCase()
  // Same subscription as libxapi's default ("*"); FLOOR_CLASSES=vm to narrow it.
  const classes = (process.env.FLOOR_CLASSES ?? '*').split(',')
  let token = (await rawResult(url, 'event.from', [session, classes, '', 0.1])).token
  let marker
  let seen = false
  let stop = false
  const loop = (async () => {
    while (!stop) {
      let result
      try {
        result = await rawResult(url, 'event.from', [session, classes, token, 5.0])
      } catch (e) {
        // a kept-alive connection the simulator closed meanwhile (seen once under a 100,000/s
        // storm): ask again with the same token, nothing is lost; counted in "retries"
        if (e.code !== 'ECONNRESET') throw e
        state.retries++
        continue
      }
      const t = now()
      token = result.token
      for (const e of result.events) {
        const s = e.snapshot
        if (s === undefined) continue
        if (e.class === stormClass) storm(e.ref, s[STORM_FIELD], t)
        if (e.ref === sim.markerRef && s.name_label === marker) seen = true
      }
    }
  })()
  await phases(sim, 'raw event.from', phaseArgs, () => seen, m => { marker = m; seen = false })
  stop = true
  await control(sim, '/mutate', { class: 'VM', ref: sim.markerRef, field: 'name_label', value: 'done' })
  await loop
}

const [mode, url, controlUrl, ...rest] = process.argv.slice(2)
if (mode === 'sync' && url) {
  await sync(url)
} else if (mode === 'storm' && rest.length) {
  await stormXenApi(url, controlUrl, rest)
} else if (mode === 'floor' && rest.length) {
  await stormFloor(url, controlUrl, rest)
} else {
  console.error('usage: bench-xen-api.mjs sync URL | storm|floor URL CONTROL_URL RATE:SECONDS...')
  process.exit(2)
}
process.exit(0)
