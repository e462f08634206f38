/**
 * The bodies every configuration sends and answers: a 1 KB JSON request, a 1 KB JSON response and a
 * 100 KB JSON response, built once from the same seed so every server and the load generator agree.
 *
 * @module
 */

/** A JSON object of about `bytes` bytes once serialised: an order with line items. */
export function orderOfSize(bytes: number, customer = 'cus_8f3k2'): Record<string, unknown> {
  const items: Array<Record<string, unknown>> = []
  const order: Record<string, unknown> = { customer, currency: 'EUR', amount: 4200, items }
  // Track the length item by item: re-serialising the whole order each time is quadratic, and took
  // seconds for the 100 KB one at every server start.
  let length = JSON.stringify(order).length
  for (let index = 0; length < bytes; index++) {
    const item = { sku: `sku-${index}`, qty: index % 7, price: 199 + index, note: 'x'.repeat(12) }
    items.push(item)
    length += JSON.stringify(item).length + (items.length > 1 ? 1 : 0)
  }
  return order
}

/** The request body of every protected POST: 1 KB of JSON. */
export const REQUEST_BODY = JSON.stringify(orderOfSize(1024))

/** What the handler answers (besides its order id) on `/orders`: 1 KB of JSON. */
export const ORDER_RESPONSE = orderOfSize(1024, 'cus_response')

/** What the handler answers on `/reports`: 100 KB of JSON, to measure replaying a large response. */
export const REPORT_RESPONSE = orderOfSize(100 * 1024, 'cus_report')

/** Route of the 1 KB response. */
export const ORDERS_PATH = '/orders'
/** Route of the 100 KB response. */
export const REPORTS_PATH = '/reports'
