// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Helpers shared by the conformance test and the node benchmark: spawn
// xapi-sim, raw JSON-RPC (node's own http/https, no xen-api code involved),
// the control endpoint, and waiting on conditions with a deadline.

import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import http from 'node:http'
import https from 'node:https'

const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 64, rejectUnauthorized: false }),
}

// POST @body (a string) to @url; resolves to { status, headers, text }.
export function post (url, body, { timeout = 60000 } = {}) {
  const u = new URL(url)
  const mod = u.protocol === 'https:' ? https : http
  return new Promise((resolve, reject) => {
    const req = mod.request(u, {
      method: body === undefined ? 'GET' : 'POST',
      agent: agents[u.protocol],
      headers: body === undefined
        ? {}
        : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
      timeout,
    }, res => {
      const chunks = []
      res.on('data', c => chunks.push(c))
      res.on('end', () => resolve({
        status: res.statusCode,
        headers: res.headers,
        text: Buffer.concat(chunks).toString('utf8'),
      }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`timeout: ${url}`)))
    req.on('error', reject)
    req.end(body)
  })
}

let rpcId = 0

// A JSON-RPC 2.0 call; resolves to the whole response object.
export async function rawCall (baseUrl, method, params) {
  const body = JSON.stringify({ jsonrpc: '2.0', method, params, id: ++rpcId })
  const res = await post(new URL('/jsonrpc', baseUrl).href, body)
  if (res.status !== 200) {
    throw new Error(`${method}: HTTP ${res.status}`)
  }
  return JSON.parse(res.text)
}

// Like rawCall but returns the result and throws on a XenAPI error.
export async function rawResult (baseUrl, method, params) {
  const reply = await rawCall(baseUrl, method, params)
  if (reply.error !== undefined) {
    const e = new Error(`${method}: ${JSON.stringify(reply.error)}`)
    e.xapi = reply.error
    throw e
  }
  return reply.result
}

export async function rawLogin (baseUrl) {
  return rawResult(baseUrl, 'session.login_with_password', ['root', 'password', '1.0', 'raw'])
}

// Independent object counts: every class with get_all_records, one call each.
// Returns { Class: count }.
export async function rawCounts (baseUrl, session) {
  const methods = await rawResult(baseUrl, 'system.listMethods', [])
  const classes = methods
    .filter(m => m.endsWith('.get_all_records') && !m.startsWith('Async.'))
    .map(m => m.slice(0, m.indexOf('.')))
  const counts = {}
  for (const cls of classes) {
    const reply = await rawCall(baseUrl, `${cls}.get_all_records`, [session])
    if (reply.error === undefined) {
      counts[cls] = Object.keys(reply.result).length
    }
  }
  return counts
}

export async function control (sim, path, body) {
  const res = await post(new URL(path, sim.control).href, body === undefined ? undefined : JSON.stringify(body))
  if (res.status !== 200) {
    throw new Error(`control ${path}: HTTP ${res.status} ${res.text}`)
  }
  return JSON.parse(res.text)
}

// Spawn the simulator; resolves once it printed CONTROL.
export function startSim (args, { timeout = 120000 } = {}) {
  const bin = process.env.XAPI_SIM
  if (!bin) {
    return Promise.reject(new Error('XAPI_SIM is not set'))
  }
  const child = spawn(bin, ['--port', '0', '--control-port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const sim = { child, url: undefined, control: undefined, members: {}, stderr: '' }
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', chunk => { sim.stderr += chunk })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM')
      reject(new Error('xapi-sim did not print CONTROL in time'))
    }, timeout)
    const lines = createInterface({ input: child.stdout })
    child.once('exit', code => {
      clearTimeout(timer)
      reject(new Error(`xapi-sim exited early (${code})`))
    })
    lines.on('line', line => {
      const parts = line.trim().split(/\s+/)
      if (parts[0] === 'READY') {
        sim.url = parts[1]
      } else if (parts[0] === 'MEMBER') {
        sim.members[parts[1]] = parts[2]
      } else if (parts[0] === 'CONTROL') {
        sim.control = parts[1]
        clearTimeout(timer)
        child.removeAllListeners('exit')
        resolve(sim)
      }
    })
  })
}

// SIGTERM; resolves to the exit status (0 when clean).  The simulator's
// stderr goes to ours.  As in tests/simtest.py: when LeakSanitizer cannot
// run here (ptrace sandboxes) and nothing else went wrong, that is not a
// failure.
export async function stopSim (sim) {
  if (sim === undefined) {
    return undefined
  }
  let code = sim.child.exitCode ?? sim.child.signalCode
  if (code === null) {
    code = await new Promise(resolve => {
      const timer = setTimeout(() => sim.child.kill('SIGKILL'), 20000)
      sim.child.once('close', (status, signal) => {
        clearTimeout(timer)
        resolve(status ?? signal)
      })
      sim.child.kill('SIGTERM')
    })
  }
  const err = sim.stderr
  if (err) {
    process.stderr.write(err)
  }
  if (code !== 0 && err.includes('LeakSanitizer has encountered a fatal error') &&
      !err.includes('detected memory leaks') && !err.includes('ERROR: AddressSanitizer') &&
      !err.includes('runtime error')) {
    console.log(`# LeakSanitizer could not run here; exit status ${code} ignored`)
    code = 0
  }
  return code
}

// Poll @cond (sync or async) every @interval ms until it returns a truthy
// value, which is returned; rejects after @timeout ms.
export async function waitFor (what, cond, { timeout = 10000, interval = 5 } = {}) {
  const deadline = Date.now() + timeout
  for (;;) {
    const value = await cond()
    if (value) {
      return value
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`)
    }
    await new Promise(resolve => setTimeout(resolve, interval))
  }
}
