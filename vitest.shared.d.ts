/** Shared vitest settings: resolve `@idemkit/*` packages to their TypeScript source. */
export declare const sourceConditions: {
  resolve: { conditions: string[]; mainFields: string[] }
  ssr: { resolve: { conditions: string[]; externalConditions: string[]; mainFields: string[] } }
}
