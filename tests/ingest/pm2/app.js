// The application the acceptance test runs under PM2: a metric, two actions, an exception on demand.
'use strict'
const io = require('@pm2/io')

const counter = io.metric({ name: 'Meridian Counter' })
let ticks = 0

setInterval(() => {
  ticks += 1
  counter.set(ticks)
  console.log(`meridian tick ${ticks}`)
}, 500)

io.action('hello', (reply) => reply({ hi: 'from the app', ticks }))

io.action('boom', (reply) => {
  reply({ throwing: true })
  setTimeout(() => { throw new Error('meridian acceptance boom') }, 200)
})
