// Loaded with NODE_OPTIONS=--require: the PM2 agent looks up google.com before every websocket
// reconnect and waits until it resolves; this machine has no internet, so that one name resolves
// to the loopback here. Every other lookup is left to the system.
'use strict'
const dns = require('dns')
const lookup = dns.lookup

dns.lookup = function (hostname, options, callback) {
  if (hostname !== 'google.com') return lookup.apply(this, arguments)
  if (typeof options === 'function') {
    callback = options
    options = {}
  }
  if (options && options.all) return process.nextTick(callback, null, [{ address: '127.0.0.1', family: 4 }])
  return process.nextTick(callback, null, '127.0.0.1', 4)
}
