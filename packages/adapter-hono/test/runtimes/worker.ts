/** Entry for workerd (Cloudflare Workers, run by miniflare): the app as a module worker. */
import { createApp } from './app.js'

const app = createApp()
export default { fetch: app.fetch }
