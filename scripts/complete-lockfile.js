#!/usr/bin/env node
/**
 * Adds to package-lock.json the platform-specific optional packages (e.g. @swc/core-darwin-arm64)
 * that `npm install` leaves out when the registry it uses does not serve them. Without them, `npm ci`
 * refuses the lockfile as out of sync. Each added entry names its os and cpu, so npm skips it on
 * every other platform and never downloads it. Run it after any `npm install` that changes the lock:
 *
 *   npm install && node scripts/complete-lockfile.js
 */
const fs = require('node:fs');
const path = require('node:path');

const file = path.join(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const OS = ['darwin', 'linux', 'win32', 'freebsd', 'android', 'openbsd', 'sunos', 'aix', 'netbsd', 'wasm32'];
const CPU = ['x64', 'arm64', 'arm', 'ia32', 'ppc64', 'ppc64le', 's390x', 'riscv64', 'loong64', 'mips64el', 'wasm32'];

let added = 0;
for (const [where, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `${where ? `${where}/` : ''}node_modules/${name}`;
    const hoisted = `node_modules/${name}`;
    if (lock.packages[key] || lock.packages[hoisted]) continue;
    const parts = name.split('/').pop().split('-');
    const os = OS.filter((o) => parts.includes(o));
    const cpu = CPU.filter((c) => parts.includes(c));
    lock.packages[hoisted] = { version, optional: true, ...(os.length ? { os } : {}), ...(cpu.length ? { cpu } : {}) };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lockfile: added ${added} platform package(s)`);
