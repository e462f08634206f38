/**
 * The SaaS backend behind the example API, framework-neutral: six operations whose side effects
 * must never happen twice (a card charge, an order, an invoice, a subscription, a WhatsApp message,
 * an e-signature request). Each records its side effect in a {@link Ledger}, which is how the demo
 * and the tests count what really happened on the server.
 */

/** The endpoints, each `POST /<name>`. */
export const OPERATION_NAMES = ['payments', 'orders', 'invoices', 'subscriptions', 'messages', 'signatures'] as const

/** One of {@link OPERATION_NAMES}. */
export type OperationName = (typeof OPERATION_NAMES)[number]

/** One side effect that happened. */
export interface SideEffect {
  operation: OperationName
  /** The id the server gave it (`pay_1`, `ord_2`, …). */
  id: string
  /** The client's own reference from the body, if any: lets the demo see duplicates of one operation. */
  reference: string | undefined
}

/** Every side effect the backend performed, in order. */
export class Ledger {
  readonly effects: SideEffect[] = []
  private sequence = 0

  /** Record a side effect and return its new id. */
  record(operation: OperationName, prefix: string, reference: string | undefined): string {
    const id = `${prefix}_${++this.sequence}`
    this.effects.push({ operation, id, reference })
    return id
  }

  /** Side effects of `operation` (all when omitted). */
  count(operation?: OperationName): number {
    return operation === undefined ? this.effects.length : this.effects.filter((effect) => effect.operation === operation).length
  }

  /** Side effects beyond the first per client reference: what a customer would see as duplicates. */
  duplicates(operation?: OperationName): number {
    const seen = new Set<string>()
    let duplicates = 0
    for (const effect of this.effects) {
      if (effect.reference === undefined || (operation !== undefined && effect.operation !== operation)) continue
      const key = `${effect.operation}:${effect.reference}`
      if (seen.has(key)) duplicates++
      else seen.add(key)
    }
    return duplicates
  }
}

/** A request body the API refuses, with the reason (answered as 400, which is stored and replayed). */
export class ValidationError extends Error {}

type Body = Record<string, unknown>

interface Operation {
  prefix: string
  perform(body: Body, id: string): Record<string, unknown>
  validate(body: Body): void
}

const text = (body: Body, field: string): string => {
  const value = body[field]
  if (typeof value !== 'string' || value.length === 0) throw new ValidationError(`"${field}" must be a non-empty string`)
  return value
}
const positiveInteger = (body: Body, field: string): number => {
  const value = body[field]
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) throw new ValidationError(`"${field}" must be a positive integer`)
  return value
}

const OPERATIONS: Record<OperationName, Operation> = {
  payments: {
    prefix: 'pay',
    validate: (body) => (positiveInteger(body, 'amount'), text(body, 'currency')),
    perform: (body, id) => ({ id, status: 'succeeded', amount: body.amount, currency: body.currency }),
  },
  orders: {
    prefix: 'ord',
    validate: (body) => (text(body, 'sku'), positiveInteger(body, 'quantity')),
    perform: (body, id) => ({ id, status: 'placed', sku: body.sku, quantity: body.quantity }),
  },
  invoices: {
    prefix: 'inv',
    validate: (body) => (text(body, 'customer'), positiveInteger(body, 'amount')),
    perform: (body, id) => ({ id, status: 'issued', customer: body.customer, amount: body.amount }),
  },
  subscriptions: {
    prefix: 'sub',
    validate: (body) => (text(body, 'customer'), text(body, 'plan')),
    perform: (body, id) => ({ id, status: 'active', customer: body.customer, plan: body.plan }),
  },
  messages: {
    prefix: 'msg',
    validate: (body) => (text(body, 'to'), text(body, 'template')),
    perform: (body, id) => ({ id, status: 'sent', channel: 'whatsapp', to: body.to, template: body.template }),
  },
  signatures: {
    prefix: 'sig',
    validate: (body) => (text(body, 'document'), text(body, 'signer')),
    perform: (body, id) => ({ id, status: 'requested', document: body.document, signer: body.signer }),
  },
}

/** How the backend behaves: how slow the downstream provider is. */
export interface BackendOptions {
  /** Milliseconds each operation takes after validation (a payment provider, a messaging API). Default 0. */
  latencyMs?: number
}

/**
 * Run `operation` for `body`: validate (throws {@link ValidationError}), wait for the "provider",
 * record the side effect, and return the created resource.
 */
export async function perform(
  ledger: Ledger,
  operation: OperationName,
  body: unknown,
  options: BackendOptions = {},
): Promise<Record<string, unknown>> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ValidationError('the body must be a JSON object')
  const definition = OPERATIONS[operation]
  definition.validate(body as Body)
  if (options.latencyMs) await new Promise((resolve) => setTimeout(resolve, options.latencyMs))
  const reference = typeof (body as Body).reference === 'string' ? ((body as Body).reference as string) : undefined
  const id = ledger.record(operation, definition.prefix, reference)
  return definition.perform(body as Body, id)
}
