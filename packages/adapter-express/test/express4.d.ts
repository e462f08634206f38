// `express4` is express@4 installed under an npm alias; its API is typed by @types/express.
declare module 'express4' {
  import express from 'express'
  export default express
}
